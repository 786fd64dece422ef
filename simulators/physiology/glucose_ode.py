"""Integration of the extended minimal model on a 1-minute grid.

States: plasma glucose G (mg/dL), remote insulin action X (/min), secreted insulin
above basal I_s (µU/mL), interstitial glucose IG (mg/dL).

    dG/dt  = S_G * G_b * dawn(t) - (S_G + X + E(t)) * G + Ra(t) + c * max(65 - G, 0)
    dX/dt  = p2 * (S_I * (I_s + I_drug(t)) - X)                (Bergman 1979)
    dI_s/dt = (psi * max(G - G_b, 0) - I_s) / tau_s            (beta-cell response)
    dIG/dt = (G - IG) / tau_ig                                 (Rebrin 1999)

G is advanced semi-implicitly (clearance taken at the new step), which keeps it
positive and stable for any clearance; the other states are linear and advanced by
their exact exponential step for a piecewise-constant input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulators.physiology._clock import FloatArray
from simulators.physiology.glucose_params import GlucoseParams

#: Integration step, minutes; the fastest time constant (IG lag, >= 5 min) spans >= 5.
STEP_MIN = 1.0
#: Counterregulation threshold, mg/dL (Cryer 2008: glucagon/adrenaline from ~65-70).
_COUNTERREGULATION_MG_DL = 65.0


@dataclass(frozen=True, slots=True)
class Inputs:
    """Exogenous inputs sampled on the integration grid (one value per step)."""

    appearance_mg_dl_min: FloatArray
    drug_uU_ml: FloatArray
    exercise_per_min: FloatArray
    dawn_factor: FloatArray


@dataclass(frozen=True, slots=True)
class States:
    """Plasma and interstitial glucose on the integration grid."""

    plasma_mg_dl: FloatArray
    interstitial_mg_dl: FloatArray


def integrate(params: GlucoseParams, inputs: Inputs) -> States:
    """Integrate from the basal state (G = IG = G_b, no insulin action).

    Parameters
    ----------
    params : GlucoseParams
        Physiology.
    inputs : Inputs
        Input values at each grid point; the step from point i to i+1 uses point i.

    Returns
    -------
    States
        Arrays of the same length as the inputs.
    """
    p = params
    g_b, s_g = p.basal_glucose_mg_dl, p.glucose_effectiveness_per_min
    decay_x = math.exp(-p.insulin_action_rate_per_min * STEP_MIN)
    decay_s = math.exp(-STEP_MIN / p.secretion_time_constant_min)
    decay_ig = math.exp(-STEP_MIN / p.interstitial_lag_min)
    psi, s_i, c_r = (
        p.beta_cell_gain_uU_ml_per_mg_dl,
        p.insulin_sensitivity,
        p.counterregulation_per_min,
    )
    ra, drug = inputs.appearance_mg_dl_min.tolist(), inputs.drug_uU_ml.tolist()
    ex, dawn = inputs.exercise_per_min.tolist(), inputs.dawn_factor.tolist()
    n = len(ra)
    g_out, ig_out = [0.0] * n, [0.0] * n
    g, x, i_s, ig = g_b, 0.0, 0.0, g_b
    for i in range(n):
        g_out[i], ig_out[i] = g, ig
        production = s_g * g_b * dawn[i] + ra[i] + c_r * max(_COUNTERREGULATION_MG_DL - g, 0.0)
        clearance = max(s_g + x + ex[i], 0.0)
        g_next = (g + STEP_MIN * production) / (1.0 + STEP_MIN * clearance)
        x = s_i * (i_s + drug[i]) + (x - s_i * (i_s + drug[i])) * decay_x
        i_s = psi * max(g - g_b, 0.0) + (i_s - psi * max(g - g_b, 0.0)) * decay_s
        ig = g + (ig - g) * decay_ig
        g = g_next
    return States(np.asarray(g_out), np.asarray(ig_out))
