"""What a rule returns: a frozen, self-describing finding for the alert engine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

from analytics.clinical_constants import Severity

_V = TypeVar("_V")


class FindingKind(StrEnum):
    """Physiological, technical and wellbeing (check-in) alarms are counted separately."""

    PHYSIOLOGICAL = "physiological"
    TECHNICAL = "technical"
    WELLBEING = "wellbeing"


def _frozen(mapping: Mapping[str, _V]) -> MappingProxyType[str, _V]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Finding:
    """One rule firing over a window of data.

    Attributes
    ----------
    rule_id : str
        Rule id of docs/clinical.md "Alerts" (``low_coverage`` for the coverage gate).
    rule_version : str
        Version of the thresholds that raised it (a per-participant override carries
        its own version).
    severity : Severity
        HIGH, MEDIUM or LOW (IEC 60601-1-8).
    kind : FindingKind
        Physiological or technical.
    onset_s : float
        When the condition began, seconds since the Unix epoch (UTC).
    end_s : float or None
        When it was last seen to hold; None while it is ongoing (it holds at the last
        data and the stream is not stale).
    worst_value : float or None
        Most extreme value during the finding, in ``unit`` (None when not applicable).
    unit : str
        Unit of ``worst_value`` (``"bpm"``, ``"mg/dL"``, ``"%"``, ``"min"``).
    evidence : Mapping[str, float]
        Numbers that justify the finding (e.g. ``coverage``, ``duration_min``,
        ``burden_min``, ``threshold_bpm``).
    context : Mapping[str, str]
        Labels: the device or gateway concerned and the failing hop for technical
        findings.
    summary : str
        One English sentence for logs and notifications (the dashboard translates by
        ``rule_id``); rhythm findings are worded as non-diagnostic.
    """

    rule_id: str
    rule_version: str
    severity: Severity
    kind: FindingKind
    onset_s: float
    end_s: float | None
    worst_value: float | None
    unit: str
    evidence: Mapping[str, float] = field(default_factory=dict)
    context: Mapping[str, str] = field(default_factory=dict)
    summary: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "evidence", _frozen(self.evidence))
        object.__setattr__(self, "context", _frozen(self.context))

    def __hash__(self) -> int:
        evidence = tuple(sorted(self.evidence.items()))
        context = tuple(sorted(self.context.items()))
        return hash((self.rule_id, self.rule_version, self.onset_s, self.end_s, evidence, context))

    @property
    def ongoing(self) -> bool:
        """True while the condition still holds at the end of the data."""
        return self.end_s is None
