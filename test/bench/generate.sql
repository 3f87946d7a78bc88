-- test/bench/generate.sql — the synthetic authority of the benchmark (not part of the extension).
--
-- Loaded by test/bench/run into the benchmark database, and by the smoke test
-- test/sql/70_bench_generator.sql at a tiny size. Everything lives in schema rbp_bench.
--
-- rbp_bench.generate(...) bulk-loads the data model as superuser with INSERT ... SELECT
-- generate_series: the API path is measured separately (pgbench, item 3 of doc/benchmarks.md).
-- The structure is a pure function of the parameters (so the smoke test can check exact counts);
-- only dates and scores are random.
--
--   authorities            authorities ("bench_1", ...)
--   teams                  teams per authority
--   workers                social workers per team (each team also has 2 supervisors, 1 manager)
--   families               families in all, spread over the authorities
--   involvements           involvements in all (>= families: every family has one, some more)
--   responses              responses in all; every one answers 5 scale questions except every
--                          7th, which skips one, so scored answers = 5 * responses - responses / 7
--
-- Family i has a parent (or carer); families with (i - 1) % 5 < 2 also have a child or young
-- person, who answers the 10-point dials. Response n comes from involvement ((n - 1) * 48271) %
-- involvements + 1; it is anonymous if n % 10 < 2, worker_only if n % 10 < 5, named otherwise.
-- Identifying rows (families, involvements, allocations) go through the tables' triggers, so that
-- schedules kept by triggers exist; the bulk of feedback (invitations used, responses, answers,
-- routes) is loaded with session_replication_role = replica (no per-row foreign-key checks: the
-- generator builds consistent keys and the smoke test checks them).

CREATE SCHEMA IF NOT EXISTS rbp_bench;

-- The daily question needs schedules as a case system that runs it every day leaves them (when
-- the scheduling of sql/install/50_schedule.sql is installed): every family member of an open
-- involvement had an invitation in the last 62 days, issued through the tables' triggers (which
-- move the schedules on), with its reminder sent if it is more than two weeks old; one schedule in
-- a hundred has had none yet. Involvements loaded closed have no schedule work left (done).
CREATE OR REPLACE FUNCTION rbp_bench.settle_schedules(a0 integer) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    EXECUTE $q$
    INSERT INTO rbp.invitation (authority_id, respondent_id, involvement_id, instrument_id, channel, token_hash,
                                issued_on, expires_on, reminders_sent)
    SELECT s.authority_id, s.respondent_id, s.involvement_id, i.instrument_id, 'link',
           sha256(convert_to('bench-s' || s.schedule_id, 'UTF8')), current_date - d.d, current_date - d.d + 28,
           CASE WHEN d.d >= 15 THEN 1 ELSE 0 END
      FROM rbp.invitation_schedule s
      JOIN rbp.respondent r ON r.respondent_id = s.respondent_id
      JOIN rbp.instrument i ON rbp.is_current(i) AND r.kind = ANY (i.respondent_kinds)
     CROSS JOIN LATERAL (SELECT (s.schedule_id % 62)::integer AS d) d
     WHERE s.authority_id >= $1 AND s.phase = 'first' AND s.schedule_id % 100 <> 0
     ORDER BY s.schedule_id$q$ USING a0;
END
$$;
COMMENT ON FUNCTION rbp_bench.settle_schedules(integer) IS
    'Benchmark only: issue the latest invitation of every open schedule, as a case system running the daily question would have';

CREATE OR REPLACE FUNCTION rbp_bench.generate(
    authorities integer DEFAULT 4,
    teams integer DEFAULT 12,
    workers integer DEFAULT 12,
    families integer DEFAULT 700000,
    involvements integer DEFAULT 1000000,
    responses integer DEFAULT 2100000)
    RETURNS TABLE (what text, how_many bigint)
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    today date := current_date;
    origin date := (date_trunc('quarter', current_date) - interval '2 years')::date;
    staff_per_team integer := workers + 3;
    a0 integer; t0 integer; s0 integer; f0 integer; rp0 integer; rc0 integer; v0 integer;
    n_children integer;
    parents_instrument integer;
    children_instrument integer;
