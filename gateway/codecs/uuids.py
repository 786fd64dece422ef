"""The SIG-assigned 16-bit UUIDs the gateway uses, as full 128-bit strings.

A 16-bit UUID ``xxxx`` stands for ``0000xxxx-0000-1000-8000-00805f9b34fb`` (Bluetooth
Core Spec v5.4, Vol 3, Part B, 2.5.1 "Bluetooth Base UUID"). Lowercase, as bleak
reports them. Numbers from docs/ble.md and the SIG "Assigned Numbers" document
(section 3.4 services, 3.8 characteristics, 3.7 descriptors).
"""

from __future__ import annotations

from typing import Final

_BASE_UUID_SUFFIX: Final = "-0000-1000-8000-00805f9b34fb"  # Core v5.4 Vol 3 Part B 2.5.1


def uuid16(short: int) -> str:
    """Expand a 16-bit SIG UUID to its 128-bit lowercase string form."""
    return f"0000{short:04x}{_BASE_UUID_SUFFIX}"


# Services
HEART_RATE_SERVICE: Final = uuid16(0x180D)
BATTERY_SERVICE: Final = uuid16(0x180F)
DEVICE_INFORMATION_SERVICE: Final = uuid16(0x180A)
CGM_SERVICE: Final = uuid16(0x181F)
GLUCOSE_SERVICE: Final = uuid16(0x1808)

# Heart Rate Service characteristics
HEART_RATE_MEASUREMENT: Final = uuid16(0x2A37)
BODY_SENSOR_LOCATION: Final = uuid16(0x2A38)

# Battery Service
BATTERY_LEVEL: Final = uuid16(0x2A19)

# Device Information Service
MANUFACTURER_NAME: Final = uuid16(0x2A29)
MODEL_NUMBER: Final = uuid16(0x2A24)
SERIAL_NUMBER: Final = uuid16(0x2A25)
FIRMWARE_REVISION: Final = uuid16(0x2A26)

# Continuous Glucose Monitoring Service
CGM_MEASUREMENT: Final = uuid16(0x2AA7)
CGM_FEATURE: Final = uuid16(0x2AA8)
CGM_STATUS: Final = uuid16(0x2AA9)
CGM_SESSION_START_TIME: Final = uuid16(0x2AAA)
CGM_SESSION_RUN_TIME: Final = uuid16(0x2AAB)
CGM_SPECIFIC_OPS_CONTROL_POINT: Final = uuid16(0x2AAC)

# Glucose Service
GLUCOSE_MEASUREMENT: Final = uuid16(0x2A18)

# Shared by CGMS and GLS
RECORD_ACCESS_CONTROL_POINT: Final = uuid16(0x2A52)

# Descriptor: Client Characteristic Configuration (enables notify/indicate)
CLIENT_CHARACTERISTIC_CONFIGURATION: Final = uuid16(0x2902)
