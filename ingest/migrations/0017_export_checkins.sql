-- Research exports may release the wellbeing check-ins (item-level answers and scores,
-- pseudonymised and date-shifted like every other table; docs/checkins.md).
ALTER TABLE export_projects DROP CONSTRAINT export_projects_contents_check;
ALTER TABLE export_projects ADD CONSTRAINT export_projects_contents_check
    CHECK (contents <@ ARRAY['readings', 'readings_5m', 'daily', 'cgm_metrics', 'alerts',
                             'checkins'] AND cardinality(contents) > 0);
