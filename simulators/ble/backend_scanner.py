"""A bleak scanner backend that listens on the simulated radio's central.

Use through bleak's public API::

    BleakScanner(callback, backend=BumbleBleakScanner, radio=virtual_radio)

(``radio.scanner_kwargs()`` returns exactly those keyword arguments).
"""

from __future__ import annotations

import logging
import struct
from dataclasses import dataclass, field
from typing import Any, Literal

from bleak.backends.scanner import (
    AdvertisementData,
    AdvertisementDataCallback,
    BaseBleakScanner,
)
from bleak.exc import BleakError
from bleak.uuids import normalize_uuid_str
from bumble.device import Advertisement

from simulators.ble.central import BumbleCentral, resolve_central

log = logging.getLogger(__name__)

# Generic Access Profile AD types (Bluetooth Assigned Numbers, section 2.3).
_AD_INCOMPLETE_16 = 0x02
_AD_COMPLETE_16 = 0x03
_AD_INCOMPLETE_32 = 0x04
_AD_COMPLETE_32 = 0x05
_AD_INCOMPLETE_128 = 0x06
_AD_COMPLETE_128 = 0x07
_AD_SHORTENED_NAME = 0x08
_AD_COMPLETE_NAME = 0x09
_AD_TX_POWER = 0x0A
_AD_SERVICE_DATA_16 = 0x16
_AD_SERVICE_DATA_32 = 0x20
_AD_SERVICE_DATA_128 = 0x21
_AD_MANUFACTURER_DATA = 0xFF
_UUID_LIST_WIDTH = {
    _AD_INCOMPLETE_16: 2,
    _AD_COMPLETE_16: 2,
    _AD_INCOMPLETE_32: 4,
    _AD_COMPLETE_32: 4,
    _AD_INCOMPLETE_128: 16,
    _AD_COMPLETE_128: 16,
}
_SERVICE_DATA_WIDTH = {_AD_SERVICE_DATA_16: 2, _AD_SERVICE_DATA_32: 4, _AD_SERVICE_DATA_128: 16}


@dataclass
class ParsedAdvertisement:
    """The fields of an advertising payload that bleak's AdvertisementData carries."""

    local_name: str | None = None
    service_uuids: list[str] = field(default_factory=list)
    service_data: dict[str, bytes] = field(default_factory=dict)
    manufacturer_data: dict[int, bytes] = field(default_factory=dict)
    tx_power: int | None = None


def _uuid_str(little_endian: bytes) -> str:
    """A 16/32/128-bit UUID from AD bytes as bleak's normalised 128-bit string."""
    return normalize_uuid_str(little_endian[::-1].hex())


def _iter_ad_structures(data: bytes) -> list[tuple[int, bytes]]:
    """Split AD structures (Core 5.4 Vol 3 Part C 11: length, type, payload)."""
    structures = []
    offset = 0
    while offset < len(data):
        length = data[offset]
        if length == 0 or offset + 1 + length > len(data):
            break  # padding or a truncated structure ends the payload
        structures.append((data[offset + 1], data[offset + 2 : offset + 1 + length]))
        offset += 1 + length
    return structures


def parse_advertising_data(data: bytes) -> ParsedAdvertisement:
    """Parse an advertising (or scan response) payload; unknown AD types are ignored."""
    parsed = ParsedAdvertisement()
    for ad_type, payload in _iter_ad_structures(data):
        _apply_structure(parsed, ad_type, payload)
    return parsed


def _apply_structure(parsed: ParsedAdvertisement, ad_type: int, payload: bytes) -> None:
    if ad_type in _UUID_LIST_WIDTH:
        width = _UUID_LIST_WIDTH[ad_type]
        for start in range(0, len(payload) - width + 1, width):
            uuid = _uuid_str(payload[start : start + width])
            if uuid not in parsed.service_uuids:
                parsed.service_uuids.append(uuid)
    elif ad_type == _AD_COMPLETE_NAME or (ad_type == _AD_SHORTENED_NAME and not parsed.local_name):
        parsed.local_name = payload.decode("utf-8", errors="replace")
    elif ad_type == _AD_TX_POWER and len(payload) == 1:
        parsed.tx_power = struct.unpack("<b", payload)[0]
    elif ad_type in _SERVICE_DATA_WIDTH and len(payload) >= _SERVICE_DATA_WIDTH[ad_type]:
        width = _SERVICE_DATA_WIDTH[ad_type]
        parsed.service_data[_uuid_str(payload[:width])] = payload[width:]
    elif ad_type == _AD_MANUFACTURER_DATA and len(payload) >= 2:
        parsed.manufacturer_data[struct.unpack("<H", payload[:2])[0]] = payload[2:]


def address_string(advertisement: Advertisement) -> str:
    """The advertiser address as bleak shows it on Linux (upper-case, colon-separated)."""
    return str(advertisement.address.to_string(with_type_qualifier=False)).upper()


@dataclass(frozen=True)
class BumbleDeviceDetails:
    """``BLEDevice.details`` for devices found on the simulated radio."""

    central: BumbleCentral
    advertisement: Advertisement


class BumbleBleakScanner(BaseBleakScanner):
    """bleak scanner backend over a Bumble central (:class:`BumbleCentral`).

    Parameters
    ----------
    detection_callback, service_uuids
        As for ``BleakScanner``.
    scanning_mode
        Accepted for API compatibility; the simulated link always scans passively.
    radio : VirtualRadio or BumbleCentral
        The radio to scan on, passed through bleak's ``**kwargs``.
    """

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: Literal["active", "passive"] = "active",
        *,
        radio: object = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        central = resolve_central(radio)
        if central is None:
            raise BleakError(
                "BumbleBleakScanner needs the simulated radio: pass "
                "`**virtual_radio.scanner_kwargs()` to BleakScanner"
            )
        self._central = central
        self._scanning_mode = scanning_mode
        del kwargs  # bluez=/cb= platform arguments have no meaning here

    async def start(self) -> None:
        """Start scanning (clears :attr:`seen_devices`, as bleak requires)."""
        self.seen_devices = {}
        await self._central.add_scan_listener(self._on_advertisement)

    async def stop(self) -> None:
        """Stop scanning."""
        await self._central.remove_scan_listener(self._on_advertisement)

    def _on_advertisement(self, advertisement: Advertisement) -> None:
        parsed = parse_advertising_data(advertisement.data_bytes)
        if not self.is_allowed_uuid(parsed.service_uuids):
            return
        address = address_string(advertisement)
        data = AdvertisementData(
            local_name=parsed.local_name,
            manufacturer_data=parsed.manufacturer_data,
            service_data=parsed.service_data,
            service_uuids=parsed.service_uuids,
            tx_power=parsed.tx_power,
            rssi=advertisement.rssi,
            platform_data=(advertisement,),
        )
        details = BumbleDeviceDetails(self._central, advertisement)
        device = self.create_or_update_device(address, address, parsed.local_name, details, data)
        self.call_detection_callbacks(device, data)
