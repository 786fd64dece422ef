"""Ground-truth episodes shared by the heart and glucose generators."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EpisodeKind(StrEnum):
    """What a ground-truth episode is; values appear in exported labels."""

    ACTIVITY = "activity"
    AF = "af"
    BRADYCARDIA = "bradycardia"
    TACHYCARDIA = "tachycardia"
    CONTACT_LOSS = "contact_loss"
    MEAL = "meal"
    EXERCISE = "exercise"
    INSULIN = "insulin"
    SULFONYLUREA = "sulfonylurea"
    CGM_GAP = "cgm_gap"
    HYPO_LEVEL1 = "hypo_level1"
    HYPO_LEVEL2 = "hypo_level2"
    HYPER_LEVEL2 = "hyper_level2"


@dataclass(frozen=True, slots=True)
class Episode:
    """One scheduled event in absolute time.

    Attributes
    ----------
    kind : EpisodeKind
        What happens.
    start_s, end_s : float
        UTC epoch seconds; the plateau of the event (ramps, if any, lie outside).
    level : float
        Kind-specific magnitude: target HR in bpm (bradycardia, tachycardia, AF), HR
        increase in bpm (activity), carbohydrate in g (meal), insulin-action peak in
        µU/mL (insulin, sulfonylurea), extra glucose clearance in 1/min (exercise), the
        extreme plasma glucose in mg/dL (hypo/hyper events); 0 where it has none.
    """

    kind: EpisodeKind
    start_s: float
    end_s: float
    level: float = 0.0

    @property
    def duration_s(self) -> float:
        """Length of the plateau in seconds."""
        return self.end_s - self.start_s

    def overlaps(self, start_s: float, end_s: float) -> bool:
        """Return True if the episode intersects ``[start_s, end_s)``."""
        return self.start_s < end_s and self.end_s > start_s
