"""Small helpers shared by the rule modules (private)."""

from __future__ import annotations

from analytics.cardiac import hr_from_rr
from analytics.rules.window import FloatArray, ParticipantWindow


def hr_series(window: ParticipantWindow) -> tuple[FloatArray, FloatArray]:
    """Heart-rate samples: the device's, or 60000 / RR when only RR was recorded."""
    if window.hr_bpm.size or not window.rr_ms.size:
        return window.hr_times_s, window.hr_bpm
    return hr_from_rr(window.rr_ms, window.rr_times_s)


def hr_last_s(window: ParticipantWindow) -> float | None:
    """Newest heart-rate or RR sample time, None without any."""
    last = [float(a[-1]) for a in (window.hr_times_s, window.rr_times_s) if a.size]
    return max(last) if last else None


def still_open(finding_last_s: float, stream_last_s: float, now_s: float, limit_s: float) -> bool:
    """A finding is ongoing when it holds at the newest sample and the stream is not stale.

    ``limit_s`` is the stream's ``stale_device`` limit (docs/clinical.md): once the
    stream is stale, nothing says the condition still holds, so the finding is closed
    at its last sample and ``stale_device`` reports the silence.
    """
    return finding_last_s >= stream_last_s and now_s - stream_last_s <= limit_s
