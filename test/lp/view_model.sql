-- test/lp/view_model.sql — the reader's model of one authority's publication, built from the
-- report views alone (not from rbp.report_build_model), for test/report_lp_audit.sh: an independent
-- statement of what doc/reports.md says a reader knows. Every number of report_scores, report_points,
-- report_responses and report_themes is a variable (shown: fixed; c: >= 1, a point >= 0); every total
-- of teams or workers gets an unknown remainder (the parts never published) with the same structure
-- as a cell; relations: entities and remainders add up, points add up to their statement, all
-- statements >= each statement and <= their sum, people who scored or were tagged <= people who
-- responded, respondent kinds add up, months and quarters cover their quarter and year (>= each
-- part for responses and invitations). Writes :base.body (CPLEX LP constraints and bounds) and
-- :base.hidden (the suppressed variables). psql variables: auth (code), base (file prefix).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE TEMP TABLE vc AS
SELECT 'scores' AS topic, level, coalesce(team, '') AS team, coalesce(worker, '') AS worker, period, period_start,
       instrument, coalesce(question, '*') AS q, coalesce(respondent_kind::text, '*') AS k, '' AS theme, 0 AS point,
       respondents_n AS n, suppressed AS hid
  FROM rbp.report_scores WHERE authority = :'auth'
UNION ALL
SELECT 'scores', level, coalesce(team, ''), coalesce(worker, ''), period, period_start, instrument, question, '*', '', point,
       answers_n, suppressed
  FROM rbp.report_points WHERE authority = :'auth'
UNION ALL
SELECT 'responses', level, coalesce(team, ''), coalesce(worker, ''), period, period_start, '', '*',
       coalesce(respondent_kind::text, '*'), '', 0, responses_n, responses_suppressed
  FROM rbp.report_responses WHERE authority = :'auth' AND (responses_suppressed OR responses_n > 0)
UNION ALL
SELECT 'invitations', level, coalesce(team, ''), coalesce(worker, ''), period, period_start, '', '*',
       coalesce(respondent_kind::text, '*'), '', 0, invitations_n, invitations_suppressed
  FROM rbp.report_responses WHERE authority = :'auth' AND (invitations_suppressed OR invitations_n > 0)
UNION ALL
SELECT 'themes', level, coalesce(team, ''), '', period, period_start, '', '*', '*', theme, 0, responses_n, suppressed
  FROM rbp.report_themes WHERE authority = :'auth';

-- The remainders: one per team (and one for the authority) and measure wherever a team (or the
-- authority) total is published, as a cell of its own entity ('~' + team, '~').
INSERT INTO vc
SELECT topic, 'remainder', '~' || team, '', period, period_start, instrument, q, k, theme, point, NULL::numeric, true
  FROM vc WHERE level = 'team' AND k = '*' AND topic <> 'themes'   -- themes have no worker rows
UNION ALL
SELECT topic, 'remainder', '~', '', period, period_start, instrument, q, k, theme, point, NULL::numeric, true
  FROM vc WHERE level = 'authority' AND k = '*' AND period = 'quarter';

CREATE TEMP TABLE vv AS
SELECT row_number() OVER (ORDER BY topic, level, team, worker, period, period_start, instrument, q, k, theme, point) AS id,
       vc.*, level || '|' || team || '|' || worker AS ent, period || '|' || period_start AS pk,
       concat_ws('|', topic, instrument, q, k, theme, point) AS m
  FROM vc;

CREATE TEMP TABLE vt (rel text, id bigint, coef integer, eq boolean);
-- workers (and the team's remainder) add up to their team; teams (and the authority's) to the authority
INSERT INTO vt
SELECT 'team|' || v.pk || '|' || v.m || '|' || v.team, v.id, CASE v.level WHEN 'team' THEN -1 ELSE 1 END, true
  FROM vv v WHERE v.k = '*' AND v.level = 'team' AND v.topic <> 'themes'
UNION ALL
SELECT 'team|' || w.pk || '|' || w.m || '|' || w.team, w.id, 1, true
  FROM vv w WHERE w.k = '*' AND w.level = 'worker'
UNION ALL
SELECT 'team|' || r.pk || '|' || r.m || '|' || substr(r.team, 2), r.id, 1, true
  FROM vv r WHERE r.level = 'remainder' AND r.team <> '~'
