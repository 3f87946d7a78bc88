-- What report writers read (doc/reports.md): three views over the published, suppressed cells.
-- They run with the rights of their owner, so rbp_report_writer needs (and has) no privilege on any
-- table; they call only built-in functions and the distribution accessors, none of which returns
-- rows. Suppressed counts read 'c'; suppressed means, medians, shares and rates are NULL; the
-- suppressed columns say which. Cells never published (responses without a worker or a team) are
-- not shown. A report writer reads only the authorities an administrator mapped its login to
-- (rbp.map_login(login, 'report_writer', authority); rbp.acting_scope()). security_barrier keeps a caller's own functions in WHERE from running before the
-- view's filter.

CREATE VIEW rbp.report_scores WITH (security_barrier) AS
SELECT a.code AS authority,
       c.level,
       t.code AS team,
       t.name AS team_name,
       w.staff_ref AS worker,
       w.display_name AS worker_name,
       c.period_kind AS period,
       c.period_start,
       CASE c.period_kind
           WHEN 'month' THEN to_char(c.period_start, 'YYYY-MM')
           WHEN 'quarter' THEN to_char(c.period_start, 'YYYY-"Q"Q')
           ELSE to_char(c.period_start, 'YYYY') END AS period_label,
       i.code AS instrument,
       q.code AS question,
       c.respondent_kind,
       CASE WHEN c.hidden THEN 'c' ELSE c.n::text END AS respondents,
       CASE WHEN NOT c.hidden THEN round(rbp.mean(c.summary)::numeric, 1) END AS mean,
       CASE WHEN NOT c.share_hidden THEN rbp.median(c.summary)::numeric END AS median,
       CASE WHEN NOT c.share_hidden THEN round(100 * rbp.share_agreeing(c.summary)::numeric) END AS pct_agreeing,
       c.hidden AS suppressed,
       c.share_hidden AS share_suppressed
  FROM rbp.report_cell c
  JOIN rbp.authority a USING (authority_id)
  JOIN rbp.instrument i USING (instrument_id)
  LEFT JOIN rbp.question q USING (question_id)
  LEFT JOIN rbp.team t ON t.team_id = c.team_id
  LEFT JOIN rbp.staff w ON w.staff_id = c.worker_id
 WHERE c.topic = 'scores' AND c.level IN ('authority', 'team', 'worker')
   AND c.authority_id = ANY (coalesce((SELECT rbp.acting_scope('report_writer')), ARRAY(SELECT authority_id FROM rbp.authority)));
COMMENT ON VIEW rbp.report_scores IS
    'Published scores by authority, team and worker, month, quarter and year, per statement (question NULL: all statements of the instrument) and respondent kind (NULL: all); respondents ''c'' and mean NULL where suppressed';
COMMENT ON COLUMN rbp.report_scores.level IS 'authority, team or worker (anonymous responses count at team and authority level only)';
COMMENT ON COLUMN rbp.report_scores.question IS 'The statement or dial; NULL for all statements of the instrument together (respondents who answered at least one)';
COMMENT ON COLUMN rbp.report_scores.respondent_kind IS 'NULL: all kinds of respondent';
COMMENT ON COLUMN rbp.report_scores.respondents IS 'Respondents, or c when suppressed (1 to threshold, or to protect another suppressed cell)';
COMMENT ON COLUMN rbp.report_scores.mean IS 'Mean score over the answers, one decimal; NULL when suppressed';
COMMENT ON COLUMN rbp.report_scores.median IS 'Median score over the answers; NULL when the share is suppressed';
COMMENT ON COLUMN rbp.report_scores.pct_agreeing IS 'Percentage of answers at the top two points (agree, strongly agree); NULL when suppressed';
COMMENT ON COLUMN rbp.report_scores.suppressed IS 'The count (and mean) of this cell is suppressed';
COMMENT ON COLUMN rbp.report_scores.share_suppressed IS 'The share agreeing and median are suppressed (always when the count is; also when agreeing or not agreeing are 1 to threshold)';

