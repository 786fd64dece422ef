"""A virtual home: a simulated radio with the participant's two wearables, and the
configuration of the real gateway that reads them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gateway.config import DeviceConfig, GatewayConfig
from simulators.ble import CgmSensor, HeartRateSensor, SimClock, VirtualRadio
from simulators.physiology import HeartModel
from simulators.wearables import cgm_sensor, heart_rate_sensor
from wearmon.demo.enrol import EnrolledHome

# Demo gateways send bigger batches than the 500 default: the history back-fill is
# millions of readings, and the API's limit is 5000 per batch.
DEMO_BATCH_SIZE = 2000


@dataclass(slots=True)
class VirtualHome:
    """Everything that runs in one participant's home."""

    enrolled: EnrolledHome
    radio: VirtualRadio
    hr: HeartRateSensor
    cgm: CgmSensor
    heart_model: HeartModel
    config: GatewayConfig


async def open_home(
    enrolled: EnrolledHome,
    *,
    clock: SimClock,
    history_days: float,
    api_url: str,
    outbox_dir: Path,
) -> VirtualHome:
    """Power on the home's wearables on a radio of their own; return the home."""
    spec = enrolled.spec
    heart_model = HeartModel(spec.heart, spec.seed)
    hr = heart_rate_sensor(spec, clock=clock)
    cgm = cgm_sensor(spec, clock=clock, history_s=history_days * 86_400.0)
    radio = VirtualRadio()
    await radio.start()
    await radio.add(hr)
    await radio.add(cgm)
    config = GatewayConfig(
        gateway_id=str(enrolled.gateway_id),
        token=enrolled.token,
        api_url=api_url,
        devices=(
            DeviceConfig(str(enrolled.hr_device_id), "hr", spec.hr_device.address),
            DeviceConfig(str(enrolled.cgm_device_id), "cgm", spec.cgm_device.address),
        ),
        outbox_path=outbox_dir / f"gateway-{spec.participant_id}.sqlite3",
        batch_size=DEMO_BATCH_SIZE,
        upload_interval_s=2.0,
    )
    return VirtualHome(enrolled, radio, hr, cgm, heart_model, config)
