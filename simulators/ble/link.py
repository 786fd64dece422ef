"""Bumble link-layer pieces of the simulated radio: a controller and a range-aware link."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from typing import Any

from bumble import hci
from bumble.controller import Controller
from bumble.core import PhysicalTransport
from bumble.link import LocalLink

RssiModel = Callable[[str], int | None]
"""``rssi_dbm(address) -> int | None``: RSSI the receiver measures from ``address``."""


def address_key(address: hci.Address) -> str:
    """An address as the radio's tables key it: upper case, no type suffix."""
    return str(address.to_string(with_type_qualifier=False)).upper()


class SimController(Controller):
    """Bumble's link-layer controller with two additions.

    * A spec-conformant connection cancel. Core 5.4 Vol 4 Part E 7.8.13: after a
      successful LE Create Connection Cancel the controller shall report LE Connection
      Complete with status Unknown Connection Identifier (0x02). The stock controller
      reports nothing and keeps the attempt pending, so an initiator whose connect timed
      out (peer out of range) would hang and could never connect again.
    * An RSSI model: advertising reports carry the radio's RSSI for the advertiser
      instead of the stock controller's constant -50 dBm.
    """

    def __init__(self, *args: Any, rssi_dbm: RssiModel | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rssi_dbm = rssi_dbm

    def on_hci_le_create_connection_cancel_command(
        self, _command: hci.HCI_LE_Create_Connection_Cancel_Command
    ) -> hci.HCI_StatusReturnParameters:
        pending = self.pending_le_connection
        self.pending_le_connection = None
        if pending is not None:
            # After the Command Complete event, which the caller sends once we return.
            asyncio.get_running_loop().call_soon(self._report_cancelled, pending.peer_address)
        return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)

    def _report_cancelled(self, peer_address: hci.Address) -> None:
        self.send_hci_packet(
            hci.HCI_LE_Connection_Complete_Event(
                status=hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR,
                connection_handle=0,
                role=hci.Role.CENTRAL,
                peer_address_type=peer_address.address_type,
                peer_address=peer_address,
                connection_interval=0,
                peripheral_latency=0,
                supervision_timeout=0,
                central_clock_accuracy=0,
            )
        )

    def send_hci_packet(self, packet: hci.HCI_Packet) -> None:
        if self._rssi_dbm is not None and isinstance(
            packet,
            hci.HCI_LE_Extended_Advertising_Report_Event | hci.HCI_LE_Advertising_Report_Event,
        ):
            packet = self._with_modelled_rssi(packet)
        super().send_hci_packet(packet)

    def _with_modelled_rssi(self, packet: Any) -> Any:
        assert self._rssi_dbm is not None
        reports = []
        for report in packet.reports:
            rssi = self._rssi_dbm(address_key(report.address))
            reports.append(report if rssi is None else dataclasses.replace(report, rssi=rssi))
        # Packets cache their bytes, so build a new event rather than edit the old one.
        return type(packet)(reports)


class RangeLink(LocalLink):
    """A ``LocalLink`` that drops all traffic to and from controllers out of range."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.out_of_range: set[Controller] = set()

    def send_advertising_pdu(self, sender_controller: Controller, packet: Any) -> None:
        if sender_controller in self.out_of_range:
            return
        loop = asyncio.get_running_loop()
        for controller in self.controllers:
            if controller is not sender_controller and controller not in self.out_of_range:
                loop.call_soon(controller.on_ll_advertising_pdu, packet)

    def send_acl_data(
        self,
        sender_controller: Controller,
        destination_address: hci.Address,
        transport: PhysicalTransport,
        data: bytes,
    ) -> None:
        destination = self.find_le_controller(destination_address)
        if sender_controller in self.out_of_range or destination in self.out_of_range:
            return
        super().send_acl_data(sender_controller, destination_address, transport, data)

    def send_ll_control_pdu(
        self, sender_address: hci.Address, receiver_address: hci.Address, packet: Any
    ) -> None:
        sender = self.find_le_controller(sender_address)
        receiver = self.find_le_controller(receiver_address)
        if sender in self.out_of_range or receiver in self.out_of_range:
            return
        super().send_ll_control_pdu(sender_address, receiver_address, packet)

    def drop_connections(self, controller: Controller) -> None:
        """End every connection of ``controller`` on both sides with a supervision timeout.

        Reason Connection Timeout (0x08), what a link reports when the peer stops
        answering (Core 5.4 Vol 6 Part B 4.5.2).
        """
        reason = hci.HCI_ErrorCode.CONNECTION_TIMEOUT_ERROR
        for connection in list(controller.le_connections.values()):
            peer = self.find_le_controller(connection.peer_address)
            controller.on_le_disconnected(connection, reason)
            peer_connection = peer.le_connections.get(connection.self_address) if peer else None
            if peer is not None and peer_connection is not None:
                peer.on_le_disconnected(peer_connection, reason)
