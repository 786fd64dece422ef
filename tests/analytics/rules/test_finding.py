"""Finding: frozen, hashable, immutable evidence."""

from __future__ import annotations

import dataclasses

import pytest

from analytics.rules import Finding, FindingKind, Severity


def _finding(**kw: object) -> Finding:
    base: dict[str, object] = {
        "rule_id": "tachycardia",
        "rule_version": "1",
        "severity": Severity.MEDIUM,
        "kind": FindingKind.PHYSIOLOGICAL,
        "onset_s": 10.0,
        "end_s": None,
        "worst_value": 130.0,
        "unit": "bpm",
        "evidence": {"duration_min": 12.0},
    }
    base.update(kw)
    return Finding(**base)  # type: ignore[arg-type]


def test_finding_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        _finding().onset_s = 0.0  # type: ignore[misc]


def test_evidence_cannot_be_changed_through_the_finding() -> None:
    source = {"duration_min": 12.0}
    f = _finding(evidence=source)
    source["duration_min"] = 99.0
    assert f.evidence["duration_min"] == 12.0
    with pytest.raises(TypeError):
        f.evidence["duration_min"] = 1.0  # type: ignore[index]


def test_equal_findings_hash_equal() -> None:
    assert {_finding(), _finding()} == {_finding()}


def test_ongoing_means_no_end() -> None:
    assert _finding().ongoing
    assert not _finding(end_s=20.0).ongoing
