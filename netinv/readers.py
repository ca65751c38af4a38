"""Reading raw export files (CSV, Excel, Parquet) into frames of strings with row numbers.

Values are read as text, exactly as written; parsing happens later, field by field, so that
each failure can be reported with the file, the row and the reason.  Row numbers count the
header as row 1, as a spreadsheet does (lines skipped before the header are counted too).
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from .errors import RowProblem, SourceError
from .profiles import Profile

__all__ = ["RawTable", "read_table", "file_sha256"]

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
PARQUET_SUFFIXES = {".parquet", ".pq"}


@dataclass
class RawTable:
    """A file's rows as strings, the row number of each, and what was wrong with the rest."""

    path: Path
    sha256: str
    size: int
    encoding: str
    frame: pd.DataFrame
    rows: np.ndarray
    problems: list[RowProblem] = field(default_factory=list)
    blank_rows: int = 0


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _decode(path: Path, data: bytes, encodings: tuple[str, ...]) -> tuple[str, str]:
    first_error: UnicodeDecodeError | None = None
    for enc in encodings:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError as e:
            first_error = first_error or e
        except LookupError as e:
            raise SourceError(str(path), f"unknown encoding {enc!r}") from e
    e = first_error
    assert e is not None
    line = data.count(b"\n", 0, e.start) + 1
    bad = data[e.start : e.start + 4]
    tried = " or ".join(encodings)
    hint = "" if len(encodings) > 1 else " (try --encoding gbk for Chinese exports)"
    raise SourceError(str(path), f"bytes {bad!r} are not valid {tried}{hint}", row=line) from e


def _sniff_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def _header(path: Path, text: str, skip: int, delimiter: str) -> list[str]:
    lines = io.StringIO(text)
    for _ in range(skip):
        lines.readline()
    first = lines.readline()
    if not first.strip():
        raise SourceError(str(path), "no header row", row=skip + 1)
    names = next(csv.reader([first.rstrip("\r\n")], delimiter=delimiter))
    names = [n.strip().lstrip("\ufeff") for n in names]
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise SourceError(str(path), f"column {n!r} appears twice in the header", row=skip + 1)
        if not n:
            raise SourceError(str(path), "the header has an empty column name", row=skip + 1)
        seen.add(n)
    return names


