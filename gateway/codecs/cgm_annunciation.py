"""CGM Sensor Status Annunciation: the status, cal/temp and warning octets.

Bit meanings: CGMS v1.0.1 Table 3.x "Sensor Status Annunciation" (24 bits: 0-7 status,
8-15 cal/temp, 16-23 warning), matched against Nordic nRF Toolbox's bit enumeration and
docs/ble.md's lists.

Octet order on the wire
-----------------------
docs/ble.md: "Implementations disagree on the order when two or more octets are
present (Nordic: warning, cal/temp, status)". What we found when checking (2026-11):

* The SIG's 2014 CGM Measurement definition (org.bluetooth.characteristic.cgm_measurement
  XML) names flag bit 5 "Warning-Octet present", bit 6 "Cal/Temp-Octet present", bit 7
  "Status-Octet present" and numbers the annunciation bits 0-23 "LSO to MSO", which read
  literally puts the status bits (0-7) first.
* Nordic's Android BLE Common Library reads the flagged octets in flag order: the bit-5
  octet, then bit 6, then bit 7 (its variables: warning, cal/temp, status).
* Nordic's iOS nRF Toolbox names flag bit 5 "status" and bit 7 "warning", the reverse.

For CGM Measurement we follow docs/ble.md (the project's format source, which the
simulated peripherals also follow): ``ANNUNCIATION_OCTET_ORDER = (WARNING, CAL_TEMP,
STATUS)``, i.e. flag order; only the flagged octets are sent. Each octet's *content* is
given by its name: the warning octet carries the patient-level/hypo/hyper/rate/range bits,
the status octet the session/battery/malfunction bits. A peripheral using another order
will show its bits under the wrong names; change this one constant (and its test).

CGM Status (0x2AA9) is different: its status field is always the full 24-bit value,
little-endian (SIG cgm_status definition: "identical to the structure of the Status
Annunciation Field ... always three octets"), so status bits come first there
(`CGM_STATUS_OCTET_ORDER`). Nordic's Android CGM Status parser decodes it the same way.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final


class CgmStatusOctet(enum.IntFlag):
    """Status-Octet (annunciation bits 0-7)."""

    SESSION_STOPPED = 1 << 0
    DEVICE_BATTERY_LOW = 1 << 1
    SENSOR_TYPE_INCORRECT = 1 << 2
    SENSOR_MALFUNCTION = 1 << 3
    DEVICE_SPECIFIC_ALERT = 1 << 4
    GENERAL_DEVICE_FAULT = 1 << 5


class CgmCalTempOctet(enum.IntFlag):
    """Cal/Temp-Octet (annunciation bits 8-15)."""

    TIME_SYNC_REQUIRED = 1 << 0
    CALIBRATION_NOT_ALLOWED = 1 << 1
    CALIBRATION_RECOMMENDED = 1 << 2
    CALIBRATION_REQUIRED = 1 << 3
    TEMPERATURE_TOO_HIGH = 1 << 4
    TEMPERATURE_TOO_LOW = 1 << 5


class CgmWarningOctet(enum.IntFlag):
    """Warning-Octet (annunciation bits 16-23)."""

    BELOW_PATIENT_LOW = 1 << 0
    ABOVE_PATIENT_HIGH = 1 << 1
    BELOW_HYPO = 1 << 2
    ABOVE_HYPER = 1 << 3
    RATE_OF_DECREASE_EXCEEDED = 1 << 4
    RATE_OF_INCREASE_EXCEEDED = 1 << 5
    BELOW_DEVICE_RANGE = 1 << 6
    ABOVE_DEVICE_RANGE = 1 << 7


class AnnunciationOctet(enum.Enum):
    """Which of the three annunciation octets."""

    WARNING = "warning"
    CAL_TEMP = "cal_temp"
    STATUS = "status"


ANNUNCIATION_OCTET_ORDER: Final = (
    AnnunciationOctet.WARNING,
    AnnunciationOctet.CAL_TEMP,
    AnnunciationOctet.STATUS,
)
"""Wire order of the flagged annunciation octets in CGM Measurement (see module doc)."""

CGM_STATUS_OCTET_ORDER: Final = (
    AnnunciationOctet.STATUS,
    AnnunciationOctet.CAL_TEMP,
    AnnunciationOctet.WARNING,
)
"""Octet order of the 24-bit status field of CGM Status 0x2AA9 (bits 0-23, LSO first)."""

# CGM Measurement flags bit per octet (docs/ble.md: bit5 warning, bit6 cal/temp,
# bit7 status; Nordic Android uses the same masks 0x20/0x40/0x80).
ANNUNCIATION_FLAG: Final = {
    AnnunciationOctet.WARNING: 0x20,
    AnnunciationOctet.CAL_TEMP: 0x40,
    AnnunciationOctet.STATUS: 0x80,
}


@dataclass(frozen=True, slots=True)
class CgmSensorStatus:
    """The annunciation octets that were present (None = octet not sent)."""

    status: CgmStatusOctet | None = None
    cal_temp: CgmCalTempOctet | None = None
    warning: CgmWarningOctet | None = None

    def octet(self, which: AnnunciationOctet) -> int | None:
        """Raw value of one octet, or None when it was not sent."""
        value = {
            AnnunciationOctet.WARNING: self.warning,
            AnnunciationOctet.CAL_TEMP: self.cal_temp,
            AnnunciationOctet.STATUS: self.status,
        }[which]
        return None if value is None else int(value)


def sensor_status_from_octets(octets: dict[AnnunciationOctet, int]) -> CgmSensorStatus:
    """Build a `CgmSensorStatus` from raw octet values keyed by octet."""
    status = octets.get(AnnunciationOctet.STATUS)
    cal_temp = octets.get(AnnunciationOctet.CAL_TEMP)
    warning = octets.get(AnnunciationOctet.WARNING)
    return CgmSensorStatus(
        status=None if status is None else CgmStatusOctet(status),
        cal_temp=None if cal_temp is None else CgmCalTempOctet(cal_temp),
        warning=None if warning is None else CgmWarningOctet(warning),
    )
