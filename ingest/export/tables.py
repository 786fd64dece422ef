"""The released tables: their columns and how each row leaves the database.

Every query joins the temporary ``export_subjects`` table (released participants only,
with pseudonym, day offset and time zone), so suppressed and withdrawn participants
cannot appear, and shifts every time by the participant's offset in SQL. The large
tables are read one participant at a time (``%(participant)s``, in pseudonym order):
each read is an index range scan in time order, so no sort of the whole table is needed
on the server, however many participants there are. No column holds
a name, phone, birth date, address, serial, BLE address, IP, free text or internal id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from ingest.flags import FLAG_BITS

ColumnType = Literal["text", "int", "float", "timestamp", "date"]


@dataclass(frozen=True, slots=True)
class Column:
    """A released column and its type (Parquet schema, CSV rendering)."""

    name: str
    type: ColumnType


@dataclass(frozen=True, slots=True)
class Table:
    """One released table: columns, the SELECT producing them, a per-row touch-up."""

    name: str
    columns: tuple[Column, ...]
    sql: str


def _cols(spec: str) -> tuple[Column, ...]:
    out = []
    for item in spec.split():
        name, kind = item.split(":")
        out.append(Column(name, kind))  # type: ignore[arg-type]
    return tuple(out)


def _shift(column: str) -> str:
    return f"({column} + make_interval(days => s.offset_days))"


# Flag names spelled out in SQL (";"-separated, definition order), so every format
# shares one rendering and no per-row Python is needed.
_FLAGS_SQL: Final = (
    "concat_ws(';', "
    + ", ".join(
        f"CASE WHEN r.flags & {bit} <> 0 THEN '{name}' END" for name, bit in FLAG_BITS.items()
    )
    + ")"
)


READINGS: Final = Table(
    "readings",
    _cols(
        "pseudonym:text device:text metric:text measured_at:timestamp value:float"
        " unit:text flags:text"
    ),
    "SELECT s.pseudonym, d.pseudonym, r.metric, "
    + _shift("r.measured_at")
    + ", r.value, r.unit, "
    + _FLAGS_SQL
    + " FROM readings r"
    " JOIN export_subjects s ON s.participant_id = r.participant_id"
    " JOIN export_devices d ON d.device_id = r.device_id"
    " WHERE r.participant_id = %(participant)s AND r.metric = ANY(%(metrics)s)"
    " ORDER BY r.metric, r.measured_at",
)

READINGS_5M: Final = Table(
    "readings_5m",
    _cols("pseudonym:text metric:text bucket_start:timestamp n:int mean:float min:float max:float"),
    "SELECT s.pseudonym, r.metric, "
    + _shift("r.bucket")
    + ", r.n, r.total / r.n, r.min_value, r.max_value FROM readings_5m r"
    " JOIN export_subjects s ON s.participant_id = r.participant_id"
    " WHERE r.participant_id = %(participant)s AND r.metric = ANY(%(metrics)s) AND r.n > 0"
    " ORDER BY r.metric, r.bucket",
)

# Local calendar days of the participant, after the shift (whole days keep the grid).
DAILY: Final = Table(
    "daily",
    _cols("pseudonym:text metric:text day:date n:int mean:float min:float max:float"),
    "SELECT s.pseudonym, r.metric, (" + _shift("r.bucket") + " AT TIME ZONE s.time_zone)::date"
    " AS day, sum(r.n)::bigint, sum(r.total) / sum(r.n), min(r.min_value), max(r.max_value)"
    " FROM readings_5m r JOIN export_subjects s ON s.participant_id = r.participant_id"
    " WHERE r.participant_id = %(participant)s AND r.metric = ANY(%(metrics)s) AND r.n > 0"
    " GROUP BY s.pseudonym, r.metric, day ORDER BY r.metric, day",
)

# Alerts without their free text (summary), evidence or context (docs/privacy.md).
ALERTS: Final = Table(
    "alerts",
    _cols(
        "pseudonym:text rule_id:text rule_version:text kind:text priority:text state:text"
        " first_seen:timestamp last_seen:timestamp episode_ended_at:timestamp"
        " occurrence_count:int worst_value:float unit:text"
    ),
    "SELECT s.pseudonym, a.rule_id, a.rule_version, a.kind, a.priority, a.state, "
    + ", ".join(_shift(c) for c in ("a.first_seen", "a.last_seen", "a.episode_ended_at"))
    + ", a.occurrence_count, a.worst_value, a.unit FROM alerts a"
    " JOIN export_subjects s ON s.participant_id = a.participant_id"
    " WHERE a.participant_id = %(participant)s ORDER BY a.first_seen",
)

#: Wellbeing check-ins, one row per item answer (docs/checkins.md): the instrument and
#: version, the check-in's score and screen result, the item, the answer and when it was
#: given; times shifted like every other table.
CHECKINS: Final = Table(
    "checkins",
    _cols(
        "pseudonym:text instrument:text instrument_version:text completed_at:timestamp"
        " score:int cutoff:int positive:int risk:int item:int answer:text answered_at:timestamp"
    ),
    "SELECT s.pseudonym, c.instrument, c.instrument_version, "
    + _shift("c.completed_at")
    + ", c.score, c.cutoff, c.positive::int, c.risk::int, a.item, a.answer, "
    + _shift("a.answered_at")
    + " FROM checkins c JOIN checkin_answers a USING (checkin_id)"
    " JOIN export_subjects s ON s.participant_id = c.participant_id"
    " WHERE c.participant_id = %(participant)s ORDER BY c.completed_at, a.item",
)

DEVICES: Final = Table(
    "devices",
    _cols("device:text pseudonym:text kind:text model:text"),
    "SELECT d.pseudonym, s.pseudonym, v.kind, v.model FROM export_devices d"
    " JOIN devices v ON v.device_id = d.device_id"
    " JOIN export_subjects s ON s.participant_id = v.participant_id ORDER BY 2, 1",
)

#: Glucose-derived summary per participant over the whole released period (consensus
#: metrics, Battelino et al. 2019, Diabetes Care 42(8):1593-1603). Computed in Python.
CGM_METRICS_COLUMNS: Final = _cols(
    "pseudonym:text period_start:timestamp period_end:timestamp readings:int"
    " days_of_wear:float active_percent:float mean_mg_dl:float gmi_percent:float"
    " cv_percent:float very_low_percent:float low_percent:float in_range_percent:float"
    " high_percent:float very_high_percent:float"
)

#: Metrics whose readings and aggregates are released (battery is device telemetry).
RELEASED_METRICS: Final = ("heart_rate", "rr_interval", "glucose")

TABLES: Final = {t.name: t for t in (READINGS, READINGS_5M, DAILY, ALERTS, CHECKINS)}


def participants_columns(quasi_identifiers: Sequence[str]) -> tuple[Column, ...]:
    """The person table: the pseudonym and each released quasi-identifier."""
    return (Column("pseudonym", "text"), *(Column(q, "text") for q in quasi_identifiers))


def render(value: object, tz: dt.tzinfo) -> str:
    """A CSV cell: ISO 8601 local time with offset, shortest float, empty for NULL."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(tz).isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


