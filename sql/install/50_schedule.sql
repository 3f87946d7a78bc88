-- Scheduling by time, not by process stage (framework rule 4): when each family member is invited,
-- reminded and followed up, and when the next focus group is due. doc/scheduling.md explains it.
--
-- One row of rbp.invitation_schedule per (involvement, family member) holds where that member's
-- schedule stands (phase, anchor date) and, derived from it, the dates the case system needs:
-- next_due_on is kept up to date by triggers on the data model's tables, so that "who is due today"
-- is a range scan of a partial index. The derivation rule lives in one place, the function
-- rbp.schedule_dates() (applied to every schedule by the view rbp.schedule_computed); every change
-- of a base fact re-applies it to the rows concerned.

CREATE TYPE rbp.schedule_phase AS ENUM ('first', 'regular', 'follow_up', 'done');
COMMENT ON TYPE rbp.schedule_phase IS
    'Where a schedule stands: first (the invitation at the start of involvement), regular (every cadence window), follow_up (once after closure), done (nothing more)';

CREATE TYPE rbp.process_stage AS ENUM ('assessment', 'child_in_need', 'child_protection', 'looked_after');
COMMENT ON TYPE rbp.process_stage IS
    'Stage of the statutory process; recorded for context only: a change of stage never moves a due date (feedback is by time, not by stage)';

-- Per authority: the default rhythm, changed by rbp_admin through rbp.set_schedule_policy().
CREATE TABLE rbp.schedule_policy (
    authority_id                 integer PRIMARY KEY REFERENCES rbp.authority ON DELETE CASCADE,
    invitation_cadence           rbp.cadence NOT NULL DEFAULT '2 months..3 months',
    first_invitation_within_days integer NOT NULL DEFAULT 14 CHECK (first_invitation_within_days BETWEEN 0 AND 366),
    closure_follow_up            rbp.cadence NOT NULL DEFAULT '1 month..2 months',
    max_reminders                integer NOT NULL DEFAULT 1 CHECK (max_reminders BETWEEN 0 AND 10),
    reminder_after_days          integer NOT NULL DEFAULT 14 CHECK (reminder_after_days BETWEEN 1 AND 366),
    default_channel              rbp.invitation_channel NOT NULL DEFAULT 'link',
    focus_group_cadence          rbp.cadence NOT NULL DEFAULT '6 months..12 months',
    focus_groups_from            date NOT NULL DEFAULT current_date
);
COMMENT ON TABLE rbp.schedule_policy IS 'Each authority''s invitation rhythm; a row is created with the defaults when the authority is registered';
COMMENT ON COLUMN rbp.schedule_policy.invitation_cadence IS 'Default window between invitations, counted from the last invitation (framework: due from 2 months, overdue after 3)';
COMMENT ON COLUMN rbp.schedule_policy.first_invitation_within_days IS 'The first invitation is due on the first day of involvement and overdue this many days later';
COMMENT ON COLUMN rbp.schedule_policy.closure_follow_up IS 'Window of the one follow-up invitation, counted from the day the involvement closed; nothing after it';
COMMENT ON COLUMN rbp.schedule_policy.max_reminders IS 'At most this many reminders per invitation (default 1; 0: none)';
COMMENT ON COLUMN rbp.schedule_policy.reminder_after_days IS 'A reminder is due this many days after the invitation (or the previous reminder) if it is still unused';
COMMENT ON COLUMN rbp.schedule_policy.default_channel IS 'Channel of invitations for family members who did not choose one';
COMMENT ON COLUMN rbp.schedule_policy.focus_group_cadence IS 'Window between focus groups (framework: every 6 to 12 months)';
COMMENT ON COLUMN rbp.schedule_policy.focus_groups_from IS 'Anchor of the first focus group when none has been held yet';

-- Per family member: their own choices ("no one feels pressured"). Absent row: the defaults.
CREATE TABLE rbp.respondent_preference (
    respondent_id        integer PRIMARY KEY REFERENCES rbp.respondent ON DELETE CASCADE,
    cadence              rbp.cadence,
    channel              rbp.invitation_channel,
    paused_until         date,
    reminders_opted_out  boolean NOT NULL DEFAULT false,
    opted_out_on         date
);
COMMENT ON TABLE rbp.respondent_preference IS 'A family member''s own choices about invitations: another cadence, a channel, a pause, no reminders, no invitations at all';
COMMENT ON COLUMN rbp.respondent_preference.cadence IS 'Their own cadence instead of the authority''s; NULL: the authority''s';
COMMENT ON COLUMN rbp.respondent_preference.channel IS 'How they want to be invited; NULL: the authority''s default channel';
COMMENT ON COLUMN rbp.respondent_preference.paused_until IS 'No invitation or reminder before this date; from it on the schedule resumes (the window is shifted, not shortened)';
COMMENT ON COLUMN rbp.respondent_preference.reminders_opted_out IS 'They want no reminders: none is listed, and recording one is refused';
COMMENT ON COLUMN rbp.respondent_preference.opted_out_on IS 'They want no more invitations (since this date): none is listed, issuing one is refused';

CREATE TABLE rbp.invitation_schedule (
    schedule_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id        integer NOT NULL,
    involvement_id      integer NOT NULL,
    respondent_id       integer NOT NULL,
    phase               rbp.schedule_phase NOT NULL DEFAULT 'first',
    anchor_on           date NOT NULL,
    invitations_issued  integer NOT NULL DEFAULT 0,
    last_invitation_id  bigint REFERENCES rbp.invitation ON DELETE SET NULL,
    last_reminder_on    date,
    due_on              date,
    overdue_on          date,
    next_due_on         date,
    reminder_due_on     date,
    UNIQUE (involvement_id, respondent_id),
    FOREIGN KEY (authority_id, involvement_id) REFERENCES rbp.involvement (authority_id, involvement_id) ON DELETE CASCADE,
    FOREIGN KEY (authority_id, respondent_id) REFERENCES rbp.respondent (authority_id, respondent_id) ON DELETE CASCADE
);
COMMENT ON TABLE rbp.invitation_schedule IS
    'Where the invitations of one family member for one involvement stand; maintained by triggers, read through rbp.due_invitations()';
