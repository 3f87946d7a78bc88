-- The generated access matrix (issue 11): test/access/matrix.txt declares who may read and do what
-- (role kind x object x state of the feedback x same/other authority x about me/routed to me/
-- neither); this suite builds two symmetric authorities, puts one item of each authority in each
-- state, gives every kind of login a seat in each authority, and asserts the outcome of every
-- combination for both authorities: a read's row count, a call's success, or its SQLSTATE. Every
-- call runs in a subtransaction that is rolled back, so the cases do not disturb each other.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SET LOCAL search_path = public, rbp;

-- The declarative table.
CREATE TEMP TABLE rule_text (line serial, text text);
\copy rule_text (text) FROM 'test/access/matrix.txt'
CREATE TEMP TABLE rule AS
SELECT line, m[1] AS role_kind, m[2] AS authority, m[3] AS relation, m[4] AS object, m[5] AS state, m[6] AS expect, m[7] AS why
  FROM rule_text, regexp_match(text, '^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*(.*)$') m
 WHERE text !~ '^\s*(#|$)';

-- Two authorities, each: a team; worker W (items are about them), supervisor S (items are routed to
-- them), another worker O; a QA, a case-system and a report-writer login mapped to it only.
-- Shared: survey intake, an administrator, a QA login nobody mapped.
CREATE TEMP TABLE seat (role_kind text, home text, relation text, login text);
INSERT INTO seat VALUES
    ('staff', 'north', 'about_me', 'm_w_north'), ('staff', 'north', 'routed_to_me', 'm_s_north'), ('staff', 'north', 'neither', 'm_o_north'),
    ('staff', 'south', 'about_me', 'm_w_south'), ('staff', 'south', 'routed_to_me', 'm_s_south'), ('staff', 'south', 'neither', 'm_o_south'),
    ('qa', 'north', 'neither', 'm_q_north'), ('qa', 'south', 'neither', 'm_q_south'),
    ('case_system', 'north', 'neither', 'm_c_north'), ('case_system', 'south', 'neither', 'm_c_south'),
    ('report_writer', 'north', 'neither', 'm_r_north'), ('report_writer', 'south', 'neither', 'm_r_south'),
    ('qa_unmapped', NULL, 'neither', 'm_q_unmapped'), ('survey_intake', NULL, 'neither', 'm_intake'), ('admin', NULL, 'neither', 'm_admin');
SELECT format('CREATE ROLE %I LOGIN IN ROLE %I', login,
              CASE role_kind WHEN 'staff' THEN 'rbp_staff' WHEN 'qa' THEN 'rbp_qa' WHEN 'qa_unmapped' THEN 'rbp_qa'
                             WHEN 'case_system' THEN 'rbp_case_system' WHEN 'report_writer' THEN 'rbp_report_writer'
                             WHEN 'survey_intake' THEN 'rbp_survey_intake' ELSE 'rbp_admin' END)
  FROM seat \gexec
SELECT rbp.register_authority(a, initcap(a) || ' Council') FROM unnest(ARRAY['north', 'south']) a \g /dev/null
SELECT rbp.map_login('m_q_' || a, 'qa', a), rbp.map_login('m_c_' || a, 'case_system', a), rbp.map_login('m_r_' || a, 'report_writer', a),
       rbp.register_team(a, 't', 'Team'),
       rbp.register_staff(a, 'W', 'Worker', 't', 'm_w_' || a), rbp.register_staff(a, 'S', 'Supervisor', 't', 'm_s_' || a),
       rbp.register_staff(a, 'O', 'Other worker', 't', 'm_o_' || a), rbp.register_staff(a, 'Q', 'QA', NULL, 'm_q_' || a, true),
       rbp.register_supervision(a, 'W', 'S', '2026-01-01'),
       rbp.register_respondent(a, 'F0', 'P0', 'parent'), rbp.open_involvement(a, 'I0', 'F0', 't', '2026-01-05'),
       rbp.allocate_worker(a, 'I0', 'W', '2026-01-05')
  FROM unnest(ARRAY['north', 'south']) a \g /dev/null
INSERT INTO rbp.theme (authority_id, name) SELECT authority_id, 'Theme' FROM rbp.authority;

-- One named item per authority and state, about W and routed to S.
CREATE TEMP TABLE item (authority text, state text, response_id uuid, theme_id integer);
CREATE TEMP TABLE state_order (state text, n integer);
INSERT INTO state_order VALUES ('awaiting_qa', 1), ('held', 2), ('released', 3), ('reviewed', 4), ('withdrawn', 5);
SELECT rbp.register_respondent(a, 'F' || n, 'P' || n, 'parent'), rbp.open_involvement(a, 'I' || n, 'F' || n, 't', '2026-01-05'),
       rbp.allocate_worker(a, 'I' || n, 'W', '2026-01-05')
  FROM unnest(ARRAY['north', 'south']) a, state_order \g /dev/null
