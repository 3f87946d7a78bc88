-- Randomised sequences of lifecycle events (register, move, merge families and members, close,
-- reopen, issue, cancel, reissue, record a leaver) through the case system's API, then the
-- invariants the daily loop relies on (doc/case-system.md, doc/scheduling.md):
--   I1 every row rbp.due_invitations() lists can be issued (the loop never aborts on 22023);
--   I2 every member of a family with an open involvement has a live schedule for it;
--   I3 no live schedule joins a member to an involvement of another family;
--   I4 no reminder is listed for a used or cancelled invitation.
-- Any other error than the documented refusals fails the suite: the first runs found that
-- rbp.allocate_worker gave 22000 (a malformed range) instead of 23514 after the involvement closed.
-- Each run uses a fresh seed (printed in the TAP output, to replay a failure: SELECT setseed(x)).
-- Mutation seen failing: without the schedule trigger on rbp.respondent, I1 to I3 fail.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION feedback_rbp;
RESET client_min_messages;
SELECT plan(5);

SELECT random() AS seed \gset
SELECT setseed(:seed);
SELECT diag('seed ' || :seed);

SELECT rbp.register_authority('rnd', 'Random Council') \g /dev/null
SELECT rbp.register_team('rnd', 't', 'Team') \g /dev/null
SELECT rbp.register_staff('rnd', 'W' || i, 'Worker ' || i, 't') FROM generate_series(1, 3) AS i \g /dev/null

-- The event loop: 400 random events over 8 families and 16 members.
DO $loop$
DECLARE
    e integer;
    f text;
    g text;
    m text;
    n text;
    v text;
    d date := '2025-01-06';
BEGIN
    FOR e IN 1 .. 400 LOOP
        d := d + (random() * 1.2)::integer;
        f := 'F' || (1 + floor(random() * 8))::integer;
        g := 'F' || (1 + floor(random() * 8))::integer;
        m := 'M' || (1 + floor(random() * 16))::integer;
        n := 'M' || (1 + floor(random() * 16))::integer;
        v := 'I' || substr(f, 2);
        BEGIN
            CASE floor(random() * 11)::integer
                WHEN 0 THEN PERFORM rbp.register_respondent('rnd', f, m, (ARRAY['parent', 'carer', 'child_young_person'])[1 + floor(random() * 3)::integer]);
                WHEN 1 THEN PERFORM rbp.move_family_member('rnd', m, f);
                WHEN 2 THEN PERFORM rbp.open_involvement('rnd', v, f, 't', '2025-01-06');
                WHEN 3 THEN PERFORM rbp.close_involvement('rnd', v, d);
                WHEN 4 THEN PERFORM rbp.reopen_involvement('rnd', v, d);
                WHEN 5 THEN PERFORM rbp.merge_families('rnd', f, g);
                WHEN 6 THEN PERFORM rbp.merge_family_members('rnd', m, n);
                WHEN 7 THEN PERFORM rbp.issue_invitation(authority, involvement_ref, respondent_ref, channel, 28, d)
                              FROM rbp.due_invitations(d, 'rnd') WHERE purpose <> 'reminder' AND random() < 0.5;
                WHEN 8 THEN PERFORM rbp.cancel_invitation('rnd', v, m, d);
                WHEN 9 THEN PERFORM rbp.allocate_worker('rnd', v, 'W' || (1 + floor(random() * 3))::integer, d);
                ELSE PERFORM rbp.record_reminder(invitation_id, d) FROM rbp.due_invitations(d, 'rnd') WHERE purpose = 'reminder' AND random() < 0.5;
            END CASE;
        EXCEPTION
            -- Refusals the API documents for inconsistent requests (unknown references, closing
            -- before an allocation, merging across families, ...) are part of the sequence.
            WHEN foreign_key_violation OR invalid_parameter_value OR check_violation OR exclusion_violation
                 OR object_not_in_prerequisite_state OR null_value_not_allowed THEN NULL;
        END;
    END LOOP;
END
$loop$;

SELECT cmp_ok((SELECT count(*) FROM rbp.respondent), '>', 0::bigint, 'the sequence registered family members');

-- I1: issue everything listed on a day after the sequence; none may fail.
CREATE TEMP TABLE issue_failures (respondent_ref text, involvement_ref text, sqlstate text);
DO $issue$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM rbp.due_invitations('2026-06-30', 'rnd') WHERE purpose <> 'reminder' LOOP
        BEGIN
            PERFORM rbp.issue_invitation(r.authority, r.involvement_ref, r.respondent_ref, r.channel, 28, '2026-06-30');
        EXCEPTION WHEN OTHERS THEN
            INSERT INTO issue_failures VALUES (r.respondent_ref, r.involvement_ref, SQLSTATE);
        END;
    END LOOP;
END
$issue$;
SELECT is_empty('SELECT * FROM issue_failures', 'I1: every invitation the daily list names can be issued');

-- I2
SELECT is_empty($$
    SELECT r.respondent_ref, v.involvement_ref FROM rbp.involvement v JOIN rbp.respondent r ON r.family_id = v.family_id
     WHERE v.closed_on IS NULL
       AND NOT EXISTS (SELECT FROM rbp.invitation_schedule s WHERE s.involvement_id = v.involvement_id
                          AND s.respondent_id = r.respondent_id AND s.phase <> 'done') $$,
    'I2: every member of a family with an open involvement has a live schedule for it');
-- I3
SELECT is_empty($$
    SELECT r.respondent_ref, v.involvement_ref FROM rbp.invitation_schedule s
      JOIN rbp.involvement v USING (involvement_id) JOIN rbp.respondent r USING (respondent_id)
     WHERE s.phase <> 'done' AND r.family_id <> v.family_id $$,
    'I3: no live schedule joins a member to another family''s involvement');
-- I4
SELECT is_empty($$
    SELECT d.* FROM rbp.due_invitations('2026-06-30', 'rnd') d JOIN rbp.invitation i USING (invitation_id)
     WHERE d.purpose = 'reminder' AND (i.used_on IS NOT NULL OR i.cancelled_on IS NOT NULL) $$,
    'I4: no reminder is listed for a used or cancelled invitation');

SELECT * FROM finish();
ROLLBACK;