COMMENT ON COLUMN rbp.invitation_schedule.phase IS 'first, regular, follow_up (after closure) or done';
COMMENT ON COLUMN rbp.invitation_schedule.anchor_on IS 'The date the current window counts from: start of involvement, last invitation issued, or closure';
COMMENT ON COLUMN rbp.invitation_schedule.invitations_issued IS 'Invitations issued so far for this involvement';
COMMENT ON COLUMN rbp.invitation_schedule.last_invitation_id IS 'The most recent invitation, whose reminders are scheduled';
COMMENT ON COLUMN rbp.invitation_schedule.last_reminder_on IS 'When the last reminder of the most recent invitation was sent';
COMMENT ON COLUMN rbp.invitation_schedule.due_on IS 'Derived: first day the next invitation is due (after any pause)';
COMMENT ON COLUMN rbp.invitation_schedule.overdue_on IS 'Derived: first day the next invitation is overdue (shifted by any pause)';
COMMENT ON COLUMN rbp.invitation_schedule.next_due_on IS 'Derived: due_on unless nothing more is to be sent (done, opted out): the key of the daily question';
COMMENT ON COLUMN rbp.invitation_schedule.reminder_due_on IS 'Derived: when a reminder of the last invitation is due, NULL when none may be sent';
CREATE INDEX invitation_schedule_next_due ON rbp.invitation_schedule (next_due_on) WHERE next_due_on IS NOT NULL;
CREATE INDEX invitation_schedule_reminder_due ON rbp.invitation_schedule (reminder_due_on) WHERE reminder_due_on IS NOT NULL;
CREATE INDEX invitation_schedule_respondent ON rbp.invitation_schedule (respondent_id);
COMMENT ON INDEX rbp.invitation_schedule_next_due IS 'The daily question: schedules whose next invitation is due on or before a date';
COMMENT ON INDEX rbp.invitation_schedule_reminder_due IS 'The daily question: schedules whose reminder is due on or before a date';
COMMENT ON INDEX rbp.invitation_schedule_respondent IS 'Finding the schedules of a family member when their preferences change';

-- Context only: nothing reads the stage to compute a date.
CREATE TABLE rbp.involvement_stage (
    involvement_id  integer NOT NULL,
    authority_id    integer NOT NULL,
    stage           rbp.process_stage NOT NULL,
    from_on         date NOT NULL,
    PRIMARY KEY (involvement_id, from_on),
    FOREIGN KEY (authority_id, involvement_id) REFERENCES rbp.involvement (authority_id, involvement_id) ON DELETE CASCADE
);
COMMENT ON TABLE rbp.involvement_stage IS 'Stages of the process an involvement went through (assessment, child in need, child protection, looked after); never moves a due date';

-- The rule, in one place: from the base facts of a schedule to its dates. Plain SQL expressions
-- (no FROM, not STRICT) so that the planner inlines them into the bulk statements of the triggers.
CREATE TYPE rbp.schedule_dates AS (due_on date, overdue_on date, next_due_on date, reminder_due_on date);
COMMENT ON TYPE rbp.schedule_dates IS 'The dates derived for a schedule: due from, overdue from, next due (NULL if nothing more), reminder due';
COMMENT ON COLUMN rbp.schedule_dates.due_on IS 'First day the next invitation is due, after any pause';
COMMENT ON COLUMN rbp.schedule_dates.overdue_on IS 'First day it is overdue, shifted by the same pause';
COMMENT ON COLUMN rbp.schedule_dates.next_due_on IS 'due_on, or NULL when nothing more is to be sent (done, opted out)';
COMMENT ON COLUMN rbp.schedule_dates.reminder_due_on IS 'When a reminder of the last invitation is due, or NULL when none may be sent';

-- The window of a phase, before any pause: first invitation from the first day of involvement,
-- then the cadence (the family member's own or the authority's) from the last invitation, then
-- the closure follow-up from the day of closure.
CREATE FUNCTION rbp.phase_due_on(p_phase rbp.schedule_phase, p_anchor_on date,
                                 p_policy rbp.schedule_policy, p_pref rbp.respondent_preference) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE p_phase WHEN 'first' THEN p_anchor_on
                        WHEN 'regular' THEN rbp.due_from(coalesce((p_pref).cadence, (p_policy).invitation_cadence), p_anchor_on)
                        WHEN 'follow_up' THEN rbp.due_from((p_policy).closure_follow_up, p_anchor_on) END
$$;
COMMENT ON FUNCTION rbp.phase_due_on(rbp.schedule_phase, date, rbp.schedule_policy, rbp.respondent_preference) IS
    'Internal: first day of the window of a phase counted from its anchor (before any pause); NULL when done';

CREATE FUNCTION rbp.phase_overdue_on(p_phase rbp.schedule_phase, p_anchor_on date,
                                     p_policy rbp.schedule_policy, p_pref rbp.respondent_preference) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE p_phase WHEN 'first' THEN p_anchor_on + (p_policy).first_invitation_within_days
                        WHEN 'regular' THEN rbp.overdue_from(coalesce((p_pref).cadence, (p_policy).invitation_cadence), p_anchor_on)
                        WHEN 'follow_up' THEN rbp.overdue_from((p_policy).closure_follow_up, p_anchor_on) END
$$;
COMMENT ON FUNCTION rbp.phase_overdue_on(rbp.schedule_phase, date, rbp.schedule_policy, rbp.respondent_preference) IS
    'Internal: first overdue day of the window of a phase (before any pause); NULL when done';

-- A pause that ends after the window opened moves the whole window to the end of the pause.
CREATE FUNCTION rbp.pause_shift(p_due_on date, p_pref rbp.respondent_preference) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT greatest(coalesce((p_pref).paused_until - p_due_on, 0), 0) $$;
COMMENT ON FUNCTION rbp.pause_shift(date, rbp.respondent_preference) IS 'Internal: days by which a pause moves a window (0 without a pause or when it ended before the window)';

CREATE FUNCTION rbp.schedule_dates(p_phase rbp.schedule_phase, p_anchor_on date, p_last_reminder_on date,
                                   p_policy rbp.schedule_policy, p_pref rbp.respondent_preference,
                                   p_invitation rbp.invitation) RETURNS rbp.schedule_dates
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT ROW(
        rbp.phase_due_on(p_phase, p_anchor_on, p_policy, p_pref)
            + rbp.pause_shift(rbp.phase_due_on(p_phase, p_anchor_on, p_policy, p_pref), p_pref),
        rbp.phase_overdue_on(p_phase, p_anchor_on, p_policy, p_pref)
            + rbp.pause_shift(rbp.phase_due_on(p_phase, p_anchor_on, p_policy, p_pref), p_pref),
        CASE WHEN p_phase = 'done' OR (p_pref).opted_out_on IS NOT NULL THEN NULL
             ELSE rbp.phase_due_on(p_phase, p_anchor_on, p_policy, p_pref)
                  + rbp.pause_shift(rbp.phase_due_on(p_phase, p_anchor_on, p_policy, p_pref), p_pref) END,
        CASE WHEN (p_invitation).invitation_id IS NULL OR (p_invitation).used_on IS NOT NULL
                  OR (p_invitation).cancelled_on IS NOT NULL
                  OR coalesce((p_pref).reminders_opted_out, false) OR (p_pref).opted_out_on IS NOT NULL
                  OR (p_invitation).reminders_sent >= (p_policy).max_reminders
                  OR greatest(coalesce(p_last_reminder_on, (p_invitation).issued_on) + (p_policy).reminder_after_days,
                              (p_pref).paused_until) > (p_invitation).expires_on THEN NULL
             ELSE greatest(coalesce(p_last_reminder_on, (p_invitation).issued_on) + (p_policy).reminder_after_days,
                           (p_pref).paused_until) END
    )::rbp.schedule_dates
$$;
COMMENT ON FUNCTION rbp.schedule_dates(rbp.schedule_phase, date, date, rbp.schedule_policy, rbp.respondent_preference, rbp.invitation) IS
    'Internal: the rule. The window of the phase, moved by a pause; nothing next when done or opted out; a reminder reminder_after_days after the invitation (or the last reminder) while the invitation is unused, not cancelled, unexpired, under the limit and reminders are wanted';