UNION ALL
SELECT 'auth|' || v.pk || '|' || v.m, v.id, CASE v.level WHEN 'authority' THEN -1 ELSE 1 END, true
  FROM vv v WHERE v.k = '*' AND v.period = 'quarter' AND (v.level IN ('authority', 'team') OR (v.level = 'remainder' AND v.team = '~'));
-- a statement's points add up to its count
INSERT INTO vt
SELECT 'pts|' || v.ent || v.pk || v.instrument || v.q, v.id, CASE WHEN v.point = 0 THEN -1 ELSE 1 END, true
  FROM vv v WHERE v.topic = 'scores' AND v.q <> '*' AND v.k = '*';
-- all statements >= each statement; the statements together >= all statements
INSERT INTO vt
SELECT 'stm1|' || s.id, x.id, x.coef, false
  FROM vv s JOIN vv a ON a.topic = 'scores' AND a.q = '*' AND a.k = '*' AND a.point = 0 AND a.ent = s.ent AND a.pk = s.pk
   AND a.instrument = s.instrument
 CROSS JOIN LATERAL (VALUES (a.id, 1), (s.id, -1)) x(id, coef)
 WHERE s.topic = 'scores' AND s.q <> '*' AND s.point = 0
UNION ALL
SELECT 'stm2|' || v.ent || v.pk || v.instrument, v.id, CASE WHEN v.q = '*' THEN -1 ELSE 1 END, false
  FROM vv v WHERE v.topic = 'scores' AND v.k = '*' AND v.point = 0;
-- people who scored (any instrument) or were tagged are among those who responded
INSERT INTO vt
SELECT 'scored|' || v.ent || v.pk || v.k, v.id, CASE v.topic WHEN 'responses' THEN 1 ELSE -1 END, false
  FROM vv v WHERE v.point = 0 AND (v.topic = 'responses' OR (v.topic = 'scores' AND v.q = '*'))
UNION ALL
SELECT 'tagged|' || t.id, x.id, x.coef, false
  FROM vv t JOIN vv r ON r.topic = 'responses' AND r.k = '*' AND r.ent = t.ent AND r.pk = t.pk
 CROSS JOIN LATERAL (VALUES (r.id, 1), (t.id, -1)) x(id, coef)
 WHERE t.topic = 'themes';
-- respondent kinds add up (authority level)
INSERT INTO vt
SELECT 'kind|' || v.pk || '|' || v.topic || v.instrument, v.id, CASE WHEN v.k = '*' THEN -1 ELSE 1 END, true
  FROM vv v WHERE v.level = 'authority' AND v.q = '*' AND v.point = 0 AND v.topic IN ('responses', 'invitations', 'scores')
   AND v.period <> 'month';
-- months cover their quarter, quarters their year; the whole >= each part for responses and invitations
INSERT INTO vt
SELECT 'cover|' || w.id, x.id, x.coef, false
  FROM vv w JOIN vv p ON p.ent = w.ent AND p.m = w.m
   AND p.period = CASE w.period WHEN 'quarter' THEN 'month' ELSE 'quarter' END
   AND p.period_start >= w.period_start
   AND p.period_start < w.period_start + CASE w.period WHEN 'quarter' THEN interval '3 months' ELSE interval '1 year' END
 CROSS JOIN LATERAL (VALUES (p.id, 1), (w.id, -1)) x(id, coef)
 WHERE w.period IN ('quarter', 'year')
UNION ALL
SELECT 'within|' || p.id, x.id, x.coef, false
  FROM vv w JOIN vv p ON p.ent = w.ent AND p.m = w.m
   AND p.period = CASE w.period WHEN 'quarter' THEN 'month' ELSE 'quarter' END
   AND p.period_start >= w.period_start
   AND p.period_start < w.period_start + CASE w.period WHEN 'quarter' THEN interval '3 months' ELSE interval '1 year' END
 CROSS JOIN LATERAL (VALUES (w.id, 1), (p.id, -1)) x(id, coef)
 WHERE w.period IN ('quarter', 'year') AND w.topic IN ('responses', 'invitations') AND w.point = 0;
DELETE FROM vt WHERE rel IN (SELECT rel FROM vt GROUP BY rel HAVING count(DISTINCT id) < 2);

