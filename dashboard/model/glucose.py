"""Glucose summaries against the consensus targets (no Dash imports).

Targets: Battelino T. et al., "Clinical Targets for Continuous Glucose Monitoring Data
Interpretation: Recommendations From the International Consensus on Time in Range",
Diabetes Care 2019;42:1593-1603, Table 2. The pilot is older adults, so the
"older/high-risk" column is the default; ``GENERAL_TARGETS`` is the adult column.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from analytics import clinical_constants as cc
from dashboard.model.shapes import as_float, pick

# Battelino 2019: a 14-day report needs >= 70% CGM wear to be interpreted.
SUFFICIENCY_MIN_PCT = cc.REPORT_MIN_ACTIVE_PERCENT
# GMI (%) = 3.31 + 0.02392 x mean glucose (mg/dL): Bergenstal et al., Diabetes Care
# 2018;41:2275-2280.
GMI_INTERCEPT = 3.31
GMI_SLOPE = 0.02392
# Glucose ranges in mg/dL (consensus levels).
VERY_LOW = cc.VERY_LOW_MG_DL
LOW = cc.LOW_MG_DL
HIGH = cc.HIGH_MG_DL
VERY_HIGH = cc.VERY_HIGH_MG_DL


@dataclass(frozen=True)
class Target:
    key: str  # message key suffix and range name
    bound: float  # percent
    compare: Callable[[float, float], bool]
    symbol: str  # "<", ">" or "≤" as printed


OLDER_ADULT_TARGETS: tuple[Target, ...] = (
    Target("tir", 50.0, operator.gt, ">"),
    Target("tbr70", 1.0, operator.lt, "<"),
    Target("tar250", 10.0, operator.lt, "<"),
    Target("cv", 36.0, operator.le, "≤"),
)
GENERAL_TARGETS: tuple[Target, ...] = (
    Target("tir", 70.0, operator.gt, ">"),
    Target("tbr70", 4.0, operator.lt, "<"),
    Target("tbr54", 1.0, operator.lt, "<"),
    Target("tar180", 25.0, operator.lt, "<"),
    Target("tar250", 5.0, operator.lt, "<"),
    Target("cv", 36.0, operator.le, "≤"),
)


@dataclass(frozen=True)
class GlucoseSummary:
    """Percent of CGM time per range (cumulative below/above, as the consensus reports)."""

    tbr54: float | None
    tbr70: float | None
    tir: float | None
    tar180: float | None
    tar250: float | None
    mean: float | None
    cv: float | None
    gmi: float | None
    sufficiency: float | None

    @property
    def insufficient(self) -> bool:
        """Marked "insufficient data" when wear is below 70% or unknown."""
        return self.sufficiency is None or self.sufficiency < SUFFICIENCY_MIN_PCT

    def value(self, key: str) -> float | None:
        return float(v) if (v := getattr(self, key)) is not None else None


@dataclass(frozen=True)
class TargetCheck:
    target: Target
    value: float | None
    met: bool | None  # None when the value is unknown


def gmi(mean_mg_dl: float | None) -> float | None:
    """Glucose management indicator in percent from the mean glucose (Bergenstal 2018)."""
    return None if mean_mg_dl is None else GMI_INTERCEPT + GMI_SLOPE * mean_mg_dl


def summary_from_metrics(metrics: Mapping[str, Any] | None) -> GlucoseSummary:
    """Read the API's CGM metrics (iglu names: below_54, in_range_70_180, ...)."""
    mean = as_float(pick(metrics, "mean", "mean_glucose"))
    given_gmi = as_float(pick(metrics, "GMI", "gmi"))
    return GlucoseSummary(
        tbr54=as_float(pick(metrics, "below_54", "tbr54", "percent_below_54")),
        tbr70=as_float(pick(metrics, "below_70", "tbr70", "percent_below_70")),
        tir=as_float(pick(metrics, "in_range_70_180", "tir", "percent_in_range_70_180")),
        tar180=as_float(pick(metrics, "above_180", "tar180", "percent_above_180")),
        tar250=as_float(pick(metrics, "above_250", "tar250", "percent_above_250")),
        mean=mean,
        cv=as_float(pick(metrics, "CV", "cv")),
        gmi=given_gmi if given_gmi is not None else gmi(mean),
        sufficiency=as_float(pick(metrics, "active_percent")),
    )


def check_targets(
    summary: GlucoseSummary, targets: tuple[Target, ...] = OLDER_ADULT_TARGETS
) -> list[TargetCheck]:
    checks = []
    for target in targets:
        value = summary.value(target.key)
        met = None if value is None else target.compare(value, target.bound)
        checks.append(TargetCheck(target, value, met))
    return checks


def range_shares(summary: GlucoseSummary) -> list[tuple[str, float | None]]:
    """Disjoint bands bottom to top for the stacked bar: <54, 54-69, 70-180, 181-250, >250."""

    def minus(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else max(a - b, 0.0)

    return [
        ("very_low", summary.tbr54),
        ("low", minus(summary.tbr70, summary.tbr54)),
        ("in_range", summary.tir),
        ("high", minus(summary.tar180, summary.tar250)),
        ("very_high", summary.tar250),
    ]
