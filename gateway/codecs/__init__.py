"""Pure GATT codecs: bytes in, frozen dataclasses out; no bleak, no I/O.

Formats come from docs/ble.md (Bluetooth SIG service specifications
cross-checked against Nordic's and Bumble's parsers). Every malformed value raises
`gateway.errors.CodecError` (or its subclass `CrcError`); CGM Measurement notifications
instead report bad records next to the good ones (`CgmMeasurementBatch.dropped`).
"""

from gateway.codecs.battery import decode_battery_level, encode_battery_level
from gateway.codecs.cgm_annunciation import (
    ANNUNCIATION_OCTET_ORDER,
    CGM_STATUS_OCTET_ORDER,
    AnnunciationOctet,
    CgmCalTempOctet,
    CgmSensorStatus,
    CgmStatusOctet,
    CgmWarningOctet,
)
from gateway.codecs.cgm_control import (
    SocpOpCode,
    SocpResponse,
    SocpResponseCode,
    decode_socp_response,
    encode_socp_response,
    encode_socp_start_session,
    encode_socp_stop_session,
)
from gateway.codecs.cgm_feature import (
    CgmFeature,
    CgmFeatureBits,
    decode_cgm_feature,
    encode_cgm_feature,
)
from gateway.codecs.cgm_measurement import (
    CgmDropReason,
    CgmMeasurement,
    CgmMeasurementBatch,
    DroppedCgmRecord,
    decode_cgm_measurements,
    encode_cgm_measurement,
)
from gateway.codecs.cgm_session import (
    TIME_ZONE_UNKNOWN,
    CgmSessionStartTime,
    DstOffset,
    SessionStartUtc,
    decode_cgm_session_start_time,
    encode_cgm_session_start_time,
    reading_time_utc,
    resolve_session_start,
    session_start_time_from_datetime,
)
from gateway.codecs.cgm_status import (
    CgmStatus,
    decode_cgm_session_run_time,
    decode_cgm_status,
    encode_cgm_status,
)
from gateway.codecs.crc import crc16_mcrf4xx
from gateway.codecs.date_time import DeviceDateTime
from gateway.codecs.device_info import DeviceInformation, decode_utf8_string
from gateway.codecs.glucose import (
    GlucoseConcentration,
    GlucoseMeasurement,
    GlucoseSensorStatus,
    GlucoseUnits,
    decode_glucose_measurement,
    encode_glucose_measurement,
)
from gateway.codecs.heart_rate import (
    BodySensorLocation,
    HeartRateMeasurement,
    SensorContact,
    decode_body_sensor_location,
    decode_heart_rate_measurement,
)
from gateway.codecs.racp import (
    RacpNumberOfRecords,
    RacpOpCode,
    RacpOperator,
    RacpRequest,
    RacpResponse,
    RacpResponseCode,
    decode_racp_request,
    decode_racp_response,
    encode_racp_abort,
    encode_racp_report_all,
    encode_racp_report_from,
    encode_racp_report_number_all,
    encode_racp_report_number_from,
    encode_racp_request,
    encode_racp_response,
)
from gateway.codecs.sfloat import (
    Sfloat,
    SfloatSpecial,
    decode_sfloat,
    encode_sfloat,
    sfloat_from_float,
    sfloat_special,
)

__all__ = [
    "ANNUNCIATION_OCTET_ORDER",
    "CGM_STATUS_OCTET_ORDER",
    "TIME_ZONE_UNKNOWN",
    "AnnunciationOctet",
    "BodySensorLocation",
    "CgmCalTempOctet",
    "CgmDropReason",
    "CgmFeature",
    "CgmFeatureBits",
    "CgmMeasurement",
    "CgmMeasurementBatch",
    "CgmSensorStatus",
    "CgmSessionStartTime",
    "CgmStatus",
    "CgmStatusOctet",
    "CgmWarningOctet",
    "DeviceDateTime",
    "DeviceInformation",
    "DroppedCgmRecord",
    "DstOffset",
    "GlucoseConcentration",
    "GlucoseMeasurement",
    "GlucoseSensorStatus",
    "GlucoseUnits",
    "HeartRateMeasurement",
    "RacpNumberOfRecords",
    "RacpOpCode",
    "RacpOperator",
    "RacpRequest",
    "RacpResponse",
    "RacpResponseCode",
    "SensorContact",
    "SessionStartUtc",
    "Sfloat",
    "SfloatSpecial",
    "SocpOpCode",
    "SocpResponse",
    "SocpResponseCode",
    "crc16_mcrf4xx",
    "decode_battery_level",
    "decode_body_sensor_location",
    "decode_cgm_feature",
    "decode_cgm_measurements",
    "decode_cgm_session_run_time",
    "decode_cgm_session_start_time",
    "decode_cgm_status",
    "decode_glucose_measurement",
    "decode_heart_rate_measurement",
    "decode_racp_request",
    "decode_racp_response",
    "decode_sfloat",
    "decode_socp_response",
    "decode_utf8_string",
    "encode_battery_level",
    "encode_cgm_feature",
    "encode_cgm_measurement",
    "encode_cgm_session_start_time",
    "encode_cgm_status",
    "encode_glucose_measurement",
    "encode_racp_abort",
    "encode_racp_report_all",
    "encode_racp_report_from",
    "encode_racp_report_number_all",
    "encode_racp_report_number_from",
    "encode_racp_request",
    "encode_racp_response",
    "encode_sfloat",
    "encode_socp_response",
    "encode_socp_start_session",
    "encode_socp_stop_session",
    "reading_time_utc",
    "resolve_session_start",
    "session_start_time_from_datetime",
    "sfloat_from_float",
    "sfloat_special",
]