SELECT rbp.submit_response(rbp.issue_invitation(a, 'I' || o.n, 'P' || o.n, 'link', 3650, '2026-02-01'), 'named', '{"q2_trust": 4}', 'online', false, '2026-03-10')
  FROM unnest(ARRAY['north', 'south']) a, state_order o \g /dev/null
INSERT INTO item
SELECT x.code, o.state, r.response_id, (SELECT theme_id FROM rbp.theme t WHERE t.authority_id = x.authority_id)
  FROM rbp.response r JOIN rbp.respondent p USING (respondent_id) JOIN rbp.authority x ON x.authority_id = r.authority_id
  JOIN state_order o ON p.respondent_ref = 'P' || o.n;
GRANT SELECT ON item TO PUBLIC;
SET LOCAL ROLE m_q_north;
SELECT rbp.qa_hold(response_id, 'safeguarding') FROM item WHERE authority = 'north' AND state = 'held' \g /dev/null
SELECT rbp.qa_release(response_id) FROM item WHERE authority = 'north' AND state IN ('released', 'reviewed', 'withdrawn') \g /dev/null
SELECT rbp.withdraw_identity(response_id, 'anonymous') FROM item WHERE authority = 'north' AND state = 'withdrawn' \g /dev/null
RESET ROLE;
SET LOCAL ROLE m_q_south;
SELECT rbp.qa_hold(response_id, 'safeguarding') FROM item WHERE authority = 'south' AND state = 'held' \g /dev/null
SELECT rbp.qa_release(response_id) FROM item WHERE authority = 'south' AND state IN ('released', 'reviewed', 'withdrawn') \g /dev/null
SELECT rbp.withdraw_identity(response_id, 'anonymous') FROM item WHERE authority = 'south' AND state = 'withdrawn' \g /dev/null
RESET ROLE;
SET LOCAL ROLE m_s_north;
SELECT rbp.record_supervision_review(response_id, true) FROM item WHERE authority = 'north' AND state = 'reviewed' \g /dev/null
RESET ROLE;
SET LOCAL ROLE m_s_south;
SELECT rbp.record_supervision_review(response_id, true) FROM item WHERE authority = 'south' AND state = 'reviewed' \g /dev/null
RESET ROLE;
SET client_min_messages = warning;
SELECT count(*) FROM rbp.publish_reports_rows(current_date) \g /dev/null
RESET client_min_messages;

-- The objects: per item (%1$L the response, %2$s the theme of its authority) or per authority (%3$L its code).
CREATE TEMP TABLE object (name text, per text, kind text, sql text);
INSERT INTO object VALUES
    ('fn:my_feedback', 'item', 'read', 'SELECT FROM rbp.my_feedback() WHERE response_id = %1$L'),
    ('fn:my_inbox', 'item', 'read', 'SELECT FROM rbp.my_inbox() WHERE response_id = %1$L'),
    ('fn:my_answers', 'item', 'read', 'SELECT FROM rbp.my_answers() WHERE response_id = %1$L'),
    ('fn:qa_feedback', 'item', 'read', 'SELECT FROM rbp.qa_feedback() WHERE response_id = %1$L'),
    ('table:response', 'item', 'read', 'SELECT FROM rbp.response WHERE response_id = %1$L'),
    ('table:answer', 'item', 'read', 'SELECT FROM rbp.answer WHERE response_id = %1$L'),
    ('table:route', 'item', 'read', 'SELECT FROM rbp.route WHERE response_id = %1$L'),
    ('table:supervision_review', 'item', 'read', 'SELECT FROM rbp.supervision_review WHERE response_id = %1$L'),
    ('write:response', 'item', 'call', 'UPDATE rbp.response SET qa_note = ''x'' WHERE response_id = %1$L'),
    ('write:route', 'item', 'call', 'DELETE FROM rbp.route WHERE response_id = %1$L'),
    ('call:qa_release', 'item', 'call', 'SELECT rbp.qa_release(%1$L)'),
    ('call:qa_hold', 'item', 'call', 'SELECT rbp.qa_hold(%1$L, ''a reason'')'),
    ('call:record_supervision_review', 'item', 'call', 'SELECT rbp.record_supervision_review(%1$L, true)'),
    ('call:withdraw_identity', 'item', 'call', 'SELECT rbp.withdraw_identity(%1$L, ''worker_only'')'),
    ('call:tag_response', 'item', 'call', 'SELECT rbp.tag_response(%2$s, %1$L)'),
    ('table:staff', 'authority', 'read', 'SELECT FROM rbp.staff s JOIN rbp.authority a USING (authority_id) WHERE a.code = %3$L'),
    ('call:register_team', 'authority', 'call', 'SELECT rbp.register_team(%3$L, ''t2'', ''Team 2'')'),
    ('call:issue_invitation', 'authority', 'call', 'SELECT rbp.issue_invitation(%3$L, ''I0'', ''P0'', ''email'')'),
    ('view:report_responses', 'authority', 'read', 'SELECT FROM rbp.report_responses WHERE authority = %3$L');

