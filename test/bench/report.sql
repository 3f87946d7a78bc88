-- test/bench/report.sql — the one table of test/bench/run, in markdown, from rbp_bench.result and
-- the item-1 side tables. Ratios are result / baseline.
\pset footer off
-- items: the items run (test/bench/run --only), all by default
\if :{?items}
\else
\set items '{1,2,3,4,5,6,7,8}'
\endif
WITH r AS (SELECT * FROM rbp_bench.result),
size AS (
    SELECT t AS type,
           (SELECT count(*) FROM rbp_bench.answer_likert) AS answers,
           pg_relation_size(format('rbp_bench.answer_%s', t)::regclass) AS heap,
           pg_indexes_size(format('rbp_bench.answer_%s', t)::regclass) AS idx,
           pg_relation_size(format('rbp_bench.answer_%s_question_id_score_idx', t)::regclass) AS score_idx,
           pg_relation_size(format('rbp_bench.wide_%s', t)::regclass) AS wide_heap,
           5 * (SELECT count(*) FROM rbp_bench.wide_likert) AS wide_answers
      FROM unnest(ARRAY['likert', 'smallint', 'enum']) t),
s AS (SELECT type, heap::float8 / nullif(answers, 0) AS heap_pa, idx::float8 / nullif(answers, 0) AS idx_pa,
             score_idx::float8 / nullif(answers, 0) AS score_idx_pa, wide_heap::float8 / nullif(wide_answers, 0) AS wide_pa FROM size),
width AS (SELECT (SELECT pg_column_size(score) FROM rbp_bench.answer_likert LIMIT 1) AS likert,
                 (SELECT pg_column_size(score) FROM rbp_bench.answer_smallint LIMIT 1) AS smallint,
                 (SELECT pg_column_size(score) FROM rbp_bench.answer_enum LIMIT 1) AS enum),
