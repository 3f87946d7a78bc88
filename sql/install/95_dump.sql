-- Backups that restore: tables created by an extension are left out of pg_dump unless marked as
-- configuration tables. Every table of schema rbp is marked here (so tables added by later pieces
-- are covered without a list to maintain), with the sequences behind their identity columns;
-- rows the install script itself seeds are filtered out, since CREATE EXTENSION re-creates them
-- on restore.
DO $dump$
DECLARE
    rel record;
    seeded constant jsonb := jsonb_build_object(
        'instrument', 'WHERE NOT is_seed',
        'question', 'WHERE instrument_id NOT IN (SELECT instrument_id FROM rbp.instrument WHERE is_seed)',
        'glossary_term', 'WHERE NOT is_seed',
        'question_glossary', 'WHERE NOT is_seed',
        'form_text', 'WHERE NOT is_seed');
BEGIN
    FOR rel IN
        SELECT c.oid, c.relname FROM pg_catalog.pg_class c
         WHERE c.relnamespace = 'rbp'::regnamespace AND c.relkind IN ('r', 'S')
         ORDER BY c.relkind DESC, c.relname
    LOOP
        PERFORM pg_catalog.pg_extension_config_dump(rel.oid::regclass, coalesce(seeded ->> rel.relname::text, ''));
    END LOOP;
END
$dump$;