CREATE VIEW rbp.report_responses WITH (security_barrier) AS
SELECT a.code AS authority,
       k.level,
       t.code AS team,
       t.name AS team_name,
       w.staff_ref AS worker,
       w.display_name AS worker_name,
       k.period_kind AS period,
       k.period_start,
       CASE k.period_kind
           WHEN 'month' THEN to_char(k.period_start, 'YYYY-MM')
           WHEN 'quarter' THEN to_char(k.period_start, 'YYYY-"Q"Q')
           ELSE to_char(k.period_start, 'YYYY') END AS period_label,
       k.respondent_kind,
       CASE WHEN k.responses_hidden THEN 'c' ELSE k.responses::text END AS responses,
       CASE WHEN k.invitations_hidden THEN 'c' ELSE k.invitations::text END AS invitations,
       CASE WHEN NOT k.responses_hidden AND NOT k.invitations_hidden AND k.invitations > 0
            THEN round(100.0 * k.responses / k.invitations) END AS response_rate_pct,
       k.responses_hidden AS responses_suppressed,
       k.invitations_hidden AS invitations_suppressed
  FROM (SELECT authority_id, level, team_id, worker_id, period_kind, period_start, respondent_kind,
               coalesce(sum(n) FILTER (WHERE topic = 'responses'), 0) AS responses,
               coalesce(bool_or(hidden) FILTER (WHERE topic = 'responses'), false) AS responses_hidden,
               coalesce(sum(n) FILTER (WHERE topic = 'invitations'), 0) AS invitations,
               coalesce(bool_or(hidden) FILTER (WHERE topic = 'invitations'), false) AS invitations_hidden
          FROM rbp.report_cell
         WHERE topic IN ('responses', 'invitations') AND level IN ('authority', 'team', 'worker')
           AND authority_id = ANY (coalesce((SELECT rbp.acting_scope('report_writer')), ARRAY(SELECT authority_id FROM rbp.authority)))
         GROUP BY authority_id, level, team_id, worker_id, period_kind, period_start, respondent_kind) k
  JOIN rbp.authority a ON a.authority_id = k.authority_id
  LEFT JOIN rbp.team t ON t.team_id = k.team_id
  LEFT JOIN rbp.staff w ON w.staff_id = k.worker_id;
COMMENT ON VIEW rbp.report_responses IS
    'Published response counts, invitations issued and response rates by authority, team and worker, month, quarter and year, and respondent kind (NULL: all); c where suppressed';
COMMENT ON COLUMN rbp.report_responses.responses IS
    'Responses counted in the period (at worker level named and worker-only ones only: anonymous responses are never attributed to a worker), or c';
COMMENT ON COLUMN rbp.report_responses.invitations IS 'Invitations issued in the period (to the worker allocated on the day of issue), or c';
COMMENT ON COLUMN rbp.report_responses.response_rate_pct IS
    'Responses per 100 invitations issued in the same period; NULL when either count is suppressed';
COMMENT ON COLUMN rbp.report_responses.responses_suppressed IS 'The response count is suppressed';
COMMENT ON COLUMN rbp.report_responses.invitations_suppressed IS 'The invitation count is suppressed';

CREATE VIEW rbp.report_themes WITH (security_barrier) AS
SELECT a.code AS authority,
       c.level,
       t.code AS team,
       t.name AS team_name,
       c.period_kind AS period,
       c.period_start,
       CASE c.period_kind
           WHEN 'month' THEN to_char(c.period_start, 'YYYY-MM')
           WHEN 'quarter' THEN to_char(c.period_start, 'YYYY-"Q"Q')
           ELSE to_char(c.period_start, 'YYYY') END AS period_label,
       th.name AS theme,
       CASE WHEN c.hidden THEN 'c' ELSE c.n::text END AS responses,
       c.hidden AS suppressed
  FROM rbp.report_cell c
  JOIN rbp.authority a USING (authority_id)
  JOIN rbp.theme th USING (theme_id)
  LEFT JOIN rbp.team t ON t.team_id = c.team_id
 WHERE c.topic = 'themes' AND c.level IN ('authority', 'team')
   AND c.authority_id = ANY (coalesce((SELECT rbp.acting_scope('report_writer')), ARRAY(SELECT authority_id FROM rbp.authority)));
COMMENT ON VIEW rbp.report_themes IS
    'Published counts of responses QA tagged with each theme, by authority and team (never by worker), month, quarter and year; c where suppressed';
COMMENT ON COLUMN rbp.report_themes.responses IS 'Responses tagged with the theme, or c when suppressed';
COMMENT ON COLUMN rbp.report_themes.suppressed IS 'The count is suppressed';

GRANT SELECT ON rbp.report_scores, rbp.report_responses, rbp.report_themes TO rbp_report_writer;
