-- The chart wired to the published reports (doc/chart.md): rbp.report_chart_cells() turns the
-- per-point counts of rbp.report_points into the cells of rbp.report_chart_svg(). Checked against
-- the views themselves for every statement and period the fixture publishes: a cell carries shares
-- exactly when all of its points and its count are published, the shares are those counts over
-- their sum, and everything else is a suppressed cell without shares. Read as the report writer.
--
-- Mutation seen failing: the shares in reverse point order (ORDER BY i DESC in the function) fails
-- the model check below.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT plan(8);
\ir ../helpers/pgtap_roles.sql
\ir ../fixtures/reports_fixture.sql
CREATE ROLE t_chart_writer LOGIN IN ROLE rbp_report_writer;
SELECT rbp.map_login('t_chart_writer', 'report_writer', 'test_la') \g /dev/null  -- an administrator's mapping
CREATE ROLE t_chart_intake IN ROLE rbp_survey_intake;
SET client_min_messages = warning;
SELECT count(*) > 0 AS published FROM rbp.publish_reports_rows('2026-01-01', 'test_la') \gset
RESET client_min_messages;

SET ROLE t_chart_writer;
CREATE TEMP TABLE chart_cells AS
SELECT k.question, k.period_label, c.value AS cell, c.ordinality AS n
  FROM (SELECT DISTINCT question, period_label FROM rbp.report_points WHERE authority = 'test_la') k,
       jsonb_array_elements(rbp.report_chart_cells('test_la', k.question, k.period_label)) WITH ORDINALITY AS c;
CREATE TEMP TABLE model AS
SELECT p.question, p.period_label, coalesce(p.worker_name, p.team_name, p.authority) AS label,
       bool_or(p.suppressed) OR bool_or(s.suppressed) AS suppressed,
       array_agg(p.answers_n ORDER BY p.point) AS counts
  FROM rbp.report_points p
  JOIN rbp.report_scores s ON s.authority = p.authority AND s.level = p.level AND s.team IS NOT DISTINCT FROM p.team
   AND s.worker IS NOT DISTINCT FROM p.worker AND s.period = p.period AND s.period_start = p.period_start
   AND s.question = p.question AND s.respondent_kind IS NULL
 WHERE p.authority = 'test_la'
 GROUP BY 1, 2, 3;
RESET ROLE;

SELECT ok(:'published', 'the fixture''s reports are published');
SELECT is((SELECT count(*) FROM chart_cells), (SELECT count(*) FROM model), 'one chart cell per published cell of every statement and period');
SELECT cmp_ok((SELECT count(*) FROM chart_cells WHERE cell -> 'shares' <> 'null'), '>', 0::bigint,
              'some cells are drawn with their shares');
SELECT cmp_ok((SELECT count(*) FROM chart_cells WHERE (cell ->> 'suppressed')::boolean), '>', 0::bigint,
              'some cells are drawn as suppressed');
SELECT is_empty($$
    SELECT c.question, c.period_label, c.cell FROM chart_cells c
      JOIN model m ON m.question = c.question AND m.period_label = c.period_label AND m.label = c.cell ->> 'label'
     WHERE (c.cell ->> 'suppressed')::boolean IS DISTINCT FROM m.suppressed
        OR (m.suppressed AND c.cell -> 'shares' <> 'null')
        OR (NOT m.suppressed AND c.cell -> 'shares' IS DISTINCT FROM
            (SELECT jsonb_agg(round(x::numeric / (SELECT sum(y) FROM unnest(m.counts) y), 4) ORDER BY i)
               FROM unnest(m.counts) WITH ORDINALITY u(x, i))) $$,
    'a cell has shares exactly when every point and its count are published, and they are its counts over their sum');
SET ROLE t_chart_writer;
SELECT is((SELECT count(*)::integer FROM chart_cells c,
                  LATERAL (SELECT xmlparse(DOCUMENT rbp.report_chart_svg('t', jsonb_build_array(c.cell))) AS x) d
            WHERE xml_is_well_formed_document(rbp.report_chart_svg('t', jsonb_build_array(c.cell)))),
          (SELECT count(*)::integer FROM chart_cells), 'every cell draws as a well-formed SVG');
SELECT lives_ok($$ SELECT rbp.report_chart_svg('Trust, 2025-Q2', rbp.report_chart_cells('test_la', 'q2_trust', '2025-Q2')) $$,
                'the report writer draws a period''s chart straight from the published reports');
RESET ROLE;
SET ROLE t_chart_intake;
SELECT throws_ok($$ SELECT rbp.report_chart_cells('test_la', 'q2_trust', '2025-Q2') $$, '42501', NULL, 'survey intake cannot read the reports');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
