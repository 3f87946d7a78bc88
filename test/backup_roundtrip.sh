#!/usr/bin/env bash
# Backups that restore: fill a database through the API, pg_dump it, restore it into a fresh one,
# and compare every table of schema rbp. Run by test/run (make test) against the throwaway cluster;
# prints TAP-like lines and exits non-zero on any difference.
set -euo pipefail
src=rbp_backup_src
dst=rbp_backup_dst
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" \
     -c "CREATE DATABASE $src" -c "CREATE DATABASE $dst" 2>/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$src" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
SELECT rbp.register_authority('north', 'North');
SELECT rbp.register_team('north', 't1', 'Team');
SELECT rbp.register_staff('north', 'A', 'Worker A', 't1'), rbp.register_staff('north', 'S', 'Supervisor', 't1');
SELECT rbp.register_supervision('north', 'A', 'S', '2026-01-01');
SELECT rbp.register_respondent('north', 'F1', 'P1', 'parent'), rbp.register_respondent('north', 'F1', 'P2', 'carer');
SELECT rbp.open_involvement('north', 'I1', 'F1', 't1', '2026-01-05');
SELECT rbp.allocate_worker('north', 'I1', 'A', '2026-01-05');
SELECT rbp.submit_response(rbp.issue_invitation('north', 'I1', 'P1', 'link', 3650, '2026-02-01'), 'named', '{"q2_trust": 4, "q4_impact": "Good"}', 'online', false, '2026-02-10');
SELECT rbp.submit_response(rbp.issue_invitation('north', 'I1', 'P2', 'link', 3650, '2026-02-01'), 'anonymous', '{"q2_trust": 2}', 'online', false, '2026-02-11');
SELECT rbp.issue_invitation('north', 'I1', 'P2', 'email', 28, '2026-03-01');
SELECT rbp.set_suppression_threshold(6);
-- Languages, the safety signal and its queue (issue 16): rows of the extension's own tables beside seeded ones.
DROP ROLE IF EXISTS rbp_backup_qa;
CREATE ROLE rbp_backup_qa LOGIN IN ROLE rbp_qa;   -- QA's login (a superuser is refused as a person's login)
SELECT rbp.register_staff('north', 'Q', 'QA', NULL, 'rbp_backup_qa', true), rbp.map_login('rbp_backup_qa', 'qa', 'north');
SELECT rbp.register_respondent('north', 'F1', 'Y1', 'child_young_person');
SELECT rbp.set_instrument_translation('children_young_people', 1, 'cy', 'Teitl', 'Cyflwyniad',
       (SELECT jsonb_object_agg(q.code, 'Cwestiwn ' || q.position) FROM rbp.question q JOIN rbp.instrument i USING (instrument_id)
         WHERE i.code = 'children_young_people' AND i.version = 1));
SELECT rbp.set_glossary_translation('safe', 'cy', 'diogel', 'Diffiniad');
SELECT rbp.set_support_option_translation(rbp.add_support_option('north', 'emotional', 'Helpline', '0800'), 'cy', 'Llinell gymorth', '0800');
SELECT rbp.set_form_text('cy', 'dial.low', 'Dim o gwbl'), rbp.set_authority_language('north', 'cy');
SELECT rbp.link_glossary_term('children_young_people', 1, 'dial_respected', 'trust', 5);
SELECT rbp.set_safety_rule('north', 'dial_listened_to', 2);
SELECT rbp.submit_response(rbp.issue_invitation('north', 'I1', 'Y1', 'link', 3650, '2026-02-01'), 'named', '{"dial_safe": 1, "dial_listened_to": 2}', 'online', false, '2026-02-12');
SET ROLE rbp_backup_qa;
SELECT rbp.act_on_safety_signal(signal_id, 'Visited') FROM rbp.safety_signal WHERE question_code = 'dial_safe';
RESET ROLE;
SQL
pg_dump -Fc "$src" | pg_restore -d "$dst" --exit-on-error
# The same content, table by table (order-independent digest of each table's rows).
digest() {
    psql -X -At -d "$1" <<'SQL'
SELECT c.relname || ' ' || (xpath('/row/d/text()', query_to_xml(
           format('SELECT count(*) || '':'' || coalesce(md5(string_agg(t::text, '','' ORDER BY t::text)), '''') AS d FROM rbp.%I t', c.relname),
           false, false, '')))[1]::text
  FROM pg_class c WHERE c.relnamespace = 'rbp'::regnamespace AND c.relkind = 'r' ORDER BY c.relname;
SELECT 'threshold ' || rbp.suppression_threshold();
SQL
}
status=0
diff <(digest "$src") <(digest "$dst") && echo "ok - every table of rbp is identical after pg_dump and pg_restore" \
    || { echo "not ok - the restored database differs from the original"; status=1; }
# Identity sequences continue after the restore: a new registration does not collide.
if psql -X -q -v ON_ERROR_STOP=1 -d "$dst" -c "SELECT rbp.register_team('north', 't2', 'Second')" >/dev/null; then
    echo "ok - the restored database accepts new registrations"
else
    echo "not ok - new registrations fail after restore"; status=1
fi
psql -X -q -d postgres -c "DROP DATABASE $src" -c "DROP DATABASE $dst" -c "DROP ROLE rbp_backup_qa"
exit $status
