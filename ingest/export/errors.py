"""Errors of the export pipeline."""

from __future__ import annotations

from ingest.errors import IngestError


class ExportError(IngestError):
    """An export cannot be created, run or destroyed as asked; the message says why."""


class ExportBlocked(ExportError):
    """No generalisation within the limits meets the project's risk thresholds."""
