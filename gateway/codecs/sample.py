"""The shared "Type-Sample Location" octet of CGM Feature and Glucose Measurement.

Low nibble: fluid type; high nibble: sample location (CGMS v1.0.1, 3.2 "CGM Feature";
GLS v1.0, 3.106; docs/ble.md: "low nibble type, e.g. 9 interstitial fluid; high
nibble sample location, e.g. 5 subcutaneous tissue"). Kept as plain ints because the
reserved values are legal on the wire; the named constants cover the assigned ones.
"""

from __future__ import annotations

# Fluid type, low nibble (GSS "Type" field of Glucose Measurement / CGM Feature)
TYPE_CAPILLARY_WHOLE_BLOOD = 1
TYPE_CAPILLARY_PLASMA = 2
TYPE_VENOUS_WHOLE_BLOOD = 3
TYPE_VENOUS_PLASMA = 4
TYPE_ARTERIAL_WHOLE_BLOOD = 5
TYPE_ARTERIAL_PLASMA = 6
TYPE_UNDETERMINED_WHOLE_BLOOD = 7
TYPE_UNDETERMINED_PLASMA = 8
TYPE_INTERSTITIAL_FLUID = 9
TYPE_CONTROL_SOLUTION = 10

# Sample location, high nibble
LOCATION_FINGER = 1
LOCATION_ALTERNATE_SITE_TEST = 2
LOCATION_EARLOBE = 3
LOCATION_CONTROL_SOLUTION = 4
LOCATION_SUBCUTANEOUS_TISSUE = 5
LOCATION_NOT_AVAILABLE = 15


def split_type_location(octet: int) -> tuple[int, int]:
    """Return ``(fluid_type, sample_location)`` from the combined octet."""
    return octet & 0x0F, octet >> 4


def join_type_location(fluid_type: int, sample_location: int) -> int:
    """Inverse of `split_type_location`; both parts must fit a nibble."""
    return (sample_location & 0x0F) << 4 | (fluid_type & 0x0F)