#: ISO 8601 with the UTC offset of the session time zone (set to the export's zone).
_ISO_SQL: Final = "to_char({}, 'YYYY-MM-DD\"T\"HH24:MI:SS.USTZH:TZM')"


def _csv_field(column: Column, flavour: Literal["csv", "typed"]) -> str:
    """SQL rendering one column as an RFC 4180 field (NULL -> empty, "" -> quoted)."""
    col = f't."{column.name}"'
    if column.type == "timestamp":
        text = (
            _ISO_SQL.format(col)
            if flavour == "csv"
            else f"((extract(epoch FROM {col}) * 1000000)::bigint)::text"
        )
        return f"coalesce({text}, '')"
    if column.type != "text":
        return f"coalesce({col}::text, '')"
    quoted = f"""'"' || replace({col}, '"', '""') || '"'"""
    return (
        f"CASE WHEN {col} IS NULL THEN '' WHEN {col} = '' OR {col} ~ '[\",\\r\\n]'"
        f" THEN {quoted} ELSE {col} END"
    )


def csv_lines_sql(table: Table, flavour: Literal["csv", "typed"]) -> str:
    """``table`` as one CSV line per row, rendered by the server (RFC 4180).

    ``csv``: what the CSV file holds (ISO 8601 local times with offset, ISO dates,
    shortest round-trip floats). ``typed``: timestamps as microseconds since the epoch,
    for conversion to Parquet without a Python object per value. Fetching whole lines in
    large batches costs far less per row than the COPY protocol's message per row.
    """
    aliases = ", ".join(f'"{c.name}"' for c in table.columns)
    line = " || ',' || ".join(_csv_field(c, flavour) for c in table.columns)
    return f"SELECT {line} FROM ({table.sql}) AS t({aliases})"


def csv_header(table: Table) -> str:
    """The header line of ``table``'s CSV."""
    return ",".join(c.name for c in table.columns)
