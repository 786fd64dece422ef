"""Tabular writers: CSV and Parquet, one file per table, written batch by batch.

Memory stays bounded by the batch size: each batch goes to the file before the next is
fetched (Parquet row groups via pyarrow's ParquetWriter).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from ingest.export.errors import ExportError
from ingest.export.tables import Column, render

#: pyarrow's CSV block: rows are converted to Parquet this many bytes at a time (a row
#: group per block), which bounds memory whatever the table's size.
_PARQUET_BLOCK_BYTES = 8 << 20


class TableSink(Protocol):
    """Receives one table's rows in batches."""

    def write(self, rows: Sequence[tuple[object, ...]]) -> None: ...

    def finish(self) -> None: ...


class FormatWriter(Protocol):
    """One output format: a sink per table it carries, then the files and their rows."""

    def open(self, table: str, columns: Sequence[Column]) -> TableSink | None: ...

    def close(self) -> dict[Path, int]: ...


class CsvSink:
    """RFC 4180 CSV with a header row, UTF-8."""

    def __init__(self, path: Path, columns: Sequence[Column], tz: dt.tzinfo) -> None:
        self._path = path
        self._tz = tz
        self._file = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow([c.name for c in columns])

    def write(self, rows: Sequence[tuple[object, ...]]) -> None:
        tz = self._tz
        self._writer.writerows([render(v, tz) for v in row] for row in rows)

    def finish(self) -> None:
        self._file.close()


def _arrow() -> Any:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ExportError(
            "Parquet output needs pyarrow: pip install 'wearmon[export]', or choose --format csv"
        ) from None
    return pa, pq


class ParquetSink:
    """Parquet with a typed schema; timestamps in the export's time zone."""

    def __init__(self, path: Path, columns: Sequence[Column], tz: dt.tzinfo) -> None:
        pa, pq = _arrow()
        self._pa = pa
        self._path = path
        self._schema = self.arrow_schema(pa, columns, tz)
        self._names = [c.name for c in columns]
        self._writer = pq.ParquetWriter(path, self._schema, compression="zstd")

    @staticmethod
    def arrow_schema(pa: Any, columns: Sequence[Column], tz: dt.tzinfo) -> Any:
        """The Parquet schema: typed columns, timestamps in the export's zone."""
        types = {
            "text": pa.string(),
            "int": pa.int64(),
            "float": pa.float64(),
            "timestamp": pa.timestamp("us", tz=str(tz)),
            "date": pa.date32(),
        }
        return pa.schema([(c.name, types[c.type]) for c in columns])

    def write(self, rows: Sequence[tuple[object, ...]]) -> None:
        if not rows:
            return
        arrays = [
            self._pa.array([row[i] for row in rows], type=field.type)
            for i, field in enumerate(self._schema)
        ]
        self._writer.write_table(self._pa.Table.from_arrays(arrays, schema=self._schema))

    def finish(self) -> None:
        self._writer.close()


class _Counted:
    """Counts the rows passing to a sink."""

    def __init__(self, sink: CsvSink | ParquetSink, counts: dict[Path, int], path: Path) -> None:
        self._sink, self._counts, self._path = sink, counts, path
        counts[path] = 0

    def write(self, rows: Sequence[tuple[object, ...]]) -> None:
        self._sink.write(rows)
        self._counts[self._path] += len(rows)

    def finish(self) -> None:
        self._sink.finish()


class TabularFormat:
    """CSV or Parquet: every table to ``folder/<table>.<ext>``."""

    def __init__(self, fmt: str, folder: Path, tz: dt.tzinfo) -> None:
        if fmt not in ("csv", "parquet"):
            raise ExportError(f"{fmt!r} is not a tabular format")
        if fmt == "parquet":
            _arrow()  # fail before any file is written
        self._fmt, self._folder, self._tz = fmt, folder, tz
        self._counts: dict[Path, int] = {}

    @property
    def fmt(self) -> str:
        """ "csv" or "parquet"."""
        return self._fmt

    def open(self, table: str, columns: Sequence[Column]) -> TableSink:
        self._folder.mkdir(parents=True, exist_ok=True)
        path = self._folder / f"{table}.{self._fmt}"
        sink = (CsvSink if self._fmt == "csv" else ParquetSink)(path, columns, self._tz)
        return _Counted(sink, self._counts, path)

    def bulk(
        self,
        table: str,
        columns: Sequence[Column],
        copy_out: Callable[[Literal["csv", "typed"]], Iterable[bytes]],
        progress: Callable[[int], None],
    ) -> None:
        """Write a large table from the server's CSV (``copy_out(flavour)`` yields it).

        CSV goes to the file byte for byte; Parquet is converted from the server's typed
        CSV by pyarrow in blocks (its streaming CSV reader), never row by row in Python.
        """
        self._folder.mkdir(parents=True, exist_ok=True)
        path = self._folder / f"{table}.{self._fmt}"
        if self._fmt == "csv":
            self._counts[path] = _copy_to(copy_out("csv"), path, progress)
            return
        staging = self._folder / f".{table}.typed.csv"
        try:
            _copy_to(copy_out("typed"), staging, progress)
            self._counts[path] = _csv_to_parquet(staging, path, columns, self._tz)
        finally:
            staging.unlink(missing_ok=True)

    def close(self) -> dict[Path, int]:
        return dict(self._counts)


def _copy_to(chunks: Iterable[bytes], path: Path, progress: Callable[[int], None]) -> int:
    """Stream CSV bytes to ``path``; return the data rows (no field holds a newline)."""
    lines = 0
    with path.open("wb") as f:
        for chunk in chunks:
            f.write(chunk)
            lines += chunk.count(b"\n")
            progress(max(lines - 1, 0))
    return max(lines - 1, 0)


def _csv_to_parquet(source: Path, target: Path, columns: Sequence[Column], tz: dt.tzinfo) -> int:
    pa, pq = _arrow()
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    read_types = {
        "text": pa.string(),
        "int": pa.int64(),
        "float": pa.float64(),
        "timestamp": pa.int64(),
        "date": pa.date32(),
    }
    final = ParquetSink.arrow_schema(pa, columns, tz)
    reader = pacsv.open_csv(
        source,
        read_options=pacsv.ReadOptions(block_size=_PARQUET_BLOCK_BYTES),
        convert_options=pacsv.ConvertOptions(
            column_types={c.name: read_types[c.type] for c in columns},
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )
    rows = 0
    with pq.ParquetWriter(target, final, compression="zstd") as writer:
        for batch in reader:
            arrays = [pc.cast(batch.column(i), field.type) for i, field in enumerate(final)]
            writer.write_table(pa.Table.from_arrays(arrays, schema=final))
            rows += batch.num_rows
    return rows
