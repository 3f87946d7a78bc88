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
-- on the two derived tables, refusing what only a copy does: a policy for an authority that
-- already has one (the API creates a policy only for an authority without one), a schedule that
-- brings its own schedule_id (the API's schedules always draw theirs from the sequence, in the
-- same insert; upserts included).
CREATE FUNCTION rbp.refuse_trigger_restore() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_copied boolean;
BEGIN
    IF TG_TABLE_NAME = 'schedule_policy' THEN
        -- The API creates an authority's policy only when it has none.
        v_copied := EXISTS (SELECT FROM rbp.schedule_policy WHERE authority_id = NEW.authority_id);
    ELSE
        -- The API creates schedules only with an id drawn from their sequence by this very insert;
        -- a row that brings its own id is a copy.
        BEGIN
            v_copied := NEW.schedule_id IS DISTINCT FROM pg_catalog.currval('rbp.invitation_schedule_schedule_id_seq');
        EXCEPTION WHEN object_not_in_prerequisite_state THEN    -- no id drawn in this session yet
            v_copied := true;
        END;
    END IF;
    IF v_copied THEN
        RAISE EXCEPTION 'feedback_rbp data is being loaded with the extension''s triggers on'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('rbp.%s is derived by the extension''s triggers from the rows loaded before it; loading the dumped copy too would duplicate or contradict it.', TG_TABLE_NAME),
                  HINT = 'Restore into a new database with the triggers off: PGOPTIONS=''-c session_replication_role=replica'' pg_restore --exit-on-error ... (or psql -v ON_ERROR_STOP=1 for a plain dump); see doc/dba.md, Backups.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION rbp.refuse_trigger_restore() IS
    'Trigger: refuse (55000) a copied row of a derived table (a schedule policy for an authority that has one, a schedule that brings its own id): a restore run with the triggers on';
CREATE TRIGGER refuse_trigger_restore BEFORE INSERT ON rbp.schedule_policy
    FOR EACH ROW EXECUTE FUNCTION rbp.refuse_trigger_restore();
COMMENT ON TRIGGER refuse_trigger_restore ON rbp.schedule_policy IS
    'Refuses a restore run with the triggers on (the dumped policy would duplicate the default just derived)';
CREATE TRIGGER refuse_trigger_restore BEFORE INSERT ON rbp.invitation_schedule
    FOR EACH ROW EXECUTE FUNCTION rbp.refuse_trigger_restore();
COMMENT ON TRIGGER refuse_trigger_restore ON rbp.invitation_schedule IS
    'Refuses a restore run with the triggers on (the dumped schedule would duplicate the one just derived)';
