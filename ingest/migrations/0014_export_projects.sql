-- Research export projects and their runs (docs/privacy.md "Research export"). What a
-- project releases, to whom, under which approval and until when; each run records its
-- manifest (the release record PIPA Enforcement Decree Art. 29-5 asks for: purpose,
-- items, recipient, period). Keys and date offsets are not here: see 0015_custodian.sql.

CREATE TABLE export_projects (
    project_id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name               text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9._-]{1,64}$'),
    purpose            text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 2000),
    approval_id        text NOT NULL CHECK (length(approval_id) BETWEEN 1 AND 200),
    recipient_id       uuid NOT NULL REFERENCES accounts,
    destroy_after      date NOT NULL,
    quasi_identifiers  text[] NOT NULL
                       CHECK (quasi_identifiers <@ ARRAY['age', 'sex', 'district']),
    k                  integer NOT NULL DEFAULT 5 CHECK (k >= 1),
    l                  integer CHECK (l >= 1),
    max_suppression    double precision NOT NULL DEFAULT 0.05
                       CHECK (max_suppression >= 0 AND max_suppression < 1),
    date_policy        text NOT NULL DEFAULT 'shift_weeks'
                       CHECK (date_policy IN ('shift_weeks', 'study_relative')),
    contents           text[] NOT NULL CHECK (contents <@ ARRAY['readings', 'readings_5m',
                       'daily', 'cgm_metrics', 'alerts'] AND cardinality(contents) > 0),
    formats            text[] NOT NULL CHECK (formats <@ ARRAY['csv', 'parquet', 'fhir', 'omh']
                       AND cardinality(formats) > 0),
    study_id           text REFERENCES studies,  -- NULL: every study
    key_id             uuid NOT NULL UNIQUE,
    created_by         text NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    destroyed_at       timestamptz
);

CREATE TABLE export_runs (
    run_id        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id    uuid NOT NULL REFERENCES export_projects,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    status        text NOT NULL DEFAULT 'running'
                  CHECK (status IN ('running', 'released', 'blocked', 'failed', 'destroyed')),
    out_dir       text,
    manifest      jsonb,
    message       text
);
CREATE INDEX export_runs_project ON export_runs (project_id, started_at);

-- The API (application role) lists and serves released exports to their recipient; it
-- never changes them.
GRANT SELECT ON export_projects, export_runs TO wearmon_app;
