-- Alerts and their lifecycle (docs/clinical.md "Alerts"): one alert per (participant,
-- rule, episode), updated by new triggering data; OPEN -> ACKNOWLEDGED -> RESOLVED;
-- escalation of unacknowledged alerts; per-participant thresholds; the worker's queue.

CREATE TABLE alerts (
    alert_id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    participant_id    uuid NOT NULL REFERENCES participants,
    rule_id           text NOT NULL,
    rule_version      text NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('physiological', 'technical', 'wellbeing')),
    priority          text NOT NULL CHECK (priority IN ('HIGH', 'MEDIUM', 'LOW')),
    state             text NOT NULL DEFAULT 'OPEN'
                      CHECK (state IN ('OPEN', 'ACKNOWLEDGED', 'RESOLVED')),
    -- Tells apart concurrent episodes of one rule (e.g. stale_device per device); '' if one.
    episode_key       text NOT NULL DEFAULT '',
    -- True while the alert still tracks its episode (new findings update it); false once
    -- the clear condition has held long enough to re-arm (hysteresis).
    tracking          boolean NOT NULL DEFAULT true,
    retrospective     boolean NOT NULL DEFAULT false,
    first_seen        timestamptz NOT NULL,      -- episode onset (device time)
    last_seen         timestamptz NOT NULL,      -- newest time the condition held
    episode_ended_at  timestamptz,               -- NULL while the condition holds
    occurrence_count  integer NOT NULL DEFAULT 1,
    worst_value       double precision,
    unit              text NOT NULL DEFAULT '',
    evidence          jsonb NOT NULL DEFAULT '{}',   -- window and the values behind it
    context           jsonb NOT NULL DEFAULT '{}',
    summary           text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    acknowledged_by   uuid REFERENCES accounts,
    acknowledged_at   timestamptz,
    resolved_by       uuid REFERENCES accounts,
    resolved_at       timestamptz,
    resolution        text CHECK (resolution IN ('actionable', 'non_actionable', 'artefact')),
    resolution_note   text,
    snoozed_until     timestamptz,
    snooze_reason     text,
    escalation_step   smallint NOT NULL DEFAULT 0,
    -- Escalation times count from here: the opening of a live alert, or the moment it
    -- became HIGH or live (a retrospective alert is never escalated).
    escalation_base_at timestamptz,
    next_escalation_at timestamptz,
    -- When the data that revealed the episode arrived (the retrospective test).
    revealed_at       timestamptz
);
-- No alert is created twice: at most one tracking alert per (participant, rule, episode key).
CREATE UNIQUE INDEX alerts_one_tracking
    ON alerts (participant_id, rule_id, episode_key) WHERE tracking;
CREATE INDEX alerts_participant ON alerts (participant_id, state, priority);
CREATE INDEX alerts_escalation ON alerts (next_escalation_at) WHERE next_escalation_at IS NOT NULL;

-- Every step of an alert's life (opened, updated, acknowledged, resolved, snoozed,
-- re-notified, escalated, ...), for its history and the alert-burden figures.
CREATE TABLE alert_events (
    event_id    bigserial PRIMARY KEY,
    alert_id    uuid NOT NULL REFERENCES alerts,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor       text NOT NULL,                 -- account id, or 'worker'
    action      text NOT NULL,
    details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX alert_events_alert ON alert_events (alert_id, event_id);

-- Notifications waiting for (or handed to) a notifier: the default notifier only logs
-- and marks them sent; SMS or a messenger is another notifier over the same rows.
CREATE TABLE notifications (
    notification_id  bigserial PRIMARY KEY,
    alert_id         uuid NOT NULL REFERENCES alerts,
    step             text NOT NULL,            -- e.g. notify, renotify, on_call, emergency
    recipient        text NOT NULL,            -- a team, a role or a protocol name
    payload          jsonb NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    attempts         integer NOT NULL DEFAULT 0,
    last_error       text
);
CREATE INDEX notifications_unsent ON notifications (created_at) WHERE sent_at IS NULL;

-- Per-participant thresholds set by a clinician: versioned, never edited in place (a new
-- row supersedes the old one), each change audited.
CREATE TABLE participant_thresholds (
    participant_id  uuid NOT NULL REFERENCES participants,
    rule_id         text NOT NULL,
    version         text NOT NULL,
    params          jsonb NOT NULL,
    set_by          uuid REFERENCES accounts,
    set_at          timestamptz NOT NULL DEFAULT now(),
    superseded_at   timestamptz,
    PRIMARY KEY (participant_id, rule_id, version)
);
CREATE UNIQUE INDEX participant_thresholds_current
    ON participant_thresholds (participant_id, rule_id) WHERE superseded_at IS NULL;

-- The alert worker's queue: one row per participant with data not yet evaluated.
-- Ingestion upserts the row in its own transaction (and sends NOTIFY wearmon_ingest);
-- a worker claims rows with FOR UPDATE SKIP LOCKED, so one participant is evaluated by
-- one worker at a time.
-- ``pending`` is a bit set of what arrived (ingest/alerts/queue.py: 1 glucose, 2 heart,
-- 4 other); ``due_at`` lets the worker defer heart-only work (heart rules are evaluated at
-- most once per interval per participant, glucose at once).
CREATE TABLE evaluation_queue (
    participant_id       uuid PRIMARY KEY REFERENCES participants,
    enqueued_at          timestamptz NOT NULL DEFAULT now(),
    newest_received_at   timestamptz NOT NULL DEFAULT now(),
    pending              smallint NOT NULL DEFAULT 0,
    due_at               timestamptz NOT NULL DEFAULT now()
);

-- When each participant's heart rules last ran (the throttle above), shared by workers.
CREATE TABLE evaluation_state (
    participant_id       uuid PRIMARY KEY REFERENCES participants,
    heart_evaluated_at   timestamptz
);

GRANT SELECT, INSERT, UPDATE, DELETE ON
    alerts, alert_events, notifications, participant_thresholds, evaluation_queue,
    evaluation_state
    TO wearmon_app;
GRANT USAGE ON SEQUENCE alert_events_event_id_seq, notifications_notification_id_seq
    TO wearmon_app;