lk AS (SELECT * FROM s WHERE type = 'likert'),
rows AS (
    -- 1. storage
    SELECT 1 AS ord, '1' AS item, 'score column width: rbp.likert vs ' || b.type AS what,
           format('%s B', w.likert) AS result,
           format('%s B', CASE b.type WHEN 'smallint' THEN w.smallint ELSE w.enum END) AS baseline,
           w.likert::float8 / CASE b.type WHEN 'smallint' THEN w.smallint ELSE w.enum END AS ratio,
           '1 byte per answer' AS target, w.likert = 1 AS met, NULL::text AS note
      FROM width w, (VALUES ('smallint'), ('enum')) b(type)
    UNION ALL
    SELECT 2, '1', 'one row per answer (as rbp.answer): heap per scored answer, likert vs ' || b.type,
           format('%s B', round(lk.heap_pa::numeric, 1)), format('%s B', round(b.heap_pa::numeric, 1)),
           lk.heap_pa / b.heap_pa, 'report', NULL,
           format('all indexes (PK + (question_id, score)): %s B vs %s B per answer', round(lk.idx_pa::numeric, 1), round(b.idx_pa::numeric, 1))
      FROM lk, s b WHERE b.type <> 'likert'
    UNION ALL
    SELECT 2.5, '1', 'index on (question_id, score), per scored answer, likert vs ' || b.type,
           format('%s B', round(lk.score_idx_pa::numeric, 1)), format('%s B', round(b.score_idx_pa::numeric, 1)),
           lk.score_idx_pa / b.score_idx_pa, 'report', NULL,
           CASE WHEN w.median IS NOT NULL THEN format('%s B with B-tree deduplication (what-if: btequalimage in likert_ops)', round(w.median::numeric, 1)) END
      FROM lk CROSS JOIN s b LEFT JOIN r w ON w.item = '1' AND w.label LIKE 'what-if%' WHERE b.type <> 'likert'
    UNION ALL
    SELECT 3, '1', 'one row per response (5 scores): heap per scored answer, likert vs ' || b.type,
           format('%s B', round(lk.wide_pa::numeric, 1)), format('%s B', round(b.wide_pa::numeric, 1)),
           lk.wide_pa / b.wide_pa, 'report', NULL, NULL
      FROM lk, s b WHERE b.type <> 'likert'
    UNION ALL
    -- 2. per-worker quarterly summary
    SELECT 4 + (m = 'serial')::int, '2', format('summary vs floor (%s)', m),
           format('%s ms', round(x.median::numeric, 1)), format('%s ms', round(f.median::numeric, 1)),
           x.median / f.median, '<= 1.5', x.median / f.median <= 1.5, x.plan_note
      FROM (VALUES ('parallel'), ('serial')) v(m)
      JOIN r x ON x.item = '2' AND x.label = format('rbp.likert_summary + suppression (%s)', m)
      JOIN r f ON f.item = '2' AND f.label = format('floor: count(*) GROUP BY (%s)', m)
    UNION ALL
    SELECT 6 + (m = 'serial')::int, '2', format('summary vs plain SQL (%s)', m),
           format('%s ms', round(x.median::numeric, 1)), format('%s ms', round(p.median::numeric, 1)),
           x.median / p.median, '< 1', x.median < p.median, 'plain: ' || p.plan_note
      FROM (VALUES ('parallel'), ('serial')) v(m)
      JOIN r x ON x.item = '2' AND x.label = format('rbp.likert_summary + suppression (%s)', m)
      JOIN r p ON p.item = '2' AND p.label = format('plain SQL: FILTER, avg, percentile_cont (%s)', m)
    UNION ALL
    SELECT 8, '2', 'summary: parallel vs serial',
           format('%s ms', round(x.median::numeric, 1)), format('%s ms', round(y.median::numeric, 1)),
           x.median / y.median, 'uses parallel workers, Partial Aggregate',
           x.plan_note LIKE '%Partial Aggregate%' AND x.plan_note LIKE '%workers launched%' AND x.plan_note NOT LIKE '%workers launched 0%',
           x.plan_note
      FROM r x JOIN r y ON y.item = '2' AND y.label = 'rbp.likert_summary + suppression (serial)'
     WHERE x.item = '2' AND x.label = 'rbp.likert_summary + suppression (parallel)'
    UNION ALL
    -- 3. submission throughput
    SELECT 9, '3', 'rbp.submit_response vs bare INSERT, ' || split_part(a.label, ': ', 2) || ' (pgbench, 2 clients)',
           format('%s tps', round(a.median::numeric)), format('%s tps', round(b.median::numeric)),
           a.median / b.median, '>= 0.5', a.median / b.median >= 0.5, a.plan_note
      FROM r a JOIN r b ON b.item = '3' AND b.label = 'bare INSERT: ' || split_part(a.label, ': ', 2)
     WHERE a.item = '3' AND a.label LIKE 'rbp.submit_response: %'
    UNION ALL
    SELECT 9.5, '3', a.label || ' vs bare INSERT',
           format('%s tps', round(a.median::numeric)), format('%s tps', round(b.median::numeric)),
           a.median / b.median, '>= 0.5', a.median / b.median >= 0.5, a.plan_note
      FROM r a JOIN r b ON b.item = '3' AND b.label = 'bare INSERT: named'
     WHERE a.item = '3' AND a.label LIKE 'what-if%'
    UNION ALL
    -- 4. who is due
    SELECT 10, '4', 'who is due today: planned vs forced sequential scan',
           format('%s ms', round(i.median::numeric, 2)), format('%s ms', round(q.median::numeric, 2)),
           i.median / q.median, 'index scan',
           i.plan_note ~ 'Index (Only )?Scan on invitation_schedule_next_due', i.plan_note
      FROM r i JOIN r q ON q.item = '4' AND q.label LIKE '%forced sequential scan'
     WHERE i.item = '4' AND i.label = 'who is due today: index'
    UNION ALL
    SELECT 10.5, '4', 'who is due today: with random_page_cost = 1.1 (SSD) vs forced sequential scan',
           format('%s ms', round(i.median::numeric, 2)), format('%s ms', round(q.median::numeric, 2)),
           i.median / q.median, 'index scan',
           i.plan_note ~ 'Index (Only )?Scan on invitation_schedule_next_due', i.plan_note
      FROM r i JOIN r q ON q.item = '4' AND q.label LIKE '%forced sequential scan'
     WHERE i.item = '4' AND i.label = 'who is due today: index, random_page_cost 1.1'
    UNION ALL
    SELECT 11, '4', 'rbp.due_invitations(current_date) as the case system calls it',
           format('%s ms', round(i.median::numeric, 2)), NULL, NULL, 'report', NULL, NULL
      FROM r i WHERE i.item = '4' AND i.label LIKE 'rbp.due_invitations%'
    UNION ALL
    -- 5. anonymous release
    SELECT 12, '5', 'anonymous batch release vs bare INSERT, per released response',
           format('%s µs', round(a.median::numeric, 1)), format('%s µs', round(b.median::numeric, 1)),
           a.median / b.median, 'report', NULL, a.plan_note
      FROM r a JOIN r b ON b.item = '5' AND b.label LIKE 'bare%'
     WHERE a.item = '5' AND a.label LIKE 'release%'
    UNION ALL
    -- 6. publishing the suppressed reports (CALL rbp.publish_reports) vs computing the same cells
    SELECT 13, '6', 'publishing reports vs computing the same cells unsuppressed: one authority',
           format('%s s', round(p.median::numeric / 1000, 2)), format('%s s', round(c.median::numeric / 1000, 2)),
           p.median / c.median, '<= 10', p.median / c.median <= 10, p.plan_note
      FROM r p JOIN r c ON c.item = '6' AND c.label LIKE 'compute%: 1 authority'
     WHERE p.item = '6' AND p.label LIKE 'CALL%: 1 authority'
    UNION ALL
    SELECT 13.5, '6', 'publishing reports vs computing the same cells unsuppressed: all authorities',
           format('%s s', round((p1.median + p.median)::numeric / 1000, 2)), format('%s s', round(c.median::numeric / 1000, 2)),
           (p1.median + p.median) / c.median, '<= 10', (p1.median + p.median) / c.median <= 10, c.plan_note
      FROM r p JOIN r c ON c.item = '6' AND c.label LIKE 'compute%: all%'
      JOIN r p1 ON p1.item = '6' AND p1.label LIKE 'CALL%: 1 authority'
     WHERE p.item = '6' AND p.label LIKE 'CALL%: the other%'
    UNION ALL
    -- 7. reads under access control
    SELECT 14 + row_number() OVER (ORDER BY a.label) / 100.0, '7', split_part(a.label, ': as the role', 1) || ': as the role vs hand-written',
           format('%s ms', round(a.median::numeric, 2)), format('%s ms', round(b.median::numeric, 2)),
           a.median / b.median, '<= 1.5', a.median / b.median <= 1.5, 'role: ' || a.plan_note || '; hand: ' || b.plan_note
      FROM r a JOIN r b ON b.item = '7' AND b.label = split_part(a.label, ': as the role', 1) || ': hand-written'
     WHERE a.item = '7' AND a.label LIKE '%: as the role'
    UNION ALL
    -- 8. sizing: WAL per submission against the bare INSERT's, and disk per response (reported)
    SELECT 15 + (CASE split_part(a.label, ': ', 2) WHEN 'named' THEN 1 WHEN 'worker_only' THEN 2 ELSE 3 END) / 10.0, '8',
           a.label || ' vs bare INSERT',
           format('%s B', round(a.median::numeric)), format('%s B', round(b.median::numeric)),
           a.median / b.median, 'report', NULL, a.plan_note
      FROM r a JOIN r b ON b.item = '8' AND b.label = 'WAL per bare INSERT'
     WHERE a.item = '8' AND a.label LIKE 'WAL per submission: %'
    UNION ALL
    SELECT 16 + row_number() OVER (ORDER BY a.label) / 100.0, '8', a.label,
           format('%s %s', round(a.median::numeric, CASE a.unit WHEN 'MB' THEN 0 ELSE 1 END), a.unit), NULL, NULL, 'report', NULL, a.plan_note
      FROM r a WHERE a.item = '8' AND a.label LIKE 'disk:%' AND a.median IS NOT NULL)
SELECT line FROM (
    SELECT 0 AS ord, '| # | measurement | result | baseline | ratio | target | met | plan / note |' AS line
    UNION ALL SELECT 0.5, '|---|---|---|---|---|---|---|---|'
    UNION ALL
    SELECT ord, format('| %s | %s | %s | %s | %s | %s | %s | %s |', item, what, result, coalesce(baseline, ''),
                       coalesce(round(ratio::numeric, 2)::text, ''), target,
                       CASE met WHEN true THEN 'yes' WHEN false THEN '**no**' ELSE '' END, coalesce(note, ''))
      FROM rows WHERE item = ANY (:'items'::text[])) t
ORDER BY ord, line;
