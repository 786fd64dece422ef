"""What decides a default rule cannot change without the rule's version changing.

An alert records the rule id and the version of the parameters that raised it
(docs/clinical.md "Alerts"), so that a clinician or an auditor can tell which settings
decided it. This test fingerprints what decides each default rule: its parameter values
and, for the two rules driven by a fitted model, the generated model (the AF trees for
``af_burden``, the forecast experts for ``predicted_low``). Changing either fails here
until the rule gets a new version in ``analytics/rules/params.py`` (or
``WELLBEING_VERSION``) and the table below is updated with it, in the same commit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

import pytest

import analytics.cardiac._af_trees as af_trees
import analytics.glycemic._forecast_params as forecast_params
import analytics.rules.wellbeing as wellbeing
from analytics.rules import RuleId, Thresholds

# rule id -> (version, fingerprint of what decides it). Update both together.
EXPECTED = {
    "hypo_level2": ("1", "2747fdbc61b0b173"),
    "hypo_level1": ("1", "cae49dc9d886cc3d"),
    "predicted_low": ("1", "bbcca07f87e81cff"),
    "hyper_prolonged": ("1", "569abb2461318c7f"),
    "tachycardia": ("1", "ca9cb5b4cde106d0"),
    "bradycardia": ("1", "137ebbbc683216d7"),
    "af_burden": ("1", "f147fce03c5c881d"),
    "stale_device": ("1", "702a2af3a477a194"),
    "gateway_offline": ("1", "1e20ae1f298e6e60"),
    "battery_low": ("1", "204fbfe6a4cb215a"),
    "low_coverage": ("1", "5805d6b050e79d29"),
    "wellbeing": ("1", "46683a102e68deca"),
}
# The generated model each rule runs, besides its parameters.
MODELS = {
    RuleId.AF_BURDEN.value: Path(af_trees.__file__),
    RuleId.PREDICTED_LOW.value: Path(forecast_params.__file__),
}


def _digest(values: Mapping[str, object], model: Path | None) -> str:
    h = hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode())
    if model is not None:
        # Line endings normalised: a checkout on another platform is the same model.
        h.update(model.read_text(encoding="utf-8").replace("\r\n", "\n").encode())
    return h.hexdigest()[:16]


def fingerprints() -> dict[str, tuple[str, str]]:
    """(version, fingerprint) of every default rule and of the wellbeing rules."""
    th = Thresholds()
    out = {}
    for rule in RuleId:
        params = th.rule(rule.value)
        values = {k: v for k, v in dataclasses.asdict(params).items() if k != "version"}
        out[rule.value] = (params.version, _digest(values, MODELS.get(rule.value)))
    constants = {
        name: value
        for name, value in vars(wellbeing).items()
        if name.isupper() and name != "WELLBEING_VERSION" and isinstance(value, int | float | str)
    }
    out["wellbeing"] = (wellbeing.WELLBEING_VERSION, _digest(constants, None))
    return out


@pytest.mark.parametrize("rule", sorted(EXPECTED))
def test_a_rule_s_settings_and_model_change_only_with_its_version(rule: str) -> None:
    version, fingerprint = fingerprints()[rule]
    want_version, want_fingerprint = EXPECTED[rule]
    if (version, fingerprint) != (want_version, want_fingerprint):
        pytest.fail(
            f"what decides {rule} is now version {version!r} with fingerprint "
            f"{fingerprint!r}; the table says {want_version!r} / {want_fingerprint!r}. If "
            "its parameters or model changed, give it a new version (findings raised "
            "before and after must be told apart) and put both in EXPECTED; if only the "
            "version changed, put the new version there"
        )


def test_the_fingerprint_sees_a_changed_parameter_and_a_changed_model(tmp_path: Path) -> None:
    values = {"min_confidence": 0.9}
    model = tmp_path / "model.py"
    model.write_text("TREES = ((1,),)\n", encoding="utf-8")
    before = _digest(values, model)
    assert _digest({"min_confidence": 0.8}, model) != before
    model.write_text("TREES = ((2,),)\n", encoding="utf-8")
    assert _digest(values, model) != before
    model.write_text("TREES = ((1,),)\r\n", encoding="utf-8")
    assert _digest(values, model) == before


def test_every_rule_is_in_the_table() -> None:
    assert set(fingerprints()) == set(EXPECTED)
