"""The alert engine: queue, lifecycle, escalation, notifications and the worker.

Findings come from :func:`analytics.rules.evaluate_participant` (pure); this package
decides what they mean for stored alerts (:mod:`ingest.alerts.lifecycle`, pure), stores
it (:mod:`ingest.alerts.store`) and runs the loop (:mod:`ingest.alerts.worker`, whose
:func:`~ingest.alerts.worker.run_worker` is the entry point for ``wearmon serve``,
``wearmon worker`` and ``wearmon demo``). Kept import-light: ingestion imports
:mod:`ingest.alerts.queue` on its hot path.
"""
