"""A virtual participant's mood, as their weekly GDS-15 check-ins will show it."""

from __future__ import annotations

from dataclasses import dataclass

from simulators.physiology.errors import ParameterError


@dataclass(frozen=True, slots=True)
class MoodParams:
    """Weekly GDS-15 score trajectory (0-15) over the demo's weeks of check-ins.

    Attributes
    ----------
    first_score, last_score : float
        Expected score of the oldest and of the newest weekly check-in; the weeks between
        lie on a straight line.
    noise_sd : float
        Week-to-week scatter around the line, points (clipped to +-1.5 SD).
    skip_prob : float
        Chance that an item is skipped (or answered "not sure" twice).
    """

    first_score: float = 2.0
    last_score: float = 2.0
    noise_sd: float = 0.7
    skip_prob: float = 0.02

    def __post_init__(self) -> None:
        for name in ("first_score", "last_score"):
            if not 0.0 <= getattr(self, name) <= 15.0:
                raise ParameterError(f"MoodParams.{name} should be 0-15 (GDS-15 points)")
        if self.noise_sd < 0 or not 0.0 <= self.skip_prob < 1.0:
            raise ParameterError("MoodParams: noise_sd >= 0 and 0 <= skip_prob < 1 expected")
