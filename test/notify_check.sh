#!/usr/bin/env bash
# NOTIFY is delivered only when a transaction commits, so it cannot be observed inside a pgTAP suite
# (each runs in one rolled-back transaction). This check commits in a scratch database: releasing
# named feedback notifies rbp_feedback_routed with nothing but the random route id; an anonymous
# submission notifies nothing. Run by test/run (make test); exits non-zero on failure.
set -euo pipefail
db=rbp_notify_check
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
DROP ROLE IF EXISTS rbp_notify_qa;
CREATE ROLE rbp_notify_qa LOGIN IN ROLE rbp_qa;   -- QA's login (a superuser is refused as a person's login)
SELECT rbp.register_authority('north', 'North');
SELECT rbp.register_team('north', 't1', 'Team');
SELECT rbp.register_staff('north', 'A', 'Worker A', 't1'), rbp.register_staff('north', 'S', 'Supervisor', 't1'),
       rbp.register_staff('north', 'Q', 'QA', NULL, 'rbp_notify_qa', true);
SELECT rbp.map_login('rbp_notify_qa', 'qa', 'north');
SELECT rbp.register_supervision('north', 'A', 'S', '2026-01-01');
SELECT rbp.register_respondent('north', 'F1', 'P1', 'parent'), rbp.register_respondent('north', 'F1', 'P2', 'parent');
SELECT rbp.open_involvement('north', 'I1', 'F1', 't1', '2026-01-05');
SELECT rbp.allocate_worker('north', 'I1', 'A', '2026-01-05');
CREATE TABLE tok AS SELECT rbp.issue_invitation('north', 'I1', 'P1', 'link', 3650, '2026-02-01') AS named_token,
                           rbp.issue_invitation('north', 'I1', 'P2', 'link', 3650, '2026-02-01') AS anonymous_token;
SELECT rbp.submit_response(named_token, 'named', '{"q2_trust": 4}', 'online', false, '2026-02-10') FROM tok;
SQL
status=0
# One session: listen, release (autocommit), then an anonymous submission, then a no-op to collect notifications.
out="$(psql -X -q -v ON_ERROR_STOP=1 -d "$db" 2>&1 <<'SQL'
LISTEN rbp_feedback_routed;
SELECT 'route ' || route_id FROM rbp.route;
SET ROLE rbp_notify_qa;
SELECT rbp.qa_release(response_id) FROM rbp.response;
RESET ROLE;
SELECT 1 AS after_release;
SELECT rbp.submit_response(anonymous_token, 'anonymous', '{"q2_trust": 2}', 'online', false, '2026-02-11') FROM tok;
SELECT 2 AS after_anonymous;
SQL
)"
route="$(grep -o 'route [0-9a-f-]\{36\}' <<<"$out" | cut -d' ' -f2)"
notes="$(grep -c 'Asynchronous notification' <<<"$out" || true)"
if grep -q "Asynchronous notification \"rbp_feedback_routed\" with payload \"$route\" received" <<<"$out"; then
    echo "ok - releasing named feedback notifies rbp_feedback_routed with only the random route id"
else
    echo "not ok - no notification carrying the route id after release"; echo "$out"; status=1
fi
if [ "$notes" = 1 ]; then
    echo "ok - an anonymous submission sends no notification"
else
    echo "not ok - expected exactly one notification, saw $notes"; echo "$out"; status=1
fi
psql -X -q -d postgres -c "DROP DATABASE $db" -c "DROP ROLE rbp_notify_qa"
exit $status
