-- The evaluation data model: who works with which family, who supervises whom, which questions are
-- asked, and the feedback given. Identifying tables (families, respondents, involvements,
-- invitations) are read by QA of their own authority only; everything is written through the API
-- functions of 30_*.sql, never directly.

CREATE TYPE rbp.respondent_kind AS ENUM
    ('parent', 'carer', 'extended_family', 'important_friend', 'child_young_person');
COMMENT ON TYPE rbp.respondent_kind IS
    'Who gives feedback: any family member with an allocated social worker (framework: who should evaluate)';

CREATE TYPE rbp.invitation_channel AS ENUM ('link', 'qr_code', 'text_message', 'email', 'interview');
COMMENT ON TYPE rbp.invitation_channel IS
    'How an invitation reaches the family: a link or QR code on the leaflet, a text message, an email, or an offer of an interview';

CREATE TYPE rbp.response_channel AS ENUM ('online', 'interview_expert_by_experience', 'interview_practitioner');
COMMENT ON TYPE rbp.response_channel IS
    'How the answers were given: the online survey, or an interview by an Expert by Experience or by a practitioner (same questions either way)';

CREATE TYPE rbp.question_kind AS ENUM ('scale', 'free_text');
COMMENT ON TYPE rbp.question_kind IS 'A question answered on an N-point scale (an rbp.likert) or in the respondent''s own words';

CREATE TYPE rbp.qa_status AS ENUM ('awaiting_qa', 'released', 'held');
COMMENT ON TYPE rbp.qa_status IS
    'QA collates named and worker-only feedback before it reaches worker and supervisor: awaiting_qa, released to them, or held (e.g. a safeguarding concern)';

CREATE TYPE rbp.recipient_kind AS ENUM ('supervisor', 'team_manager', 'qa_team');
COMMENT ON TYPE rbp.recipient_kind IS
    'Who is responsible for reviewing an item of feedback: the worker''s supervisor, failing that the team manager, failing that the authority''s QA team';

CREATE TYPE rbp.support_offer AS ENUM ('meeting_with_family', 'training', 'workload_review');
COMMENT ON TYPE rbp.support_offer IS
    'Support a supervisor may offer when feedback raises a matter: a meeting between worker and family, training, or a review of workload';

CREATE TYPE rbp.action_status AS ENUM ('recommended', 'agreed', 'done');
COMMENT ON TYPE rbp.action_status IS 'Progress of an action arising from themed feedback';

CREATE TYPE rbp.feedback_audience AS ENUM ('families', 'practitioners', 'parent_advisory_board',
                                           'childrens_consultation_group', 'senior_managers');
COMMENT ON TYPE rbp.feedback_audience IS 'Who was told about a change ("You said, we did") or took part in a focus group';

CREATE TYPE rbp.support_kind AS ENUM ('practical', 'emotional');
COMMENT ON TYPE rbp.support_kind IS 'Kind of support option shown on every survey';

-- Settings of the whole database (not of a session): changed only by rbp_admin through
-- rbp.set_suppression_threshold(), read by anyone through rbp.suppression_threshold().
CREATE TABLE rbp.setting (
    name    text PRIMARY KEY,
    value   integer NOT NULL
);
COMMENT ON TABLE rbp.setting IS 'Database-wide settings of feedback_rbp (the suppression threshold); changed only through the administrator''s functions';

CREATE TABLE rbp.authority (
    authority_id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code                    text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9_]*$'),
    name                    text NOT NULL,
    auto_release_after_days integer CHECK (auto_release_after_days >= 0)
);
COMMENT ON TABLE rbp.authority IS 'A local authority; several may share one database, each QA team collates its own';
COMMENT ON COLUMN rbp.authority.code IS 'Short stable code the case system uses to name the authority (lower case)';
COMMENT ON COLUMN rbp.authority.auto_release_after_days IS
    'If set, named and worker-only feedback not held by QA is released to worker and supervisor automatically this many days after submission; NULL: QA releases by hand';

CREATE TABLE rbp.team (
    team_id         integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    code            text NOT NULL,
    name            text NOT NULL,
    UNIQUE (authority_id, code),
    UNIQUE (authority_id, team_id)
);
COMMENT ON TABLE rbp.team IS 'A social work team of an authority';

