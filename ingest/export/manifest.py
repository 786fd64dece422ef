"""The manifest of a release: files with their SHA-256 and row counts, parameters, risk."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from ingest.export.hierarchy import HIERARCHIES
from ingest.export.lattice import Anonymisation

MANIFEST_NAME = "manifest.json"
_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_entries(root: Path, rows: Mapping[Path, int]) -> list[dict[str, object]]:
    """One entry per written file, relative to ``root``."""
    return [
        {
            "path": path.relative_to(root).as_posix(),
            "rows": count,
            "bytes": path.stat().st_size,
            "sha256": sha256_file(path),
        }
        for path, count in sorted(rows.items())
    ]


def risk_report(result: Anonymisation, eligible: int) -> dict[str, object]:
    """The ``risk`` object: thresholds, what was achieved, the generalisation and why."""
    chosen = result.chosen
    risk = chosen.risk
    assert risk is not None  # an acceptable node keeps at least one class
    t = result.thresholds
    return {
        "k_required": t.k,
        "k_achieved": risk.k_achieved,
        "l_required": t.l,
        "l_achieved": risk.l_achieved,
        "prosecutor_risk_max": risk.prosecutor_risk_max,
        "prosecutor_risk_avg": risk.prosecutor_risk_avg,
        "records_at_risk_share": risk.records_at_risk_share,
        "risk_threshold": risk.risk_threshold,
        "participants_eligible": eligible,
        "participants_released": risk.records,
        "suppressed_records": len(chosen.suppressed),
        "max_suppression": t.max_suppression,
        "equivalence_classes": risk.classes,
        "generalisation": {a: HIERARCHIES[a].level_names[lv] for a, lv in chosen.levels.items()},
        "generalisation_levels": dict(chosen.levels),
        "information_loss": round(chosen.loss, 6),
        "information_loss_metric": "precision (Sweeney 2002), suppressed records count 1",
        "nodes_evaluated": result.nodes_evaluated,
        "nodes_acceptable": result.nodes_acceptable,
        "explanation": result.explanation,
    }
