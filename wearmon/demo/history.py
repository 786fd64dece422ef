"""Heart-rate history for the demo's first minutes, made by the product's own code.

A heart-rate strap keeps no history (the Heart Rate Service has no record store), so the
demo puts the past ``--history-days`` of simulated beats into each gateway's outbox, as
the gateway would have recorded them had it been running: the beats become the strap's
once-a-second Heart Rate Measurement values, encoded by the simulated strap's own code
(``simulators.ble``), the gateway's codec decodes those bytes and ``gateway.convert``
makes the readings (RR intervals while contact is lost included, flagged
``no_contact``), all flagged ``backfilled``. The uploader then sends them through the
same path as live data. CGM history needs no such help: the virtual CGM's session starts
days ago and the gateway back-fills it over RACP.

A radio loss in the history (a fault before the run) leaves the heart-rate history as a
gateway would have recorded it: a wearable drifting out of range does not vanish at once,
the link comes and goes at the edge of range first and last (``MARGINAL_S``), and nothing
arrives in between. The CGM keeps its records through a radio loss (RACP recovers them).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Sequence

import numpy as np

from gateway.codecs import decode_heart_rate_measurement
from gateway.convert import heart_rate_readings
from gateway.reading import Reading
from simulators.ble.encoding import rr_ms_to_1024
from simulators.ble.peripherals.heart_rate import HeartRateReport, encode_report
from simulators.physiology import HeartModel

# One day of beats per chunk keeps memory modest (~100k beats per participant-day).
_CHUNK_S = 86_400.0
# The smallest ATT MTU (Bluetooth Core 5.x Vol 3 Part F 3.2.8: 23 octets): the most
# notifications per report, as a central that negotiates nothing would receive them.
_ATT_MTU = 23
# At the edge of range: 12 min at each end of a radio loss during which the gateway hears
# the strap 10 s in every 30 s (a third of the time: the coverage gate's low_coverage
# finding needs 10 min below 80 % coverage, see docs/clinical.md "Coverage").
MARGINAL_S = 12 * 60.0
_LINK_CYCLE_S = 30.0
_LINK_UP_S = 10.0

RadioLoss = tuple[float, float]  # (start_s, end_s), UTC epoch seconds


def heart_history(
    device_id: str,
    model: HeartModel,
    start_s: float,
    end_s: float,
    radio_losses: Sequence[RadioLoss] = (),
) -> Iterator[list[Reading]]:
    """Readings a gateway would have made from ``[start_s, end_s)``, a day at a time.

    One ``heart_rate`` reading per notification (once a second) and one ``rr_interval``
    reading per beat, as ``gateway.convert`` makes them from the decoded notifications;
    none while a radio loss keeps the strap out of the gateway's reach (:func:`heard`).
    Every reading carries ``backfilled`` besides what the conversion sets.
    """
    t = start_s
    while t < end_s:
        span = min(_CHUNK_S, end_s - t)
        trace = model.generate(t, span)
        yield _readings(
            device_id, trace.beat_s, trace.rr_ms, trace.hr_bpm, trace.contact, radio_losses
        )
        t += span


def heard(t_s: np.ndarray, radio_losses: Sequence[RadioLoss]) -> np.ndarray:
    """Whether the gateway heard the strap at each time (False inside a radio loss,
    intermittently True in its first and last ``MARGINAL_S``)."""
    keep = np.ones(t_s.shape, dtype=bool)
    for start_s, end_s in radio_losses:
        inside = (t_s >= start_s) & (t_s < end_s)
        edge = (t_s < start_s + MARGINAL_S) | (t_s >= end_s - MARGINAL_S)
        link_up = np.mod(t_s - start_s, _LINK_CYCLE_S) < _LINK_UP_S
        keep &= ~inside | (edge & link_up)
    return keep


def _readings(
    device_id: str,
    beat_s: np.ndarray,
    rr_ms: np.ndarray,
    hr_bpm: np.ndarray,
    contact: np.ndarray,
    radio_losses: Sequence[RadioLoss],
) -> list[Reading]:
    # One notification per second of beat time, as a strap notifying once a second sends
    # them: the beats that ended in that second, the newest beat's rate and contact. An
    # absolute grid, so histories written in whole-second chunks join without seams.
    second = np.floor(beat_s).astype(np.int64)
    ends = np.flatnonzero(np.r_[second[1:] != second[:-1], True]) + 1
    starts = np.r_[0, ends[:-1]]
    received_s = second[ends - 1] + 1.0
    kept = np.flatnonzero(heard(received_s, radio_losses))
    hr = np.rint(hr_bpm).astype(int)
    out: list[Reading] = []
    for i in kept.tolist():
        a, b = int(starts[i]), int(ends[i])
        report = HeartRateReport(
            int(hr[b - 1]), bool(contact[b - 1]), tuple(rr_ms_to_1024(x) for x in rr_ms[a:b])
        )
        received = _utc(float(received_s[i]))
        for value in encode_report(report, _ATT_MTU):
            out.extend(
                dataclasses.replace(r, flags=("backfilled", *r.flags))
                for r in heart_rate_readings(
                    device_id, received, decode_heart_rate_measurement(value)
                )
            )
    return out


def _utc(epoch_s: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch_s, dt.UTC)
