"""Profiles: how one export format maps onto the canonical records.

A new carrier, bank or case-system export is a profile (a dict or a TOML file), not a code change.
A profile names, for each canonical field, the source column(s) that may hold it, and how to read
the file (encodings, delimiter, time format, time zone, phone region, number format).

Built-in profiles:

``generic``
    Columns already named as the canonical fields; CSV, Excel or Parquet; UTF-8.
``cdr-cn``
    Carrier call detail records with Chinese headers (主叫号码, 被叫号码, 通话开始时间, 通话时长,
    基站号, IMEI), UTF-8 or GBK/GB18030, times in Asia/Shanghai, numbers in region CN.
``cdr-sheet-cn``
    One phone's call sheet (话单: 本机号码, 对方号码, 呼叫类型 主叫/被叫, 通话起始时间, 通话时长,
    基站, IMEI): each row is turned into caller -> callee by its direction; an incoming row's cell
    and handset are the callee's (``callee_cell_id``, ``callee_imei``).
``bank-cn``
    One account's bank statement (交易卡号, 交易时间, 交易金额, 借贷标志, 对方账号, 对方户名...):
    each row is turned into payer -> payee by its debit/credit flag.
``holders-cn`` / ``case-cn``
    Phone and account attribution, and arrest records, as exported by a case file system.

A TOML profile looks like this::

    name = "vast"
    kind = "calls"
    time_format = "%Y%m%d %H%M"
    tz = "UTC"
    raw_ids = true
    [columns]
    caller = "From"
    callee = "To"
    start = "Datetime"
    duration_s = "Duration(seconds)"
    cell_id = "Cell Tower"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Iterable

from .errors import ProfileError
from .schema import KIND_NAMES, record_kind

__all__ = ["Profile", "Statement", "CallSheet", "BUILTIN_PROFILES", "get_profile", "load_profile", "parse_map",
           "parse_where"]


@dataclass(frozen=True)
class Statement:
    """How to turn one account's statement rows into payer -> payee transfers."""

    account: tuple[str, ...]
    counterpart: tuple[str, ...]
    direction: tuple[str, ...]
    debit: tuple[str, ...] = ("借", "D", "DR", "出", "支出", "转出", "debit")
    credit: tuple[str, ...] = ("贷", "C", "CR", "入", "收入", "转入", "credit")
    name: tuple[str, ...] = ()
    counterpart_name: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Statement":
        return _one_sided(cls, d, "statement", ("account", "counterpart", "direction"))


@dataclass(frozen=True)
class CallSheet:
    """How to turn one phone's call sheet (each row from that phone's side: 本机号码, 对方号码,
    呼叫类型 主叫/被叫) into caller -> callee calls.  An incoming row's cell and handset are the
    phone's own, the callee's: its call has them as ``callee_cell_id`` and ``callee_imei``."""

    phone: tuple[str, ...]
    other: tuple[str, ...]
    direction: tuple[str, ...]
    outgoing: tuple[str, ...] = ("主叫", "MOC", "主叫(MOC)", "短信发送", "发送", "outgoing", "out")
    incoming: tuple[str, ...] = ("被叫", "MTC", "被叫(MTC)", "短信接收", "接收", "incoming", "in")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "CallSheet":
        return _one_sided(cls, d, "call_sheet", ("phone", "other", "direction"))


def _one_sided(cls, d: dict[str, Any], what: str, needed: tuple[str, ...]):
    """A :class:`Statement` or :class:`CallSheet` from a profile's table, with clear errors."""
    unknown = set(d) - {f.name for f in fields(cls)}
    if unknown:
        raise ProfileError(f"unknown {what} key(s): {', '.join(sorted(unknown))}")
    for key in needed:
        if key not in d:
            raise ProfileError(f"{what} profile needs '{key}' (the column holding it)")
    return cls(**{k: _alts(v) for k, v in d.items()})


def _alts(v: str | Iterable[str]) -> tuple[str, ...]:
    if isinstance(v, str):
        return (v,)
    return tuple(str(x) for x in v)