-- The rounding of every mean, median and percentage shown, as linear relations over the counts it
-- is computed from (a reader who knows the shown figure knows the counts satisfy it): each point
-- count c_p of the answers (a statement's own points; for all statements, every statement's
-- points), N = sum of c_p.
--   mean m (1 decimal):       sum c_p (p - m + 0.05) >= 0,  sum c_p (p - m - 0.05) <= 0
--   % agreeing a (integer):   sum c_p (100 [p agrees] - a + 0.5) >= 0, ... - a - 0.5) <= 0
--   median m, an integer:     sum c_p (2 [p < m] - 1) <= 0,  sum c_p (2 [p <= m] - 1) >= 0
--   median k + 0.5:           sum c_p (2 [p <= k] - 1) = 0
--   a point's share s (1 decimal of the statement's n):   100 c_p - (s -+ 0.05) n  >=/<= 0
--   response rate r (integer, per 100 invitations):       100 responses - (r -+ 0.5) invitations >=/<= 0
-- The product shows these only where every count they use is shown; written here all the same, so
-- that a publication breaking that rule fails the audit.
CREATE TEMP TABLE vr (rel text, id bigint, coef numeric, sense text);
CREATE TEMP TABLE vs AS
SELECT level || '|' || coalesce(team, '') || '|' || coalesce(worker, '') AS ent, period || '|' || period_start AS pk,
       instrument, coalesce(question, '*') AS q, mean, median, pct_agreeing
  FROM rbp.report_scores
 WHERE authority = :'auth' AND respondent_kind IS NULL AND (mean IS NOT NULL OR median IS NOT NULL OR pct_agreeing IS NOT NULL);
CREATE TEMP TABLE vsp AS    -- each shown summary with the point counts it is computed from
SELECT s.*, row_number() OVER (ORDER BY s.ent, s.pk, s.instrument, s.q) AS sid, p.id, p.point, st.scale_points
  FROM vs s
  JOIN vv p ON p.topic = 'scores' AND p.point > 0 AND p.k = '*' AND p.ent = s.ent AND p.pk = s.pk
   AND p.instrument = s.instrument AND (s.q = '*' OR p.q = s.q)
  JOIN rbp.report_statements st ON st.instrument = p.instrument AND st.question = p.q;
-- (row_number above numbers rows, not summaries: one id per summary instead)
UPDATE vsp SET sid = x.sid FROM (SELECT ent, pk, instrument, q, dense_rank() OVER (ORDER BY ent, pk, instrument, q) AS sid
                                   FROM (SELECT DISTINCT ent, pk, instrument, q FROM vsp) d) x
 WHERE vsp.ent = x.ent AND vsp.pk = x.pk AND vsp.instrument = x.instrument AND vsp.q = x.q;
INSERT INTO vr
SELECT 'meanlo' || sid, id, point - mean + 0.05, '>=' FROM vsp WHERE mean IS NOT NULL
UNION ALL SELECT 'meanhi' || sid, id, point - mean - 0.05, '<=' FROM vsp WHERE mean IS NOT NULL
UNION ALL SELECT 'agreelo' || sid, id, 100 * (point >= scale_points - CASE WHEN scale_points >= 4 THEN 1 ELSE 0 END)::int - pct_agreeing + 0.5, '>='
            FROM vsp WHERE pct_agreeing IS NOT NULL
UNION ALL SELECT 'agreehi' || sid, id, 100 * (point >= scale_points - CASE WHEN scale_points >= 4 THEN 1 ELSE 0 END)::int - pct_agreeing - 0.5, '<='
            FROM vsp WHERE pct_agreeing IS NOT NULL
UNION ALL SELECT 'medlo' || sid, id, 2 * (point < median)::int - 1, '<=' FROM vsp WHERE median = floor(median)
UNION ALL SELECT 'medhi' || sid, id, 2 * (point <= median)::int - 1, '>=' FROM vsp WHERE median = floor(median)
UNION ALL SELECT 'medeq' || sid, id, 2 * (point <= floor(median))::int - 1, '=' FROM vsp WHERE median <> floor(median);
INSERT INTO vr
SELECT x.rel || '|' || s.n, x.id, x.coef, x.sense
  FROM (SELECT row_number() OVER () AS n, p.id AS pid, c.id AS cid, rp.share_pct
          FROM rbp.report_points rp
          JOIN vv p ON p.topic = 'scores' AND p.point = rp.point AND p.k = '*' AND p.instrument = rp.instrument AND p.q = rp.question
           AND p.ent = rp.level || '|' || coalesce(rp.team, '') || '|' || coalesce(rp.worker, '') AND p.pk = rp.period || '|' || rp.period_start
          JOIN vv c ON c.topic = 'scores' AND c.point = 0 AND c.k = '*' AND c.instrument = p.instrument AND c.q = p.q AND c.ent = p.ent AND c.pk = p.pk
         WHERE rp.authority = :'auth' AND rp.share_pct IS NOT NULL) s
 CROSS JOIN LATERAL (VALUES ('sharelo', s.pid, 100::numeric, '>='), ('sharelo', s.cid, -(s.share_pct - 0.05), '>='),
                            ('sharehi', s.pid, 100::numeric, '<='), ('sharehi', s.cid, -(s.share_pct + 0.05), '<=')) x(rel, id, coef, sense);