CREATE VIEW rbp.schedule_computed AS
SELECT s.schedule_id, d.due_on, d.overdue_on, d.next_due_on, d.reminder_due_on
  FROM rbp.invitation_schedule s
  JOIN rbp.schedule_policy pol ON pol.authority_id = s.authority_id
  LEFT JOIN rbp.respondent_preference p ON p.respondent_id = s.respondent_id
  LEFT JOIN rbp.invitation i ON i.invitation_id = s.last_invitation_id
  CROSS JOIN LATERAL (SELECT (rbp.schedule_dates(s.phase, s.anchor_on, s.last_reminder_on, pol, p, i)).*) d;
COMMENT ON VIEW rbp.schedule_computed IS
    'Internal: the dates of each schedule as rbp.schedule_dates() computes them from its phase and anchor, the authority''s policy, the family member''s preferences and the last invitation';
COMMENT ON COLUMN rbp.schedule_computed.schedule_id IS 'The schedule';
COMMENT ON COLUMN rbp.schedule_computed.due_on IS 'First day the next invitation is due, after any pause';
COMMENT ON COLUMN rbp.schedule_computed.overdue_on IS 'First day it is overdue, shifted by the same pause';
COMMENT ON COLUMN rbp.schedule_computed.next_due_on IS 'due_on, or NULL when nothing more is to be sent';
COMMENT ON COLUMN rbp.schedule_computed.reminder_due_on IS 'When a reminder of the last invitation is due, or NULL';

-- Re-apply the rule to some schedules (NULL: all of an authority, or all).
CREATE FUNCTION rbp.refresh_schedules(p_schedule_ids bigint[], p_authority_id integer DEFAULT NULL) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    IF p_schedule_ids IS NOT NULL THEN
        UPDATE rbp.invitation_schedule s
           SET due_on = c.due_on, overdue_on = c.overdue_on, next_due_on = c.next_due_on, reminder_due_on = c.reminder_due_on
          FROM (SELECT DISTINCT unnest(p_schedule_ids) AS id) x
          JOIN rbp.schedule_computed c ON c.schedule_id = x.id
         WHERE s.schedule_id = x.id
           AND (s.due_on, s.overdue_on, s.next_due_on, s.reminder_due_on)
               IS DISTINCT FROM (c.due_on, c.overdue_on, c.next_due_on, c.reminder_due_on);
    ELSE
        UPDATE rbp.invitation_schedule s
           SET due_on = c.due_on, overdue_on = c.overdue_on, next_due_on = c.next_due_on, reminder_due_on = c.reminder_due_on
          FROM rbp.schedule_computed c
         WHERE c.schedule_id = s.schedule_id
           AND (p_authority_id IS NULL OR s.authority_id = p_authority_id)
           AND (s.due_on, s.overdue_on, s.next_due_on, s.reminder_due_on)
               IS DISTINCT FROM (c.due_on, c.overdue_on, c.next_due_on, c.reminder_due_on);
    END IF;
END
$$;
COMMENT ON FUNCTION rbp.refresh_schedules(bigint[], integer) IS 'Internal: store the dates of rbp.schedule_computed into the schedules given (NULL: all, or all of an authority)';
REVOKE ALL ON FUNCTION rbp.refresh_schedules(bigint[], integer) FROM PUBLIC;

-- ---------------------------------------------------------------------------------------------
-- Triggers on the data model: every base fact that a date depends on.
--
-- Backups: every table of schema rbp is dumped as data (95_dump.sql), the schedules and policies
-- included, and a restore loads them exactly as they were. The triggers below derive state from
-- events of the API (a new involvement, an invitation issued); rows copied by a restore are not
-- events, so a restore runs with the triggers off, explicitly: session_replication_role = replica
-- (doc/dba.md, Backups). A restore that forgets it is refused by rbp.refuse_trigger_restore()
-- (95_dump.sql) instead of duplicating schedules. A DBA who bulk loads base rows with the triggers
-- off calls rbp.refresh_all_schedules() afterwards.
CREATE FUNCTION rbp.schedule_on_authority_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    INSERT INTO rbp.schedule_policy (authority_id)
    SELECT n.authority_id FROM new_rows n
     WHERE NOT EXISTS (SELECT FROM rbp.schedule_policy p WHERE p.authority_id = n.authority_id)
        ON CONFLICT (authority_id) DO NOTHING;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION rbp.schedule_on_authority_insert() IS 'Trigger: a new authority gets the default schedule policy';
CREATE TRIGGER schedule_policy_default AFTER INSERT ON rbp.authority
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rbp.schedule_on_authority_insert();
COMMENT ON TRIGGER schedule_policy_default ON rbp.authority IS 'Gives each new authority the default schedule policy';

-- New involvements: every member of the family is due an invitation from the first day. An
-- involvement that arrives already closed (history loaded at go-live) is recorded as done: its
-- families are not invited about work that ended before the database knew of it.
CREATE FUNCTION rbp.schedule_on_involvement_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    INSERT INTO rbp.invitation_schedule (authority_id, involvement_id, respondent_id, phase, anchor_on,
                                         due_on, overdue_on, next_due_on, reminder_due_on)
    SELECT x.authority_id, x.involvement_id, x.respondent_id, x.phase, x.anchor_on,
           (x.d).due_on, (x.d).overdue_on, (x.d).next_due_on, (x.d).reminder_due_on
      FROM (SELECT n.authority_id, n.involvement_id, r.respondent_id, ph.phase, ph.anchor_on,
                   rbp.schedule_dates(ph.phase, ph.anchor_on, NULL, pol, p, NULL) AS d
              FROM new_rows n
              JOIN rbp.respondent r ON r.family_id = n.family_id AND r.authority_id = n.authority_id
              JOIN rbp.schedule_policy pol ON pol.authority_id = n.authority_id
              LEFT JOIN rbp.respondent_preference p ON p.respondent_id = r.respondent_id
              CROSS JOIN LATERAL (SELECT CASE WHEN n.closed_on IS NULL THEN 'first' ELSE 'done' END::rbp.schedule_phase AS phase,
                                         coalesce(n.closed_on, n.started_on) AS anchor_on) ph) x
    ON CONFLICT (involvement_id, respondent_id) DO NOTHING;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION rbp.schedule_on_involvement_insert() IS 'Trigger: each family member of a new involvement is due a first invitation from its first day (nothing for an involvement loaded already closed)';
CREATE TRIGGER schedule_involvement_insert AFTER INSERT ON rbp.involvement
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rbp.schedule_on_involvement_insert();
COMMENT ON TRIGGER schedule_involvement_insert ON rbp.involvement IS 'Creates the schedules of a new involvement';

