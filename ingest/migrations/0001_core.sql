-- Core registry: studies, participants (pseudonymous id) and their identity kept apart,
-- devices, gateways and their bindings. Shared by plain PostgreSQL and TimescaleDB.

CREATE TABLE studies (
    study_id    text PRIMARY KEY CHECK (study_id ~ '^[A-Za-z0-9_-]{1,64}$'),
    title       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The pseudonymous record every clinical and research table refers to. Nothing here
-- identifies a person (docs/privacy.md, PIPA Art. 28-2: identity is "additional information").
CREATE TABLE participants (
    participant_id  uuid PRIMARY KEY,
    study_id        text NOT NULL REFERENCES studies,
    consent_status  text NOT NULL DEFAULT 'consented'
                    CHECK (consent_status IN ('consented', 'withdrawn')),
    time_zone       text NOT NULL DEFAULT 'Asia/Seoul',
    enrolled_at     timestamptz NOT NULL DEFAULT now(),
    withdrawn_at    timestamptz
);

-- Identifying fields, one row per participant, in their own table so that access rights
-- can differ (custodian and care team only). Never a resident registration number.
CREATE TABLE participant_identity (
    participant_id  uuid PRIMARY KEY REFERENCES participants ON DELETE CASCADE,
    full_name       text NOT NULL,
    phone           text,
    birth_date      date,
    birth_year      smallint NOT NULL CHECK (birth_year BETWEEN 1900 AND 2100),
    sex             text NOT NULL CHECK (sex IN ('F', 'M')),
    district        text NOT NULL
);

CREATE TABLE devices (
    device_id       uuid PRIMARY KEY,
    participant_id  uuid NOT NULL REFERENCES participants,
    kind            text NOT NULL CHECK (kind IN ('hr', 'cgm')),
    model           text,
    serial          text,
    ble_address     text,
    firmware        text,
    bound_at        timestamptz NOT NULL DEFAULT now(),
    unbound_at      timestamptz
);
CREATE INDEX devices_participant ON devices (participant_id);

-- A gateway's credential is a 256-bit random token; only its SHA-256 is stored. A plain
-- hash suffices for a high-entropy secret (no dictionary to guess from); people's
-- passwords use Argon2id instead (docs/privacy.md "Authentication").
CREATE TABLE gateways (
    gateway_id          uuid PRIMARY KEY,
    token_sha256        bytea NOT NULL UNIQUE,
    created_at          timestamptz NOT NULL DEFAULT now(),
    revoked_at          timestamptz,
    last_heartbeat_at   timestamptz,
    last_heartbeat      jsonb
);

CREATE TABLE gateway_participants (
    gateway_id      uuid NOT NULL REFERENCES gateways,
    participant_id  uuid NOT NULL REFERENCES participants,
    PRIMARY KEY (gateway_id, participant_id)
);

-- Idempotency: one row per (gateway, Idempotency-Key). The body hash tells a replay
-- (same body: not an error) from a conflicting reuse of the key (422).
CREATE TABLE ingest_batches (
    gateway_id       uuid NOT NULL REFERENCES gateways,
    idempotency_key  text NOT NULL,
    body_sha256      bytea NOT NULL,
    sequence         bigint NOT NULL,
    sent_at          timestamptz NOT NULL,
    received_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (gateway_id, idempotency_key)
);
