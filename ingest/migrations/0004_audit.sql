-- Append-only audit log (docs/privacy.md "Audit"; PIPA safety measures: access records).
-- Each row carries the SHA-256 of the previous row's hash and its own content, so that
-- a changed or removed row breaks the chain (tampering is evident).
CREATE TABLE audit_log (
    audit_id     bigserial PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor        text NOT NULL,
    role         text NOT NULL,
    source_ip    inet,
    subjects     uuid[] NOT NULL DEFAULT '{}',
    action       text NOT NULL,
    resource     text NOT NULL,
    outcome      text NOT NULL,
    request_id   text,
    reason       text,
    details      jsonb NOT NULL DEFAULT '{}',
    prev_hash    bytea NOT NULL,
    row_hash     bytea NOT NULL
);

CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    previous bytea;
BEGIN
    -- Serialise writers so that the chain is linear (one transaction-scoped lock).
    PERFORM pg_advisory_xact_lock(hashtext('wearmon.audit_log'));
    SELECT row_hash INTO previous FROM audit_log ORDER BY audit_id DESC LIMIT 1;
    NEW.prev_hash := coalesce(previous, '\x'::bytea);
    NEW.row_hash := sha256(NEW.prev_hash || convert_to(concat_ws('|',
        NEW.audit_id, NEW.at, NEW.actor, NEW.role, NEW.source_ip, NEW.subjects, NEW.action,
        NEW.resource, NEW.outcome, NEW.request_id, NEW.reason, NEW.details), 'UTF8'));
    RETURN NEW;
END $$;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

-- Defence in depth: even a role that was granted UPDATE/DELETE by mistake cannot change
-- history; the application role is additionally granted only INSERT and SELECT.
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