@dataclass(frozen=True)
class Profile:
    """How to read one export format.  ``columns`` maps canonical field -> candidate headers."""

    name: str
    kind: str | None = None
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    encodings: tuple[str, ...] = ("utf-8-sig",)
    delimiter: str | None = None
    skip_rows: int = 0
    #: the Excel sheet to read (name, or 0-based position); None: the workbook's only sheet with data
    sheet: str | int | None = None
    time_format: str | None = None
    date_format: str | None = None
    tz: str | None = None
    region: str | None = None
    raw_ids: bool = False
    decimal: str = "."
    thousands: str = ","
    constants: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    statement: Statement | None = None
    call_sheet: CallSheet | None = None
    description: str = ""
    #: the rows to read: column header -> the values it must hold (any of them).  Rows that hold
    #: another value are left out, counted per value and reported, never rejected: a bank
    #: statement's failed transactions, a case file's victims and witnesses
    where: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: calls: the rows that are the callee's carrier's record of a call (column header -> values,
    #: e.g. 呼叫类型 = 被叫): their cell and handset are read as the callee's
    incoming: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def candidates(self, field_name: str) -> tuple[str, ...]:
        """Headers that may hold ``field_name``; the canonical name itself is always one."""
        alts = self.columns.get(field_name, ())
        return alts + ((field_name,) if field_name not in alts else ())

    def for_kind(self, kind: str) -> "Profile":
        """Check that this profile can read records of ``kind``."""
        record_kind(kind)
        if self.kind is not None and self.kind != kind:
            raise ProfileError(f"profile {self.name!r} reads {self.kind}, not {kind}")
        if self.incoming and kind != "calls":
            raise ProfileError(f"profile {self.name!r}: incoming names the callee's rows of calls; it does not "
                               f"apply to {kind}")
        if self.call_sheet is not None and kind != "calls":
            raise ProfileError(f"profile {self.name!r} is a call sheet profile; load it as calls")
        if self.statement is not None and kind != "transfers":
            raise ProfileError(f"profile {self.name!r} is a bank statement profile; load it as transfers")
        return self

    def with_options(
        self,
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
    ) -> "Profile":
        """A copy with command-line options applied on top (given options win)."""
        changes: dict[str, Any] = {}
        if mapping:
            cols = dict(self.columns)
            for k, v in mapping.items():
                cols[k] = (v,)
            changes["columns"] = cols
        if constants:
            changes["constants"] = {**self.constants, **constants}
        if region is not None:
            changes["region"] = region
        if raw_ids is not None:
            changes["raw_ids"] = raw_ids
        if tz is not None:
            changes["tz"] = tz
        if time_format is not None:
            changes["time_format"] = time_format
        if encoding is not None:
            changes["encodings"] = (encoding,)
        if delimiter is not None:
            changes["delimiter"] = delimiter
        if sheet is not None:
            changes["sheet"] = sheet
        if where:  # a column given on the command line takes the values given there
            changes["where"] = {**self.where, **where}
        if incoming:
            changes["incoming"] = {**self.incoming, **incoming}
        return replace(self, **changes) if changes else self

    @classmethod
    def from_dict(cls, d: dict[str, Any], origin: str = "profile") -> "Profile":
        """Build a profile from a dict (as read from TOML); unknown keys are an error."""
        d = dict(d)
        known = {f.name for f in fields(cls)} | {"encoding"}
        unknown = set(d) - known
        if unknown:
            raise ProfileError(f"{origin}: unknown key(s) {', '.join(sorted(unknown))}")
        if "encoding" in d:
            d["encodings"] = d.pop("encoding")
        if "encodings" in d:
            d["encodings"] = _alts(d["encodings"])
        kind = d.get("kind")
        if kind is not None and kind not in KIND_NAMES:
            raise ProfileError(f"{origin}: kind must be one of {', '.join(KIND_NAMES)}, not {kind!r}")
        cols = {k: _alts(v) for k, v in (d.get("columns") or {}).items()}
        if kind is not None:
            names = set(record_kind(kind).field_names)
            bad = set(cols) - names
            if bad:
                raise ProfileError(
                    f"{origin}: {', '.join(sorted(bad))} is not a field of {kind} "
                    f"(fields: {', '.join(record_kind(kind).field_names)})"
                )
        d["columns"] = cols
        for key in ("where", "incoming"):
            d[key] = {str(k): _alts(v) for k, v in (d.get(key) or {}).items()}
            empty = [k for k, v in d[key].items() if not v]
            if empty:
                raise ProfileError(f"{origin}: [{key}] {empty[0]} lists no value")
        if d.get("statement") is not None:
            d["statement"] = Statement.from_dict(d["statement"])
        if d.get("call_sheet") is not None:
            d["call_sheet"] = CallSheet.from_dict(d["call_sheet"])
        d.setdefault("name", origin)
        try:
            return cls(**d)
        except TypeError as e:
            raise ProfileError(f"{origin}: {e}") from e


def parse_map(items: Iterable[str], option: str = "--map", value_name: str = "Column") -> dict[str, str]:
    """Parse ``--map field=Column`` (or ``--constant field=VALUE``) options into a dict, with a clear
    error for a bad one."""
    out: dict[str, str] = {}
    for item in items:
        key, eq, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not eq or not key or not value:
            raise ProfileError(f"{option} expects field={value_name}, got {item!r}")
        out[key] = value
    return out


def parse_where(items: Iterable[str], option: str = "--where") -> dict[str, tuple[str, ...]]:
    """Parse ``--where COLUMN=VALUE`` (or ``--incoming``) options: the values given for one column
    are alternatives."""
    out: dict[str, tuple[str, ...]] = {}
    for item in items:
        key, eq, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not eq or not key or not value:
            raise ProfileError(f"{option} expects COLUMN=VALUE, got {item!r}")
        out[key] = out.get(key, ()) + (value,)
    return out


def load_profile(path: str | Path) -> Profile:
    """Read a profile from a TOML file."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ProfileError(f"profile file not found: {p}") from e
    except tomllib.TOMLDecodeError as e:
        raise ProfileError(f"{p}: not valid TOML: {e}") from e
    return Profile.from_dict(data, origin=str(p))


_CN = dict(encodings=("utf-8-sig", "gb18030"), tz="Asia/Shanghai", region="CN")

BUILTIN_PROFILES: dict[str, Profile] = {
    "generic": Profile(
        name="generic",
        description="columns named as the canonical fields; CSV, Excel or Parquet; UTF-8",
    ),
    "cdr-cn": Profile(
        name="cdr-cn",
        kind="calls",
        description="carrier CDR with Chinese headers; UTF-8 or GBK; Asia/Shanghai; region CN",
        columns={
            "caller": ("主叫号码", "主叫"),
            "callee": ("被叫号码", "被叫"),
            "start": ("通话开始时间", "开始时间", "起始时间"),
            "duration_s": ("通话时长", "通话时长(秒)", "时长"),
            "kind": ("通话类型", "业务类型"),
            "cell_id": ("基站号", "基站", "小区号", "LAC-CI"),
            "imei": ("IMEI", "imei", "串号"),
        },
        values={"kind": {"语音": "voice", "通话": "voice", "短信": "sms",
                         "SMS": "sms", "voice": "voice", "sms": "sms"}},
        **_CN,
    ),
    "cdr-sheet-cn": Profile(
        name="cdr-sheet-cn",
        kind="calls",
        description="one phone's call sheet (话单: 本机号码, 对方号码, 呼叫类型 主叫/被叫); UTF-8 or GBK; "
                    "Asia/Shanghai; region CN",
        columns={
            "start": ("通话起始时间", "通话开始时间", "开始时间", "起始时间"),
            "duration_s": ("通话时长", "通话时长(秒)", "时长"),
            "kind": ("业务类型",),
            "cell_id": ("基站号", "基站", "基站代码", "小区号", "LAC-CI"),
            "imei": ("IMEI", "imei", "串号"),
        },
        call_sheet=CallSheet(phone=("本机号码", "本机", "用户号码"), other=("对方号码", "对端号码", "对方"),
                             direction=("呼叫类型", "主被叫", "通话类型")),
        values={"kind": {"语音": "voice", "通话": "voice", "短信": "sms",
                         "SMS": "sms", "voice": "voice", "sms": "sms"}},
        **_CN,
    ),
    "bank-cn": Profile(
        name="bank-cn",
        kind="transfers",
        description="one account's bank statement with a debit/credit flag (借贷标志); UTF-8 or GBK",
        columns={
            "amount": ("交易金额", "金额"),
            "time": ("交易时间", "交易日期时间"),
            "currency": ("币种",),
            "channel": ("交易渠道", "渠道"),
            # the payer's own words (附言) where the statement has them, else the bank's summary line (摘要)
            "memo": ("附言", "交易附言", "备注", "用途", "摘要", "交易摘要"),
        },
        statement=Statement(
            account=("交易卡号", "本方账号", "账号"),
            counterpart=("对方账号", "对方卡号", "交易对手账号"),
            direction=("借贷标志", "收付标志"),
            name=("户名", "本方户名", "交易户名"),
            counterpart_name=("对方户名", "交易对手户名"),
        ),
        constants={"currency": "CNY"},
        values={"currency": {"人民币": "CNY", "RMB": "CNY", "CNY": "CNY", "美元": "USD", "USD": "USD"}},
        **_CN,
    ),
    "holders-cn": Profile(
        name="holders-cn",
        kind="holders",
        description="phone and account attribution from a case file system, Chinese headers",
        columns={
            "person_id": ("人员编号",),
            "name": ("姓名",),
            "id_number": ("身份证号", "公民身份号码", "证件号码"),
            "phone": ("手机号码", "电话号码", "手机号"),
            "account": ("银行账号", "账号", "银行卡号"),
        },
        **_CN,
    ),
    "case-cn": Profile(
        name="case-cn",
        kind="arrests",
        description="arrest records from a case file system, Chinese headers",
        columns={
            "case_id": ("案件编号",),
            "person_id": ("人员编号",),
            "name": ("姓名",),
            "id_number": ("身份证号", "公民身份号码"),
            "date": ("抓获日期", "抓获时间"),
            "charge": ("涉嫌罪名", "罪名"),
            "drug": ("毒品种类",),
            "quantity_g": ("缴获数量(克)", "缴获数量", "查获毒品(克)"),
            "phone": ("手机号码", "手机号"),
            "account": ("银行账号",),
            "location": ("抓获地点",),
        },
        **_CN,
    ),
}


def get_profile(name_or_path: str | None, kind: str) -> Profile:
    """A built-in profile by name, or a TOML profile by path; ``None`` means ``generic``."""
    if name_or_path is None:
        return BUILTIN_PROFILES["generic"].for_kind(kind)
    if name_or_path in BUILTIN_PROFILES:
        return BUILTIN_PROFILES[name_or_path].for_kind(kind)
    if name_or_path.endswith(".toml") or Path(name_or_path).exists():
        return load_profile(name_or_path).for_kind(kind)
    raise ProfileError(
        f"unknown profile {name_or_path!r}; built-in profiles: {', '.join(BUILTIN_PROFILES)} "
        "(or give the path of a .toml file)"
    )