-- A family member registered while the family's involvement is open joins its schedule, due from
-- the start of the involvement (so at once).
CREATE FUNCTION rbp.schedule_on_respondent_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    INSERT INTO rbp.invitation_schedule (authority_id, involvement_id, respondent_id, phase, anchor_on,
                                         due_on, overdue_on, next_due_on, reminder_due_on)
    SELECT x.authority_id, x.involvement_id, x.respondent_id, 'first', x.started_on,
           (x.d).due_on, (x.d).overdue_on, (x.d).next_due_on, (x.d).reminder_due_on
      FROM (SELECT v.authority_id, v.involvement_id, n.respondent_id, v.started_on,
                   rbp.schedule_dates('first', v.started_on, NULL, pol, p, NULL) AS d
              FROM new_rows n
              JOIN rbp.involvement v ON v.family_id = n.family_id AND v.authority_id = n.authority_id AND v.closed_on IS NULL
              JOIN rbp.schedule_policy pol ON pol.authority_id = v.authority_id
              LEFT JOIN rbp.respondent_preference p ON p.respondent_id = n.respondent_id) x
    ON CONFLICT (involvement_id, respondent_id) DO NOTHING;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION rbp.schedule_on_respondent_insert() IS 'Trigger: a family member registered during an open involvement gets a schedule for it';
CREATE TRIGGER schedule_respondent_insert AFTER INSERT ON rbp.respondent
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rbp.schedule_on_respondent_insert();
COMMENT ON TRIGGER schedule_respondent_insert ON rbp.respondent IS 'Creates the schedules of a family member registered during an open involvement';

-- Closure (or a corrected closure date, or a reopening). Only closed_on matters: other columns of
-- the involvement (team, stage, ...) leave every schedule as it is.
CREATE FUNCTION rbp.schedule_on_involvement_update() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_ids bigint[];
BEGIN
    WITH changed AS (
        SELECT n.involvement_id, n.closed_on, n.started_on
          FROM new_rows n JOIN old_rows o USING (involvement_id)
         WHERE n.closed_on IS DISTINCT FROM o.closed_on),
    moved AS (
        UPDATE rbp.invitation_schedule s
           SET phase = CASE WHEN c.closed_on IS NOT NULL THEN 'follow_up'
                            WHEN s.invitations_issued = 0 THEN 'first'
                            ELSE 'regular' END::rbp.schedule_phase,
               anchor_on = CASE WHEN c.closed_on IS NOT NULL THEN c.closed_on
                                ELSE coalesce((SELECT i.issued_on FROM rbp.invitation i WHERE i.invitation_id = s.last_invitation_id),
                                              c.started_on) END
          FROM changed c
         WHERE s.involvement_id = c.involvement_id
           AND (s.phase <> 'done' OR c.closed_on IS NULL)
        RETURNING s.schedule_id)
    SELECT array_agg(schedule_id) INTO v_ids FROM moved;
    IF v_ids IS NOT NULL THEN
        PERFORM rbp.refresh_schedules(v_ids);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION rbp.schedule_on_involvement_update() IS
    'Trigger: when an involvement closes, its schedules move to the one follow-up after closure; no other change of an involvement moves a date';
CREATE TRIGGER schedule_involvement_update AFTER UPDATE ON rbp.involvement
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION rbp.schedule_on_involvement_update();
COMMENT ON TRIGGER schedule_involvement_update ON rbp.involvement IS 'Moves schedules to their follow-up when an involvement closes';