CREATE TABLE rbp.staff (
    staff_id        integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    staff_ref       text NOT NULL,
    display_name    text NOT NULL,
    team_id         integer,
    db_role         regrole UNIQUE,
    is_qa           boolean NOT NULL DEFAULT false,
    UNIQUE (authority_id, staff_ref),
    UNIQUE (authority_id, staff_id),
    FOREIGN KEY (authority_id, team_id) REFERENCES rbp.team (authority_id, team_id)
);
COMMENT ON TABLE rbp.staff IS 'Social workers, supervisors, managers and QA officers, identified by the case system''s own reference';
COMMENT ON COLUMN rbp.staff.staff_ref IS 'The case-management system''s reference for this member of staff';
COMMENT ON COLUMN rbp.staff.db_role IS 'The database login of this person (by OID; pg_dump writes its name), if they read feedback directly: a LOGIN role, no group, no superuser, not BYPASSRLS (rbp.person_login())';
COMMENT ON COLUMN rbp.staff.is_qa IS 'Member of the authority''s Quality Assurance team (not involved in direct work): reads all feedback of the authority';

-- A gist exclusion constraint needs an operator class for every column; ranges have one built in,
-- so the worker id is compared as the one-point range [id,id] instead of requiring btree_gist.
CREATE TABLE rbp.supervision (
    supervision_id  integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL,
    worker_id       integer NOT NULL,
    supervisor_id   integer NOT NULL,
    during          daterange NOT NULL CHECK (NOT isempty(during) AND lower(during) IS NOT NULL),
    CHECK (worker_id <> supervisor_id),
    FOREIGN KEY (authority_id, worker_id) REFERENCES rbp.staff (authority_id, staff_id),
    FOREIGN KEY (authority_id, supervisor_id) REFERENCES rbp.staff (authority_id, staff_id),
    CONSTRAINT supervision_no_overlap
        EXCLUDE USING gist (int4range(worker_id, worker_id, '[]') WITH =, during WITH &&)
);
COMMENT ON TABLE rbp.supervision IS 'Who supervises a worker over which dates; a worker has at most one supervisor on any day';

CREATE TABLE rbp.team_manager (
    team_manager_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL,
    team_id         integer NOT NULL,
    manager_id      integer NOT NULL,
    during          daterange NOT NULL CHECK (NOT isempty(during) AND lower(during) IS NOT NULL),
    FOREIGN KEY (authority_id, team_id) REFERENCES rbp.team (authority_id, team_id),
    FOREIGN KEY (authority_id, manager_id) REFERENCES rbp.staff (authority_id, staff_id),
    CONSTRAINT team_manager_no_overlap
        EXCLUDE USING gist (int4range(team_id, team_id, '[]') WITH =, during WITH &&)
);
COMMENT ON TABLE rbp.team_manager IS 'Who manages a team over which dates: feedback of a worker without a supervisor goes to them';

CREATE TABLE rbp.family (
    family_id       integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    family_ref      text NOT NULL,
    UNIQUE (authority_id, family_ref),
    UNIQUE (authority_id, family_id)
);
COMMENT ON TABLE rbp.family IS 'A family known to the authority, by the case system''s reference (identifying: QA of the authority only)';

CREATE TABLE rbp.respondent (
    respondent_id   integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL,
    family_id       integer NOT NULL,
    respondent_ref  text NOT NULL,
    kind            rbp.respondent_kind NOT NULL,
    UNIQUE (authority_id, respondent_ref),
    UNIQUE (authority_id, respondent_id),
    FOREIGN KEY (authority_id, family_id) REFERENCES rbp.family (authority_id, family_id)
);
COMMENT ON TABLE rbp.respondent IS 'A family member who may give feedback: parent, carer, extended family, important friend, child or young person';

CREATE TABLE rbp.involvement (
    involvement_id  integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL,
    involvement_ref text NOT NULL,
    family_id       integer NOT NULL,
    team_id         integer NOT NULL,
    started_on      date NOT NULL,
    closed_on       date CHECK (closed_on >= started_on),
    UNIQUE (authority_id, involvement_ref),
    UNIQUE (authority_id, involvement_id),
    FOREIGN KEY (authority_id, family_id) REFERENCES rbp.family (authority_id, family_id),
    FOREIGN KEY (authority_id, team_id) REFERENCES rbp.team (authority_id, team_id)
);
COMMENT ON TABLE rbp.involvement IS 'A period of Children''s Services involvement with a family, held by a team; closed_on is NULL while open';

