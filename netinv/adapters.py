"""Adapters: raw export files -> validated canonical frames, with provenance and rejects.

>>> batch = read_records("calls", ["cdr.csv"], "cdr-cn")          # doctest: +SKIP
>>> batch.records.columns[:4].tolist()                              # doctest: +SKIP
['caller', 'callee', 'start', 'duration_s']

A bad row never disappears: without ``quarantine=True`` any bad row raises
:class:`~netinv.errors.InvalidRecords` naming every failing file and row; with it, the rejected
rows come back in ``batch.problems`` (to be written with :func:`write_quarantine`) and the good
rows are loaded.  Rows that a profile's ``where`` (``--where COLUMN=VALUE``) does not select are
not records of the kind at all (a failed transaction, a victim in a case file): they are left out,
counted per file and value in ``batch.notes`` and in each file's ``left_out``, and never rejected.
A file that cannot be used at all (missing column, wrong encoding, naive times without a zone)
raises :class:`~netinv.errors.SourceError` either way.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa_
import pyarrow.compute as pc

from . import normalize as nz
from .errors import InvalidRecords, ProfileError, RowProblem, SourceError
from .profiles import Profile, get_profile
from .readers import RawTable, read_table
from .schema import RecordKind, canonical_schema, record_kind

__all__ = ["Batch", "SourceFile", "read_records", "write_quarantine", "record_ids", "problem_category"]

SEP = "\x1f"


@dataclass
class SourceFile:
    """What is known about one input file of a load."""

    path: str
    sha256: str
    size: int
    encoding: str
    kind: str
    profile: str
    rows: int
    accepted: int
    rejected: int
    blank_rows: int
    #: rows that the profile's ``where`` did not select (``rows = accepted + rejected + left_out``)
    left_out: int = 0
    #: the path as the command named it, for messages (``path`` is the absolute one that is stored)
    given: str = ""
    #: the row numbers of the rejected rows (a later load of the file may take them)
    rejected_rows: tuple[int, ...] = ()


@dataclass
class Batch:
    """The outcome of reading files of one record kind."""

    kind: str
    records: pd.DataFrame
    provenance: pd.DataFrame
    sources: list[SourceFile]
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: rows kept with invalid values cleared (``keep_invalid``), with what was cleared and why
    cleared: list[RowProblem] = field(default_factory=list)
    #: the time zone that times written without an offset were read in (the profile's or ``tz``)
    tz: str | None = None
    #: rows of all files that the profile's ``where`` did not select
    left_out: int = 0
    #: calls of the workspace that take the callee's cell and handset from a row of this batch
    #: (``record_id``, ``callee``, ``callee_cell_id``, ``callee_imei``; see :mod:`netinv.callmatch`)
    call_ends: pd.DataFrame | None = None

    @property
    def reasons(self) -> Counter:
        """How many rows were rejected for each kind of reason."""
        return Counter(problem_category(p.reason) for p in self.problems)


def problem_category(reason: str) -> str:
    """A short category for a rejection reason, used in load summaries."""
    for key, cat in (
        ("kept, value cleared", "kept, value cleared"),
        ("duplicate", "duplicate row"),
        ("fields, the header", "wrong number of fields"),
        ("cannot read time", "unparseable time"),
        ("cannot read date", "unparseable date"),
        ("does not exist or is ambiguous", "unparseable time"),
        ("cannot read number", "unparseable number"),
        ("cannot read duration", "unparseable number"),
        ("negative", "negative value"),
        ("missing", "missing value"),
        ("needs a", "missing value"),
        ("phone number", "bad phone number"),
        ("region", "bad phone number"),
        ("account identifier", "bad account"),
        ("call direction", "unknown call direction"),
        ("flag", "unknown debit/credit flag"),
    ):
        if key in reason:
            return cat
    return "invalid value"


def _key_array(s: pd.Series) -> pa_.Array:
    """Canonical text of a typed column for hashing: stable across runs, platforms and stores."""
    dt = s.dtype
    missing = s.isna().to_numpy()
    if isinstance(dt, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dt):
        if isinstance(dt, pd.DatetimeTZDtype):
            ints = s.dt.tz_convert("UTC").to_numpy("datetime64[us]").astype("int64")
            arr = pa_.array(ints, mask=missing).cast(pa_.string())
        else:
            arr = pa_.array(s.dt.strftime("%Y-%m-%d").to_numpy(dtype=object, na_value=None), type=pa_.string())
    elif str(dt) == "Float64":
        arr = pa_.array([None if m else repr(float(v)) for v, m in zip(s.to_numpy(dtype=object), missing)],
                        type=pa_.string())
    elif str(dt) == "Int64":
        arr = pa_.array(s.to_numpy(dtype="int64", na_value=0), mask=missing).cast(pa_.string())
    else:
        arr = pa_.array(s.to_numpy(dtype=object, na_value=None), type=pa_.string())
    return pc.fill_null(arr, "")


def _sha(keys: pa_.Array) -> np.ndarray:
    return np.array([hashlib.sha256(v.encode("utf-8")).hexdigest() for v in keys.to_pylist()], dtype=object)


def record_ids(frame: pd.DataFrame, kind: str) -> np.ndarray:
    """The record identity hash (sha256 hex) of each canonical row of ``kind``."""
    rk = record_kind(kind)
    parts = [pa_.array([kind] * len(frame), type=pa_.string())] + [_key_array(frame[f]) for f in rk.identity]
    return _sha(pc.binary_join_element_wise(*parts, SEP))


def _row_hashes(raw: pd.DataFrame) -> np.ndarray:
    parts = [_key_array(raw[c].astype("string")) for c in raw.columns]
    if len(parts) == 1:
        parts.append(pa_.array([""] * len(raw), type=pa_.string()))
    return _sha(pc.binary_join_element_wise(*parts, SEP))


def _find(headers: set[str], candidates: tuple[str, ...]) -> str | None:
    for c in candidates:
        if c in headers:
            return c
    return None


def _missing_column(path: Path, what: str, candidates: Sequence[str], headers: Iterable[str]) -> SourceError:
    wanted = " or ".join(repr(c) for c in candidates)
    have = ", ".join(repr(h) for h in headers)
    return SourceError(
        str(path),
        f"missing column for {what}: expected {wanted}; the file has {have} (map it with --map {what}=COLUMN)",
    )


class _Errors:
    """Reasons collected per row position of one file, each with the field it concerns (or None)."""

    def __init__(self, n: int):
        self.reasons: list[list[tuple[str | None, str]]] = [[] for _ in range(n)]

    def add(self, errors: pd.Series, field_name: str | None = None) -> None:
        bad = errors.notna().to_numpy()
        if not bad.any():
            return
        for pos, reason in zip(np.flatnonzero(bad), errors[bad].tolist()):
            self.reasons[pos].append((field_name, reason))

    def add_mask(self, mask: np.ndarray, reason: str, field_name: str | None = None) -> None:
        for pos in np.flatnonzero(mask):
            self.reasons[pos].append((field_name, reason))

    def bad(self) -> np.ndarray:
        return np.array([bool(r) for r in self.reasons], dtype=bool)

    def text(self, pos: int) -> str:
        return "; ".join(f"{f}: {r}" if f else r for f, r in self.reasons[pos])

    def clearable(self, pos: int, fields: set[str]) -> bool:
        """True if every problem of row ``pos`` concerns one of ``fields``."""
        r = self.reasons[pos]
        return bool(r) and all(f in fields for f, _ in r)


def _parse_field(f, col: pd.Series, profile: Profile, raw: RawTable, errs: _Errors):
    """Parse one canonical column; returns typed values (and the validity flag for ID numbers)."""
    if f.type == "phone":
        v, e = nz.phones(col, profile.region, profile.raw_ids)
    elif f.type == "account":
        v, e = nz.accounts(col, profile.raw_ids)
    elif f.type == "id_number":
        return nz.id_numbers(col)
    elif f.type == "time":
        v, e, first_naive = nz.times(col, profile.time_format, profile.tz)
        if first_naive is not None:
            raise SourceError(
                str(raw.path),
                f"time {col.iloc[first_naive]!r} in column for {f.name} has no time zone; "
                "say which zone the export uses with --tz (for example --tz Asia/Shanghai or --tz UTC)",
                row=int(raw.rows[first_naive]),
            )
    elif f.type == "date":
        v, e = nz.dates(col, profile.date_format)
    elif f.type == "int":
        v, e = nz.durations(col)
    elif f.type == "float":
        v, e = nz.amounts(col, profile.decimal, profile.thousands)
    else:
        v, e = nz.texts(col)
    errs.add(e, f.name)
    return v, None


def _apply_values(col: pd.Series, mapping: dict[str, str] | None) -> pd.Series:
    """Translate coded values (``语音`` -> ``voice``); values not in the map are kept as they are."""
    if not mapping:
        return col
    s = nz.clean(col)
    mapped = s.map(mapping)
    return mapped.where(mapped.notna(), s).astype("string")


def _two_way(raw: RawTable, headers: set[str], errs: _Errors, what: str, own: tuple[str, ...],
             other: tuple[str, ...], direction: tuple[str, ...], out: tuple[str, ...], into: tuple[str, ...],
             flag_name: str) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """The own and other columns of a one-sided export (a statement, a call sheet) and which rows
    go out from the own side; a row whose direction is neither is an error of that row."""
    cols = {}
    for key, cands in (("own", own), ("other", other), ("direction", direction)):
        c = _find(headers, cands)
        if c is None:
            label = {"own": "account" if what == "statement" else "phone",
                     "other": "counterpart" if what == "statement" else "other", "direction": "direction"}[key]
            raise _missing_column(raw.path, f"{what} {label}", cands, raw.frame.columns)
        cols[key] = raw.frame[c]
    flag = nz.clean(cols["direction"])
    going = flag.isin(out).fillna(False).to_numpy(dtype=bool)
    coming = flag.isin(into).fillna(False).to_numpy(dtype=bool)
    unknown = ~(going | coming)
    if unknown.any():
        reasons = pd.Series(pd.NA, index=flag.index, dtype="string")
        expected = "/".join(out[:2] + into[:2])
        shown = flag[unknown].fillna("").map(repr)
        reasons[unknown] = f"unknown {flag_name} " + shown + f" (expected {expected}...)"
        errs.add(reasons, None)
    return cols["own"], cols["other"], going


def _statement(raw: RawTable, profile: Profile, headers: set[str], errs: _Errors) -> dict[str, pd.Series]:
    st = profile.statement
    assert st is not None
    own, other, debit = _two_way(raw, headers, errs, "statement", st.account, st.counterpart, st.direction,
                                 st.debit, st.credit, "debit/credit flag")
    names = []
    for cands in (st.name, st.counterpart_name):
        c = _find(headers, cands)
        names.append(raw.frame[c] if c else pd.Series(pd.NA, index=raw.frame.index, dtype="string"))
    own_name, other_name = names
    return {
        "payer_account": own.where(debit, other),
        "payee_account": other.where(debit, own),
        "payer_name": own_name.where(debit, other_name),
        "payee_name": other_name.where(debit, own_name),
        "_debit": pd.Series(debit, index=raw.frame.index),
    }


def _call_sheet(raw: RawTable, profile: Profile, headers: set[str], errs: _Errors) -> dict[str, pd.Series]:
    cs = profile.call_sheet
    assert cs is not None
    own, other, outgoing = _two_way(raw, headers, errs, "call sheet", cs.phone, cs.other, cs.direction,
                                    cs.outgoing, cs.incoming, "call direction")
    return {"caller": own.where(outgoing, other), "callee": other.where(outgoing, own)}


def _sheet_incoming(raw: RawTable, profile: Profile) -> np.ndarray:
    """The rows of a call sheet that are incoming calls (the sheet's phone is the callee)."""
    cs = profile.call_sheet
    if cs is None:
        return np.zeros(len(raw.frame), dtype=bool)
    c = _find(set(raw.frame.columns), cs.direction)
    return nz.clean(raw.frame[c]).isin(cs.incoming).to_numpy(dtype=bool, na_value=False)


def _adapt(raw: RawTable, rk: RecordKind, profile: Profile):
    frame = raw.frame
    n = len(frame)
    headers = set(frame.columns)
    errs = _Errors(n)
    source: dict[str, pd.Series] = {}
    debit = None
    if profile.statement is not None:
        source.update(_statement(raw, profile, headers, errs))
        debit = source.pop("_debit").to_numpy()
    if profile.call_sheet is not None:
        source.update(_call_sheet(raw, profile, headers, errs))
    for f in rk.fields:
        if f.name in source:
            continue
        c = _find(headers, profile.candidates(f.name))
        if c is not None:
            source[f.name] = frame[c]
        elif f.name in profile.constants:
            source[f.name] = pd.Series(profile.constants[f.name], index=frame.index, dtype="string")
        elif f.required:
            raise _missing_column(raw.path, f.name, profile.candidates(f.name), frame.columns)
    out: dict[str, pd.Series] = {}
    valid_flag = None
    for f in rk.fields:
        col = source.get(f.name)
        if col is None:
            out[f.name] = _empty(f.type, n, frame.index)
            continue
        col = _apply_values(col, profile.values.get(f.name))
        if f.name in profile.constants:
            col = nz.clean(col).fillna(profile.constants[f.name])
        values, flag = _parse_field(f, col, profile, raw, errs)
        if flag is not None:
            valid_flag = flag
        if f.required:
            errs.add_mask((nz.clean(col).isna()).to_numpy(), "missing value", f.name)
        out[f.name] = values
    if debit is not None:
        amt = out["amount"]
        neg = (amt < 0).fillna(False).to_numpy(dtype=bool)
        # statements may print debits as negative amounts: consistent with the flag, keep the size
        out["amount"] = amt.where(~(neg & debit), -amt)
    if rk.one_of:
        none = np.logical_and.reduce([out[c].isna().to_numpy() for c in rk.one_of])
        errs.add_mask(none, f"needs a {' or an '.join(rk.one_of)}", None)
    typed = pd.DataFrame(out, index=frame.index)
    if any(f.type == "id_number" for f in rk.fields):
        typed["id_number_valid"] = valid_flag if valid_flag is not None else pd.Series(
            pd.NA, index=frame.index, dtype="boolean")
    return typed, errs


def _empty(ftype: str, n: int, index) -> pd.Series:
    if ftype == "time":
        return pd.Series(pd.NaT, index=index, dtype="datetime64[us, UTC]")
    if ftype == "date":
        return pd.Series(pd.NaT, index=index, dtype="datetime64[us]")
    if ftype == "int":
        return pd.Series(pd.NA, index=index, dtype="Int64")
    if ftype == "float":
        return pd.Series(pd.NA, index=index, dtype="Float64")
    return pd.Series(pd.NA, index=index, dtype="string")


def _validate(typed: pd.DataFrame, kind: str, errs: _Errors, ok: np.ndarray) -> None:
    """Run the pandera schema over the rows that parsed; add its failures to ``errs``."""
    sub = typed.loc[ok]
    if sub.empty:
        return
    schema = canonical_schema(kind)
    from pandera.errors import SchemaErrors  # imported with the schema

    try:
        schema.validate(sub, lazy=True)
    except SchemaErrors as e:
        fc = e.failure_cases
        for _, r in fc.iterrows():
            idx = r.get("index")
            if idx is None or pd.isna(idx):
                raise  # a schema-level failure is a bug in netinv, not bad input
            check = str(r["check"])
            value = r["failure_case"]
            if check == "field_uniqueness" or "unique" in check:
                continue  # duplicates are reported with the row they repeat
            errs.reasons[typed.index.get_loc(idx)].append((str(r["column"]), f"{check} (value {value!r})"))


def _column_values(raw: RawTable, col: str, option: str) -> pd.Series:
    """Column ``col`` of the file, stripped, for a ``--where``-like option; a clear error without it."""
    if col not in raw.frame.columns:
        raise SourceError(str(raw.path), f"{option} {col}=...: the file has no column {col!r}; it has "
                                         + ", ".join(repr(h) for h in raw.frame.columns))
    return raw.frame[col].astype("string").str.strip()


def _select(raw: RawTable, where: dict[str, tuple[str, ...]]) -> tuple[RawTable, dict[str, Counter]]:
    """The rows of ``raw`` that ``where`` selects, and for each column how many of the other rows
    held each value (a row counts under the first column that leaves it out)."""
    if not where:
        return raw, {}
    frame = raw.frame
    keep = np.ones(len(frame), dtype=bool)
    left: dict[str, Counter] = {}
    for col, allowed in where.items():
        values = _column_values(raw, col, "--where")
        ok = values.isin(allowed).to_numpy(dtype=bool, na_value=False)
        out = values[keep & ~ok].fillna("").replace("", "(empty)")
        left[col] = Counter(out.value_counts(sort=True).to_dict())
        keep &= ok
    return replace(raw, frame=frame.loc[keep].reset_index(drop=True), rows=raw.rows[keep]), left


def _where_note(path, where: dict[str, tuple[str, ...]], left: dict[str, Counter], kept: int,
                shown: int = 8) -> str | None:
    n = sum(sum(c.values()) for c in left.values())
    if not n:
        return None
    spec = " ".join(f"{col}={'|'.join(vals)}" for col, vals in where.items())
    parts = []
    for col, counts in left.items():
        top = counts.most_common(shown)
        more = len(counts) - len(top)
        if top:
            parts.append(f"{col} " + ", ".join(f"{v} ×{c:,}" for v, c in top)
                         + (f" and {more:,} other value(s)" if more else ""))
    head = (f"{path}: {n:,} row(s) left out by --where {spec}" if kept else
            f"{path}: no row selected by --where {spec}; all {n:,} left out")
    return f"{head} ({'; '.join(parts)})"


def _incoming(raw: RawTable, typed: pd.DataFrame, profile: Profile) -> int:
    """Read the cell and handset of the rows that the profile's ``incoming`` names, or that a call
    sheet marks incoming, as the callee's (the callee's record of a call gives her own cell and
    handset, and the other end's where the file has them); returns how many rows had one."""
    if not profile.incoming and profile.call_sheet is None:
        return 0
    rows = _sheet_incoming(raw, profile)
    for col, values in profile.incoming.items():
        rows |= _column_values(raw, col, "--incoming").isin(values).to_numpy(dtype=bool, na_value=False)
    own, other = ["cell_id", "imei"], ["callee_cell_id", "callee_imei"]
    had = rows & typed[own + other].notna().any(axis=1).to_numpy()
    swapped = typed.loc[rows, other + own].to_numpy()
    typed.loc[rows, own + other] = swapped
    return int(had.sum())


def _adapt_file(raw: RawTable, kind: str, profile: Profile, keep_invalid: set[str]):
    rk = record_kind(kind)
    typed, errs = _adapt(raw, rk, profile)
    n_incoming = _incoming(raw, typed, profile)
    cleared = _clear(typed, errs, keep_invalid)
    ok = ~errs.bad()
    typed["record_id"] = pd.Series(pd.NA, index=typed.index, dtype="string")
    if ok.any():
        typed.loc[ok, "record_id"] = record_ids(typed.loc[ok], kind)
    _validate(typed, kind, errs, ok)
    if keep_invalid:
        more = _clear(typed, errs, keep_invalid)
        if more:
            cleared.update(more)
            ok = ~errs.bad()
            typed.loc[ok, "record_id"] = record_ids(typed.loc[ok], kind)
    ok = ~errs.bad()
    ids = typed["record_id"]
    dup = ids.duplicated(keep="first").to_numpy() & ok
    if dup.any():
        firsts = ~ids[ok].duplicated().to_numpy()
        first_row = dict(zip(ids[ok][firsts].tolist(), raw.rows[ok][firsts]))
        for pos in np.flatnonzero(dup):
            errs.reasons[pos].append((None, f"duplicate of row {first_row[ids.iloc[pos]]}"))
    return typed, errs, cleared, n_incoming


def _clear(typed: pd.DataFrame, errs: _Errors, keep_invalid: set[str]) -> dict[int, str]:
    """Clear the invalid values of ``keep_invalid`` fields, so that their rows are kept.

    Returns {row position: the reasons}, for the report; only rows whose every problem lies in
    those fields are kept.
    """
    if not keep_invalid:
        return {}
    out = {}
    for pos in np.flatnonzero(errs.bad()):
        if errs.clearable(pos, keep_invalid):
            out[int(pos)] = errs.text(pos)
            for f, _ in errs.reasons[pos]:
                typed.iloc[pos, typed.columns.get_loc(f)] = pd.NA
            errs.reasons[pos] = []
    return out


def read_records(
    kind: str,
    paths: Sequence[str | Path],
    profile: str | Profile | None = None,
    *,
    mapping: dict[str, str] | None = None,
    region: str | None = None,
    raw_ids: bool | None = None,
    tz: str | None = None,
    time_format: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    constants: dict[str, str] | None = None,
    sheet: str | None = None,
    where: dict[str, tuple[str, ...]] | None = None,
    incoming: dict[str, tuple[str, ...]] | None = None,
    quarantine: bool = False,
    keep_invalid: Iterable[str] = (),
    progress: Callable[[str], None] | None = None,
) -> Batch:
    """Read ``paths`` as records of ``kind`` through ``profile`` and return a validated :class:`Batch`.

    Options given here override the profile's; ``constants`` (field: value) fill a field where the
    file has no such column or leaves it empty, as a profile's ``[constants]`` do.  Records that
    occur in several files (the two sides of one bank transfer) become one record with several
    provenance entries.

    ``keep_invalid`` names fields (never the ones that define a record, such as caller or
    amount) whose invalid values are cleared, keeping the row: each such row is listed in
    ``batch.cleared`` (and written to the quarantine file), so nothing changes unreported.

    ``where`` (column header: the values to keep) adds to the profile's: only rows holding one of
    those values in each such column are read; the others are counted and named in
    ``batch.notes`` (per file and value) and in each file's ``left_out``.

    ``incoming`` (calls; column header: values) names the rows that are the callee's carrier's
    record of a call: their cell and handset are read as the callee's (``callee_cell_id``,
    ``callee_imei``; a file's columns for the other end's, as the caller's), counted in the notes.
    """
    rk = record_kind(kind)
    prof = profile if isinstance(profile, Profile) else get_profile(profile, kind)
    prof = prof.with_options(  # then checked for the kind, options included (--incoming: calls only)
        mapping=mapping, region=region, raw_ids=raw_ids, tz=tz, time_format=time_format,
        encoding=encoding, delimiter=delimiter, constants=constants, sheet=sheet, where=where,
        incoming=incoming,
    ).for_kind(kind)
    for option, given in (("--map", mapping), ("--constant", constants)):
        for k in (given or {}):
            if k not in rk.field_names:
                raise ProfileError(f"{option} {k}=...: {k} is not a field of {kind} "
                                   f"(fields: {', '.join(rk.field_names)})")
    keep = set(keep_invalid)
    for k in keep:
        if k not in rk.field_names:
            raise ProfileError(f"--keep-invalid {k}: not a field of {kind}")
        if k in rk.core:
            raise ProfileError(
                f"--keep-invalid {k}: {k} defines a {kind} record and cannot be cleared "
                f"(clearable: {', '.join(rk.clearable)})"
            )
    if not paths:
        raise ProfileError("no input files given")
    frames, provs, sources, problems, notes, cleared = [], [], [], [], [], []
    for path in paths:
        if progress:
            progress(str(path))
        raw = read_table(path, prof)
        raw, left = _select(raw, prof.where)
        left_out = sum(sum(c.values()) for c in left.values())
        note = _where_note(path, prof.where, left, len(raw.frame))
        if note:
            notes.append(note)
        typed, errs, kept, n_incoming = _adapt_file(raw, kind, prof, keep)
        if n_incoming:
            spec = " ".join(f"{col}={'|'.join(vals)}" for col, vals in prof.incoming.items())
            why = (f"--incoming {spec}" if spec else "") + (" and " if spec and prof.call_sheet else "") + \
                ("the call sheet's direction" if prof.call_sheet else "")
            notes.append(f"{path}: {n_incoming:,} row(s) of incoming calls ({why}): their cell and "
                         "handset are read as the callee's (callee_cell_id, callee_imei)")
        bad = errs.bad()
        ok = ~bad

        def raw_values(pos):
            return {c: raw.frame.iat[pos, j] for j, c in enumerate(raw.frame.columns)}

        for pos in np.flatnonzero(bad):
            problems.append(RowProblem(str(path), int(raw.rows[pos]), errs.text(pos), raw_values(pos)))
        for pos, reason in sorted(kept.items()):
            cleared.append(RowProblem(str(path), int(raw.rows[pos]), "kept, value cleared: " + reason, raw_values(pos)))
        if kept:
            rows = [str(raw.rows[p]) for p in sorted(kept)]
            notes.append(f"{path}: {len(kept)} row(s) kept with invalid {', '.join(sorted(keep))} cleared "
                         f"(rows {', '.join(rows[:10])}{' ...' if len(rows) > 10 else ''})")
        problems.extend(raw.problems)
        rejected_rows = tuple(sorted({int(raw.rows[pos]) for pos in np.flatnonzero(bad)} |
                                     {p.row for p in raw.problems}))
        good = typed.loc[ok].reset_index(drop=True)
        row_hash = _row_hashes(raw.frame.loc[ok]) if ok.any() else np.array([], dtype=object)
        provs.append(pd.DataFrame({
            "record_id": good["record_id"].astype("string"),
            "file_sha256": raw.sha256,
            "row": raw.rows[ok],
            "row_sha256": pd.Series(row_hash, dtype="string"),
        }))
        frames.append(good)
        if "id_number_valid" in good and (good["id_number_valid"] == False).any():  # noqa: E712
            rows = raw.rows[ok][(good["id_number_valid"] == False).fillna(False).to_numpy()]  # noqa: E712
            shown = ", ".join(map(str, rows[:10])) + (" ..." if len(rows) > 10 else "")
            notes.append(
                f"{path}: {len(rows)} ID number(s) fail the check digit (rows {shown}); "
                "kept as written, never used as a key"
            )
        if raw.blank_rows:
            notes.append(f"{path}: {raw.blank_rows} blank line(s) skipped")
        sources.append(SourceFile(
            path=str(Path(path).resolve()), sha256=raw.sha256, size=raw.size, encoding=raw.encoding, kind=kind,
            profile=prof.name, rows=len(raw.frame) + len(raw.problems) + left_out, accepted=int(ok.sum()),
            rejected=int(bad.sum()) + len(raw.problems), blank_rows=raw.blank_rows, left_out=left_out,
            given=str(path), rejected_rows=rejected_rows,
        ))
    problems.sort(key=lambda p: (p.file, p.row))
    if problems and not quarantine:
        raise InvalidRecords(problems, hint="Fix the input, or load the rest with --quarantine FILE.")
    records = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    records = records.drop_duplicates("record_id", keep="first").reset_index(drop=True)
    records["record_id"] = records["record_id"].astype("string")
    provenance = pd.concat(provs, ignore_index=True).drop_duplicates(["record_id", "file_sha256", "row"])
    return Batch(kind, records, provenance.reset_index(drop=True), sources, problems, notes, cleared,
                 tz=prof.tz if kind in ("calls", "transfers") else None,
                 left_out=sum(s.left_out for s in sources))


def write_quarantine(problems: Sequence[RowProblem], path: str | Path) -> Path:
    """Write rejected rows to a UTF-8 CSV file (appending if it exists).

    Columns: file, row, reason, category, and values (the raw row as a JSON object).
    """
    p = Path(path)
    keys: list[str] = []
    for prob in problems:
        for k in prob.values:
            if k not in keys:
                keys.append(k)
    new = not p.exists() or p.stat().st_size == 0
    with p.open("a", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        if new:
            w.writerow(["file", "row", "reason", "category", "values"])
        for prob in problems:
            values = {k: (None if pd.isna(v) else v) for k, v in prob.values.items()}
            w.writerow([prob.file, prob.row, prob.reason, problem_category(prob.reason),
                        json.dumps(values, ensure_ascii=False)])
    return p