-- Issuing is refused to a family member who opted out or paused (the promise is kept by the
-- database, not only by the case system's good behaviour).
CREATE FUNCTION rbp.schedule_check_invitation() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_pref rbp.respondent_preference;
BEGIN
    SELECT * INTO v_pref FROM rbp.respondent_preference WHERE respondent_id = NEW.respondent_id;
    IF v_pref.opted_out_on IS NOT NULL THEN
        RAISE EXCEPTION 'this family member asked for no more invitations (since %)', v_pref.opted_out_on
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Only they can change that: record it with rbp.opt_in_to_invitations().';
    END IF;
    IF NEW.issued_on < v_pref.paused_until THEN
        RAISE EXCEPTION 'invitations to this family member are paused until %', v_pref.paused_until
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'End the pause first with rbp.pause_invitations(..., NULL) if they asked for it.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION rbp.schedule_check_invitation() IS 'Trigger: refuse an invitation to a family member who opted out or paused (55000)';
CREATE TRIGGER schedule_check_invitation BEFORE INSERT ON rbp.invitation
    FOR EACH ROW EXECUTE FUNCTION rbp.schedule_check_invitation();
COMMENT ON TRIGGER schedule_check_invitation ON rbp.invitation IS 'Refuses invitations to family members who opted out or paused';

-- Issuing moves the schedule on: the next window counts from the issue date.
CREATE FUNCTION rbp.schedule_on_invitation_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    -- One step per schedule even if a statement issued several invitations to the same member.
    WITH latest AS (
        SELECT DISTINCT ON (n.involvement_id, n.respondent_id) ROW(n.*)::rbp.invitation AS inv, n.involvement_id, n.respondent_id,
               count(*) OVER (PARTITION BY n.involvement_id, n.respondent_id) AS issued
          FROM new_rows n
         ORDER BY n.involvement_id, n.respondent_id, n.issued_on DESC, n.invitation_id DESC),
    moved AS (
        SELECT s.schedule_id, l.inv, l.issued,
               CASE WHEN s.phase IN ('first', 'regular') THEN 'regular' ELSE 'done' END::rbp.schedule_phase AS phase,
               CASE WHEN s.phase IN ('first', 'regular') THEN (l.inv).issued_on ELSE s.anchor_on END AS anchor_on,
               pol, p
          FROM latest l
          JOIN rbp.invitation_schedule s ON s.involvement_id = l.involvement_id AND s.respondent_id = l.respondent_id
          JOIN rbp.schedule_policy pol ON pol.authority_id = s.authority_id
          LEFT JOIN rbp.respondent_preference p ON p.respondent_id = s.respondent_id),
    computed AS (
        SELECT m.schedule_id, m.inv, m.issued, m.phase, m.anchor_on,
               rbp.schedule_dates(m.phase, m.anchor_on, NULL, m.pol, m.p, m.inv) AS d
          FROM moved m)
    UPDATE rbp.invitation_schedule s
       SET phase = c.phase, anchor_on = c.anchor_on,
           invitations_issued = s.invitations_issued + c.issued,
           last_invitation_id = (c.inv).invitation_id, last_reminder_on = NULL,
           due_on = (c.d).due_on, overdue_on = (c.d).overdue_on,
           next_due_on = (c.d).next_due_on, reminder_due_on = (c.d).reminder_due_on
      FROM computed c
     WHERE s.schedule_id = c.schedule_id;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION rbp.schedule_on_invitation_insert() IS
    'Trigger: an issued invitation moves its schedule on (first to regular, follow-up to done; the next window counts from the issue date)';
CREATE TRIGGER schedule_invitation_insert AFTER INSERT ON rbp.invitation
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rbp.schedule_on_invitation_insert();
COMMENT ON TRIGGER schedule_invitation_insert ON rbp.invitation IS 'Moves the schedule on when an invitation is issued';

-- Reminders are bounded whatever path writes them: at most max_reminders per invitation, none to a
-- family member who opted out of reminders or of invitations, none for a used invitation.
CREATE FUNCTION rbp.schedule_check_reminder() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_max integer;
    v_pref rbp.respondent_preference;
BEGIN
    -- The default of the policy table when the authority has no row yet (loaded by COPY).
    v_max := coalesce((SELECT max_reminders FROM rbp.schedule_policy WHERE authority_id = NEW.authority_id), 1);
    SELECT * INTO v_pref FROM rbp.respondent_preference WHERE respondent_id = NEW.respondent_id;
    IF v_pref.opted_out_on IS NOT NULL OR coalesce(v_pref.reminders_opted_out, false) THEN
        RAISE EXCEPTION 'this family member asked for no reminders'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF NEW.reminders_sent > v_max THEN
        RAISE EXCEPTION 'invitation already had % reminder(s), the most this authority allows', v_max
            USING ERRCODE = 'check_violation',
                  HINT = 'The limit is rbp.schedule_policy.max_reminders, set with rbp.set_schedule_policy().';
    END IF;
    IF OLD.used_on IS NOT NULL THEN
        RAISE EXCEPTION 'this invitation has been used: there is nothing to remind of'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION rbp.schedule_check_reminder() IS 'Trigger: refuse a reminder beyond the authority''s limit (23514), after an opt-out or for a used invitation (55000)';
CREATE TRIGGER schedule_check_reminder BEFORE UPDATE OF reminders_sent ON rbp.invitation
    FOR EACH ROW WHEN (NEW.reminders_sent > OLD.reminders_sent) EXECUTE FUNCTION rbp.schedule_check_reminder();
COMMENT ON TRIGGER schedule_check_reminder ON rbp.invitation IS 'Bounds reminders per invitation and honours opt-outs';

-- A used invitation needs no reminder any more.
CREATE FUNCTION rbp.schedule_on_invitation_used() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
BEGIN
    -- Found through the unique (involvement_id, respondent_id) the invitation carries: this runs on
    -- every submission, and last_invitation_id has no index of its own.
    UPDATE rbp.invitation_schedule SET reminder_due_on = NULL
     WHERE involvement_id = NEW.involvement_id AND respondent_id = NEW.respondent_id
       AND last_invitation_id = NEW.invitation_id AND reminder_due_on IS NOT NULL;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION rbp.schedule_on_invitation_used() IS 'Trigger: no reminder is due for an invitation once it has been used';
CREATE TRIGGER schedule_invitation_used AFTER UPDATE OF used_on ON rbp.invitation
    FOR EACH ROW WHEN (OLD.used_on IS NULL AND NEW.used_on IS NOT NULL) EXECUTE FUNCTION rbp.schedule_on_invitation_used();
COMMENT ON TRIGGER schedule_invitation_used ON rbp.invitation IS 'Clears the reminder of an invitation once used';

-- ---------------------------------------------------------------------------------------------
-- The daily question.

-- Internal and inlinable (plain SQL, no SET, not STRICT): the test explains exactly this query.
CREATE FUNCTION rbp.due_invitations_query(p_as_of date, p_authority_id integer)
    RETURNS TABLE (authority text, involvement_ref text, respondent_ref text, respondent_kind rbp.respondent_kind,
                   channel rbp.invitation_channel, purpose text, status rbp.schedule_status,
                   due_on date, overdue_on date, invitation_id bigint)
    LANGUAGE sql STABLE
    AS $$
    SELECT a.code, v.involvement_ref, r.respondent_ref, r.kind,
           coalesce(p.channel, pol.default_channel),
           CASE s.phase WHEN 'first' THEN 'first_invitation' WHEN 'regular' THEN 'invitation' ELSE 'follow_up' END,
           CASE WHEN p_as_of >= s.overdue_on THEN 'overdue' ELSE 'due' END::rbp.schedule_status,
           s.due_on, s.overdue_on, NULL::bigint
      FROM rbp.invitation_schedule s
      JOIN rbp.involvement v ON v.involvement_id = s.involvement_id
      JOIN rbp.respondent r ON r.respondent_id = s.respondent_id
      JOIN rbp.authority a ON a.authority_id = s.authority_id
      JOIN rbp.schedule_policy pol ON pol.authority_id = s.authority_id
      LEFT JOIN rbp.respondent_preference p ON p.respondent_id = s.respondent_id
     WHERE s.next_due_on <= p_as_of
       AND (p_authority_id IS NULL OR s.authority_id = p_authority_id)
    UNION ALL
    SELECT a.code, v.involvement_ref, r.respondent_ref, r.kind,
           i.channel, 'reminder', 'due'::rbp.schedule_status,
           s.reminder_due_on, i.expires_on, i.invitation_id
      FROM rbp.invitation_schedule s
      JOIN rbp.invitation i ON i.invitation_id = s.last_invitation_id
      JOIN rbp.involvement v ON v.involvement_id = s.involvement_id
      JOIN rbp.respondent r ON r.respondent_id = s.respondent_id
      JOIN rbp.authority a ON a.authority_id = s.authority_id
     WHERE s.reminder_due_on <= p_as_of
       AND i.expires_on >= p_as_of
       AND (p_authority_id IS NULL OR s.authority_id = p_authority_id)
$$;
COMMENT ON FUNCTION rbp.due_invitations_query(date, integer) IS
    'Internal: the query behind rbp.due_invitations(), range scans of the partial indexes on next_due_on and reminder_due_on';
REVOKE ALL ON FUNCTION rbp.due_invitations_query(date, integer) FROM PUBLIC;

CREATE FUNCTION rbp.due_invitations(p_as_of date DEFAULT current_date, p_authority text DEFAULT NULL)
    RETURNS TABLE (authority text, involvement_ref text, respondent_ref text, respondent_kind rbp.respondent_kind,
                   channel rbp.invitation_channel, purpose text, status rbp.schedule_status,
                   due_on date, overdue_on date, invitation_id bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    -- "who may act for an authority": NULL for an administrator (every authority), else the
    -- authorities this login is mapped to as a case system (none: it sees nothing)
    v_scope integer[] := rbp.acting_scope('case_system');
    v_authority integer;
    -- EXECUTE plans with the actual date, so the planner sees how few rows are due.
    q constant text := 'SELECT * FROM rbp.due_invitations_query($1, $2) ORDER BY 1, status DESC, due_on, 2, 3, purpose';
BEGIN
    IF p_as_of IS NULL OR NOT isfinite(p_as_of) THEN
        RAISE EXCEPTION 'the daily question needs a date' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_authority IS NOT NULL THEN
        RETURN QUERY EXECUTE q USING p_as_of, rbp.authority_id_of(p_authority, 'case_system');
    ELSIF v_scope IS NULL THEN
        RETURN QUERY EXECUTE q USING p_as_of, NULL::integer;
    ELSE
        -- each authority the login serves, in the order of the list (authority code first)
        FOR v_authority IN SELECT authority_id FROM rbp.authority WHERE authority_id = ANY (v_scope) ORDER BY code LOOP
            RETURN QUERY EXECUTE q USING p_as_of, v_authority;
        END LOOP;
    END IF;
END
$$;
COMMENT ON FUNCTION rbp.due_invitations(date, text) IS
    'Case system, daily: who is due or overdue an invitation (first, regular, follow-up after closure) or a reminder on a date, with the channel, for the authorities the login serves (one when named); call rbp.issue_invitation() for the invitations and rbp.record_reminder() for the reminders';
REVOKE ALL ON FUNCTION rbp.due_invitations(date, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.due_invitations(date, text) TO rbp_case_system;

-- Where one schedule stands on a date.
CREATE FUNCTION rbp.schedule_status_of(p_schedule rbp.invitation_schedule, p_on date) RETURNS rbp.schedule_status
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
    SELECT CASE WHEN p_schedule.phase = 'done' THEN 'closed'
                WHEN p.opted_out_on IS NOT NULL AND p_on >= p.opted_out_on THEN 'opted_out'
                WHEN p_on < p.paused_until THEN 'paused'
                WHEN p_on < p_schedule.due_on THEN 'not_due'
                WHEN p_on < p_schedule.overdue_on THEN 'due'
                ELSE 'overdue' END::rbp.schedule_status
      FROM (SELECT) AS one
      LEFT JOIN rbp.respondent_preference p ON p.respondent_id = p_schedule.respondent_id
$$;
COMMENT ON FUNCTION rbp.schedule_status_of(rbp.invitation_schedule, date) IS
    'Internal: closed (nothing more to send), opted_out, paused, or the not_due/due/overdue of the current window';
REVOKE ALL ON FUNCTION rbp.schedule_status_of(rbp.invitation_schedule, date) FROM PUBLIC;

CREATE FUNCTION rbp.schedule_status(p_authority text, p_involvement_ref text, p_respondent_ref text,
                                    p_on date DEFAULT current_date)
    RETURNS TABLE (status rbp.schedule_status, phase rbp.schedule_phase, due_on date, overdue_on date,
                   invitations_issued integer, reminder_due_on date)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system', 'qa');
    v_involvement integer := rbp.involvement_id_of(v_authority, p_involvement_ref);
    v_schedule rbp.invitation_schedule;
BEGIN
    PERFORM rbp.required(p_authority, 'p_authority');
    PERFORM rbp.required(p_involvement_ref, 'p_involvement_ref');
    PERFORM rbp.required(p_respondent_ref, 'p_respondent_ref');
    -- Every comparison with a NULL day is unknown, which the status rule would read as "overdue".
    IF p_on IS NULL THEN
        RAISE EXCEPTION 'a schedule status needs a date' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT s.* INTO v_schedule FROM rbp.invitation_schedule s JOIN rbp.respondent r USING (respondent_id)
     WHERE s.involvement_id = v_involvement AND r.authority_id = v_authority AND r.respondent_ref = p_respondent_ref;
    IF v_schedule.schedule_id IS NULL THEN
        RAISE EXCEPTION 'no schedule for family member "%" in involvement "%"', p_respondent_ref, p_involvement_ref
            USING ERRCODE = 'no_data_found',
                  HINT = 'Schedules exist for members of the involvement''s family registered while it was open.';
    END IF;
    RETURN QUERY SELECT rbp.schedule_status_of(v_schedule, p_on), v_schedule.phase, v_schedule.due_on,
                        v_schedule.overdue_on, v_schedule.invitations_issued, v_schedule.reminder_due_on;
END
$$;
COMMENT ON FUNCTION rbp.schedule_status(text, text, text, date) IS
    'Where a family member''s schedule for an involvement stands on a date: not_due, due, overdue, paused, opted_out or closed, with its dates';
REVOKE ALL ON FUNCTION rbp.schedule_status(text, text, text, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.schedule_status(text, text, text, date) TO rbp_case_system, rbp_qa;

-- ---------------------------------------------------------------------------------------------
-- Reminders, preferences, stages, policy: the functions the case system and the administrator call.

CREATE FUNCTION rbp.record_reminder(p_invitation_id bigint, p_sent_on date DEFAULT current_date) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_invitation rbp.invitation;
    v_ids bigint[];
    v_sent integer;
    v_involvement integer;
    v_respondent integer;
BEGIN
    IF p_invitation_id IS NULL OR p_sent_on IS NULL THEN
        RAISE EXCEPTION 'a reminder needs an invitation and a date' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO v_invitation FROM rbp.invitation WHERE invitation_id = p_invitation_id FOR UPDATE;
    -- an invitation of an authority the login does not serve is "unknown": the same error, no dates
    IF NOT FOUND OR NOT rbp.may_act_for(v_invitation.authority_id, 'case_system') THEN
        RAISE EXCEPTION 'unknown invitation %', p_invitation_id USING ERRCODE = 'foreign_key_violation',
              HINT = 'Pass an invitation_id that rbp.due_invitations() listed for an authority this login serves.';
    END IF;
    IF p_sent_on < v_invitation.issued_on OR p_sent_on > v_invitation.expires_on THEN
        RAISE EXCEPTION 'a reminder of invitation % cannot be sent on %: it is valid from % to %', p_invitation_id, p_sent_on,
                        v_invitation.issued_on, v_invitation.expires_on
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Record the day the reminder was actually sent; an expired invitation needs a new one.';
    END IF;
    IF v_invitation.cancelled_on IS NOT NULL THEN
        RAISE EXCEPTION 'invitation % was cancelled: there is nothing to remind of', p_invitation_id
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF p_sent_on < (SELECT paused_until FROM rbp.respondent_preference WHERE respondent_id = v_invitation.respondent_id) THEN
        RAISE EXCEPTION 'invitations to this family member are paused on %', p_sent_on
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'No reminder is sent during a pause; rbp.due_invitations() lists it again when the pause ends.';
    END IF;
    UPDATE rbp.invitation SET reminders_sent = reminders_sent + 1
     WHERE invitation_id = p_invitation_id
    RETURNING reminders_sent, involvement_id, respondent_id INTO v_sent, v_involvement, v_respondent;
    WITH s AS (
        UPDATE rbp.invitation_schedule SET last_reminder_on = p_sent_on
         WHERE involvement_id = v_involvement AND respondent_id = v_respondent
           AND last_invitation_id = p_invitation_id RETURNING schedule_id)
    SELECT array_agg(schedule_id) INTO v_ids FROM s;
    IF v_ids IS NOT NULL THEN
        PERFORM rbp.refresh_schedules(v_ids);
    END IF;
    RETURN v_sent;
END
$$;
COMMENT ON FUNCTION rbp.record_reminder(bigint, date) IS
    'Case system: record that a reminder of an invitation was sent (the invitation_id comes from rbp.due_invitations()); refused on a day outside the invitation''s issue..expiry (22023), beyond the authority''s limit (23514), after an opt-out, during a pause or for a cancelled invitation (55000). Returns the number sent so far';
REVOKE ALL ON FUNCTION rbp.record_reminder(bigint, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.record_reminder(bigint, date) TO rbp_case_system;

-- Internal: change a family member's preferences, then re-apply the rule to their schedules.
CREATE FUNCTION rbp.change_preference(p_authority text, p_respondent_ref text, p_column text, p_value text)
    RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_respondent integer := rbp.respondent_id_of(rbp.authority_id_of(p_authority, 'case_system'), p_respondent_ref);
BEGIN
    INSERT INTO rbp.respondent_preference (respondent_id) VALUES (v_respondent) ON CONFLICT DO NOTHING;
    EXECUTE format('UPDATE rbp.respondent_preference SET %I = $1::%s WHERE respondent_id = $2', p_column,
                   CASE p_column WHEN 'cadence' THEN 'rbp.cadence' WHEN 'channel' THEN 'rbp.invitation_channel'
                                 WHEN 'reminders_opted_out' THEN 'boolean' ELSE 'date' END)
        USING p_value, v_respondent;
    PERFORM rbp.refresh_schedules(coalesce(array_agg(schedule_id), '{}')) FROM rbp.invitation_schedule WHERE respondent_id = v_respondent;
END
$$;
COMMENT ON FUNCTION rbp.change_preference(text, text, text, text) IS 'Internal: set one preference of a family member and recompute their schedules';
REVOKE ALL ON FUNCTION rbp.change_preference(text, text, text, text) FROM PUBLIC;

CREATE FUNCTION rbp.set_respondent_cadence(p_authority text, p_respondent_ref text, p_cadence rbp.cadence) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT rbp.change_preference(p_authority, p_respondent_ref, 'cadence', p_cadence::text) $$;
COMMENT ON FUNCTION rbp.set_respondent_cadence(text, text, rbp.cadence) IS
    'Case system: a family member''s own cadence (e.g. ''3 months..4 months''); NULL returns to the authority''s';

CREATE FUNCTION rbp.set_respondent_channel(p_authority text, p_respondent_ref text, p_channel rbp.invitation_channel) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT rbp.change_preference(p_authority, p_respondent_ref, 'channel', p_channel::text) $$;
COMMENT ON FUNCTION rbp.set_respondent_channel(text, text, rbp.invitation_channel) IS
    'Case system: how a family member wants to be invited; NULL returns to the authority''s default channel';

CREATE FUNCTION rbp.pause_invitations(p_authority text, p_respondent_ref text, p_until date) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT rbp.change_preference(p_authority, p_respondent_ref, 'paused_until', p_until::text) $$;
COMMENT ON FUNCTION rbp.pause_invitations(text, text, date) IS
    'Case system: no invitation or reminder to a family member before a date (a window due in the pause starts again on that date); NULL ends the pause';

CREATE FUNCTION rbp.opt_out_of_reminders(p_authority text, p_respondent_ref text, p_opted_out boolean DEFAULT true) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT rbp.change_preference(p_authority, p_respondent_ref, 'reminders_opted_out', coalesce(p_opted_out, true)::text) $$;
COMMENT ON FUNCTION rbp.opt_out_of_reminders(text, text, boolean) IS
    'Case system: a family member wants invitations but no reminders (false: reminders again)';

CREATE FUNCTION rbp.opt_out_of_invitations(p_authority text, p_respondent_ref text, p_on date DEFAULT current_date) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT rbp.change_preference(p_authority, p_respondent_ref, 'opted_out_on', coalesce(p_on, current_date)::text) $$;
COMMENT ON FUNCTION rbp.opt_out_of_invitations(text, text, date) IS
    'Case system: a family member wants no more invitations nor reminders; issuing one is then refused';

CREATE FUNCTION rbp.opt_in_to_invitations(p_authority text, p_respondent_ref text) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$ SELECT rbp.change_preference(p_authority, p_respondent_ref, 'opted_out_on', NULL) $$;
COMMENT ON FUNCTION rbp.opt_in_to_invitations(text, text) IS 'Case system: a family member who opted out asks to be invited again';

CREATE FUNCTION rbp.record_stage(p_authority text, p_involvement_ref text, p_stage rbp.process_stage, p_from_on date)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system');
BEGIN
    IF p_stage IS NULL OR p_from_on IS NULL THEN
        RAISE EXCEPTION 'a stage needs a name and a start date' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO rbp.involvement_stage (involvement_id, authority_id, stage, from_on)
    VALUES (rbp.involvement_id_of(v_authority, p_involvement_ref), v_authority, p_stage, p_from_on)
    ON CONFLICT (involvement_id, from_on) DO UPDATE SET stage = excluded.stage;
END
$$;
COMMENT ON FUNCTION rbp.record_stage(text, text, rbp.process_stage, date) IS
    'Case system: record a change of process stage (assessment, child in need, child protection, looked after); it never moves a due date';

CREATE FUNCTION rbp.set_schedule_policy(p_authority text,
                                        p_invitation_cadence rbp.cadence DEFAULT NULL,
                                        p_first_invitation_within_days integer DEFAULT NULL,
                                        p_closure_follow_up rbp.cadence DEFAULT NULL,
                                        p_max_reminders integer DEFAULT NULL,
                                        p_reminder_after_days integer DEFAULT NULL,
                                        p_default_channel rbp.invitation_channel DEFAULT NULL,
                                        p_focus_group_cadence rbp.cadence DEFAULT NULL,
                                        p_focus_groups_from date DEFAULT NULL) RETURNS rbp.schedule_policy
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, NULL);  -- NULL: as administrator
    v_policy rbp.schedule_policy;
BEGIN
    INSERT INTO rbp.schedule_policy (authority_id) SELECT v_authority
     WHERE NOT EXISTS (SELECT FROM rbp.schedule_policy WHERE authority_id = v_authority) ON CONFLICT DO NOTHING;
    BEGIN
        UPDATE rbp.schedule_policy
           SET invitation_cadence = coalesce(p_invitation_cadence, invitation_cadence),
               first_invitation_within_days = coalesce(p_first_invitation_within_days, first_invitation_within_days),
               closure_follow_up = coalesce(p_closure_follow_up, closure_follow_up),
               max_reminders = coalesce(p_max_reminders, max_reminders),
               reminder_after_days = coalesce(p_reminder_after_days, reminder_after_days),
               default_channel = coalesce(p_default_channel, default_channel),
               focus_group_cadence = coalesce(p_focus_group_cadence, focus_group_cadence),
               focus_groups_from = coalesce(p_focus_groups_from, focus_groups_from)
         WHERE authority_id = v_authority
        RETURNING * INTO v_policy;
    EXCEPTION WHEN check_violation THEN
        RAISE EXCEPTION 'schedule policy of "%" out of range', p_authority
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'First invitation within 0 to 366 days, 0 to 10 reminders, reminders after 1 to 366 days.';
    END;
    PERFORM rbp.refresh_schedules(NULL, v_authority);
    RETURN v_policy;
END
$$;
COMMENT ON FUNCTION rbp.set_schedule_policy(text, rbp.cadence, integer, rbp.cadence, integer, integer, rbp.invitation_channel, rbp.cadence, date) IS
    'Administrator: change an authority''s invitation rhythm (NULL arguments keep the current value); every schedule of the authority is recomputed';

REVOKE ALL ON FUNCTION rbp.set_respondent_cadence(text, text, rbp.cadence), rbp.set_respondent_channel(text, text, rbp.invitation_channel),
    rbp.pause_invitations(text, text, date), rbp.opt_out_of_reminders(text, text, boolean),
    rbp.opt_out_of_invitations(text, text, date), rbp.opt_in_to_invitations(text, text),
    rbp.record_stage(text, text, rbp.process_stage, date),
    rbp.set_schedule_policy(text, rbp.cadence, integer, rbp.cadence, integer, integer, rbp.invitation_channel, rbp.cadence, date)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.set_respondent_cadence(text, text, rbp.cadence), rbp.set_respondent_channel(text, text, rbp.invitation_channel),
    rbp.pause_invitations(text, text, date), rbp.opt_out_of_reminders(text, text, boolean),
    rbp.opt_out_of_invitations(text, text, date), rbp.opt_in_to_invitations(text, text),
    rbp.record_stage(text, text, rbp.process_stage, date) TO rbp_case_system;
GRANT EXECUTE ON FUNCTION rbp.set_schedule_policy(text, rbp.cadence, integer, rbp.cadence, integer, integer, rbp.invitation_channel, rbp.cadence, date)
    TO rbp_admin;

-- After a bulk load with the triggers off (session_replication_role = replica, doc/scheduling.md):
-- derive what the triggers would have derived had the rows come through the API, in the order
-- involvement, family member, invitations: an open involvement's member is due a first invitation,
-- or the next regular one counted from the last invitation; an involvement loaded already closed
-- is done. Existing schedules are kept (they carry history a load cannot know, such as a
-- follow-up owed after a closure) and only their dates recomputed. Idempotent: a second call
-- creates nothing and changes nothing. A restore needs none of this: it brings the schedules.
CREATE FUNCTION rbp.refresh_all_schedules() RETURNS bigint
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_added bigint;
BEGIN
    INSERT INTO rbp.schedule_policy (authority_id)
    SELECT a.authority_id FROM rbp.authority a
     WHERE NOT EXISTS (SELECT FROM rbp.schedule_policy p WHERE p.authority_id = a.authority_id)
        ON CONFLICT DO NOTHING;
    WITH missing AS (
        SELECT v.authority_id, v.involvement_id, r.respondent_id, v.started_on, v.closed_on,
               (SELECT i FROM rbp.invitation i WHERE i.involvement_id = v.involvement_id AND i.respondent_id = r.respondent_id
                 ORDER BY i.issued_on DESC, i.invitation_id DESC LIMIT 1) AS last_inv,
               (SELECT count(*) FROM rbp.invitation i WHERE i.involvement_id = v.involvement_id AND i.respondent_id = r.respondent_id) AS issued
          FROM rbp.involvement v
          JOIN rbp.respondent r ON r.family_id = v.family_id AND r.authority_id = v.authority_id
         WHERE NOT EXISTS (SELECT FROM rbp.invitation_schedule s WHERE s.involvement_id = v.involvement_id AND s.respondent_id = r.respondent_id)),
    added AS (
        INSERT INTO rbp.invitation_schedule (authority_id, involvement_id, respondent_id, phase, anchor_on,
                                             invitations_issued, last_invitation_id)
        SELECT m.authority_id, m.involvement_id, m.respondent_id,
               CASE WHEN m.closed_on IS NOT NULL THEN 'done' WHEN m.last_inv IS NULL THEN 'first' ELSE 'regular' END::rbp.schedule_phase,
               CASE WHEN m.closed_on IS NOT NULL THEN m.closed_on ELSE coalesce((m.last_inv).issued_on, m.started_on) END,
               m.issued, (m.last_inv).invitation_id
          FROM missing m
        RETURNING 1)
    SELECT count(*) INTO v_added FROM added;
    PERFORM rbp.refresh_schedules(NULL);
    RETURN v_added;
END
$$;
COMMENT ON FUNCTION rbp.refresh_all_schedules() IS
    'Administrator, after a bulk load with the triggers off: create the schedules the triggers would have created (open involvements: due from their start or last invitation; involvements loaded closed: done) and recompute every date; returns the number created, 0 when called again';
REVOKE ALL ON FUNCTION rbp.refresh_all_schedules() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.refresh_all_schedules() TO rbp_admin;

-- ---------------------------------------------------------------------------------------------
-- Focus groups: the same type, anchored on the last session held (rbp.focus_group).

CREATE FUNCTION rbp.next_focus_group(p_authority text, p_as_of date DEFAULT current_date)
    RETURNS TABLE (last_held_on date, due_from date, overdue_from date, status rbp.schedule_status)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, rbp, pg_temp
    AS $$
DECLARE
    v_authority integer := rbp.authority_id_of(p_authority, 'case_system', 'qa');
    v_policy rbp.schedule_policy;
    v_last date;
BEGIN
    -- Without a day no session counts as held, and the window would ignore every session recorded.
    IF p_as_of IS NULL THEN
        RAISE EXCEPTION 'the next focus group needs a date' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO v_policy FROM rbp.schedule_policy WHERE authority_id = v_authority;
    SELECT max(held_on) INTO v_last FROM rbp.focus_group WHERE authority_id = v_authority AND held_on <= p_as_of;
    RETURN QUERY
        SELECT v_last, rbp.due_from(v_policy.focus_group_cadence, coalesce(v_last, v_policy.focus_groups_from)),
               rbp.overdue_from(v_policy.focus_group_cadence, coalesce(v_last, v_policy.focus_groups_from)),
               rbp.cadence_status(v_policy.focus_group_cadence, coalesce(v_last, v_policy.focus_groups_from), p_as_of);
END
$$;
COMMENT ON FUNCTION rbp.next_focus_group(text, date) IS
    'When the authority''s next focus group is due: the focus-group cadence counted from the last session held on or before the date (or from focus_groups_from)';
REVOKE ALL ON FUNCTION rbp.next_focus_group(text, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rbp.next_focus_group(text, date) TO rbp_admin, rbp_qa, rbp_case_system;

-- ---------------------------------------------------------------------------------------------
-- Who reads the tables of this piece: QA of the authority (schedules identify families); the
-- administrator and QA read the policies. Everything else goes through the functions above.
GRANT SELECT ON rbp.schedule_policy TO rbp_admin, rbp_qa;
GRANT SELECT ON rbp.invitation_schedule, rbp.respondent_preference, rbp.involvement_stage TO rbp_qa;
ALTER TABLE rbp.invitation_schedule ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.respondent_preference ENABLE ROW LEVEL SECURITY;
ALTER TABLE rbp.involvement_stage ENABLE ROW LEVEL SECURITY;
CREATE POLICY invitation_schedule_qa ON rbp.invitation_schedule FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
COMMENT ON POLICY invitation_schedule_qa ON rbp.invitation_schedule IS 'QA reads the schedules of its own authority';
CREATE POLICY respondent_preference_qa ON rbp.respondent_preference FOR SELECT TO rbp_qa
    USING (EXISTS (SELECT FROM rbp.respondent r WHERE r.respondent_id = respondent_preference.respondent_id));
COMMENT ON POLICY respondent_preference_qa ON rbp.respondent_preference IS 'QA reads the preferences of family members it can see (those of its own authority)';
CREATE POLICY involvement_stage_qa ON rbp.involvement_stage FOR SELECT TO rbp_qa
    USING (authority_id = ANY ((SELECT rbp.current_qa_authorities())::integer[]));
COMMENT ON POLICY involvement_stage_qa ON rbp.involvement_stage IS 'QA reads the stages of its own authority''s involvements';