def _read_csv(path: Path, data: bytes, profile: Profile) -> RawTable:
    text, encoding = _decode(path, data, profile.encodings)
    text = text.lstrip("\ufeff")
    skip = profile.skip_rows
    head_lines = text.split("\n", skip + 1)
    delimiter = profile.delimiter or _sniff_delimiter(head_lines[min(skip, len(head_lines) - 1)])
    names = _header(path, text, skip, delimiter)
    problems: list[RowProblem] = []
    skipped: list[int] = []

    def on_bad(row: pacsv.InvalidRow) -> str:
        number = (row.number or 0) + skip
        skipped.append(number)
        problems.append(
            RowProblem(
                str(path),
                number,
                f"has {row.actual_columns} fields, the header has {row.expected_columns}",
                {"_line": row.text},
            )
        )
        return "skip"

    payload = data if encoding.startswith("utf-8") else text.encode("utf-8")
    if payload.startswith(b"\xef\xbb\xbf"):
        payload = payload[3:]
    try:
        table = pacsv.read_csv(
            io.BytesIO(payload),
            read_options=pacsv.ReadOptions(
                use_threads=False, skip_rows=skip, column_names=names, skip_rows_after_names=1,
                block_size=1 << 24,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False,
                invalid_row_handler=on_bad,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False, quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as e:
        raise SourceError(str(path), f"cannot parse as CSV: {e}") from e
    frame = table.to_pandas(types_mapper=lambda t: pd.StringDtype() if t == pa.string() else None)
    total = len(frame) + len(skipped)
    numbers = np.arange(skip + 2, skip + 2 + total, dtype=np.int64)
    if skipped:
        numbers = numbers[~np.isin(numbers, np.array(skipped, dtype=np.int64))]
    return _finish(path, data, encoding, frame, numbers, problems)


def _finish(path, data, encoding, frame, numbers, problems) -> RawTable:
    frame = frame.reset_index(drop=True)
    stripped = frame.apply(lambda c: c.str.strip()) if len(frame.columns) else frame
    blank = (stripped.fillna("") == "").all(axis=1).to_numpy() if len(frame) else np.zeros(0, bool)
    if blank.any():
        frame = frame.loc[~blank].reset_index(drop=True)
        numbers = numbers[~blank]
    return RawTable(
        path=path, sha256=file_sha256(data), size=len(data), encoding=encoding,
        frame=frame, rows=numbers, problems=problems, blank_rows=int(blank.sum()),
    )


def _read_excel(path: Path, data: bytes, profile: Profile) -> RawTable:
    """One sheet: the profile's, or the workbook's only sheet with data.  A workbook with several is
    refused rather than read in part: a load reads one sheet, so that a row number names one row."""
    def parse(book: pd.ExcelFile, name: str) -> pd.DataFrame:
        return pd.read_excel(book, sheet_name=name, dtype=str, skiprows=profile.skip_rows, keep_default_na=False,
                             na_filter=False)

    sheet = profile.sheet
    try:
        book = pd.ExcelFile(io.BytesIO(data))
        names = [str(n) for n in book.sheet_names]
        if sheet is None:
            frames = {n: parse(book, n) for n in names}
            with_data = [n for n, f in frames.items() if len(f) or len(f.columns)]
            if len(with_data) > 1:
                raise SourceError(str(path), f"has {len(with_data)} sheets with data "
                                             f"({', '.join(map(repr, with_data))}); a load reads one: give it with "
                                             "--sheet NAME (or a profile's sheet), one load per sheet")
            frame = frames[with_data[0] if with_data else names[0]]
        else:
            if isinstance(sheet, int) and not isinstance(sheet, bool):
                if not 0 <= sheet < len(names):
                    raise SourceError(str(path), f"has no sheet {sheet} (its sheets, from 0: "
                                                 f"{', '.join(map(repr, names))})")
                sheet = names[sheet]
            elif str(sheet) not in names:
                raise SourceError(str(path), f"has no sheet {sheet!r} (its sheets: {', '.join(map(repr, names))})")
            frame = parse(book, str(sheet))
    except SourceError:
        raise
    except Exception as e:  # openpyxl raises many kinds
        raise SourceError(str(path), f"cannot read as Excel: {e}") from e
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.astype("string")
    numbers = np.arange(profile.skip_rows + 2, profile.skip_rows + 2 + len(frame), dtype=np.int64)
    return _finish(path, data, "xlsx", frame, numbers, [])


def _read_parquet(path: Path, data: bytes, profile: Profile) -> RawTable:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
    except Exception as e:
        raise SourceError(str(path), f"cannot read as Parquet: {e}") from e
    cols = {}
    for name in table.column_names:
        col = table[name]
        if pa.types.is_timestamp(col.type):
            s = col.to_pandas()
            cols[name] = s.map(lambda t: t.isoformat() if pd.notna(t) else "").astype("string")
        else:
            cols[name] = col.cast(pa.string()).to_pandas().astype("string").fillna("")
    frame = pd.DataFrame(cols)
    numbers = np.arange(1, 1 + len(frame), dtype=np.int64)
    return _finish(path, data, "parquet", frame, numbers, [])


def read_table(path: str | Path, profile: Profile) -> RawTable:
    """Read one file as strings.  Raises :class:`SourceError` if the file as a whole is unusable."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError as e:
        raise SourceError(str(p), "file not found") from e
    except IsADirectoryError as e:
        raise SourceError(str(p), "is a directory, not a file") from e
    except OSError as e:
        raise SourceError(str(p), f"cannot read: {e.strerror}") from e
    suffix = p.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(p, data, profile)
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(p, data, profile)
    return _read_csv(p, data, profile)
