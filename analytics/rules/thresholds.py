"""Versioned rule thresholds for one participant (docs/clinical.md "Alerts").

Every rule has its own frozen parameter set carrying a ``version``
(:mod:`analytics.rules.params`); a finding records the version of the parameters that
raised it. A clinician's per-participant override (audited by the caller) is a new
:class:`Thresholds` made with :meth:`Thresholds.override`, which insists on a new
version string.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from analytics.clinical_constants import LOW_MG_DL, VERY_LOW_MG_DL
from analytics.rules.errors import ThresholdError
from analytics.rules.params import (
    DEFAULT_VERSION,
    AfBurdenRule,
    BatteryLowRule,
    BradycardiaRule,
    CoverageGateRule,
    GatewayOfflineRule,
    GlucoseAboveRule,
    GlucoseBelowRule,
    PredictedLowRule,
    RuleId,
    StaleDeviceRule,
    TachycardiaRule,
)

__all__ = [
    "DEFAULT_VERSION",
    "AfBurdenRule",
    "BatteryLowRule",
    "BradycardiaRule",
    "CoverageGateRule",
    "GatewayOfflineRule",
    "GlucoseAboveRule",
    "GlucoseBelowRule",
    "PredictedLowRule",
    "RuleId",
    "RuleParams",
    "StaleDeviceRule",
    "TachycardiaRule",
    "Thresholds",
]

RuleParams = (
    GlucoseBelowRule
    | GlucoseAboveRule
    | PredictedLowRule
    | TachycardiaRule
    | BradycardiaRule
    | AfBurdenRule
    | CoverageGateRule
    | StaleDeviceRule
    | GatewayOfflineRule
    | BatteryLowRule
)


# The pilot defaults (each dataclass cites its source). Battelino 2019 / ATTD: level-2
# hypoglycaemia < 54 mg/dL, level 1 < 70 mg/dL, each for >= 15 min.
_HYPO_LEVEL2 = GlucoseBelowRule(threshold_mg_dl=VERY_LOW_MG_DL)
_HYPO_LEVEL1 = GlucoseBelowRule(threshold_mg_dl=LOW_MG_DL)
_PREDICTED_LOW = PredictedLowRule()
_HYPER_PROLONGED = GlucoseAboveRule()
_TACHYCARDIA = TachycardiaRule()
_BRADYCARDIA = BradycardiaRule()
_AF_BURDEN = AfBurdenRule()
_STALE_DEVICE = StaleDeviceRule()
_GATEWAY_OFFLINE = GatewayOfflineRule()
_BATTERY_LOW = BatteryLowRule()
_LOW_COVERAGE = CoverageGateRule()


@dataclass(frozen=True)
class Thresholds:
    """All rule parameters for one participant; field names are the rule ids.

    The defaults are the pilot's (docs/clinical.md "Alerts"); build a participant's
    set with :meth:`override`.

    Examples
    --------
    >>> th = Thresholds().override("tachycardia", version="p17-2", medium_bpm=110)
    >>> th.tachycardia.medium_bpm, th.version("tachycardia"), th.version("bradycardia")
    (110, 'p17-2', '1')
    """

    hypo_level2: GlucoseBelowRule = _HYPO_LEVEL2
    hypo_level1: GlucoseBelowRule = _HYPO_LEVEL1
    predicted_low: PredictedLowRule = _PREDICTED_LOW
    hyper_prolonged: GlucoseAboveRule = _HYPER_PROLONGED
    tachycardia: TachycardiaRule = _TACHYCARDIA
    bradycardia: BradycardiaRule = _BRADYCARDIA
    af_burden: AfBurdenRule = _AF_BURDEN
    stale_device: StaleDeviceRule = _STALE_DEVICE
    gateway_offline: GatewayOfflineRule = _GATEWAY_OFFLINE
    battery_low: BatteryLowRule = _BATTERY_LOW
    low_coverage: CoverageGateRule = _LOW_COVERAGE

    def rule(self, rule_id: str) -> RuleParams:
        """The parameter set of ``rule_id`` (a :class:`RuleId` value)."""
        try:
            params: RuleParams = getattr(self, RuleId(rule_id).value)
        except ValueError as exc:
            known = ", ".join(r.value for r in RuleId)
            msg = f"unknown rule id {rule_id!r}; expected one of: {known}"
            raise ThresholdError(msg) from exc
        return params

    def version(self, rule_id: str) -> str:
        """Version string of ``rule_id``'s parameters."""
        return self.rule(rule_id).version

    def override(self, rule_id: str, *, version: str, **changes: Any) -> Thresholds:
        """A copy with some parameters of one rule changed under a new version.

        Parameters
        ----------
        rule_id : str
            The rule to change (:class:`RuleId`).
        version : str
            New version string; must differ from the current one so that findings
            raised under the override can be told apart.
        **changes
            Parameter names of that rule's dataclass and their new values.

        Returns
        -------
        Thresholds

        Raises
        ------
        ThresholdError
            Unknown rule or parameter, unchanged version, or invalid values.
        """
        current = self.rule(rule_id)
        if version == current.version:
            msg = (
                f"override of {rule_id} should carry a new version; {version!r} is the "
                "current one. Pick a version naming the override (e.g. participant and "
                "revision)"
            )
            raise ThresholdError(msg)
        names = {f.name for f in dataclasses.fields(current)} - {"version"}
        unknown = sorted(set(changes) - names)
        if unknown:
            msg = f"{rule_id} has no parameter {unknown}; expected some of {sorted(names)}"
            raise ThresholdError(msg)
        updated = dataclasses.replace(current, version=version, **changes)
        field_update: dict[str, Any] = {RuleId(rule_id).value: updated}
        return dataclasses.replace(self, **field_update)

    def with_overrides(self, overrides: Iterable[tuple[str, str, Mapping[str, Any]]]) -> Thresholds:
        """Apply several overrides, e.g. the rows of a participant's audited override table.

        Parameters
        ----------
        overrides : iterable of (rule_id, version, changes)
            As for :meth:`override`; applied in order.

        Returns
        -------
        Thresholds

        Examples
        --------
        >>> th = Thresholds().with_overrides([("battery_low", "b2", {"low_pct": 30.0})])
        >>> th.battery_low.low_pct, th.version("battery_low")
        (30.0, 'b2')
        """
        out = self
        for rule_id, version, changes in overrides:
            out = out.override(rule_id, version=version, **changes)
        return out
