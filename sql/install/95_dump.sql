-- Backups that restore (doc/dba.md, Backups). Tables created by an extension are left out of
-- pg_dump unless marked as configuration tables. Every table of schema rbp is marked here (so
-- tables added by earlier pieces are covered without a list to maintain; a piece after this one
-- marks its own), with the sequences behind their identity columns. Rows the install script
-- itself seeds are filtered out, since CREATE EXTENSION re-creates them on restore: seeded rows
-- are never updated (which questionnaire version is current is derived, rbp.is_current()), so
-- the re-created seed is exactly the row the dump left out.
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

-- A restore copies rows; it is not an event of the API. The extension's triggers derive rows from
-- events (a new authority gets a default schedule policy, a new involvement schedules, an
-- invitation moves its schedule on), so a restore must run with them off, explicitly:
--     PGOPTIONS='-c session_replication_role=replica' pg_restore ...
-- (the standard PostgreSQL switch, superuser only, which also skips foreign-key checks while the
-- tables are loaded in parallel). A restore that forgets it would load the dumped schedules on
-- top of the ones the triggers just derived from the dumped authorities and involvements. This
-- guard refuses that loudly: an ordinary trigger (so it is off in replica mode, like the others)
-- on the two derived tables, refusing a row whose key already holds a visible row. The API never
-- does that: the triggers create a policy or a schedule only for an authority, involvement or
-- family member that is new, and rbp.refresh_all_schedules() only what is missing.
CREATE FUNCTION rbp.refuse_trigger_restore() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_exists boolean;
BEGIN
    IF TG_TABLE_NAME = 'schedule_policy' THEN
        v_exists := EXISTS (SELECT FROM rbp.schedule_policy WHERE authority_id = NEW.authority_id);
    ELSE
        v_exists := EXISTS (SELECT FROM rbp.invitation_schedule
                             WHERE involvement_id = NEW.involvement_id AND respondent_id = NEW.respondent_id);
    END IF;
    IF v_exists THEN
        RAISE EXCEPTION 'feedback_rbp data is being loaded with the extension''s triggers on'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('rbp.%s already holds the row that the triggers derived from rows loaded before it; loading the dumped copy too would duplicate it.', TG_TABLE_NAME),
                  HINT = 'Restore into a new database with the triggers off: PGOPTIONS=''-c session_replication_role=replica'' pg_restore --exit-on-error ... (or psql -v ON_ERROR_STOP=1 for a plain dump); see doc/dba.md, Backups.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION rbp.refuse_trigger_restore() IS
    'Trigger: refuse (55000) a row of a derived table (schedule policy, invitation schedule) whose key already has one: a restore run with the triggers on';
CREATE TRIGGER refuse_trigger_restore BEFORE INSERT ON rbp.schedule_policy
    FOR EACH ROW EXECUTE FUNCTION rbp.refuse_trigger_restore();
COMMENT ON TRIGGER refuse_trigger_restore ON rbp.schedule_policy IS
    'Refuses a restore run with the triggers on (the dumped policy would duplicate the default just derived)';
CREATE TRIGGER refuse_trigger_restore BEFORE INSERT ON rbp.invitation_schedule
    FOR EACH ROW EXECUTE FUNCTION rbp.refuse_trigger_restore();
COMMENT ON TRIGGER refuse_trigger_restore ON rbp.invitation_schedule IS
    'Refuses a restore run with the triggers on (the dumped schedule would duplicate the one just derived)';
