-- The custodian's store: per-project HMAC keys and per-participant date offsets, the
-- "additional information" PIPA Art. 28-2 requires to be kept apart with separate
-- access rights (docs/privacy.md "Research export"). A schema of its own that only the
-- custodian role may use: the application role has no USAGE on it, so it can neither
-- read nor name these tables.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wearmon_custodian') THEN
        CREATE ROLE wearmon_custodian NOLOGIN;
    END IF;
END $$;

CREATE SCHEMA custodian;
REVOKE ALL ON SCHEMA custodian FROM PUBLIC;
GRANT USAGE ON SCHEMA custodian TO wearmon_custodian;

CREATE TABLE custodian.export_keys (
    project_id    uuid PRIMARY KEY REFERENCES public.export_projects,
    key_id        uuid NOT NULL UNIQUE,
    hmac_key      bytea NOT NULL CHECK (length(hmac_key) >= 32),
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE custodian.date_offsets (
    project_id      uuid NOT NULL REFERENCES public.export_projects,
    participant_id  uuid NOT NULL REFERENCES public.participants,
    offset_days     integer NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, participant_id)
);

REVOKE ALL ON ALL TABLES IN SCHEMA custodian FROM PUBLIC;
GRANT SELECT, INSERT, DELETE ON custodian.export_keys, custodian.date_offsets
    TO wearmon_custodian;

-- Extraction runs as the custodian: it reads identifiable data only to produce exports
-- (docs/privacy.md "Roles") and records every run.
GRANT USAGE ON SCHEMA public TO wearmon_custodian;
GRANT SELECT ON studies, participants, participant_identity, devices, readings, readings_5m,
    alerts, accounts TO wearmon_custodian;
GRANT SELECT, INSERT, UPDATE ON export_projects, export_runs TO wearmon_custodian;
GRANT SELECT, INSERT ON audit_log TO wearmon_custodian;
GRANT USAGE ON SEQUENCE audit_log_audit_id_seq TO wearmon_custodian;
