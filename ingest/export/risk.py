"""Re-identification risk of a released table: k-anonymity, l-diversity, prosecutor risk.

One record per participant: every row a participant contributes carries the same
quasi-identifiers, so risk is measured over people, not rows.

* k-anonymity (Sweeney 2002, IJUFKS 10(5):557-570): the smallest equivalence class.
* Distinct l-diversity (Machanavajjhala et al. 2007, ACM TKDD 1(1):3): the fewest
  distinct sensitive values within a class.
* Prosecutor risk (El Emam & Dankar 2008, JAMIA 15(5):627-637): a record's risk is
  1/|its class|; reported as the highest, the average (classes/records) and the share of
  records whose risk exceeds a threshold.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class ClassStats:
    """One equivalence class: how many records, how many distinct sensitive values."""

    size: int
    distinct_sensitive: int | None


@dataclass(frozen=True, slots=True)
class RiskMeasures:
    """Risk of a table of ``records`` records in ``classes`` equivalence classes."""

    records: int
    classes: int
    k_achieved: int
    l_achieved: int | None
    prosecutor_risk_max: float
    prosecutor_risk_avg: float
    records_at_risk_share: float
    risk_threshold: float


def equivalence_classes(
    keys: Sequence[K], sensitive: Sequence[Hashable] | None = None
) -> dict[K, ClassStats]:
    """Group records by their quasi-identifier key; count sizes and sensitive values."""
    if sensitive is not None and len(sensitive) != len(keys):
        raise ValueError(f"{len(keys)} keys but {len(sensitive)} sensitive values")
    sizes: dict[K, int] = {}
    values: dict[K, set[Hashable]] = {}
    for i, key in enumerate(keys):
        sizes[key] = sizes.get(key, 0) + 1
        if sensitive is not None:
            values.setdefault(key, set()).add(sensitive[i])
    return {
        key: ClassStats(size, None if sensitive is None else len(values[key]))
        for key, size in sizes.items()
    }


def measure(classes: Mapping[K, ClassStats], risk_threshold: float) -> RiskMeasures:
    """Risk measures of a non-empty table given its equivalence classes."""
    if not classes:
        raise ValueError("risk is undefined for an empty table")
    if not 0.0 < risk_threshold <= 1.0:
        raise ValueError(f"risk_threshold must be in (0, 1], got {risk_threshold}")
    stats = list(classes.values())
    records = sum(c.size for c in stats)
    k = min(c.size for c in stats)
    distinct = [c.distinct_sensitive for c in stats if c.distinct_sensitive is not None]
    at_risk = sum(c.size for c in stats if 1.0 / c.size > risk_threshold)
    return RiskMeasures(
        records=records,
        classes=len(stats),
        k_achieved=k,
        l_achieved=min(distinct) if distinct else None,
        prosecutor_risk_max=1.0 / k,
        prosecutor_risk_avg=len(stats) / records,
        records_at_risk_share=at_risk / records,
        risk_threshold=risk_threshold,
    )
