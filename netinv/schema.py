"""Canonical record kinds, their fields, and the validated-frame schemas.

The column names here are also the property keys in the graph (design card: no mapping layer
between frames and the graph).  Each adapter turns a raw export into one of these frames.

>>> [f.name for f in RECORD_KINDS["calls"].fields][:4]
['caller', 'callee', 'start', 'duration_s']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pandas as pd

if TYPE_CHECKING:  # pandera is imported when a schema is first built (it takes about 0.4 s)
    import pandera.pandas as pa

__all__ = ["Field", "RecordKind", "RECORD_KINDS", "KIND_NAMES", "canonical_schema", "record_kind"]

FieldType = Literal["phone", "account", "text", "id_number", "time", "date", "int", "float", "kind"]


@dataclass(frozen=True)
class Field:
    """One canonical field: its name, how raw values are parsed, and whether it is required."""

    name: str
    type: FieldType
    required: bool = False
    doc: str = ""


@dataclass(frozen=True)
class RecordKind:
    """A kind of record (calls, transfers, holders, arrests) and its canonical fields."""

    name: str
    fields: tuple[Field, ...]
    #: fields that form the record's identity (its ``record_id`` is a hash of them)
    identity: tuple[str, ...]
    #: fields that define the record and can never be cleared (see ``keep_invalid``)
    core: tuple[str, ...] = ()
    #: at least one of these must be present in each row (empty tuple: no such rule)
    one_of: tuple[str, ...] = ()
    doc: str = ""

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields if f.required]

    @property
    def clearable(self) -> list[str]:
        """Fields whose invalid values may be cleared (kept as unknown) instead of rejecting the row."""
        return [f.name for f in self.fields if f.name not in self.core]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


CALLS = RecordKind(
    "calls",
    (
        Field("caller", "phone", True, "calling number (E.164 after normalisation)"),
        Field("callee", "phone", True, "called number"),
        Field("start", "time", True, "start of the call, with time zone"),
        Field("duration_s", "int", True, "duration in seconds (0 for an SMS)"),
        Field("kind", "kind", False, "voice or sms"),
        Field("cell_id", "text", False, "cell tower of the caller"),
        Field("imei", "text", False, "handset IMEI of the caller"),
        Field("callee_cell_id", "text", False, "cell tower of the callee (an incoming call's record gives "
                                               "hers: --incoming reads its cell here)"),
        Field("callee_imei", "text", False, "handset IMEI of the callee (as callee_cell_id)"),
    ),
    # the callee's cell and handset are left out: a workspace made before they were read keeps its
    # record ids, and a call that takes them from a later load's row (netinv.callmatch) keeps an id
    # that is the hash of its identity fields
    identity=("caller", "callee", "start", "duration_s", "kind", "cell_id", "imei"),
    core=("caller", "callee", "start"),
    doc="phone call records (CDRs)",
)

TRANSFERS = RecordKind(
    "transfers",
    (
        Field("payer_account", "account", True, "account money left"),
        Field("payee_account", "account", True, "account money went to"),
        Field("amount", "float", True, "amount, never negative"),
        Field("currency", "text", True, "ISO 4217 code such as CNY"),
        Field("time", "time", True, "time of the transfer, with time zone"),
        Field("channel", "text", False, "bank, mobile payment, cash deposit..."),
        Field("payer_name", "text", False, "name on the paying account"),
        Field("payee_name", "text", False, "name on the receiving account"),
        Field("reference", "text", False, "transaction id of a single-source export (never of a two-sided "
                                           "statement: each bank numbers its side differently)"),
        Field("memo", "text", False, "the transfer's memo or purpose line (附言, 摘要): evidence, never a key"),
    ),
    # names and memos are left out of the identity: the two banks' statements of one transfer may
    # spell a name differently or word the memo each its own way, and they must still become one
    # transfer (the first statement loaded gives the record its name and memo; the provenance
    # leads to the other's row).
    identity=("payer_account", "payee_account", "amount", "currency", "time", "channel", "reference"),
    core=("payer_account", "payee_account", "amount", "currency", "time"),
    doc="money transfers (bank statements, mobile payments)",
)

HOLDERS = RecordKind(
    "holders",
    (
        Field("person_id", "text", True, "the case file's identifier for the person"),
        Field("name", "text", True, "name as recorded"),
        Field("id_number", "id_number", False, "national ID number (checked, never a key if bad)"),
        Field("phone", "phone", False, "a phone the person uses"),
        Field("account", "account", False, "an account the person holds"),
    ),
    identity=("person_id", "name", "id_number", "phone", "account"),
    core=("person_id", "name"),
    one_of=("phone", "account"),
    doc="who uses a phone or holds an account",
)

ARRESTS = RecordKind(
    "arrests",
    (
        Field("case_id", "text", True, "case file number"),
        Field("person_id", "text", True, "the case file's identifier for the person"),
        Field("name", "text", True, "name as recorded"),
        Field("id_number", "id_number", False, "national ID number"),
        Field("date", "date", True, "date of the arrest"),
        Field("charge", "text", False, "charge"),
        Field("drug", "text", False, "drug seized"),
        Field("quantity_g", "float", False, "quantity seized in grams, never negative"),
        Field("phone", "phone", False, "phone seized or used by the person"),
        Field("account", "account", False, "account held by the person"),
        Field("location", "text", False, "place of the arrest"),
    ),
    identity=(
        "case_id", "person_id", "name", "id_number", "date", "charge", "drug", "quantity_g",
        "phone", "account", "location",
    ),
    core=("case_id", "person_id", "name", "date"),
    doc="arrest and case records",
)

RECORD_KINDS: dict[str, RecordKind] = {k.name: k for k in (CALLS, TRANSFERS, HOLDERS, ARRESTS)}
KIND_NAMES = tuple(RECORD_KINDS)


def record_kind(name: str) -> RecordKind:
    """Return the record kind called ``name`` or raise ``KeyError`` naming the valid ones."""
    try:
        return RECORD_KINDS[name]
    except KeyError:
        raise KeyError(f"unknown record kind {name!r}; expected one of {', '.join(KIND_NAMES)}") from None


def _column(f: Field, core: bool) -> pa.Column:
    import pandera.pandas as pa

    nullable = not core
    if f.type == "time":
        return pa.Column(pd.DatetimeTZDtype("us", "UTC"), nullable=nullable)
    if f.type == "date":
        return pa.Column("datetime64[us]", nullable=nullable)
    if f.type == "int":
        return pa.Column("Int64", pa.Check.ge(0, error="negative"), nullable=nullable)
    if f.type == "float":
        return pa.Column("Float64", pa.Check.ge(0, error="negative"), nullable=nullable)
    if f.type == "kind":
        return pa.Column(str, pa.Check.isin(["voice", "sms"], error="not voice or sms"), nullable=nullable)
    checks = [pa.Check.str_length(min_value=1, error="empty")]
    if f.name == "currency":
        checks.append(pa.Check.str_matches(r"^[A-Z]{3}$", error="not a 3-letter currency code"))
    return pa.Column(str, checks, nullable=nullable)


_SCHEMAS: dict[str, pa.DataFrameSchema] = {}


def canonical_schema(kind: str) -> pa.DataFrameSchema:
    """The pandera schema every canonical frame of ``kind`` satisfies after an adapter ran."""
    if kind not in _SCHEMAS:
        import pandera.pandas as pa

        rk = record_kind(kind)
        cols = {f.name: _column(f, f.name in rk.core) for f in rk.fields}
        cols["record_id"] = pa.Column(str, pa.Check.str_length(64, 64), unique=True)
        if any(f.type == "id_number" for f in rk.fields):
            cols["id_number_valid"] = pa.Column("boolean", nullable=True)
        _SCHEMAS[kind] = pa.DataFrameSchema(cols, strict=True, ordered=False, coerce=False)
    return _SCHEMAS[kind]
