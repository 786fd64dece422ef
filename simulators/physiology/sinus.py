"""Continuous sinus RR-interval function of absolute time.

The sinus rhythm is modelled as an integral pulse frequency modulation (IPFM) of a
smooth RR function (Mateo & Laguna, IEEE TBME 2000;47:985): a beat occurs each time the
integral of the instantaneous rate crosses an integer. The RR function is

    RR(t) = RR0(t) + (RR0(t) / 1000 ms)^2 * [RSA(t) + LF(t) + VLF(t)]

where RR0 = 60000 / HR(t) holds the circadian cosinor, activity bouts and rate
episodes, RSA is a respiratory sinusoid with slowly wandering breathing rate, LF a
~0.1 Hz Mayer wave, and VLF a 1/f sum of sinusoids. Every term is a deterministic
function of absolute time given the participant's seed, so any interval can be
evaluated on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from simulators.physiology._clock import FloatArray, local_hour
from simulators.physiology._seeding import Stream, rng_for
from simulators.physiology.episodes import Episode
from simulators.physiology.heart_params import HeartParams

#: Number of sinusoids summed for the 1/f (VLF) component.
_VLF_TERMS = 24
#: VLF band edges: periods from 2 h down to 25 s (ULF/VLF, Task Force 1996 bands).
_VLF_BAND_HZ = (1.0 / 7200.0, 0.04)
#: Mayer waves centred at 0.1 Hz (Julien, Cardiovasc Res 2006;70:12).
_LF_HZ = 0.1
#: Breathing rate wanders by +/-0.03 Hz with a ~3 min period (assumption).
_RESP_WANDER_HZ = (0.03, 1.0 / 180.0)
#: Breath depth (hence RSA amplitude) varies by +/-40% with a ~2.5 min period, giving
#: the occasional large successive differences of real recordings (assumption, tuned
#: so that pNN50 is a few percent, as in nsr2db nsr001; see bench/physiology.py).
_TIDAL_WANDER = (0.4, 1.0 / 150.0)
#: Cosine ramp at each edge of an activity or rate episode, seconds (assumption).
RAMP_S = 90.0
#: Cap of the HRV scale factor, reached at RR0 = 1200 ms (50 bpm); assumption, since
#: Monfredi 2014 fits the dependence over ordinary sinus rates, not bradycardia.
_MAX_VARIABILITY_SCALE = 1.44
#: Shortest RR the sinus model may produce (HR 240 bpm), a physiological floor.
_MIN_RR_MS = 250.0


@dataclass(frozen=True, slots=True)
class SinusShape:
    """Per-participant random constants of the variability terms."""

    vlf_hz: FloatArray
    vlf_amplitude_ms: FloatArray
    vlf_phase: FloatArray
    lf_phase: float
    resp_phase: float


@lru_cache(maxsize=256)
def sinus_shape(seed: int, vlf_sd_ms: float) -> SinusShape:
    """Return the fixed random shape of participant ``seed``'s variability terms."""
    rng = rng_for(seed, Stream.HEART_SHAPE)
    low, high = np.log(_VLF_BAND_HZ[0]), np.log(_VLF_BAND_HZ[1])
    hz = np.exp(np.sort(rng.uniform(low, high, _VLF_TERMS)))
    # 1/f spectrum: with log-spaced frequencies every term carries the same expected
    # power (power per log-band is constant for 1/f); Rayleigh amplitudes with random
    # phases are the random-phase approximation of a Gaussian process.
    amplitude = rng.rayleigh(1.0, _VLF_TERMS)
    amplitude *= vlf_sd_ms / np.sqrt(np.sum(amplitude**2) / 2.0)
    phase = rng.uniform(0.0, 2.0 * np.pi, _VLF_TERMS)
    lf_phase, resp_phase = rng.uniform(0.0, 2.0 * np.pi, 2)
    return SinusShape(hz, amplitude, phase, float(lf_phase), float(resp_phase))


