-- \ir this right after plan() in a pgTAP suite that switches role with SET ROLE: pgTAP keeps its
-- state in temporary tables owned by whoever called plan(), and the unprivileged roles under test
-- must be able to write to them.
GRANT ALL ON ALL TABLES IN SCHEMA pg_temp TO PUBLIC;
GRANT ALL ON ALL SEQUENCES IN SCHEMA pg_temp TO PUBLIC;
