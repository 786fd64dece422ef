"""ARX-style search of the generalisation lattice with record suppression.

Every combination of hierarchy levels (a lattice node) is evaluated: with three
quasi-identifiers of at most three levels there are at most 18 nodes, so the search is
exhaustive and its optimum exact (ARX's Flash algorithm prunes larger lattices to the
same optimum; Kohlmayer et al. 2012, "Flash: efficient, stable and optimal
k-anonymity", IEEE PASSAT). At a node, the classes that miss ``k`` (or ``l``) are
suppressed whole; the node is acceptable when at most ``max_suppression`` of the
records are. Among acceptable nodes the least information loss wins, measured by
Sweeney's precision metric (Prec; Sweeney 2002, IJUFKS 10(5):571-588) with each
suppressed record counted as fully generalised.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from ingest.export.errors import ExportBlocked, ExportError
from ingest.export.hierarchy import HIERARCHIES, Hierarchy
from ingest.export.risk import RiskMeasures, equivalence_classes, measure

#: Record suppression limit of ARX's and sdcMicro's usual configurations: 5% of records.
DEFAULT_MAX_SUPPRESSION: Final = 0.05
#: k of docs/privacy.md "Research export".
DEFAULT_K: Final = 5


@dataclass(frozen=True, slots=True)
class Record:
    """One participant: an opaque subject key, raw quasi-identifiers, a sensitive value."""

    subject: str
    values: Mapping[str, object]
    sensitive: str | None = None


@dataclass(frozen=True, slots=True)
class Thresholds:
    """What a release must meet. ``risk_threshold`` defaults to 1/k."""

    k: int = DEFAULT_K
    l: int | None = None  # noqa: E741 - the letter is the name of the measure
    max_suppression: float = DEFAULT_MAX_SUPPRESSION
    risk_threshold: float | None = None

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ExportError(f"k must be >= 1, got {self.k}")
        if self.l is not None and self.l < 1:
            raise ExportError(f"l must be >= 1, got {self.l}")
        if not 0.0 <= self.max_suppression < 1.0:
            raise ExportError(f"max_suppression must be in [0, 1), got {self.max_suppression}")

    @property
    def threshold(self) -> float:
        """Prosecutor risk above which a record counts as at risk."""
        return self.risk_threshold if self.risk_threshold is not None else 1.0 / self.k


@dataclass(frozen=True, slots=True)
class FailingClass:
    """An equivalence class that misses a threshold at some node."""

    labels: Mapping[str, str]
    size: int
    distinct_sensitive: int | None

    def describe(self) -> str:
        """E.g. "(age=85+, sex=M) with 2 participants"."""
        labels = ", ".join(f"{a}={v}" for a, v in self.labels.items())
        extra = "" if self.distinct_sensitive is None else f", {self.distinct_sensitive} distinct"
        return f"({labels}) with {self.size} participant{'s' * (self.size != 1)}{extra}"


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One lattice node: its levels, what it suppresses, its risk and its loss."""

    levels: Mapping[str, int]
    labels: Mapping[str, Mapping[str, str]]  # subject -> attribute -> label (released)
    suppressed: tuple[str, ...]
    failing: tuple[FailingClass, ...]
    risk: RiskMeasures | None  # None when every record would be suppressed
    loss: float
    acceptable: bool

    def describe_levels(self) -> str:
        """E.g. "age=10-year bands (80+), sex=kept"."""
        return ", ".join(f"{a}={HIERARCHIES[a].level_names[lv]}" for a, lv in self.levels.items())


@dataclass(frozen=True, slots=True)
class Anonymisation:
    """The chosen node and why: what the risk report states."""

    chosen: Evaluation
    nodes_evaluated: int
    nodes_acceptable: int
    thresholds: Thresholds
    explanation: str


def search(
    records: Sequence[Record], quasi_identifiers: Sequence[str], thresholds: Thresholds
) -> Anonymisation:
    """The least-loss acceptable node; raises ExportBlocked naming the failing classes."""
    if not records:
        raise ExportError("no participants to export (none consented, or none match)")
    hierarchies = _hierarchies(quasi_identifiers)
    nodes = [evaluate(records, hierarchies, lv, thresholds) for lv in _nodes(hierarchies)]
    acceptable = [n for n in nodes if n.acceptable]
    if not acceptable:
        raise ExportBlocked(_blocked_message(nodes, len(records), thresholds))
    best = min(acceptable, key=lambda n: (n.loss, len(n.suppressed), tuple(n.levels.values())))
    explanation = _explain(best, nodes, len(acceptable), len(records), thresholds)
    return Anonymisation(best, len(nodes), len(acceptable), thresholds, explanation)