def episode_weight(t_s: FloatArray, episode: Episode) -> FloatArray:
    """Return 1 on the episode plateau, 0 far away, with cosine ramps of ``RAMP_S``."""
    rise = np.clip((t_s - episode.start_s + RAMP_S) / RAMP_S, 0.0, 1.0)
    fall = np.clip((episode.end_s + RAMP_S - t_s) / RAMP_S, 0.0, 1.0)
    ramp = np.minimum(rise, fall)
    weight: FloatArray = 0.5 - 0.5 * np.cos(np.pi * ramp)
    return weight


def mean_hr_bpm(
    t_s: FloatArray,
    params: HeartParams,
    activity: tuple[Episode, ...],
    rate_episodes: tuple[Episode, ...],
) -> FloatArray:
    """Return the slow sinus heart rate: cosinor + activity, overridden by rate episodes."""
    hour = local_hour(t_s, params.utc_offset_s)
    angle = 2.0 * np.pi * (hour - params.circadian_nadir_h) / 24.0
    hr = params.resting_hr_bpm - params.circadian_amplitude_bpm * np.cos(angle)
    # Overlapping bouts do not add up: the most intense one sets the increase.
    increase = np.zeros_like(t_s)
    for bout in activity:
        increase = np.maximum(increase, bout.level * episode_weight(t_s, bout))
    hr = hr + increase
    for episode in rate_episodes:
        weight = episode_weight(t_s, episode)
        hr = hr * (1.0 - weight) + episode.level * weight
    return hr


def modulation_ms(
    t_s: FloatArray, coarse_s: FloatArray, params: HeartParams, shape: SinusShape
) -> FloatArray:
    """Return RSA + LF modulation at RR 1000 ms (before rate scaling).

    The slow breathing-rate wander is evaluated on ``coarse_s`` (a subset of ``t_s``)
    and interpolated; the two oscillations are evaluated on ``t_s``.
    """
    depth_hz, period_hz = _RESP_WANDER_HZ
    wander = depth_hz / period_hz * np.sin(_angle(period_hz, coarse_s))
    resp = _angle(params.respiration_hz, t_s) + np.interp(t_s, coarse_s, wander)
    spread, tidal_hz = _TIDAL_WANDER
    tidal = 1.0 + spread * np.sin(_angle(tidal_hz, coarse_s) + shape.resp_phase)
    rsa_ms = (
        params.rsa_amplitude_ms * np.interp(t_s, coarse_s, tidal) * np.sin(resp + shape.resp_phase)
    )
    lf_ms = params.lf_amplitude_ms * np.sin(_angle(_LF_HZ, t_s) + shape.lf_phase)
    result: FloatArray = rsa_ms + lf_ms
    return result


def _angle(hz: float | FloatArray, t_s: FloatArray) -> FloatArray:
    """Return 2*pi*hz*t reduced to [0, 2*pi): epoch times make huge angles, and sin of
    a huge argument is both slow (long argument reduction) and less precise."""
    cycles = np.multiply.outer(t_s, hz) if np.ndim(hz) else t_s * hz
    angle: FloatArray = 2.0 * np.pi * (cycles - np.floor(cycles))
    return angle


def vlf_ms(t_s: FloatArray, shape: SinusShape) -> FloatArray:
    """Return the 1/f component at RR 1000 ms for 1-D times ``t_s``."""
    result: FloatArray = np.sin(_angle(shape.vlf_hz, t_s) + shape.vlf_phase) @ (
        shape.vlf_amplitude_ms
    )
    return result


def sinus_rr_ms(hr_bpm: FloatArray, variability_ms: FloatArray) -> FloatArray:
    """Combine the slow rate with variability scaled by (RR0/1000)^2 (Monfredi 2014).

    The scale is capped at ``_MAX_VARIABILITY_SCALE`` so that bradycardia does not
    swing by tens of bpm.
    """
    rr0_ms = 60_000.0 / hr_bpm
    scale = np.minimum((rr0_ms / 1000.0) ** 2, _MAX_VARIABILITY_SCALE)
    rr_ms: FloatArray = np.maximum(rr0_ms + scale * variability_ms, _MIN_RR_MS)
    return rr_ms