CREATE TABLE rbp.allocation (
    allocation_id   integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL,
    involvement_id  integer NOT NULL,
    worker_id       integer NOT NULL,
    during          daterange NOT NULL CHECK (NOT isempty(during) AND lower(during) IS NOT NULL),
    FOREIGN KEY (authority_id, involvement_id) REFERENCES rbp.involvement (authority_id, involvement_id),
    FOREIGN KEY (authority_id, worker_id) REFERENCES rbp.staff (authority_id, staff_id),
    CONSTRAINT allocation_no_overlap
        EXCLUDE USING gist (int4range(involvement_id, involvement_id, '[]') WITH =, during WITH &&)
);
COMMENT ON TABLE rbp.allocation IS 'The social worker allocated to an involvement over a date range, always inside the involvement; one at a time';
CREATE INDEX allocation_worker ON rbp.allocation (worker_id);
-- The exclusion constraint's index is on a range of involvement_id, which an equality cannot use:
-- finding the allocated worker at submission needs its own index.
CREATE INDEX allocation_involvement ON rbp.allocation (involvement_id);

CREATE TABLE rbp.instrument (
    instrument_id   integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code            text NOT NULL,
    version         integer NOT NULL CHECK (version > 0),
    title           text NOT NULL,
    introduction    text NOT NULL,
    respondent_kinds rbp.respondent_kind[] NOT NULL CHECK (cardinality(respondent_kinds) > 0),
    is_seed         boolean NOT NULL DEFAULT false,
    UNIQUE (code, version)
);
COMMENT ON TABLE rbp.instrument IS 'A versioned questionnaire: a new version is a new row, answers keep pointing at the version they answered';
COMMENT ON COLUMN rbp.instrument.is_seed IS 'Installed by the extension script (left out of pg_dump, which re-creates it); never updated: which version is current is derived (rbp.is_current())';

CREATE TABLE rbp.question (
    question_id     integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instrument_id   integer NOT NULL REFERENCES rbp.instrument,
    code            text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]*$'),
    position        integer NOT NULL,
    kind            rbp.question_kind NOT NULL,
    prompt          text NOT NULL,
    scale_points    integer CHECK (scale_points BETWEEN 2 AND 10),
    CHECK ((kind = 'scale') = (scale_points IS NOT NULL)),
    UNIQUE (instrument_id, code),
    UNIQUE (instrument_id, position)
);
COMMENT ON TABLE rbp.question IS 'A question of an instrument; every question may be skipped';
COMMENT ON COLUMN rbp.question.scale_points IS 'For scale questions, the number of points of the rbp.likert answer (5 for the parents'' statements)';

CREATE TABLE rbp.invitation (
    invitation_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL,
    respondent_id   integer NOT NULL,
    involvement_id  integer NOT NULL,
    instrument_id   integer NOT NULL REFERENCES rbp.instrument,
    channel         rbp.invitation_channel NOT NULL,
    token_hash      bytea NOT NULL UNIQUE,
    issued_on       date NOT NULL,
    expires_on      date NOT NULL CHECK (expires_on >= issued_on),
    used_on         date,
    reminders_sent  integer NOT NULL DEFAULT 0 CHECK (reminders_sent >= 0),
    FOREIGN KEY (authority_id, respondent_id) REFERENCES rbp.respondent (authority_id, respondent_id),
    FOREIGN KEY (authority_id, involvement_id) REFERENCES rbp.involvement (authority_id, involvement_id),
    cancelled_on    date
);
COMMENT ON TABLE rbp.invitation IS
    'An invitation to give feedback. Only the SHA-256 of its token is kept; used_on records that it was used, on which date, and nothing that points at the response';
COMMENT ON COLUMN rbp.invitation.cancelled_on IS 'When the case system cancelled it (rbp.cancel_invitation, rbp.reissue_invitation): its token no longer works';
COMMENT ON COLUMN rbp.invitation.token_hash IS 'sha256 of the token handed to the family: the token itself is returned once by rbp.issue_invitation() and never stored';
CREATE INDEX invitation_involvement ON rbp.invitation (involvement_id);
CREATE INDEX invitation_respondent ON rbp.invitation (respondent_id);