def evaluate(
    records: Sequence[Record],
    hierarchies: Sequence[Hierarchy],
    levels: Sequence[int],
    thresholds: Thresholds,
) -> Evaluation:
    """Generalise every record at ``levels``, suppress failing classes, measure."""
    names = [h.attribute for h in hierarchies]
    keys = [
        tuple(
            h.generalise(r.values[h.attribute], lv)
            for h, lv in zip(hierarchies, levels, strict=True)
        )
        for r in records
    ]
    with_l = thresholds.l is not None or any(r.sensitive is not None for r in records)
    sensitive = [r.sensitive or "" for r in records] if with_l else None
    classes = equivalence_classes(keys, sensitive)
    failing_keys = {
        key
        for key, c in classes.items()
        if c.size < thresholds.k
        or (thresholds.l is not None and (c.distinct_sensitive or 0) < thresholds.l)
    }
    suppressed = tuple(
        r.subject for r, key in zip(records, keys, strict=True) if key in failing_keys
    )
    kept = {key: c for key, c in classes.items() if key not in failing_keys}
    allowed = math.floor(thresholds.max_suppression * len(records))
    return Evaluation(
        levels=dict(zip(names, levels, strict=True)),
        labels={
            r.subject: dict(zip(names, key, strict=True))
            for r, key in zip(records, keys, strict=True)
            if key not in failing_keys
        },
        suppressed=suppressed,
        failing=tuple(
            FailingClass(
                dict(zip(names, key, strict=True)),
                classes[key].size,
                classes[key].distinct_sensitive,
            )
            for key in sorted(failing_keys)
        ),
        risk=measure(kept, thresholds.threshold) if kept else None,
        loss=_precision_loss(hierarchies, levels, len(records), len(suppressed)),
        acceptable=bool(kept) and len(suppressed) <= allowed,
    )


def _hierarchies(quasi_identifiers: Sequence[str]) -> list[Hierarchy]:
    unknown = [q for q in quasi_identifiers if q not in HIERARCHIES]
    if unknown:
        raise ExportError(
            f"unknown quasi-identifiers {unknown}; choose from {', '.join(HIERARCHIES)}"
        )
    if len(set(quasi_identifiers)) != len(quasi_identifiers):
        raise ExportError(f"quasi-identifiers repeat: {list(quasi_identifiers)}")
    return [HIERARCHIES[q] for q in quasi_identifiers]


def _nodes(hierarchies: Sequence[Hierarchy]) -> list[tuple[int, ...]]:
    return list(itertools.product(*(range(h.height + 1) for h in hierarchies)))


def _precision_loss(
    hierarchies: Sequence[Hierarchy], levels: Sequence[int], records: int, suppressed: int
) -> float:
    """Prec: mean of level/height over released records and attributes; suppressed = 1."""
    if not hierarchies:
        return suppressed / records
    per_record = sum(lv / h.height for h, lv in zip(hierarchies, levels, strict=True)) / len(
        hierarchies
    )
    return ((records - suppressed) * per_record + suppressed) / records


def _requirement(t: Thresholds, records: int) -> str:
    allowed = math.floor(t.max_suppression * records)
    l_part = "" if t.l is None else f" and l={t.l}"
    return (
        f"k={t.k}{l_part} with at most {allowed} of {records} participants "
        f"({t.max_suppression:.0%}) suppressed"
    )


def _explain(
    best: Evaluation, nodes: Sequence[Evaluation], acceptable: int, records: int, t: Thresholds
) -> str:
    finer = [n for n in nodes if _one_step_finer(n, best)]
    reasons = "; ".join(
        f"{n.describe_levels()} would suppress {len(n.suppressed)}: "
        + ", ".join(f.describe() for f in n.failing[:3])
        for n in finer
    )
    text = (
        f"chose {best.describe_levels()}: the least information loss (precision loss "
        f"{best.loss:.3f}) of the {acceptable} of {len(nodes)} generalisations meeting "
        f"{_requirement(t, records)}; it suppresses {len(best.suppressed)}"
    )
    return text + (f". Less generalised alternatives fail: {reasons}" if reasons else "")


def _one_step_finer(node: Evaluation, than: Evaluation) -> bool:
    diffs = [than.levels[a] - node.levels[a] for a in than.levels]
    return sorted(diffs) == [0] * (len(diffs) - 1) + [1]


def _blocked_message(nodes: Sequence[Evaluation], records: int, t: Thresholds) -> str:
    # Fewest suppressed; among ties the most generalised, which shows that even it fails.
    closest = min(nodes, key=lambda n: (len(n.suppressed), -sum(n.levels.values())))
    failing = ", ".join(f.describe() for f in closest.failing[:5])
    more = len(closest.failing) - 5
    return (
        f"export blocked: no generalisation meets {_requirement(t, records)}; the closest, "
        f"{closest.describe_levels()}, would suppress {len(closest.suppressed)} in the "
        f"classes {failing}{f' and {more} more' if more > 0 else ''}. Lower k or l, raise "
        "the suppression limit, release fewer quasi-identifiers, or wait for more participants"
    )
