-- People who sign in, their care teams and their sessions (docs/privacy.md "Roles",
-- "Authentication"). A clinician sees only the participants assigned to a team they
-- belong to; a participant account (role 'participant') sees only its own record.

CREATE TABLE care_teams (
    team_id     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE accounts (
    account_id       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Compared case-insensitively (the unique index is on lower(username)).
    username         text NOT NULL CHECK (username ~ '^[A-Za-z0-9._@-]{3,64}$'),
    role             text NOT NULL
                     CHECK (role IN ('clinician', 'researcher', 'admin', 'custodian', 'participant')),
    -- PHC string of Argon2id (RFC 9106); never a plain or unsalted hash.
    password_hash    text NOT NULL,
    -- Set only for role 'participant': the record the account may read.
    participant_id   uuid REFERENCES participants,
    display_name     text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    disabled_at      timestamptz,
    failed_logins    integer NOT NULL DEFAULT 0,
    locked_until     timestamptz,
    password_set_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'participant') = (participant_id IS NOT NULL))
);
CREATE UNIQUE INDEX accounts_username ON accounts (lower(username));

CREATE TABLE team_members (
    team_id     uuid NOT NULL REFERENCES care_teams,
    account_id  uuid NOT NULL REFERENCES accounts,
    added_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, account_id)
);

-- A participant may belong to several teams.
CREATE TABLE team_participants (
    team_id         uuid NOT NULL REFERENCES care_teams,
    participant_id  uuid NOT NULL REFERENCES participants,
    assigned_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, participant_id)
);
CREATE INDEX team_participants_participant ON team_participants (participant_id);

-- Opaque random session tokens; only their SHA-256 is stored (a 256-bit random token
-- needs no slow hash). Idle expiry is checked against last_used_at; absolute expiry
-- is fixed at sign-in; logout sets revoked_at, effective at once.
CREATE TABLE sessions (
    session_id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_sha256         bytea NOT NULL UNIQUE,
    account_id           uuid NOT NULL REFERENCES accounts,
    created_at           timestamptz NOT NULL DEFAULT now(),
    last_used_at         timestamptz NOT NULL DEFAULT now(),
    absolute_expires_at  timestamptz NOT NULL,
    revoked_at           timestamptz,
    source_ip            inet,
    user_agent           text
);
CREATE INDEX sessions_account ON sessions (account_id);

-- "Reviewed" marks on the triage list: one row per mark; undo sets undone_at.
CREATE TABLE participant_reviews (
    review_id       bigserial PRIMARY KEY,
    participant_id  uuid NOT NULL REFERENCES participants,
    account_id      uuid NOT NULL REFERENCES accounts,
    reviewed_at     timestamptz NOT NULL DEFAULT now(),
    undone_at       timestamptz
);
CREATE INDEX participant_reviews_participant ON participant_reviews (participant_id, reviewed_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON
    care_teams, accounts, team_members, team_participants, sessions, participant_reviews
    TO wearmon_app;
GRANT USAGE ON SEQUENCE participant_reviews_review_id_seq TO wearmon_app;
