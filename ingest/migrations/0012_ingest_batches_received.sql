-- Batch keys are pruned once they are older than any retry of their batch can be (see
-- ingest/maintenance.py); the index keeps that hourly DELETE from scanning the table.
CREATE INDEX IF NOT EXISTS ingest_batches_received_at_idx ON ingest_batches (received_at);