-- Released feedback of every anonymity level. The identifying columns are filled according to the
-- level (see the CHECK): a worker-only response has no family, submission date or invitation (it is
-- released from holding in a batch, sql/install/40_anonymous.sql), an anonymous one no family,
-- worker, submission date or invitation. response_id is random, so ids carry no order.
CREATE TABLE rbp.response (
    response_id     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    instrument_id   integer NOT NULL REFERENCES rbp.instrument,
    respondent_kind rbp.respondent_kind NOT NULL,
    channel         rbp.response_channel NOT NULL,
    anonymity       rbp.anonymity NOT NULL,
    period          date NOT NULL CHECK (period = date_trunc('month', period)::date),
    team_id         integer,
    worker_id       integer,
    respondent_id   integer,
    involvement_id  integer,
    submitted_on    date,
    qa_status       rbp.qa_status NOT NULL DEFAULT 'awaiting_qa',
    qa_status_on    date,
    qa_note         text,
    escalated       boolean NOT NULL DEFAULT false,
    FOREIGN KEY (authority_id, team_id) REFERENCES rbp.team (authority_id, team_id),
    FOREIGN KEY (authority_id, worker_id) REFERENCES rbp.staff (authority_id, staff_id),
    FOREIGN KEY (authority_id, respondent_id) REFERENCES rbp.respondent (authority_id, respondent_id),
    FOREIGN KEY (authority_id, involvement_id) REFERENCES rbp.involvement (authority_id, involvement_id),
    CONSTRAINT response_identifying_data_matches_anonymity CHECK (CASE anonymity
        WHEN 'named'       THEN respondent_id IS NOT NULL AND involvement_id IS NOT NULL AND submitted_on IS NOT NULL
        WHEN 'worker_only' THEN respondent_id IS NULL AND involvement_id IS NULL AND submitted_on IS NULL
        ELSE respondent_id IS NULL AND involvement_id IS NULL AND worker_id IS NULL AND submitted_on IS NULL
             AND qa_status = 'released' END)
);
COMMENT ON TABLE rbp.response IS
    'A family member''s answers. named: family and worker known; worker_only: worker known, family not; anonymous: neither, and released only in batches (see doc/threat-model.md)';
COMMENT ON COLUMN rbp.response.period IS 'First day of the month the response counts in; for anonymous responses, the month of the release batch';
COMMENT ON COLUMN rbp.response.worker_id IS 'The worker allocated to the involvement on the submission date (the most recent allocation if the involvement had ended)';
COMMENT ON COLUMN rbp.response.team_id IS 'The team of the involvement; for anonymous responses only if the respondent chose to give it';
CREATE INDEX response_worker ON rbp.response (worker_id) WHERE worker_id IS NOT NULL;
CREATE INDEX response_authority_period ON rbp.response (authority_id, period);

CREATE TABLE rbp.answer (
    response_id     uuid NOT NULL REFERENCES rbp.response ON DELETE CASCADE,
    question_id     integer NOT NULL REFERENCES rbp.question,
    score           rbp.likert,
    free_text       text,
    authority_id    smallint NOT NULL,
    PRIMARY KEY (response_id, question_id),
    CHECK (num_nonnulls(score, free_text) = 1)
);
COMMENT ON TABLE rbp.answer IS 'One answer of a response: a score for a scale question or the respondent''s words; skipped questions have no row';
COMMENT ON COLUMN rbp.answer.authority_id IS
    'The response''s authority, always copied from it (trigger rbp.copy_response_authority), so that row-level security decides on the row alone; smallint fits the row''s alignment padding';

