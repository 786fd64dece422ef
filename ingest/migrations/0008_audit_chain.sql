-- A reproducible audit hash chain (docs/privacy.md "Audit").
--
-- 0004 hashed concat_ws('|', ...) of the row's text forms. That cannot be recomputed
-- reliably: a timestamptz prints according to the session's TimeZone and DateStyle,
-- concat_ws skips NULLs (so "request_id NULL, reason 'x'" hashes like "request_id 'x',
-- reason NULL"), and ids were drawn before the chain lock, so under concurrency the
-- chain order differed from audit_id order. Here the hashed text is a JSON array (jsonb
-- output is canonical and keeps NULLs apart), the time is printed in UTC, and the id and
-- time are assigned under the lock, so audit_id order is chain order.

-- The exact text a row's hash covers; `wearmon audit verify` recomputes it with this
-- same function, so the two can never drift apart.
CREATE FUNCTION audit_row_payload(r audit_log) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_array(
        r.audit_id,
        to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        r.actor, r.role, r.source_ip::text, to_jsonb(r.subjects), r.action, r.resource,
        r.outcome, r.request_id, r.reason, r.details
    )::text
$$;

CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    previous bytea;
BEGIN
    -- Under REPEATABLE READ the SELECT below would see a stale snapshot and fork the
    -- chain; only READ COMMITTED takes a fresh one after the lock.
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'audit rows must be written under READ COMMITTED, not %',
            current_setting('transaction_isolation');
    END IF;
    -- Serialise writers so that the chain is linear (one transaction-scoped lock).
    PERFORM pg_advisory_xact_lock(hashtext('wearmon.audit_log'));
    NEW.audit_id := nextval('audit_log_audit_id_seq');
    NEW.at := clock_timestamp();
    SELECT row_hash INTO previous FROM audit_log ORDER BY audit_id DESC LIMIT 1;
    NEW.prev_hash := coalesce(previous, '\x'::bytea);
    NEW.row_hash := sha256(NEW.prev_hash || convert_to(audit_row_payload(NEW), 'UTF8'));
    RETURN NEW;
END $$;

-- The id is drawn inside the trigger (under the lock), not by the column default.
ALTER TABLE audit_log ALTER COLUMN audit_id DROP DEFAULT;

-- Re-chain rows written under the 0004 scheme (development databases only: nothing was
-- deployed with it), so that `wearmon audit verify` holds for every database.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;
DO $$
DECLARE
    r audit_log;
    previous bytea := '\x';
BEGIN
    FOR r IN SELECT * FROM audit_log ORDER BY audit_id LOOP
        r.prev_hash := previous;
        r.row_hash := sha256(previous || convert_to(audit_row_payload(r), 'UTF8'));
        UPDATE audit_log SET prev_hash = r.prev_hash, row_hash = r.row_hash
            WHERE audit_id = r.audit_id;
        previous := r.row_hash;
    END LOOP;
END $$;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;

-- The privacy officer's query: one participant's rows since a time.
CREATE INDEX audit_log_subjects ON audit_log USING gin (subjects);
CREATE INDEX audit_log_at ON audit_log (at);
