"""Beat-by-beat heart model: sinus rhythm with HRV, AF, ectopy, rate episodes, contact loss.

Generation is chunkable. Time is cut into fixed blocks of ``BLOCK_S`` seconds aligned
to the UTC epoch. In each block the IPFM phase of the sinus rate function (see
``sinus``) is integrated on a fine grid and rescaled by less than half a beat so that
the block holds a whole number of beats, with one beat exactly on each block boundary;
every random draw of a block (beat jitter, ectopic beats, AF intervals) comes from that
block's own random stream. A block's beats therefore depend only on the seed and the
block number, and any interval is produced by generating the blocks that cover it plus
one block either side (for the first RR interval and the sensor's running mean).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from simulators.physiology._clock import FloatArray, interval_end_s
from simulators.physiology._seeding import Stream, rng_for
from simulators.physiology.af import af_rr_ms
from simulators.physiology.episodes import Episode, EpisodeKind
from simulators.physiology.errors import ParameterError
from simulators.physiology.heart_params import HeartParams
from simulators.physiology.schedule import episodes_between
from simulators.physiology.sinus import (
    RAMP_S,
    mean_hr_bpm,
    modulation_ms,
    sinus_rr_ms,
    sinus_shape,
    vlf_ms,
)

BoolArray = npt.NDArray[np.bool_]
Int8Array = npt.NDArray[np.int8]

#: Block length, s. Rescaling to whole beats changes the rate by < 0.5 beat per block
#: (< 0.1% at 60 bpm), far below the beat-to-beat variability.
BLOCK_S = 600
#: IPFM integration step, s: 16 samples per 0.25 Hz breathing cycle.
GRID_DT_S = 0.25
_STEPS_PER_BLOCK = int(BLOCK_S / GRID_DT_S)
#: Slow terms (mean rate with >= 90 s ramps, breathing-rate wander with a 180 s
#: period) are evaluated every 4 s and interpolated linearly; the 1/f component
#: (periods >= 25 s) every 8 s.
_COARSE_DECIMATION = 16
_VLF_DECIMATION = 32
#: Premature beats come at 60-75% of the preceding RR (coupling interval; a full
#: compensatory pause follows because the next beat keeps its time). Assumption within
#: the usual PVC coupling range (Zipes & Jalife, Cardiac Electrophysiology, ch. 52).
_ECTOPIC_PREMATURITY = (0.25, 0.40)
#: A false detection (e.g. a T wave or motion spike) lands 30-70% into an interval
#: (assumption).
_FALSE_DETECTION_POSITION = (0.3, 0.7)
#: AF draws are rescaled to fill their span exactly, by no less than this factor.
_MIN_SQUEEZE = 0.9
#: After AF ends the first sinus beat comes at least this share of a sinus RR later.
_AF_EXIT_GUARD = 0.6


class Rhythm(IntEnum):
    """Ground-truth label of the beat that ends each RR interval."""

    SINUS = 0
    AF = 1
    ECTOPIC = 2
    ARTEFACT = 3  # the interval ending here is a sensor detection error


@dataclass(frozen=True, slots=True)
class HeartTrace:
    """Beats of one participant over an interval.

    Attributes
    ----------
    beat_s : numpy.ndarray
        Beat (R-peak) times, UTC epoch seconds, increasing.
    rr_ms : numpy.ndarray
        Interval from the previous beat to each beat, ms (true value).
    hr_bpm : numpy.ndarray
        Heart rate as the sensor reports it: 60000 / mean of the last
        ``sensor_average_beats`` RR intervals.
    contact : numpy.ndarray of bool
        False while the sensor has no skin contact (no valid RR should be reported).
    rhythm : numpy.ndarray of int8
        ``Rhythm`` code of each beat.
    episodes : tuple of Episode
        Ground-truth episodes overlapping the interval.
    """

    beat_s: FloatArray
    rr_ms: FloatArray
    hr_bpm: FloatArray
    contact: BoolArray
    rhythm: Int8Array
    episodes: tuple[Episode, ...]

    def __len__(self) -> int:
        return int(self.beat_s.size)


@dataclass(frozen=True, slots=True)
class _Beats:
    beat_s: FloatArray
    rhythm: Int8Array


class HeartModel:
    """Seeded heart of one participant.

    Parameters
    ----------
    params : HeartParams
        Physiology and sensor settings.
    seed : int
        Non-negative participant seed; equal seeds give equal beats.

    Examples
    --------
    >>> model = HeartModel(HeartParams(), seed=7)
    >>> trace = model.generate(1_767_225_600.0, 600.0)
    >>> bool(50 < trace.hr_bpm.mean() < 90)
    True
    """

    def __init__(self, params: HeartParams, seed: int) -> None:
        if seed < 0:
            raise ParameterError(f"seed must be >= 0, got {seed}")
        self.params = params
        self.seed = seed

    def episodes(self, start_s: float, end_s: float) -> tuple[Episode, ...]:
        """Return all ground-truth episodes overlapping ``[start_s, end_s)``, by start."""
        return tuple(sorted(self._all_episodes(start_s, end_s), key=lambda e: e.start_s))

    def generate(self, start_s: float, duration_s: float) -> HeartTrace:
        """Return the beats with ``start_s <= beat_s < start_s + duration_s``.

        Parameters
        ----------
        start_s : float
            Interval start, UTC epoch seconds.
        duration_s : float
            Interval length in seconds, >= 0.

        Returns
        -------
        HeartTrace
            Identical beats whether the interval is generated at once or in pieces.
        """
        end_s = interval_end_s(start_s, duration_s)
        first_block = math.floor(start_s / BLOCK_S) - 1
        stop_block = math.ceil(end_s / BLOCK_S) + 1
        beats = self._beats(first_block, stop_block)
        return self._trace(beats, start_s, end_s)

    def _all_episodes(self, start_s: float, end_s: float) -> list[Episode]:
        p, span = self.params, (start_s - RAMP_S, end_s + RAMP_S)
        kinds = (
            (Stream.ACTIVITY, EpisodeKind.ACTIVITY, p.activity),
            (Stream.HEART_AF, EpisodeKind.AF, p.af),
            (Stream.HEART_BRADY, EpisodeKind.BRADYCARDIA, p.bradycardia),
            (Stream.HEART_TACHY, EpisodeKind.TACHYCARDIA, p.tachycardia),
            (Stream.HEART_CONTACT, EpisodeKind.CONTACT_LOSS, p.contact_loss),
        )
        found: list[Episode] = []
        for stream, kind, spec in kinds:
            found.extend(episodes_between(self.seed, stream, kind, spec, span, p.utc_offset_s))
        return found

    def _beats(self, first_block: int, stop_block: int) -> _Beats:
        start_s, end_s = float(first_block * BLOCK_S), float(stop_block * BLOCK_S)
        episodes = self._all_episodes(start_s, end_s)
        steps = np.arange((stop_block - first_block) * _STEPS_PER_BLOCK + 1, dtype=np.float64)
        t_s: FloatArray = start_s + steps * GRID_DT_S
        phase = self._block_phases(t_s, episodes)
        af = [e for e in episodes if e.kind is EpisodeKind.AF]
        times: list[FloatArray] = []
        labels: list[Int8Array] = []
        for row, block in enumerate(range(first_block, stop_block)):
            cols = slice(row * _STEPS_PER_BLOCK, (row + 1) * _STEPS_PER_BLOCK + 1)
            block_s, rhythm = self._block_beats(block, phase[row], t_s[cols], af)
            times.append(block_s)
            labels.append(rhythm)
        beat_s, rhythm = np.concatenate(times), np.concatenate(labels)
        order = np.argsort(beat_s, kind="stable")
        return _Beats(beat_s[order], rhythm[order])

    def _block_phases(self, t_s: FloatArray, episodes: list[Episode]) -> FloatArray:
        """IPFM phase per block row, starting at 0 and ending on a whole number of beats."""
        p = self.params
        shape = sinus_shape(self.seed, p.vlf_sd_ms)
        activity = tuple(e for e in episodes if e.kind is EpisodeKind.ACTIVITY)
        rate = tuple(
            e for e in episodes if e.kind in (EpisodeKind.BRADYCARDIA, EpisodeKind.TACHYCARDIA)
        )
        coarse_s = t_s[::_COARSE_DECIMATION]
        slow_hr_bpm = mean_hr_bpm(coarse_s, p, activity, rate)
        vlf_s = t_s[::_VLF_DECIMATION]
        variability = modulation_ms(t_s, coarse_s, p, shape) + np.interp(
            t_s, vlf_s, vlf_ms(vlf_s, shape)
        )
        hr_bpm = np.interp(t_s, coarse_s, slow_hr_bpm)
        rate_hz = 1000.0 / sinus_rr_ms(hr_bpm, variability)
        steps = 0.5 * (rate_hz[:-1] + rate_hz[1:]) * GRID_DT_S
        cumulative = np.cumsum(steps.reshape(-1, _STEPS_PER_BLOCK), axis=1)
        whole = np.maximum(np.rint(cumulative[:, -1]), 1.0)
        cumulative *= (whole / cumulative[:, -1])[:, None]
        cumulative[:, -1] = whole  # exact integer at the block end
        phase: FloatArray = np.hstack([np.zeros((cumulative.shape[0], 1)), cumulative])
        return phase

    def _block_beats(
        self, block: int, phase: FloatArray, t_s: FloatArray, af: list[Episode]
    ) -> tuple[FloatArray, Int8Array]:
        """Sinus beats of one block with jitter and ectopy, with AF spans replaced."""
        p = self.params
        rng = rng_for(self.seed, Stream.HEART_BLOCK, block)
        beat_s = np.interp(np.arange(int(phase[-1])), phase, t_s)
        beat_s += rng.normal(0.0, p.beat_jitter_ms / 1000.0, beat_s.size)
        rhythm = np.full(beat_s.size, Rhythm.SINUS, dtype=np.int8)
        _add_ectopy(rng, beat_s, rhythm, p.ectopic_per_hour * BLOCK_S / 3600.0)
        block_start, block_end = float(t_s[0]), float(t_s[-1])
        guard_s = _AF_EXIT_GUARD * 60.0 / p.resting_hr_bpm
        for episode in af:
            if not (episode.start_s < block_end and episode.end_s + guard_s > block_start):
                continue
            keep = (beat_s < episode.start_s) | (beat_s >= episode.end_s + guard_s)
            span = (max(episode.start_s, block_start), min(episode.end_s, block_end))
            af_s = _af_segment(rng, span, episode.level, p.af_rr_cv)
            beat_s = np.concatenate([beat_s[keep], af_s])
            rhythm = np.concatenate([rhythm[keep], np.full(af_s.size, Rhythm.AF, np.int8)])
        order = np.argsort(beat_s, kind="stable")
        per_block = BLOCK_S / 3600.0
        return _add_artefacts(
            rng,
            (beat_s[order], rhythm[order]),
            p.missed_beats_per_hour * per_block,
            p.extra_beats_per_hour * per_block,
        )

    def _trace(self, beats: _Beats, start_s: float, end_s: float) -> HeartTrace:
        p = self.params
        rr_ms = np.concatenate([[np.nan], np.diff(beats.beat_s) * 1000.0])
        window = np.lib.stride_tricks.sliding_window_view(rr_ms, p.sensor_average_beats)
        hr_bpm = np.full(rr_ms.size, np.nan)
        hr_bpm[p.sensor_average_beats - 1 :] = 60_000.0 / window.mean(axis=1)
        contact = np.ones(rr_ms.size, dtype=bool)
        episodes = [e for e in self._all_episodes(start_s, end_s) if e.overlaps(start_s, end_s)]
        for e in episodes:
            if e.kind is EpisodeKind.CONTACT_LOSS:
                contact &= (beats.beat_s < e.start_s) | (beats.beat_s >= e.end_s)
        keep = (beats.beat_s >= start_s) & (beats.beat_s < end_s)
        return HeartTrace(
            beat_s=beats.beat_s[keep],
            rr_ms=rr_ms[keep],
            hr_bpm=hr_bpm[keep],
            contact=contact[keep],
            rhythm=beats.rhythm[keep],
            episodes=tuple(sorted(episodes, key=lambda e: e.start_s)),
        )


def _add_ectopy(
    rng: np.random.Generator, beat_s: FloatArray, rhythm: Int8Array, mean_count: float
) -> None:
    """Move a Poisson number of beats earlier (premature) in place; next beats keep time."""
    count = int(rng.poisson(mean_count))
    if count == 0 or beat_s.size < 3:
        return
    index = np.unique(rng.integers(1, beat_s.size - 1, count))
    fraction = rng.uniform(*_ECTOPIC_PREMATURITY, index.size)
    for i, f in zip(index, fraction, strict=True):
        beat_s[i] -= f * (beat_s[i] - beat_s[i - 1])
    rhythm[index] = Rhythm.ECTOPIC


def _add_artefacts(
    rng: np.random.Generator,
    beats: tuple[FloatArray, Int8Array],
    missed_mean: float,
    extra_mean: float,
) -> tuple[FloatArray, Int8Array]:
    """Drop (missed detections) and insert (false detections) Poisson numbers of beats."""
    beat_s, rhythm = beats
    missed = int(rng.poisson(missed_mean))
    extra = int(rng.poisson(extra_mean))
    if beat_s.size < 4 or missed + extra == 0:
        return beat_s, rhythm
    drop = np.unique(rng.integers(1, beat_s.size - 1, missed))
    rhythm = rhythm.copy()
    rhythm[drop + 1] = Rhythm.ARTEFACT  # the merged interval ends at the next beat
    after = rng.integers(1, beat_s.size, extra)
    where = rng.uniform(*_FALSE_DETECTION_POSITION, extra)
    false_s = beat_s[after - 1] + where * (beat_s[after] - beat_s[after - 1])
    rhythm[after] = Rhythm.ARTEFACT
    keep = np.ones(beat_s.size, dtype=bool)
    keep[drop] = False
    merged_s = np.concatenate([beat_s[keep], false_s])
    merged_rhythm = np.concatenate([rhythm[keep], np.full(extra, Rhythm.ARTEFACT, np.int8)])
    order = np.argsort(merged_s, kind="stable")
    return merged_s[order], merged_rhythm[order]


def _af_segment(
    rng: np.random.Generator, span: tuple[float, float], hr_bpm: float, cv: float
) -> FloatArray:
    """AF beats filling ``span``; the last lands exactly on its end, none on its start."""
    mean_rr_ms = 60_000.0 / hr_bpm
    length_s = span[1] - span[0]
    count = int(np.rint(length_s * 1000.0 / mean_rr_ms))
    if count < 1:
        return np.empty(0)
    ends = np.cumsum(af_rr_ms(rng, count, mean_rr_ms, cv))
    # Squeezing the draws into the span must not create implausibly short intervals.
    while count > 1 and length_s * 1000.0 < _MIN_SQUEEZE * ends[count - 1]:
        count -= 1
    ends = ends[:count]
    beat_s: FloatArray = span[0] + ends * (length_s / ends[-1])
    beat_s[-1] = span[1]
    return beat_s