-- The outcome of one statement as one login: rows:0/1/some for a read, ok or error:SQLSTATE. Always
-- rolled back (the subtransaction ends with an error of its own), role included.
CREATE FUNCTION pg_temp.outcome(p_login text, p_kind text, p_sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_n bigint;
    v_result text;
BEGIN
    BEGIN
        PERFORM set_config('role', p_login, true);
        IF p_kind = 'read' THEN
            EXECUTE format('SELECT count(*) FROM (%s) x', p_sql) INTO v_n;
            v_result := 'rows:' || CASE WHEN v_n <= 1 THEN v_n::text ELSE 'some' END;
        ELSE
            EXECUTE p_sql;
            v_result := 'ok';
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'RBPUN';
    EXCEPTION
        WHEN SQLSTATE 'RBPUN' THEN NULL;
        WHEN OTHERS THEN v_result := 'error:' || SQLSTATE;
    END;
    RETURN v_result;
END
$$;

-- Every case: seat x object x (item of each authority in each state | each authority).
CREATE TEMP TABLE matrix_case AS
SELECT s.role_kind, CASE WHEN s.home = t.authority THEN 'same' ELSE 'other' END AS authority,
       s.relation, o.name AS object, t.state, s.login, o.kind,
       format(o.sql, t.response_id, t.theme_id, t.authority) AS sql, t.authority AS of_authority
  FROM seat s CROSS JOIN object o
  JOIN (SELECT authority, state, response_id, theme_id, 'item' AS per FROM item
        UNION ALL SELECT a, 'none', NULL, NULL, 'authority' FROM unnest(ARRAY['north', 'south']) a) t ON t.per = o.per
 -- a member of staff is about_me/routed_to_me only in their own authority
 WHERE NOT (s.role_kind = 'staff' AND s.relation <> 'neither' AND s.home <> t.authority);
ALTER TABLE matrix_case ADD COLUMN expect text, ADD COLUMN rule_line integer, ADD COLUMN why text;
UPDATE matrix_case c SET expect = r.expect, rule_line = r.line, why = r.why
  FROM (SELECT DISTINCT ON (c2.ctid) c2.ctid AS cid, r.*
          FROM matrix_case c2 JOIN rule r
            ON (r.role_kind = '*' OR c2.role_kind = ANY (string_to_array(r.role_kind, '|')))
           AND (r.authority = '*' OR c2.authority = ANY (string_to_array(r.authority, '|')))
           AND (r.relation = '*' OR c2.relation = ANY (string_to_array(r.relation, '|')))
           AND (r.object = '*' OR EXISTS (SELECT FROM unnest(string_to_array(r.object, '|')) p
                                           WHERE c2.object = p OR (p LIKE '%:*' AND c2.object LIKE replace(p, '*', '%'))))
           AND (r.state = '*' OR c2.state = ANY (string_to_array(r.state, '|')))
         ORDER BY c2.ctid, r.line) r
 WHERE c.ctid = r.cid;

SELECT plan((SELECT count(*)::integer + 2 FROM matrix_case));
\ir ../helpers/pgtap_roles.sql
SELECT is_empty($$SELECT role_kind, authority, relation, object, state FROM matrix_case WHERE expect IS NULL$$,
                'every case of the matrix has an expectation (a rule of test/access/matrix.txt)');
SELECT ok((SELECT count(DISTINCT of_authority) FROM matrix_case) = 2 AND (SELECT count(DISTINCT state) FROM matrix_case) = 6,
          'the matrix is run for two authorities and every state');
SELECT is(pg_temp.outcome(login, kind, sql), expect,
          format('%s (%s authority, %s) %s, %s item of %s: %s [rule %s]', role_kind, authority, relation, object, state, of_authority,
                 coalesce(nullif(why, ''), expect), rule_line))
  FROM matrix_case ORDER BY of_authority, role_kind, authority, relation, object, state;

SELECT * FROM finish();
ROLLBACK;
