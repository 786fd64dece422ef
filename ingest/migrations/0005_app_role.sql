-- The role the application works as (SET ROLE after connecting). Roles are cluster-wide,
-- so it is created only if missing; the migration owner keeps DDL rights.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wearmon_app') THEN
        CREATE ROLE wearmon_app NOLOGIN;
    END IF;
END $$;

GRANT USAGE ON SCHEMA public TO wearmon_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON
    studies, participants, participant_identity, devices, gateways, gateway_participants,
    ingest_batches, readings
    TO wearmon_app;
-- readings_5m is a table or a continuous aggregate: writes are refused by the view itself.
GRANT SELECT, INSERT, UPDATE ON readings_5m TO wearmon_app;
GRANT SELECT, INSERT ON audit_log TO wearmon_app;
GRANT USAGE ON SEQUENCE audit_log_audit_id_seq TO wearmon_app;
