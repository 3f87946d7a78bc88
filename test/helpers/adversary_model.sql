-- \ir this (as the superuser, after plan() and pgtap_roles.sql) in a pgTAP suite: the adversary
-- model of guarantee G1 (doc/threat-model.md, "The guarantee"), used by test/sql/45_adversary_model.sql.
--
-- It builds one authority (adv): workers W1, W2 (team t1) and W3 (team t2), supervisors S1, S2,
-- 24 families with a parent each and 8 with a young person, one involvement each (worker
-- W(1 + i % 3)), one invitation per family member. Then:
--
--   pg_temp.adv_trial(run, seed, steps) runs one randomised sequence of documented API calls, each as the
--     role that may make it: submissions at all three levels with short or long answers (intake),
--     withdrawals, holds and releases (QA), the nightly release, supervision changes and reroutes
--     (case system), setseed() in the caller's session before releases and withdrawals. After
--     every step it records, as QA (the reader who sees most: every response of the authority,
--     every invitation, system columns), every response row with xmin and ctid, and every used
--     invitation with its xmin; and the ground truth (which invitation was used at which level,
--     channel, whether the team was given). Then it computes, for each released anonymous and
--     worker-only row, the used invitations consistent with that knowledge (adv_violations) and
--     rolls the whole sequence back. It records in pg_temp.adv_result the number of rows checked,
--     of violations (with their detail), and a signature of the order in which released rows
--     were written (to compare two runs of the same seed).
--
-- The knowledge and the candidates, exactly:
--   * seen: a response whose answers QA read under a name (a named row observed at any step) is
--     recognised by its answers wherever it reappears; it is never checked, and its invitation is
--     never a candidate for anyone;
--   * anonymous row r, first observed at step s, group (instrument, kind): the window is
--     (previous step at which new anonymous rows of the group appeared, s); candidates are the
--     invitations used anonymously in the window (the adversary is even assumed to know which
--     invitations were used anonymously), of the same instrument and kind, with the channel shown
--     (if shown) and the team shown (if shown, and the family gave it). At least k, of two
--     allocated workers or more;
--   * worker-only row r of worker W, first observed at step s: the window is (previous step at
--     which new worker-only rows of (W, instrument, kind) appeared, s); candidates are W's
--     invitations of that instrument and kind used in the window that no named response explains,
--     with the team shown (if shown), less those used in an anonymous window of the group that
--     QA knows held no worker-only use (its batch had as many unseen rows as the window had
--     unexplained invitations). At least k;
--   * no released anonymous or worker-only row shares its xmin with a used invitation.
SET client_min_messages = warning;
CREATE ROLE adv_qa LOGIN IN ROLE rbp_qa;
CREATE ROLE adv_case LOGIN IN ROLE rbp_case_system;
CREATE ROLE adv_intake LOGIN IN ROLE rbp_survey_intake;
RESET client_min_messages;

SELECT rbp.register_authority('adv', 'Adversary model') IS NOT NULL AS adv_authority \gset
SELECT count(*) AS adv_mapped FROM (SELECT rbp.map_login('adv_qa', 'qa', 'adv') UNION ALL SELECT rbp.map_login('adv_case', 'case_system', 'adv')) m \gset
SELECT rbp.register_team('adv', 't1', 'Team one') IS NOT NULL AND rbp.register_team('adv', 't2', 'Team two') IS NOT NULL AS adv_teams \gset
SELECT count(*) AS adv_staff FROM (
    SELECT rbp.register_staff('adv', 'W1', 'Worker 1', 't1'), rbp.register_staff('adv', 'W2', 'Worker 2', 't1'),
           rbp.register_staff('adv', 'W3', 'Worker 3', 't2'), rbp.register_staff('adv', 'S1', 'Supervisor 1', 't1'),
           rbp.register_staff('adv', 'S2', 'Supervisor 2', 't2'), rbp.register_staff('adv', 'QA', 'QA', NULL, 'adv_qa', true)) s \gset
