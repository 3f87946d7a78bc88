-- The chart of published results (doc/chart.md): well-formed, accessible SVG (title, description,
-- role, labels), one segment per non-empty share of a published cell, nothing of a suppressed cell
-- but its label and "c" (even when the caller passed shares for it), text escaped, bad cells refused.
-- The picture itself is checked in headless Chromium by test/chart/check.
--
-- Mutation seen failing: drawing a cell's shares whatever its "suppressed" flag fails "a suppressed
-- cell shows nothing of the shares passed with it" here and the suppressed rows of test/chart/check.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT plan(17);
\ir ../helpers/pgtap_roles.sql
CREATE ROLE t_report LOGIN IN ROLE rbp_report_writer;
CREATE ROLE t_intake LOGIN IN ROLE rbp_survey_intake;

CREATE TEMP TABLE chart AS
SELECT rbp.report_chart_svg('Trust & respect <2026>', '[
  {"label": "Team One", "points": 5, "shares": [0.05, 0.10, 0.15, 0.40, 0.30], "respondents": "23"},
  {"label": "Kim <script>", "points": 5, "shares": [0.31, 0.17, 0.13, 0.19, 0.20], "respondents": "c", "suppressed": true},
  {"label": "Jo Lee", "points": 5, "shares": null, "respondents": "c"},
  {"label": "Sam Carter", "points": 5, "shares": [0, 0, 0, 0.25, 0.75], "respondents": "12"}]') AS svg;
CREATE TEMP TABLE doc AS SELECT xmlparse(DOCUMENT svg) AS x FROM chart;
SELECT ok((SELECT xml_is_well_formed_document(svg) FROM chart), 'the chart is a well-formed XML document');
SELECT is((SELECT (xpath('/s:svg/@role', x, ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']]))[1]::text FROM doc), 'img',
          'the SVG is an image to assistive technology (role="img")');
SELECT is((SELECT (xpath('/s:svg/@aria-labelledby', x, ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']]))[1]::text FROM doc),
          'chart-title chart-desc', '... labelled by its title and description');
SELECT is((SELECT (xpath('/s:svg/s:title/text()', x, ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']]))[1]::text FROM doc),
          'Trust &amp; respect &lt;2026&gt;', 'the title, escaped');
SELECT matches((SELECT (xpath('/s:svg/s:desc/text()', x, ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']]))[1]::text FROM doc),
               'Team One: 70% agree, 15% disagree, 23 people\. Kim &lt;script&gt;: suppressed \(c\)\. Jo Lee: suppressed \(c\)\. Sam Carter: 100% agree',
               'the description reads the chart out: agree and disagree per published cell, suppressed cells as c');
SELECT is((SELECT array_agg(t::text ORDER BY t::text) FROM doc,
                  unnest(xpath('//s:text[@class="label"]/text()', x, ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']])) t),
          ARRAY['Jo Lee', 'Kim &lt;script&gt;', 'Sam Carter', 'Team One'], 'every cell has its readable label');
SELECT is((SELECT count(*)::integer FROM doc, unnest(xpath('//s:rect[s:title[starts-with(., "Team One,")]]', x,
                                                             ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']])) r), 5,
          'a published cell: one segment per point');
SELECT is((SELECT count(*)::integer FROM doc, unnest(xpath('//s:rect[s:title[starts-with(., "Sam Carter,")]]', x,
                                                             ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']])) r), 2,
          '... points nobody chose are not drawn');
SELECT is((SELECT count(*)::integer FROM doc, unnest(xpath('//s:g[@class="suppressed"]', x, ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']])) g), 2,
          'suppressed cells (flagged, or without shares) are drawn as such');
SELECT ok((SELECT strpos(svg, '31%') = 0 AND strpos(svg, '17%') = 0 AND strpos(svg, 'Kim &lt;script&gt;, ') = 0 FROM chart),
          'a suppressed cell shows nothing of the shares passed with it');
SELECT is((SELECT (xpath('//s:rect[s:title[. = "Team One, Agree: 40%"]]/@width', x, ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']]))[1]::text FROM doc),
          '96.00', 'a segment''s width is its share (40 % of 240 px)');

SELECT is((SELECT array_agg(t::text) FROM unnest(xpath('//s:text[@class="label"]/text() | //s:text[@class="label"]/s:title/text()',
                  xmlparse(DOCUMENT rbp.report_chart_svg('x', '[{"label": "Family Support Team North and South-East", "points": 5, "shares": null}]')),
                  ARRAY[ARRAY['s', 'http://www.w3.org/2000/svg']])) t),
          ARRAY['Family Support Team North and South-East', 'Family Support Team North and S…'],
          'a long label is shortened on the picture and kept whole in its tooltip');
SELECT throws_ok($$ SELECT rbp.report_chart_svg('x', '[]') $$, '22023', NULL, 'no cells: refused');
SELECT throws_ok($$ SELECT rbp.report_chart_svg('x', '[{"label": "a", "points": 5, "shares": [0.5, 0.5, 0.5, 0, 0]}]') $$, '22023', NULL,
                 'shares that do not add up to 1: refused');
SELECT throws_ok($$ SELECT rbp.report_chart_svg('x', '[{"label": "a", "points": 5, "shares": null}, {"label": "b", "points": 10, "shares": null}]') $$,
                 '22023', NULL, 'cells of different scales in one chart: refused');

SET ROLE t_report;
SELECT lives_ok($$ SELECT rbp.report_chart_svg('x', '[{"label": "a", "points": 5, "shares": null}]') $$, 'a report writer draws charts');
RESET ROLE;
SET ROLE t_intake;
SELECT throws_ok($$ SELECT rbp.report_chart_svg('x', '[{"label": "a", "points": 5, "shares": null}]') $$, '42501', NULL,
                 'survey intake does not');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
