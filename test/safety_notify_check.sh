#!/usr/bin/env bash
# The safety signal's NOTIFY (doc/qa.md, "Safety signals") is delivered only when the submission
# commits, so it is checked here in a scratch database rather than in a pgTAP suite: a named
# response of a young person with "It makes me feel safe" at 2 notifies rbp_safety_signal with the
# random signal id and nothing else; the same answer given worker-only or anonymously notifies
# nothing. Run by test/run (make test); prints TAP lines, exits non-zero on failure.
set -euo pipefail
db=rbp_safety_notify_check
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
SELECT rbp.register_authority('north', 'North');
SELECT rbp.register_team('north', 't1', 'Team');
SELECT rbp.register_staff('north', 'A', 'Worker A', 't1');
SELECT rbp.register_respondent('north', 'F1', 'Y1', 'child_young_person'), rbp.register_respondent('north', 'F1', 'Y2', 'child_young_person'),
       rbp.register_respondent('north', 'F1', 'Y3', 'child_young_person');
SELECT rbp.open_involvement('north', 'I1', 'F1', 't1', '2026-01-05');
SELECT rbp.allocate_worker('north', 'I1', 'A', '2026-01-05');
CREATE TABLE tok AS SELECT rbp.issue_invitation('north', 'I1', 'Y1', 'link', 3650, '2026-02-01') AS named_token,
                           rbp.issue_invitation('north', 'I1', 'Y2', 'link', 3650, '2026-02-01') AS worker_only_token,
                           rbp.issue_invitation('north', 'I1', 'Y3', 'link', 3650, '2026-02-01') AS anonymous_token;
SQL
status=0
out="$(psql -X -q -v ON_ERROR_STOP=1 -d "$db" 2>&1 <<'SQL'
LISTEN rbp_safety_signal;
SELECT rbp.submit_response(worker_only_token, 'worker_only', '{"dial_safe": 2}', 'online', false, '2026-02-10') FROM tok;
SELECT rbp.submit_response(anonymous_token, 'anonymous', '{"dial_safe": 1}', 'online', false, '2026-02-10') FROM tok;
SELECT 1 AS after_unnamed;
SELECT rbp.submit_response(named_token, 'named', '{"dial_safe": 2}', 'online', false, '2026-02-10') FROM tok;
SELECT 'signal ' || signal_id FROM rbp.safety_signal;
SQL
)"
signal="$(grep -o 'signal [0-9a-f-]\{36\}' <<<"$out" | cut -d' ' -f2 || true)"
notes="$(grep -c 'Asynchronous notification' <<<"$out" || true)"
if [ -n "$signal" ] && grep -q "Asynchronous notification \"rbp_safety_signal\" with payload \"$signal\" received" <<<"$out"; then
    echo "ok - a named young person's low \"feel safe\" dial notifies rbp_safety_signal with only the random signal id"
else
    echo "not ok - no rbp_safety_signal notification carrying the signal id"; echo "$out" | sed 's/^/# /'; status=1
fi
if [ "$notes" = 1 ]; then
    echo "ok - the same answer given worker-only or anonymously notifies nothing"
else
    echo "not ok - expected exactly one notification, saw $notes"; echo "$out" | sed 's/^/# /'; status=1
fi
psql -X -q -d postgres -c "DROP DATABASE $db"
exit $status