BEGIN
    IF authorities < 1 OR teams < 1 OR workers < 1 OR families < 1 OR responses < 0
       OR involvements < families THEN
        RAISE EXCEPTION 'bench generator: need at least 1 authority, team, worker and family, and involvements >= families'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT FROM rbp.authority WHERE code LIKE 'bench\_%') THEN
        RAISE EXCEPTION 'bench generator: the database already holds a synthetic authority'
            USING ERRCODE = 'unique_violation';
    END IF;
    SELECT instrument_id INTO parents_instrument FROM rbp.instrument WHERE code = 'parents_carers' AND rbp.is_current(instrument);
    SELECT instrument_id INTO children_instrument FROM rbp.instrument WHERE code = 'children_young_people' AND rbp.is_current(instrument);

    -- Structure: authorities, teams, staff, supervision, managers.
    INSERT INTO rbp.authority (code, name)
    SELECT 'bench_' || i, 'Synthetic authority ' || i FROM generate_series(1, authorities) i ORDER BY i;
    SELECT min(authority_id) INTO a0 FROM rbp.authority WHERE code LIKE 'bench\_%';

    INSERT INTO rbp.team (authority_id, code, name)
    SELECT a0 + (k - 1) / teams, 't' || k, 'Team ' || k FROM generate_series(1, authorities * teams) k ORDER BY k;
    SELECT min(team_id) INTO t0 FROM rbp.team WHERE authority_id >= a0;

    -- Staff s of team k: index r = (s - 1) % staff_per_team; 0..workers-1 workers, then two
    -- supervisors, then the team manager.
    INSERT INTO rbp.staff (authority_id, staff_ref, display_name, team_id)
    SELECT a0 + (k - 1) / teams, 's' || s,
           CASE WHEN r < workers THEN 'Worker ' WHEN r < workers + 2 THEN 'Supervisor ' ELSE 'Manager ' END || s,
           t0 + k - 1
      FROM generate_series(1, authorities * teams * staff_per_team) s,
           LATERAL (SELECT (s - 1) / staff_per_team + 1 AS k, (s - 1) % staff_per_team AS r) x
     ORDER BY s;
    SELECT min(staff_id) INTO s0 FROM rbp.staff WHERE authority_id >= a0;

    INSERT INTO rbp.supervision (authority_id, worker_id, supervisor_id, during)
    SELECT a0 + (k - 1) / teams, s0 + (k - 1) * staff_per_team + w,
           s0 + (k - 1) * staff_per_team + workers + w % 2, daterange(origin - 365, NULL)
      FROM generate_series(1, authorities * teams) k, generate_series(0, workers - 1) w;
    INSERT INTO rbp.team_manager (authority_id, team_id, manager_id, during)
    SELECT a0 + (k - 1) / teams, t0 + k - 1, s0 + (k - 1) * staff_per_team + workers + 2, daterange(origin - 365, NULL)
      FROM generate_series(1, authorities * teams) k;

    -- Families and their members.
    INSERT INTO rbp.family (authority_id, family_ref)
    SELECT a0 + (i - 1) % authorities, 'f' || i FROM generate_series(1, families) i ORDER BY i;
    SELECT min(family_id) INTO f0 FROM rbp.family WHERE authority_id >= a0;

    INSERT INTO rbp.respondent (authority_id, family_id, respondent_ref, kind)
    SELECT a0 + (i - 1) % authorities, f0 + i - 1, 'p' || i,
           CASE WHEN i % 4 = 0 THEN 'carer' ELSE 'parent' END::rbp.respondent_kind
      FROM generate_series(1, families) i ORDER BY i;
    SELECT min(respondent_id) INTO rp0 FROM rbp.respondent WHERE authority_id >= a0;
    INSERT INTO rbp.respondent (authority_id, family_id, respondent_ref, kind)
    SELECT a0 + (i - 1) % authorities, f0 + i - 1, 'c' || i, 'child_young_person'
      FROM generate_series(1, families) i WHERE (i - 1) % 5 < 2 ORDER BY i;
    GET DIAGNOSTICS n_children = ROW_COUNT;
    SELECT min(respondent_id) INTO rc0 FROM rbp.respondent WHERE authority_id >= a0 AND respondent_ref LIKE 'c%';

    -- Involvements: every family has one; the rest go round the families again. Started in the
    -- last two and a half years; about 60 % are closed (after 1 to 11 months), the rest open.
    INSERT INTO rbp.involvement (authority_id, involvement_ref, family_id, team_id, started_on, closed_on)
    SELECT a0 + ai, 'v' || j, f0 + f - 1, t0 + ai * teams + ((j - 1) / authorities) % teams, started,
           CASE WHEN j % 5 < 3 AND started + dur < today THEN started + dur END
      FROM generate_series(1, involvements) j,
           LATERAL (SELECT (j - 1) % families + 1 AS f) ff,
           LATERAL (SELECT (ff.f - 1) % authorities AS ai,
                           today - 1 - floor(random() * (today - origin + 180))::integer AS started,
                           30 + floor(random() * 300)::integer AS dur) x
     ORDER BY j;
    SELECT min(involvement_id) INTO v0 FROM rbp.involvement WHERE authority_id >= a0;

    -- The contiguous-id arithmetic above holds only if nothing else inserted meanwhile: check it.
    IF EXISTS (SELECT FROM rbp.involvement WHERE authority_id >= a0 AND involvement_id - v0 + 1 <> substr(involvement_ref, 2)::integer)
       OR EXISTS (SELECT FROM rbp.family WHERE authority_id >= a0 AND family_id - f0 + 1 <> substr(family_ref, 2)::integer)
       OR EXISTS (SELECT FROM rbp.staff WHERE authority_id >= a0 AND staff_id - s0 + 1 <> substr(staff_ref, 2)::integer) THEN
        RAISE EXCEPTION 'bench generator: identity values are not contiguous (concurrent inserts?)';
    END IF;

    -- One allocation per involvement, for its whole length, to a worker of its team. Authority,
    -- team and worker are the digits of j - 1 in the mixed radix (authorities, teams, workers), so
    -- every worker of every team gets involvements and none is favoured.
    INSERT INTO rbp.allocation (authority_id, involvement_id, worker_id, during)
    SELECT v.authority_id, v.involvement_id,
           s0 + (v.team_id - t0) * staff_per_team + ((v.involvement_id - v0) / (authorities * teams)) % workers,
           daterange(v.started_on, v.closed_on, '[]')
      FROM rbp.involvement v WHERE v.authority_id >= a0
     ORDER BY v.involvement_id;

    -- The draws: one row per response, with everything the tables need.
    IF to_regclass('rbp_bench.draw') IS NOT NULL THEN
        DROP TABLE rbp_bench.draw;
    END IF;
    CREATE UNLOGGED TABLE rbp_bench.draw AS
    SELECT n, gen_random_uuid() AS response_id, v.involvement_id, v.authority_id, v.team_id,
           s0 + (v.team_id - t0) * staff_per_team + ((v.involvement_id - v0) / (authorities * teams)) % workers AS worker_id,
           CASE WHEN child THEN rc0 + ((fi - 1) / 5) * 2 + (fi - 1) % 5 ELSE rp0 + fi - 1 END AS respondent_id,
           CASE WHEN child THEN 'child_young_person' WHEN fi % 4 = 0 THEN 'carer' ELSE 'parent' END::rbp.respondent_kind AS kind,
           CASE WHEN child THEN children_instrument ELSE parents_instrument END AS instrument_id,
           CASE WHEN n % 10 < 2 THEN 'anonymous' WHEN n % 10 < 5 THEN 'worker_only' ELSE 'named' END::rbp.anonymity AS anonymity,
           v.started_on + floor(random() * (least(today, coalesce(v.closed_on + 60, today)) - v.started_on + 1))::integer AS submitted_on
      FROM generate_series(1, responses) n,
           LATERAL (SELECT ((n - 1)::bigint * 48271) % involvements + 1 AS j) jj,
           LATERAL (SELECT (jj.j - 1) % families + 1 AS fi) ff,
           LATERAL (SELECT n % 3 = 0 AND (ff.fi - 1) % 5 < 2 AS child) cc,
           rbp.involvement v
     WHERE v.involvement_id = v0 + jj.j - 1;
    CREATE INDEX ON rbp_bench.draw (response_id);

    CREATE TEMP TABLE bench_scale_question ON COMMIT DROP AS
    SELECT instrument_id, question_id, scale_points,
           row_number() OVER (PARTITION BY instrument_id ORDER BY position) AS rank
      FROM rbp.question WHERE kind = 'scale';

    PERFORM set_config('session_replication_role', 'replica', true);

    -- The invitations the responses came through: used on the day of the response.
    INSERT INTO rbp.invitation (authority_id, respondent_id, involvement_id, instrument_id, channel,
                                token_hash, issued_on, expires_on, used_on)
    SELECT d.authority_id, d.respondent_id, d.involvement_id, d.instrument_id,
           (ARRAY['link', 'qr_code', 'text_message', 'email', 'interview'])[1 + d.n % 5]::rbp.invitation_channel,
           sha256(convert_to('bench-' || d.n, 'UTF8')), d.submitted_on - d.n % 10, d.submitted_on - d.n % 10 + 28,
           d.submitted_on
      FROM rbp_bench.draw d;

    INSERT INTO rbp.response (response_id, authority_id, instrument_id, respondent_kind, channel, anonymity, period,
                              team_id, worker_id, respondent_id, involvement_id, submitted_on, qa_status, qa_status_on)
    SELECT d.response_id, d.authority_id, d.instrument_id, d.kind,
           CASE WHEN d.n % 9 = 0 THEN 'interview_expert_by_experience' ELSE 'online' END::rbp.response_channel,
           d.anonymity, date_trunc('month', d.submitted_on)::date,
           CASE WHEN d.anonymity <> 'anonymous' OR d.n % 4 = 0 THEN d.team_id END,
           CASE WHEN d.anonymity <> 'anonymous' THEN d.worker_id END,
           CASE WHEN d.anonymity = 'named' THEN d.respondent_id END,
           CASE WHEN d.anonymity = 'named' THEN d.involvement_id END,
           CASE WHEN d.anonymity = 'named' THEN d.submitted_on END,  -- worker-only: released from holding, no date
           CASE WHEN d.anonymity = 'anonymous' THEN 'released'
                WHEN d.n % 50 = 5 THEN 'held' WHEN d.n % 50 IN (6, 7, 8) THEN 'awaiting_qa'
                ELSE 'released' END::rbp.qa_status,
           CASE WHEN d.anonymity <> 'anonymous' AND d.n % 50 NOT IN (6, 7, 8) THEN d.submitted_on + 3 END
      FROM rbp_bench.draw d;

    -- Answers in primary-key order (the btree then grows at its right edge): the scored answers,
    -- and a free-text answer to the last question of every tenth parents' response. In replica
    -- mode the trigger that copies the response's authority does not fire: it is given here.
    INSERT INTO rbp.answer (response_id, question_id, score, free_text, authority_id)
    SELECT d.response_id, q.question_id, q.score, q.free_text, d.authority_id
      FROM (SELECT * FROM rbp_bench.draw ORDER BY response_id) d
     CROSS JOIN LATERAL (
        SELECT s.question_id,
               CASE WHEN s.scale_points = 5
                    THEN ((ARRAY[1, 2, 3, 3, 4, 4, 4, 5, 5, 5])[1 + floor(random() * 10)::integer])::rbp.likert
                    ELSE (3 + floor(random() * 8)::integer)::rbp.likert(10) END AS score,
               NULL::text AS free_text
          FROM bench_scale_question s
         WHERE s.instrument_id = d.instrument_id
           AND NOT (d.n % 7 = 0 AND s.rank = (d.n / 7) % 5 + 1)
        UNION ALL
        SELECT q7.question_id, NULL, 'Synthetic comment ' || d.n
          FROM rbp.question q7
         WHERE d.n % 10 = 7 AND q7.instrument_id = d.instrument_id AND q7.code = 'q7_anything_else'
        ORDER BY 1) q;

    -- QA's themes: three per authority; every response with a free-text answer is tagged with one
    -- of its authority's (what rbp.tag_response records), so the report writer's view of themes
    -- has rows to read (make bench, item 7).
    INSERT INTO rbp.theme (authority_id, name)
    SELECT a.authority_id, t.name
      FROM rbp.authority a
     CROSS JOIN unnest(ARRAY['Being listened to', 'Changes of worker', 'Waiting for a reply']) t(name)
     WHERE a.authority_id >= a0;
    INSERT INTO rbp.response_theme (theme_id, response_id)
    SELECT th.theme_id, d.response_id
      FROM rbp_bench.draw d
      JOIN rbp.theme th ON th.authority_id = d.authority_id
                       AND th.name = (ARRAY['Being listened to', 'Changes of worker', 'Waiting for a reply'])[1 + (d.n / 10) % 3]
     WHERE EXISTS (SELECT FROM rbp.answer a WHERE a.response_id = d.response_id AND a.free_text IS NOT NULL);

    -- Every named and worker-only response is routed to the worker's supervisor.
    INSERT INTO rbp.route (response_id, authority_id, recipient_kind, recipient_id, routed_on, reason)
    SELECT d.response_id, d.authority_id, 'supervisor', s.supervisor_id, d.submitted_on, 'submission'
      FROM rbp_bench.draw d
      JOIN rbp.supervision s ON s.worker_id = d.worker_id AND s.during @> d.submitted_on
     WHERE d.anonymity <> 'anonymous';

    PERFORM set_config('session_replication_role', 'origin', true);

    IF to_regclass('rbp.invitation_schedule') IS NOT NULL THEN
        PERFORM rbp_bench.settle_schedules(a0);
    END IF;

    RETURN QUERY
    SELECT 'authorities', count(*) FROM rbp.authority WHERE authority_id >= a0
    UNION ALL SELECT 'teams', count(*) FROM rbp.team WHERE authority_id >= a0
    UNION ALL SELECT 'staff', count(*) FROM rbp.staff WHERE authority_id >= a0
    UNION ALL SELECT 'families', count(*) FROM rbp.family WHERE authority_id >= a0
    UNION ALL SELECT 'respondents', count(*) FROM rbp.respondent WHERE authority_id >= a0
    UNION ALL SELECT 'involvements', count(*) FROM rbp.involvement WHERE authority_id >= a0
    UNION ALL SELECT 'open involvements', count(*) FROM rbp.involvement WHERE authority_id >= a0 AND closed_on IS NULL
    UNION ALL SELECT 'allocations', count(*) FROM rbp.allocation WHERE authority_id >= a0
    UNION ALL SELECT 'invitations', count(*) FROM rbp.invitation WHERE authority_id >= a0
    UNION ALL SELECT 'responses', count(*) FROM rbp.response WHERE authority_id >= a0
    UNION ALL SELECT 'scored answers', count(*) FROM rbp.answer a JOIN rbp_bench.draw d USING (response_id) WHERE a.score IS NOT NULL
    UNION ALL SELECT 'free-text answers', count(*) FROM rbp.answer a JOIN rbp_bench.draw d USING (response_id) WHERE a.free_text IS NOT NULL
    UNION ALL SELECT 'routes', count(*) FROM rbp.route WHERE authority_id >= a0
    UNION ALL SELECT 'responses tagged with a theme', count(*) FROM rbp.response_theme rt JOIN rbp_bench.draw d USING (response_id);
    IF to_regclass('rbp.invitation_schedule') IS NOT NULL THEN
        RETURN QUERY EXECUTE $q$
        SELECT 'invitation schedules', count(*) FROM rbp.invitation_schedule WHERE authority_id >= $1
        UNION ALL
        SELECT 'schedules due an invitation today', count(*) FROM rbp.invitation_schedule
         WHERE authority_id >= $1 AND next_due_on <= current_date$q$ USING a0;
    END IF;
END
$$;
COMMENT ON FUNCTION rbp_bench.generate(integer, integer, integer, integer, integer, integer) IS
    'Benchmark only: bulk-load a synthetic set of authorities (see test/bench/generate.sql for the shape); returns the row counts';
