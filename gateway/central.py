"""BLE central: find a fresh advertisement, connect under the policy, supervise sessions.

Only bleak's public API is used (``BleakScanner``, ``BleakClient``, ``BleakError``); the
backend class and its extra keyword arguments come from configuration (None = bleak's
platform default: BlueZ, CoreBluetooth or WinRT). Each device has one supervisor task that
never gives up: scan, connect (per-attempt timeout inside a safety timeout, scan and
connect serialised on the adapter, a connection slot held for the session), run the
session, and after any failure back off exponentially with jitter and try again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bleak import BleakClient, BleakScanner
from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import BaseBleakScanner
from bleak.exc import BleakError

from gateway.cgm import run_cgm_session
from gateway.errors import (
    BleSessionError,
    CharacteristicMissingError,
    CodecError,
    DeviceNotFoundError,
)
from gateway.notify import NotificationQueue
from gateway.policy import Adapter, Sleep, backoff_delay_s, bounded
from gateway.session import GattClient, SessionContext, run_hr_session

log = logging.getLogger(__name__)

# Errors after which the supervisor reconnects (anything else is a bug and propagates).
RECOVERABLE = (BleakError, TimeoutError, OSError, BleSessionError, CodecError)
# Disconnect must not hang the supervisor either (bleak's BlueZ backend bounds its own
# Disconnect call by 10 s; same bound here).
DISCONNECT_TIMEOUT_S = 10.0
# A scan may overrun its own timeout by the scanner's start/stop time; beyond this the
# backend is hung.
_SCAN_GRACE_S = 5.0
# Pause between attempts of one round stays short (cap 5 s): the radio lock is held.
_ATTEMPT_CAP_S = 5.0


@dataclass(frozen=True, slots=True)
class Sighting:
    """A fresh advertisement of the wanted device."""

    device: BLEDevice
    rssi_dbm: int | None


Finder = Callable[[str, float], Awaitable[Sighting | None]]
DisconnectCallback = Callable[[Any], None]
ClientFactory = Callable[[BLEDevice, DisconnectCallback, bool], GattClient]
Session = Callable[[GattClient, NotificationQueue, SessionContext], Awaitable[None]]
SESSIONS: Mapping[str, Session] = {"hr": run_hr_session, "cgm": run_cgm_session}


class BleakRadio:
    """Scanner and client construction on one bleak backend (None = platform default).

    Parameters
    ----------
    scanner_backend, client_backend : type or None
        Passed as ``backend=`` to ``BleakScanner`` / ``BleakClient``.
    backend_kwargs : mapping, optional
        Extra keyword arguments for both (e.g. a simulated radio, or ``bluez={...}``).
    """

    def __init__(
        self,
        *,
        scanner_backend: type[BaseBleakScanner] | None = None,
        client_backend: type[BaseBleakClient] | None = None,
        backend_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        self._scanner_backend = scanner_backend
        self._client_backend = client_backend
        self._kwargs = dict(backend_kwargs or {})

    async def find(self, address: str, timeout_s: float) -> Sighting | None:
        """Scan until ``address`` advertises (fresh BLEDevice + RSSI) or the timeout."""
        wanted = address.lower()
        async with BleakScanner(backend=self._scanner_backend, **self._kwargs) as scanner:
            try:
                async with (
                    asyncio.timeout(timeout_s),
                    contextlib.aclosing(scanner.advertisement_data()) as seen,
                ):
                    async for device, adv in seen:
                        if device.address.lower() == wanted:
                            return Sighting(device, adv.rssi)
            except TimeoutError:
                return None
        return None

    def client(
        self, device: BLEDevice, on_disconnect: DisconnectCallback, rediscover: bool
    ) -> GattClient:
        """A fresh BleakClient for one session; ``rediscover`` asks to bypass caches.

        bleak has no cross-platform "clear GATT cache"; a fresh client always rediscovers
        services, and WinRT is also told not to use its OS cache.
        """
        extra: dict[str, Any] = {"winrt": {"use_cached_services": False}} if rediscover else {}
        return BleakClient(
            device,
            disconnected_callback=on_disconnect,
            backend=self._client_backend,
            **extra,
            **self._kwargs,
        )


class DeviceSupervisor:
    """Keeps one wearable connected for the life of the gateway.

    Parameters
    ----------
    ctx : SessionContext
        Device, outbox, status and policy.
    adapter : Adapter
        Shared radio lock and connection slots.
    find : callable
        ``find(address, timeout_s) -> Sighting | None``.
    make_client : callable
        ``make_client(device, on_disconnect, rediscover) -> client`` (a fresh client per
        attempt; ``on_disconnect(client)`` must be called when that client's link ends).
    sleep, rng : optional
        Injected for tests (backoff patched to zero).
    """

    def __init__(
        self,
        ctx: SessionContext,
        adapter: Adapter,
        find: Finder,
        make_client: ClientFactory,
        *,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.ctx = ctx
        self._adapter = adapter
        self._find = find
        self._make_client = make_client
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.failures = 0
        self._rediscovered = False
        self._delivered = False
        self._live: GattClient | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Connect, run sessions and reconnect until ``stop`` is set."""
        while not stop.is_set():
            rediscover = await self.run_once()
            if rediscover or stop.is_set():
                continue
            policy = self.ctx.policy
            delay_s = backoff_delay_s(
                self.failures,
                base_s=policy.backoff_base_s,
                cap_s=policy.backoff_cap_s,
                rng=self._rng,
            )
            await self._sleep(delay_s)

    async def run_once(self) -> bool:
        """One connect + session round; returns True to reconnect at once (rediscovery)."""
        device = self.ctx.device
        try:
            async with self._adapter.slot():
                await self._round()
        except CharacteristicMissingError as exc:
            if not self._rediscovered:
                self._rediscovered = True
                log.warning("%s; reconnecting once to rediscover services", exc)
                return True
            self.failures += 1
            log.error("device %s: %s", device.device_id, exc)
        except RECOVERABLE as exc:
            # After a session that delivered data, start the backoff afresh.
            self.failures = 1 if self._delivered else self.failures + 1
            log.warning(
                "device %s (%s): session failed (%s: %s); retry %d after backoff",
                device.device_id,
                device.address,
                type(exc).__name__,
                exc,
                self.failures,
            )
        finally:
            self.ctx.status.connected = False
        return False

    async def _round(self) -> None:
        queue = NotificationQueue(self.ctx.clock, on_late=self._count_late)
        self._delivered = False
        self._live = None
        client = await self._connect(queue)
        self.ctx.status.connected = True
        received_before = queue.received
        try:
            await SESSIONS[self.ctx.device.kind](client, queue, self.ctx)
        finally:
            queue.close()
            await _disconnect(client)
            self._delivered = queue.received > received_before
        # A session that delivered data resets the backoff; one that ended at once (a
        # disconnect loop) counts as a failure so the gateway does not spin.
        if self._delivered:
            self.failures = 0
            self._rediscovered = False
        else:
            self.failures += 1

    def _count_late(self) -> None:
        self.ctx.counters.late_callbacks += 1

    async def _connect(self, queue: NotificationQueue) -> GattClient:
        policy, device = self.ctx.policy, self.ctx.device
        async with self._adapter.radio_lock:
            sighting = await bounded(
                self._find(device.address, policy.scan_timeout_s),
                policy.scan_timeout_s + _SCAN_GRACE_S,
                "scan",
            )
            if sighting is None:
                raise DeviceNotFoundError(
                    f"device {device.device_id} ({device.address}) not seen advertising within "
                    f"{policy.scan_timeout_s:g} s; is it worn, charged and in range?"
                )
            self.ctx.status.rssi_dbm = sighting.rssi_dbm
            self.ctx.status.last_seen_at = self.ctx.clock()
            return await bounded(
                self._attempts(sighting, queue), policy.safety_timeout_s, "connect round"
            )

    async def _attempts(self, sighting: Sighting, queue: NotificationQueue) -> GattClient:
        policy = self.ctx.policy
        last: BaseException | None = None

        # Only the connected client's disconnect ends the session: a failed attempt's late
        # callback must not cut the next attempt's session short.
        def on_disconnect(client: Any) -> None:
            if client is self._live:
                queue.end()

        for attempt in range(1, policy.attempts_per_round + 1):
            client = self._make_client(sighting.device, on_disconnect, self._rediscovered)
            try:
                await bounded(client.connect(), policy.attempt_timeout_s, "connect attempt")
                self._live = client
                return client
            except (BleakError, TimeoutError, OSError) as exc:
                last = exc
                log.info(
                    "device %s: connect attempt %d failed: %s",
                    self.ctx.device.device_id,
                    attempt,
                    exc,
                )
                await _disconnect(client)
                if attempt < policy.attempts_per_round:
                    await self._sleep(
                        backoff_delay_s(
                            attempt,
                            base_s=policy.backoff_base_s,
                            cap_s=_ATTEMPT_CAP_S,
                            rng=self._rng,
                        )
                    )
        raise last if last is not None else BleSessionError("no connect attempt was made")


async def _disconnect(client: GattClient) -> None:
    with contextlib.suppress(*RECOVERABLE):
        await bounded(client.disconnect(), DISCONNECT_TIMEOUT_S, "disconnect")