SELECT count(*) AS adv_supervision FROM (SELECT rbp.register_supervision('adv', 'W' || w, 'S1', '2025-11-01') FROM generate_series(1, 3) w) s \gset
SELECT count(rbp.register_respondent('adv', 'F' || i, 'P' || i, 'parent')) AS adv_parents FROM generate_series(1, 24) i \gset
SELECT count(rbp.register_respondent('adv', 'F' || i, 'Y' || i, 'child_young_person')) AS adv_children FROM generate_series(1, 8) i \gset
SELECT count(rbp.open_involvement('adv', 'INV' || i, 'F' || i, CASE WHEN i % 3 = 2 THEN 't2' ELSE 't1' END, '2025-11-01'))
       AS adv_involvements FROM generate_series(1, 24) i \gset
SELECT count(rbp.allocate_worker('adv', 'INV' || i, 'W' || (1 + i % 3), '2025-11-01')) AS adv_allocations FROM generate_series(1, 24) i \gset

CREATE TABLE pg_temp.adv_inv (
    respondent  text PRIMARY KEY,
    token       text NOT NULL,
    invitation_id bigint,
    respondent_id integer,
    kind        rbp.respondent_kind,
    instrument_id integer,
    worker_id   integer,
    team_id     integer
);
INSERT INTO pg_temp.adv_inv (respondent, token)
SELECT r, rbp.issue_invitation('adv', 'INV' || i, r, 'link', 3650, '2025-12-01')
  FROM generate_series(1, 24) i, LATERAL (SELECT 'P' || i UNION ALL SELECT 'Y' || i WHERE i <= 8) AS v(r);
UPDATE pg_temp.adv_inv a
   SET invitation_id = i.invitation_id, respondent_id = i.respondent_id, kind = p.kind, instrument_id = i.instrument_id,
       worker_id = rbp.worker_on(i.involvement_id, '2026-01-01'), team_id = v.team_id
  FROM rbp.invitation i JOIN rbp.respondent p USING (respondent_id) JOIN rbp.involvement v USING (involvement_id)
 WHERE i.token_hash = rbp.token_hash(a.token);

-- Ground truth, knowledge, and the results of each trial (the first three are rolled back with it).
CREATE TABLE pg_temp.adv_truth (invitation_id bigint, step integer, level rbp.anonymity, channel rbp.response_channel,
                                gave_team boolean);
CREATE TABLE pg_temp.adv_known (response_id uuid, first_step integer, anonymity rbp.anonymity, worker_id integer,
                                instrument_id integer, kind rbp.respondent_kind, channel rbp.response_channel, team_id integer,
                                respondent_id integer, row_xmin text, row_ctid tid, key text, true_step integer);
CREATE TABLE pg_temp.adv_known_inv (invitation_id bigint, used_step integer, row_xmin text);
CREATE TABLE pg_temp.adv_result (run text, seed float8, steps integer, anonymous_checked integer, worker_only_checked integer,
                                 violations integer, held_sizes integer, order_sig text, batches_of_two integer, detail text,
                                 joint_violations integer, joint_detail text, model_errors integer);
-- The order in which rows reach rbp.response, as a fresh heap's ctids would show it (in this
-- long transaction, rolled-back sequences leave dead space that scatters new rows across pages,
-- so ctid order is not a reliable witness here): recorded by a test-only trigger.
CREATE TABLE pg_temp.adv_written (n bigserial, response_id uuid);
CREATE FUNCTION pg_temp.adv_note_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO pg_temp.adv_written (response_id) VALUES (NEW.response_id);
    RETURN NULL;
END
$$;
CREATE TRIGGER adv_note_written AFTER INSERT ON rbp.response FOR EACH ROW EXECUTE FUNCTION pg_temp.adv_note_written();
GRANT ALL ON pg_temp.adv_inv, pg_temp.adv_truth, pg_temp.adv_known, pg_temp.adv_known_inv, pg_temp.adv_result,
             pg_temp.adv_written TO PUBLIC;
GRANT ALL ON ALL SEQUENCES IN SCHEMA pg_temp TO PUBLIC;