-- Routing history: every named or worker-only response has exactly one current row (superseded_at
-- IS NULL). route_id is random: it is the only thing a NOTIFY payload carries.
CREATE TABLE rbp.route (
    route_id        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    response_id     uuid NOT NULL REFERENCES rbp.response ON DELETE CASCADE,
    authority_id    integer NOT NULL,
    recipient_kind  rbp.recipient_kind NOT NULL,
    recipient_id    integer,
    routed_on       date NOT NULL,
    reason          text NOT NULL CHECK (reason IN ('submission', 'supervision_change')),
    superseded_on   date,
    CHECK ((recipient_kind = 'qa_team') = (recipient_id IS NULL)),
    FOREIGN KEY (authority_id, recipient_id) REFERENCES rbp.staff (authority_id, staff_id)
);
COMMENT ON TABLE rbp.route IS 'Who is responsible for reviewing each named or worker-only response, with history; exactly one current row per response';
CREATE UNIQUE INDEX route_one_current ON rbp.route (response_id) WHERE superseded_on IS NULL;
CREATE INDEX route_recipient ON rbp.route (recipient_id) WHERE superseded_on IS NULL;

CREATE TABLE rbp.supervision_review (
    response_id     uuid PRIMARY KEY REFERENCES rbp.response ON DELETE CASCADE,
    reviewer_id     integer NOT NULL REFERENCES rbp.staff,
    reviewed_on     date NOT NULL,
    celebrated      boolean NOT NULL,
    support_offered rbp.support_offer[] NOT NULL DEFAULT '{}',
    notes           text,
    authority_id    smallint NOT NULL
);
COMMENT ON TABLE rbp.supervision_review IS
    'The review of an item of feedback in supervision: good practice celebrated, and support offered when matters were raised';
COMMENT ON COLUMN rbp.supervision_review.authority_id IS
    'The response''s authority, always copied from it (trigger rbp.copy_response_authority), so that row-level security decides on the row alone';

CREATE TABLE rbp.glossary_term (
    term            text PRIMARY KEY,
    definition      text NOT NULL,
    is_seed         boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE rbp.glossary_term IS 'Definitions shown when a respondent hovers over a term such as "trust", as the project defined them';

CREATE TABLE rbp.support_option (
    support_option_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    kind            rbp.support_kind NOT NULL,
    title           text NOT NULL,
    how_to_reach    text NOT NULL,
    is_allocated_worker boolean NOT NULL DEFAULT false,
    position        integer NOT NULL DEFAULT 0
);
COMMENT ON TABLE rbp.support_option IS 'Practical and emotional support shown on every survey; the allocated worker is only one of the options';

CREATE TABLE rbp.theme (
    theme_id        integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    name            text NOT NULL,
    description     text,
    UNIQUE (authority_id, name),
    UNIQUE (authority_id, theme_id)
);
COMMENT ON TABLE rbp.theme IS 'A theme QA finds in the free text of feedback, taken to parent boards and children''s consultation groups';

CREATE TABLE rbp.response_theme (
    theme_id        integer NOT NULL REFERENCES rbp.theme ON DELETE CASCADE,
    response_id     uuid NOT NULL REFERENCES rbp.response ON DELETE CASCADE,
    PRIMARY KEY (theme_id, response_id)
);
COMMENT ON TABLE rbp.response_theme IS 'QA''s tagging of a response with a theme';

CREATE TABLE rbp.action (
    action_id       integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    theme_id        integer,
    description     text NOT NULL,
    status          rbp.action_status NOT NULL DEFAULT 'recommended',
    recommended_on  date NOT NULL,
    agreed_on       date,
    done_on         date,
    FOREIGN KEY (authority_id, theme_id) REFERENCES rbp.theme (authority_id, theme_id)
);
COMMENT ON TABLE rbp.action IS 'An action recommended from themed feedback, agreed by senior managers, and done';

CREATE TABLE rbp.feedback_loop (
    feedback_loop_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action_id       integer NOT NULL REFERENCES rbp.action ON DELETE CASCADE,
    audience        rbp.feedback_audience NOT NULL,
    told_on         date NOT NULL,
    message         text NOT NULL
);
COMMENT ON TABLE rbp.feedback_loop IS '"You said, we did": what families and practitioners were told about an action';

CREATE TABLE rbp.focus_group (
    focus_group_id  integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority_id    integer NOT NULL REFERENCES rbp.authority,
    held_on         date NOT NULL,
    audience        rbp.feedback_audience NOT NULL,
    participants    integer CHECK (participants >= 0),
    notes           text
);
COMMENT ON TABLE rbp.focus_group IS 'A focus-group session (every 6 to 12 months) where themes are discussed';
