-- 0.1.0 -> 0.2.0, piece 91_reads3 (issue 18, third round): the reading functions are planned for
-- each call's caller and arguments, as a hand-written query is (sql/install/38_rls.sql). PL/pgSQL
-- caches the plan of RETURN QUERY and, after five calls, switches to a generic plan when that looks
-- no dearer than the average custom plan so far: after summaries of all periods, QA's summary of
-- one quarter ran the generic plan (sequential scans, no parallel workers), 2.31x the hand-written
-- query at full size. Access is unchanged: the caller's identity is still resolved once per call.
ALTER FUNCTION rbp.my_feedback() SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION rbp.my_inbox() SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION rbp.my_answers() SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION rbp.qa_feedback() SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION rbp.qa_worker_summary(date, date) SET plan_cache_mode = force_custom_plan;