-- The answers of a submission: deterministic in (seed, step); long or short free text, a nonce so
-- that answers can be recognised (the adversary's power), sometimes scores only.
CREATE FUNCTION pg_temp.adv_answers(p_kind rbp.respondent_kind, p_nonce text, p_long boolean) RETURNS jsonb
    LANGUAGE sql AS $$
    SELECT CASE WHEN p_kind = 'child_young_person'
                THEN jsonb_build_object('dial_safe', 1 + abs(hashtext(p_nonce)) % 10, 'dial_respected', 1 + abs(hashtext(p_nonce || 'r')) % 10,
                                        'anything_else', CASE WHEN p_long THEN repeat('long words ', 150) ELSE '' END || p_nonce)
                ELSE jsonb_build_object('q2_trust', 1 + abs(hashtext(p_nonce)) % 5, 'q2_works_alongside', 1 + abs(hashtext(p_nonce || 'w')) % 5,
                                        'q7_anything_else', CASE WHEN p_long THEN repeat('long words ', 150) ELSE '' END || p_nonce) END
$$;

-- QA's knowledge after a step: every response row and used invitation it can read, first sighting kept.
CREATE FUNCTION pg_temp.adv_observe(p_step integer) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    SET ROLE adv_qa;
    INSERT INTO pg_temp.adv_known
    SELECT r.response_id, p_step, r.anonymity, r.worker_id, r.instrument_id, r.respondent_kind, r.channel, r.team_id,
           r.respondent_id, r.xmin::text, r.ctid,
           (SELECT md5(string_agg(a.question_id || ':' || coalesce(a.score::text, '') || ':' || coalesce(a.free_text, ''), ','
                                  ORDER BY a.question_id)) FROM rbp.answer a WHERE a.response_id = r.response_id),
           (SELECT max(substring(a.free_text FROM '-([0-9]+)$')::integer) FROM rbp.answer a WHERE a.response_id = r.response_id)
      FROM rbp.response r
     WHERE r.authority_id = (SELECT authority_id FROM rbp.authority WHERE code = 'adv')
       AND NOT EXISTS (SELECT FROM pg_temp.adv_known k WHERE k.response_id = r.response_id);
    INSERT INTO pg_temp.adv_known_inv
    SELECT i.invitation_id, p_step, i.xmin::text FROM rbp.invitation i
     WHERE i.used_on IS NOT NULL AND NOT EXISTS (SELECT FROM pg_temp.adv_known_inv k WHERE k.invitation_id = i.invitation_id);
    RESET ROLE;
END
$$;

-- One API call in its own subtransaction, as a role; a refusal is expected now and then (it stores nothing).
CREATE FUNCTION pg_temp.adv_call(p_role name, p_sql text) RETURNS boolean
    LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        EXECUTE format('SET ROLE %I', p_role);
        EXECUTE p_sql;
        RESET ROLE;
        RETURN true;
    EXCEPTION WHEN OTHERS THEN
        RESET ROLE;
        IF SQLSTATE IN ('22023', 'P0002', '23505', '22004', '23P01') THEN
            RETURN false;
        END IF;
        RAISE;
    END;
END
$$;

-- One randomised sequence (the state must be the fixture's: adv_trial rolls it back afterwards).
CREATE FUNCTION pg_temp.adv_run(p_seed float8, p_steps integer) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    v_step integer;
    v_day date;
    v_r float8;
    v_inv pg_temp.adv_inv;
    v_level rbp.anonymity;
    v_channel rbp.response_channel;
    v_team boolean;
    v_nonce text;
    v_answers jsonb;
    v_resp uuid;
    v_to rbp.anonymity;
BEGIN
    PERFORM setseed(p_seed);
    FOR v_step IN 1 .. p_steps LOOP
        v_day := '2026-01-05'::date + v_step;
        v_r := random();
        IF v_r < 0.55 THEN
            -- a family member answers (an unused invitation chosen at random)
            SELECT * INTO v_inv FROM pg_temp.adv_inv a
             WHERE NOT EXISTS (SELECT FROM pg_temp.adv_truth t WHERE t.invitation_id = a.invitation_id)
             ORDER BY md5(a.respondent || p_seed::text || v_step) LIMIT 1;
            CONTINUE WHEN v_inv.respondent IS NULL;
            v_r := random();
            v_level := CASE WHEN v_r < 0.25 THEN 'named' WHEN v_r < 0.55 THEN 'worker_only' ELSE 'anonymous' END;
            v_channel := (ARRAY['online', 'online', 'interview_practitioner', 'interview_expert_by_experience'])[1 + floor(random() * 4)::integer];
            v_team := random() < 0.4;
            v_nonce := format('n%s-%s', p_seed, v_step);
            v_answers := pg_temp.adv_answers(v_inv.kind, v_nonce, random() < 0.3);
            IF pg_temp.adv_call('adv_intake', format('SELECT rbp.submit_response(%L, %L, %L, %L, %L, %L)',
                                v_inv.token, v_level, v_answers, v_channel, v_team, v_day)) THEN
                INSERT INTO pg_temp.adv_truth VALUES (v_inv.invitation_id, v_step, v_level, v_channel, v_team);
            END IF;
        ELSIF v_r < 0.70 THEN
            -- the nightly release, sometimes after the releasing session seeded random()
            IF random() < 0.5 THEN
                PERFORM pg_temp.adv_call('adv_case', format('SELECT setseed(%s)', (v_step % 7) / 7.0));
            END IF;
            PERFORM pg_temp.adv_call('adv_case', format('SELECT rbp.release_held_feedback(%L)', v_day));
        ELSIF v_r < 0.80 THEN
            -- QA withdraws a name (after seeding its own session, as in the issue's attack)
            SELECT response_id INTO v_resp FROM pg_temp.adv_known k
             WHERE k.anonymity <> 'anonymous' ORDER BY md5(coalesce(k.key, '') || v_step), k.first_step, k.anonymity LIMIT 1;
            CONTINUE WHEN v_resp IS NULL;
            v_to := CASE WHEN random() < 0.6 THEN 'anonymous' ELSE 'worker_only' END;
            PERFORM pg_temp.adv_call('adv_qa', 'SELECT setseed(0.5)');
            PERFORM pg_temp.adv_call('adv_qa', format('SELECT rbp.withdraw_identity(%L, %L)', v_resp, v_to));
        ELSIF v_r < 0.88 THEN
            -- QA holds or releases an item awaiting it
            SELECT response_id INTO v_resp FROM pg_temp.adv_known k
             WHERE k.anonymity <> 'anonymous' ORDER BY md5(coalesce(k.key, '') || v_step), k.first_step, k.anonymity LIMIT 1;
            CONTINUE WHEN v_resp IS NULL;
            IF random() < 0.4 THEN
                PERFORM pg_temp.adv_call('adv_qa', format('SELECT rbp.qa_hold(%L, %L, false, %L)', v_resp, 'a concern about family ' || v_step, v_day));
            ELSE
                PERFORM pg_temp.adv_call('adv_qa', format('SELECT rbp.qa_release(%L, %L)', v_resp, v_day));
            END IF;
        ELSE
            -- supervision changes: a worker moves to the other supervisor; open items follow
            PERFORM pg_temp.adv_call('adv_case', format('SELECT rbp.end_supervision(%L, %L, %L)', 'adv', 'W' || (1 + v_step % 3), v_day - 1));
            PERFORM pg_temp.adv_call('adv_case', format('SELECT rbp.register_supervision(%L, %L, %L, %L)', 'adv', 'W' || (1 + v_step % 3),
                                                        CASE WHEN random() < 0.5 THEN 'S1' ELSE 'S2' END, v_day));
            PERFORM pg_temp.adv_call('adv_case', format('SELECT rbp.reroute_open_feedback(%L)', v_day));
        END IF;
        PERFORM pg_temp.adv_observe(v_step);
    END LOOP;
    -- a last nightly release, then the last look
    PERFORM pg_temp.adv_call('adv_case', format('SELECT rbp.release_held_feedback(%L)', '2026-01-05'::date + p_steps + 1));
    PERFORM pg_temp.adv_observe(p_steps + 1);
END
$$;

-- The violations of the guarantee in the knowledge recorded by adv_run (k = the batch size).
CREATE FUNCTION pg_temp.adv_violations(p_k integer)
    RETURNS TABLE (what text, response_id uuid, first_step integer, candidates bigint, workers bigint)
    LANGUAGE sql AS $$
    WITH checked AS (          -- released rows whose answers QA never read before (seen ones are skipped)
        SELECT k.* FROM pg_temp.adv_known k
         WHERE k.anonymity = 'anonymous' AND k.key NOT IN (SELECT key FROM pg_temp.adv_known WHERE anonymity = 'named' AND key IS NOT NULL)
           AND NOT EXISTS (SELECT FROM pg_temp.adv_known w WHERE w.anonymity = 'worker_only' AND w.key = k.key)
        UNION ALL
        SELECT k.* FROM pg_temp.adv_known k
         WHERE k.anonymity = 'worker_only' AND k.key NOT IN (SELECT key FROM pg_temp.adv_known WHERE anonymity = 'named' AND key IS NOT NULL)
    ), anon AS (
        SELECT r.response_id, r.first_step,
               (SELECT count(*) FROM pg_temp.adv_truth t JOIN pg_temp.adv_inv a USING (invitation_id)
                 WHERE t.level = 'anonymous' AND a.instrument_id = r.instrument_id AND a.kind = r.kind
                   AND t.step < r.first_step
                   AND t.step > coalesce((SELECT max(p.first_step) FROM pg_temp.adv_known p
                                           WHERE p.anonymity = 'anonymous' AND p.instrument_id = r.instrument_id AND p.kind = r.kind
                                             AND p.first_step < r.first_step), 0)
                   AND (r.channel IS NULL OR t.channel = r.channel)
                   AND (r.team_id IS NULL OR (t.gave_team AND a.team_id = r.team_id))) AS candidates,
               (SELECT count(DISTINCT a.worker_id) FROM pg_temp.adv_truth t JOIN pg_temp.adv_inv a USING (invitation_id)
                 WHERE t.level = 'anonymous' AND a.instrument_id = r.instrument_id AND a.kind = r.kind
                   AND t.step < r.first_step
                   AND t.step > coalesce((SELECT max(p.first_step) FROM pg_temp.adv_known p
                                           WHERE p.anonymity = 'anonymous' AND p.instrument_id = r.instrument_id AND p.kind = r.kind
                                             AND p.first_step < r.first_step), 0)
                   AND (r.channel IS NULL OR t.channel = r.channel)
                   AND (r.team_id IS NULL OR (t.gave_team AND a.team_id = r.team_id))) AS workers
          FROM checked r WHERE r.anonymity = 'anonymous'
    ), anon_window AS (        -- every anonymous window (instrument, kind, from, to) closed by a release QA saw
        SELECT g.instrument_id, g.kind, g.first_step AS until_step,
               coalesce((SELECT max(p.first_step) FROM pg_temp.adv_known p
                          WHERE p.anonymity = 'anonymous' AND p.instrument_id = g.instrument_id AND p.kind = g.kind
                            AND p.first_step < g.first_step), 0) AS after_step
          FROM (SELECT DISTINCT instrument_id, kind, first_step FROM pg_temp.adv_known WHERE anonymity = 'anonymous') g
    ), all_anonymous AS (      -- windows whose unexplained invitations were all anonymous (the batch told)
        SELECT w.* FROM anon_window w
         WHERE NOT EXISTS (SELECT FROM pg_temp.adv_truth t JOIN pg_temp.adv_inv a USING (invitation_id)
                            WHERE t.level = 'worker_only' AND a.instrument_id = w.instrument_id AND a.kind = w.kind
                              AND t.step > w.after_step AND t.step < w.until_step)
    ), wo AS (
        SELECT r.response_id, r.first_step,
               (SELECT count(*) FROM pg_temp.adv_truth t JOIN pg_temp.adv_inv a USING (invitation_id)
                 WHERE t.level <> 'named' AND a.worker_id = r.worker_id AND a.instrument_id = r.instrument_id AND a.kind = r.kind
                   AND t.step < r.first_step
                   AND t.step > coalesce((SELECT max(p.first_step) FROM pg_temp.adv_known p
                                           WHERE p.anonymity = 'worker_only' AND p.worker_id = r.worker_id
                                             AND p.instrument_id = r.instrument_id AND p.kind = r.kind
                                             AND p.first_step < r.first_step), 0)
                   AND (r.team_id IS NULL OR a.team_id = r.team_id)
                   AND NOT EXISTS (SELECT FROM all_anonymous w WHERE w.instrument_id = a.instrument_id AND w.kind = a.kind
                                      AND t.step > w.after_step AND t.step < w.until_step)) AS candidates
          FROM checked r WHERE r.anonymity = 'worker_only'
    )
    SELECT 'anonymous row with fewer than k candidates or one worker', response_id, first_step, candidates, workers
      FROM anon WHERE candidates < p_k OR workers < 2
    UNION ALL
    SELECT 'worker-only row with fewer than k candidates', response_id, first_step, candidates, NULL
      FROM wo WHERE candidates < p_k
    UNION ALL
    SELECT 'released row shares its xmin with a used invitation', k.response_id, k.first_step, NULL, NULL
      FROM pg_temp.adv_known k JOIN pg_temp.adv_known_inv i ON i.row_xmin = k.row_xmin
     WHERE k.anonymity <> 'named'
$$;

-- The joint checker (issue 10, "combined inference"): the reader solves everything it knows at
-- once, across all batches, workers, windows and levels. A released row r could be the answer of
-- used invitation i only if ALL released rows can be assigned to distinct used invitations, and
-- every other used invitation left held, consistently with everything the reader knows, with r
-- assigned to i. What the reader knows (QA, the reader who sees most), exactly:
--   * the used invitations, when each was used, its worker, team, instrument and kind; and (a
--     stronger reader than QA really is) the channel of each submission and whether the family
--     gave its team;
--   * the named responses: their invitations are explained, and their answers, read under a name,
--     are recognised wherever they reappear (such rows are never assigned and never checked);
--   * each released row's level, group, the step at which it first appeared (its batch) and the
--     values it shows (channel, team; the worker of a worker-only row);
--   * the release rules: a batch takes every held response of its group, so an invitation used
--     at a level before its group's release of that level was released in that batch (the window),
--     and an invitation still held at the end was used after its group's last release at the level
--     it was held at.
-- The rows of released held responses ("rows", each answer set at its first sighting) and the
-- unexplained used invitations ("invitations") form a bipartite graph: row r -- invitation i when i
-- fits r's batch window and shown values; a dummy "still held" side D takes the remaining
-- invitations, each only if it could still be held at one of the two levels. Every consistent
-- world is a perfect matching of that graph, and the truth is one (a self-check: the truth must be
-- a perfect matching, else the model is wrong and says so). An edge (r, i) outside the truth is in
-- some perfect matching exactly when it lies on an alternating cycle: i reaches r by following the
-- truth from an invitation to its row (or to D) and any other edge from a row (or D) to an
-- invitation. So the candidates of r are its true invitation and every edge (r, i) with r
-- reachable from i, computed by a recursive closure.
-- Not modelled (doc/threat-model.md, "Residual risks"): what a nightly run that releases nothing
-- tells (the guard failed at that moment); counts of held rows from sizes and statistics.
CREATE FUNCTION pg_temp.adv_joint_violations(p_k integer)
    RETURNS TABLE (what text, response_id uuid, first_step integer, candidates bigint, workers bigint)
    LANGUAGE plpgsql AS $$
DECLARE
    v_src integer[];
    v_dst integer[];
    v_n integer;
    v_reach varbit[];
    v_i integer;
    v_j integer;
BEGIN
    -- Rows: every released answer set at its first sighting, unless read under a name before, with
    -- the previous release of its group at its level (its window opens there); node numbers 1..R.
    CREATE TEMP TABLE adv_j_rel ON COMMIT DROP AS
    SELECT r.*, coalesce((SELECT max(p.first_step) FROM pg_temp.adv_known p
                           WHERE p.anonymity = r.anonymity AND p.instrument_id = r.instrument_id AND p.kind = r.kind
                             AND (r.anonymity = 'anonymous' OR p.worker_id = r.worker_id)
                             AND p.first_step < r.first_step), 0) AS after_step,
           row_number() OVER (ORDER BY r.key)::integer AS node
      FROM (SELECT DISTINCT ON (k.key) k.* FROM pg_temp.adv_known k
             WHERE k.anonymity <> 'named'
               AND k.key NOT IN (SELECT n.key FROM pg_temp.adv_known n WHERE n.anonymity = 'named' AND n.key IS NOT NULL)
             ORDER BY k.key, k.first_step) r;
    -- Invitations: the used invitations no named response explains; node numbers R+1..R+N; D = R+N+1.
    CREATE TEMP TABLE adv_j_inv ON COMMIT DROP AS
    SELECT t.invitation_id, t.step, t.channel, t.gave_team, a.worker_id, a.team_id, a.instrument_id, a.kind,
           ((SELECT count(*) FROM adv_j_rel) + row_number() OVER (ORDER BY t.invitation_id))::integer AS node,
           -- could still be held: used after its group's last release at one of the two levels
           t.step > coalesce((SELECT max(p.first_step) FROM pg_temp.adv_known p WHERE p.anonymity = 'anonymous'
                                AND p.instrument_id = a.instrument_id AND p.kind = a.kind), 0)
           OR t.step > coalesce((SELECT max(p.first_step) FROM pg_temp.adv_known p WHERE p.anonymity = 'worker_only'
                                AND p.worker_id = a.worker_id AND p.instrument_id = a.instrument_id AND p.kind = a.kind), 0)
               AS may_be_held
      FROM pg_temp.adv_truth t JOIN pg_temp.adv_inv a USING (invitation_id) WHERE t.level <> 'named';
    v_n := (SELECT count(*) FROM adv_j_rel) + (SELECT count(*) FROM adv_j_inv) + 1;
    -- Edges: row -- invitation where the invitation fits the row's window and shown values.
    CREATE TEMP TABLE adv_j_edge ON COMMIT DROP AS
    SELECT r.node AS r_node, i.node AS i_node, (i.step = r.true_step) AS is_truth
      FROM adv_j_rel r JOIN adv_j_inv i
        ON i.instrument_id = r.instrument_id AND i.kind = r.kind AND i.step > r.after_step AND i.step < r.first_step
       AND CASE WHEN r.anonymity = 'anonymous'
                THEN (r.channel IS NULL OR i.channel = r.channel) AND (r.team_id IS NULL OR (i.gave_team AND i.team_id = r.team_id))
                ELSE i.worker_id = r.worker_id AND (r.team_id IS NULL OR i.team_id = r.team_id) END;
    -- The alternating graph: truth from invitation to its row (or to D, still held), any other
    -- edge from a row (or D) to an invitation.
    SELECT array_agg(a ORDER BY a, b), array_agg(b ORDER BY a, b) INTO v_src, v_dst FROM (
        SELECT e.i_node AS a, e.r_node AS b FROM adv_j_edge e WHERE e.is_truth
        UNION ALL SELECT i.node, v_n FROM adv_j_inv i WHERE NOT EXISTS (SELECT FROM adv_j_edge e WHERE e.i_node = i.node AND e.is_truth)
        UNION ALL SELECT e.r_node, e.i_node FROM adv_j_edge e WHERE NOT e.is_truth
        UNION ALL SELECT v_n, i.node FROM adv_j_inv i WHERE i.may_be_held) g;
    -- Transitive closure (Warshall, one bit string per node).
    v_reach := array_fill(repeat('0', v_n)::varbit, ARRAY[v_n]);
    FOR v_i IN 1 .. coalesce(cardinality(v_src), 0) LOOP
        v_reach[v_src[v_i]] := set_bit(v_reach[v_src[v_i]], v_dst[v_i] - 1, 1);
    END LOOP;
    FOR v_j IN 1 .. v_n LOOP
        FOR v_i IN 1 .. v_n LOOP
            IF get_bit(v_reach[v_i], v_j - 1) = 1 THEN
                v_reach[v_i] := v_reach[v_i] | v_reach[v_j];
            END IF;
        END LOOP;
    END LOOP;
    RETURN QUERY
    WITH cand AS (
        SELECT e.r_node, e.i_node FROM adv_j_edge e
         WHERE e.is_truth OR get_bit(v_reach[e.i_node], e.r_node - 1) = 1
    ), per_row AS (
        SELECT r.response_id AS id, r.first_step AS step, r.anonymity, count(c.i_node) AS n, count(DISTINCT i.worker_id) AS w
          FROM adv_j_rel r LEFT JOIN cand c ON c.r_node = r.node LEFT JOIN adv_j_inv i ON i.node = c.i_node
         GROUP BY r.response_id, r.first_step, r.anonymity
    )
    SELECT 'joint: anonymous row with fewer than k candidates or one worker', p.id, p.step, p.n, p.w
      FROM per_row p WHERE p.anonymity = 'anonymous' AND (p.n < p_k OR p.w < 2)
    UNION ALL
    SELECT 'joint: worker-only row with fewer than k candidates', p.id, p.step, p.n, NULL::bigint
      FROM per_row p WHERE p.anonymity = 'worker_only' AND p.n < p_k
    UNION ALL              -- self-checks: the truth must be one of the worlds the model allows
    SELECT 'model error: a row without its true invitation', r.response_id, r.first_step, NULL::bigint, NULL::bigint
      FROM adv_j_rel r WHERE NOT EXISTS (SELECT FROM adv_j_edge e WHERE e.r_node = r.node AND e.is_truth)
    UNION ALL
    SELECT 'model error: a held invitation that could not be held', NULL::uuid, i.step, NULL::bigint, NULL::bigint
      FROM adv_j_inv i WHERE NOT i.may_be_held AND NOT EXISTS (SELECT FROM adv_j_edge e WHERE e.i_node = i.node AND e.is_truth);
    DROP TABLE adv_j_rel, adv_j_inv, adv_j_edge;
END
$$;

-- One trial: run, check, remember the results, roll everything back.
CREATE FUNCTION pg_temp.adv_trial(p_run text, p_seed float8, p_steps integer) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    v_anon integer;
    v_wo integer;
    v_violations integer;
    v_sizes integer;
    v_sig text;
    v_batches integer;
    v_detail text;
    v_joint integer;
    v_joint_detail text;
    v_model integer;
BEGIN
    BEGIN
        PERFORM pg_temp.adv_run(p_seed, p_steps);
        SELECT count(*) FILTER (WHERE v.what LIKE 'joint%'), count(*) FILTER (WHERE v.what LIKE 'model%'),
               string_agg(format('%s %s (step %s): %s candidates, %s workers', v.what, v.response_id, v.first_step,
                                 v.candidates, v.workers), '; ')
          INTO v_joint, v_model, v_joint_detail FROM pg_temp.adv_joint_violations(rbp.anonymous_batch_size()) v;
        SELECT count(*) FILTER (WHERE anonymity = 'anonymous'), count(*) FILTER (WHERE anonymity = 'worker_only')
          INTO v_anon, v_wo FROM pg_temp.adv_known;
        SELECT count(*), string_agg(format('%s %s (step %s): %s candidates, %s workers', v.what, v.response_id, v.first_step,
                                           v.candidates, v.workers), '; ')
          INTO v_violations, v_detail FROM pg_temp.adv_violations(rbp.anonymous_batch_size()) v;
        -- every held row has the same size, in the table and in its TOAST (2 = one size each)
        SELECT count(DISTINCT pg_column_size(h.*)) + count(DISTINCT pg_column_size(h.payload)) INTO v_sizes FROM rbp.anonymous_holding h;
        -- the order in which released rows were written, batch by batch (recognised by their answers)
        SELECT string_agg(coalesce(k.key, '-'), ',' ORDER BY k.first_step, w.n) INTO v_sig
          FROM pg_temp.adv_known k JOIN pg_temp.adv_written w USING (response_id) WHERE k.anonymity <> 'named';
        SELECT count(*) INTO v_batches FROM (SELECT FROM pg_temp.adv_known k WHERE k.anonymity <> 'named'
                                              GROUP BY k.first_step, k.anonymity HAVING count(*) >= 2) b;
        RAISE EXCEPTION 'adv_rollback';
    EXCEPTION WHEN raise_exception THEN
        IF SQLERRM <> 'adv_rollback' THEN
            RAISE;
        END IF;
    END;
    INSERT INTO pg_temp.adv_result VALUES (p_run, p_seed, p_steps, v_anon, v_wo, v_violations, v_sizes, v_sig, v_batches, v_detail,
                                           v_joint, v_joint_detail, v_model);
END
$$;
