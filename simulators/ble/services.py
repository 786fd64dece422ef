"""GATT discovery on a Bumble peer, returned as bleak's service collection."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bleak.assigned_numbers import CharacteristicPropertyName
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.uuids import normalize_uuid_str
from bumble import core, gatt, gatt_client
from bumble.device import Peer

# Characteristic properties bit -> bleak's name (Core 5.4 Vol 3 Part G 3.3.1.1).
_PROPERTY_NAMES: tuple[tuple[gatt.Characteristic.Properties, CharacteristicPropertyName], ...] = (
    (gatt.Characteristic.Properties.BROADCAST, "broadcast"),
    (gatt.Characteristic.Properties.READ, "read"),
    (gatt.Characteristic.Properties.WRITE_WITHOUT_RESPONSE, "write-without-response"),
    (gatt.Characteristic.Properties.WRITE, "write"),
    (gatt.Characteristic.Properties.NOTIFY, "notify"),
    (gatt.Characteristic.Properties.INDICATE, "indicate"),
    (gatt.Characteristic.Properties.AUTHENTICATED_SIGNED_WRITES, "authenticated-signed-writes"),
    (gatt.Characteristic.Properties.EXTENDED_PROPERTIES, "extended-properties"),
)


def bleak_uuid(uuid: core.UUID) -> str:
    """A Bumble UUID as bleak's normalised lower-case 128-bit string."""
    return normalize_uuid_str(str(uuid.to_hex_str("-")).lower())


def property_names(properties: int) -> list[CharacteristicPropertyName]:
    """bleak's property names for a characteristic properties bit field."""
    return [name for flag, name in _PROPERTY_NAMES if properties & flag]


async def discover_service_collection(
    peer: Peer,
    service_filter: Iterable[str] | None,
    max_write_without_response_size: Callable[[], int],
) -> BleakGATTServiceCollection:
    """Discover services, characteristics and descriptors of ``peer``.

    Parameters
    ----------
    peer : bumble.device.Peer
        The connected peer.
    service_filter : iterable of str, optional
        Normalised 128-bit UUIDs; only these services are resolved when given.
    max_write_without_response_size : callable
        Returns the current maximum write-without-response payload (ATT MTU - 3).
    """
    wanted = {core.UUID(u) for u in service_filter} if service_filter else ()
    collection = BleakGATTServiceCollection()
    for proxy in await peer.discover_services(wanted):
        service = BleakGATTService(proxy, proxy.handle, bleak_uuid(proxy.uuid))
        collection.add_service(service)
        for char_proxy in await peer.discover_characteristics(service=proxy):
            await _add_characteristic(
                peer, collection, service, char_proxy, max_write_without_response_size
            )
    return collection


async def _add_characteristic(
    peer: Peer,
    collection: BleakGATTServiceCollection,
    service: BleakGATTService,
    proxy: gatt_client.CharacteristicProxy[bytes],
    max_write_without_response_size: Callable[[], int],
) -> None:
    characteristic = BleakGATTCharacteristic(
        proxy,
        proxy.handle,
        bleak_uuid(proxy.uuid),
        property_names(proxy.properties),
        max_write_without_response_size,
        service,
    )
    collection.add_characteristic(characteristic)
    for descriptor in await peer.discover_descriptors(proxy):
        collection.add_descriptor(
            BleakGATTDescriptor(
                descriptor, descriptor.handle, bleak_uuid(descriptor.type), characteristic
            )
        )