INSERT INTO vr
SELECT x.rel || '|' || s.n, x.id, x.coef, x.sense
  FROM (SELECT row_number() OVER () AS n, r.id AS rid, i.id AS iid, rr.response_rate_pct AS rate
          FROM rbp.report_responses rr
          JOIN vv r ON r.topic = 'responses' AND r.point = 0 AND r.k = coalesce(rr.respondent_kind::text, '*')
           AND r.ent = rr.level || '|' || coalesce(rr.team, '') || '|' || coalesce(rr.worker, '') AND r.pk = rr.period || '|' || rr.period_start
          JOIN vv i ON i.topic = 'invitations' AND i.point = 0 AND i.k = r.k AND i.ent = r.ent AND i.pk = r.pk
         WHERE rr.authority = :'auth' AND rr.response_rate_pct IS NOT NULL) s
 CROSS JOIN LATERAL (VALUES ('ratelo', s.rid, 100::numeric, '>='), ('ratelo', s.iid, -(s.rate - 0.5), '>='),
                            ('ratehi', s.rid, 100::numeric, '<='), ('ratehi', s.iid, -(s.rate + 0.5), '<=')) x(rel, id, coef, sense);
DELETE FROM vr WHERE coef = 0;

\set body :base '.body'
\set hidden :base '.hidden'
COPY (SELECT line FROM (
        SELECT 1 AS s, 0 AS o, 'Subject To' AS line
        UNION ALL
        SELECT 2, r.n, ' ' || split_part(r.rel, '|', 1) || '_' || r.n || ': ' || string_agg(CASE WHEN t.coef > 0 THEN '+ ' ELSE '- ' END || 'x' || t.id, ' ' ORDER BY t.id)
               || CASE WHEN bool_and(t.eq) THEN ' = 0' ELSE ' >= 0' END
          FROM (SELECT DISTINCT rel, id, coef, eq FROM vt) t
          JOIN (SELECT rel, row_number() OVER (ORDER BY rel) AS n FROM (SELECT DISTINCT rel FROM vt) k) r USING (rel)
         GROUP BY r.n, r.rel
        UNION ALL
        SELECT 2.5, r.n, ' ' || regexp_replace(r.rel, '[^a-z0-9_]', '_', 'g') || ': '
               || string_agg(CASE WHEN t.coef > 0 THEN '+ ' ELSE '- ' END || abs(t.coef) || ' x' || t.id, ' ' ORDER BY t.id)
               || ' ' || min(t.sense) || ' 0'
          FROM vr t JOIN (SELECT rel, row_number() OVER (ORDER BY rel) AS n FROM (SELECT DISTINCT rel FROM vr) k) r USING (rel)
         GROUP BY r.n, r.rel
        UNION ALL SELECT 3, 0, 'Bounds'
        UNION ALL SELECT 4, v.id, ' x' || v.id || CASE WHEN NOT v.hid THEN ' = ' || v.n
                                                     WHEN v.level = 'remainder' OR v.point > 0 THEN ' >= 0' ELSE ' >= 1' END
          FROM vv v
        UNION ALL SELECT 5, 0, 'General'
        UNION ALL SELECT 6, v.id, ' x' || v.id FROM vv v WHERE v.hid
        UNION ALL SELECT 7, 0, 'End') x ORDER BY s, o) TO :'body';
COPY (SELECT v.id, 0, concat_ws('/', v.topic, v.level, v.team, v.worker, v.period, v.period_start, v.q, v.k, v.theme, 'point' || v.point)
        FROM vv v WHERE v.hid AND v.level <> 'remainder' ORDER BY 1) TO :'hidden';
