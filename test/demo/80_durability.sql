-- make demo, chapter 80: a backup and its restore, a restore that forgets the replica mode, and an
-- upgrade from the first release, as a DBA runs them (doc/dba.md: Backups, Restores, Upgrades).
-- Shell steps run with \! (pg_dump, pg_restore, diff); the databases made here are dropped at the end.
\set ON_ERROR_STOP 1
\set QUIET on
\pset border 2
SET client_min_messages = warning;
SELECT current_database() AS db, current_database() || '_restored' AS restored, current_database() || '_refused' AS refused,
       current_database() || '_upgraded' AS upgraded, '/tmp/' || current_database() || '_' || pg_backend_pid() AS dump \gset
\setenv RBP_DB :db
\setenv RBP_DUMP :dump

\echo
\echo '== 80. Backups: pg_dump the example database (custom format) =='
\! pg_dump -Fc -f "$RBP_DUMP.dump" "$RBP_DB" && echo "pg_dump: done"

\echo
\echo '== Restore into a new database, with the extension''s triggers off (session_replication_role = replica) =='
DROP DATABASE IF EXISTS :"restored";
CREATE DATABASE :"restored";
\! PGOPTIONS='-c session_replication_role=replica' pg_restore --exit-on-error -j 2 -d "${RBP_DB}_restored" "$RBP_DUMP.dump" && echo "pg_restore -j 2: done"
\echo 'A digest of every table and sequence (rows, md5 of all rows) and of the due list, before and after; the first lines:'
\! psql -X -q -d "$RBP_DB" -f test/fixtures/digest.sql > "$RBP_DUMP.before" && psql -X -q -d "${RBP_DB}_restored" -f test/fixtures/digest.sql > "$RBP_DUMP.after" && grep -E '^(response|answer|anonymous_holding|invitation_schedule|report_cell|due_invitations)' "$RBP_DUMP.after"
\! echo "lines compared: $(wc -l < "$RBP_DUMP.before")"; diff "$RBP_DUMP.before" "$RBP_DUMP.after" && echo 'identical: every row of every table restored exactly'

\echo
\echo '== A restore that forgets the replica mode is refused, never silently lossy =='
DROP DATABASE IF EXISTS :"refused";
CREATE DATABASE :"refused";
\! pg_restore --exit-on-error -d "${RBP_DB}_refused" "$RBP_DUMP.dump" 2>&1 | grep -E '^(pg_restore: error|DETAIL|HINT)' | cut -c1-160
DROP DATABASE :"refused";
DROP DATABASE :"restored";
\! rm -f "$RBP_DUMP.dump" "$RBP_DUMP.before" "$RBP_DUMP.after"

\echo
\echo '== Upgrades: a database of release 0.1.0, with a row in every table, then ALTER EXTENSION UPDATE =='
DROP DATABASE IF EXISTS :"upgraded";
CREATE DATABASE :"upgraded";
\c :upgraded
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp VERSION '0.1.0';
\o /dev/null
\ir ../upgrade/data_0.1.0.sql
\o
SET search_path = public, rbp;   -- the operators of the extension's types live in rbp
\echo 'Under 0.1.0, publishing a second version of the parents'' questionnaire flagged the seeded version 1 in place:'
SELECT rbp.publish_instrument_version('parents_carers', 'Your social worker', 'Second wording.', '{parent,carer}',
       '[{"code": "q2_trust", "kind": "scale", "prompt": "I can trust my social worker", "scale_points": 5}]') AS new_instrument_id;
SELECT extversion AS version FROM pg_extension WHERE extname = 'feedback_rbp';
SELECT code, version, is_current FROM rbp.instrument ORDER BY code, version;
CREATE TEMP TABLE before_update AS
SELECT (SELECT count(*) FROM rbp.response) AS responses, (SELECT count(*) FROM rbp.answer) AS answers,
       (SELECT count(*) FROM rbp.anonymous_holding) AS held_anonymous, (SELECT count(*) FROM rbp.invitation_schedule) AS schedules,
       (SELECT md5(string_agg(a::text, ',' ORDER BY a::text)) FROM rbp.answer a) AS answers_md5,
       (SELECT md5(string_agg(r::text, ',' ORDER BY r::text)) FROM rbp.response r WHERE anonymity = 'named') AS named_md5;
ALTER EXTENSION feedback_rbp UPDATE;
SELECT extversion AS version FROM pg_extension WHERE extname = 'feedback_rbp';
\echo 'Which version is current is now derived (rbp.is_current), not a flag on the seeded row:'
SELECT code, version, rbp.is_current(i) AS is_current FROM rbp.instrument i ORDER BY code, version;
\echo 'Every row kept (counts, md5 of every answer and of every named response, before and after):'
SELECT 'before' AS "when", * FROM before_update
UNION ALL
SELECT 'after', (SELECT count(*) FROM rbp.response), (SELECT count(*) FROM rbp.answer),
       (SELECT count(*) FROM rbp.anonymous_holding), (SELECT count(*) FROM rbp.invitation_schedule),
       (SELECT md5(string_agg(a::text, ',' ORDER BY a::text)) FROM rbp.answer a),
       (SELECT md5(string_agg(r::text, ',' ORDER BY r::text)) FROM rbp.response r WHERE anonymity = 'named');
\echo 'What 0.2.0 changes on purpose (test/upgrade/changes_0.1.0.sql): worker-only responses keep no submission date;'
\echo 'held answers are re-encoded in one size. Decoded, the held answer is the one stored under 0.1.0:'
SELECT respondent_kind, anonymity, worker_id, team_id, octet_length(payload) AS payload_bytes,
       (SELECT string_agg(question_id || '=' || coalesce(rbp.likert_value(score)::text, free_text), ', ') FROM unnest(rbp.held_answers(payload))) AS answers
  FROM rbp.anonymous_holding;
SELECT anonymity, count(*) AS responses, count(submitted_on) AS with_submission_date FROM rbp.response GROUP BY anonymity ORDER BY anonymity;
\c :db
DROP DATABASE :"upgraded";
