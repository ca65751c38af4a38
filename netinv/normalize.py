"""Parsing and normalisation of raw field values, column at a time.

Every parser takes a pandas Series of raw strings (``""`` or NA for an empty cell) and returns
``(values, errors)``: the parsed values, and a Series holding a reason string for each value that
could not be parsed (NA where the value was fine or empty).  Nothing is dropped or guessed
silently: a value either parses by a stated rule or gets a reason.

>>> v, e = phones(pd.Series(["138 0013 8000", "12"]), region="CN")
>>> v.tolist()[0], e.tolist()[1]
('+8613800138000', "not a phone number for region CN: '12'")
"""

from __future__ import annotations

import re
from datetime import timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import phonenumbers
from phonenumbers import shortnumberinfo

from .errors import ProfileError

__all__ = [
    "clean",
    "phones",
    "accounts",
    "texts",
    "id_numbers",
    "valid_cn_id",
    "handset_keys",
    "no_handset_note",
    "handset_codes",
    "times",
    "dates",
    "integers",
    "durations",
    "amounts",
    "zone",
    "AUTO_TIME_FORMATS",
]

NA = pd.NA


def clean(raw: pd.Series) -> pd.Series:
    """Strip whitespace (including full-width spaces); empty cells become NA."""
    s = raw.astype("string").str.strip().str.strip("\u3000\ufeff")
    return s.mask(s == "", NA)


def _no_errors(index) -> pd.Series:
    return pd.Series(NA, index=index, dtype="string")


def _map_unique(s: pd.Series, fn) -> tuple[pd.Series, pd.Series]:
    """Apply ``fn(value) -> (normalised | None, reason | None)`` once per distinct value."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    got = [fn(u) for u in uniques.tolist()]
    vals = np.array([g[0] for g in got] + [None], dtype=object)
    why = np.array([g[1] for g in got] + [None], dtype=object)
    # code -1 (missing) picks the trailing None
    values = pd.Series(vals[codes], index=s.index, dtype="string")
    errors = pd.Series(why[codes], index=s.index, dtype="string")
    return values, errors


def phones(raw: pd.Series, region: str | None = None, raw_ids: bool = False) -> tuple[pd.Series, pd.Series]:
    """Normalise phone numbers to E.164 (``+8613800138000``).

    Short service numbers (``95588``, ``10086``) are valid only within a region and have no E.164
    form; they become ``CN:95588``.  With ``raw_ids=True`` values are anonymised identifiers and
    are kept as they are (stripped).
    """
    s = clean(raw)
    if raw_ids:
        return s, _no_errors(s.index)
    region = (region or "").upper() or None
    return _map_unique(s, lambda v: _phone(v, region))


@lru_cache(maxsize=1 << 20)
def _phone(value: str, region: str | None) -> tuple[str | None, str | None]:
    if True:
        digits = re.sub(r"[\s\-().]", "", value)
        if digits.startswith("00"):
            digits = "+" + digits[2:]
        try:
            num = phonenumbers.parse(digits, region)
        except phonenumbers.NumberParseException:
            num = None
        if num is not None and phonenumbers.is_valid_number(num):
            return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164), None
        if region and digits.isdigit() and 3 <= len(digits) <= 8:
            short = phonenumbers.parse(digits, region)
            if shortnumberinfo.is_valid_short_number_for_region(short, region):
                return f"{region}:{digits}", None
        # numbering plans change faster than libraries: accept a number of a possible length
        if num is not None and phonenumbers.is_possible_number(num) and len(str(num.national_number)) >= 7:
            return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164), None
        if region is None and not digits.startswith("+"):
            return None, f"no region for national number {value!r}; pass --region or --raw-ids"
        return None, f"not a phone number for region {region or 'any'}: {value!r}"


_ACCOUNT_DIGITS = re.compile(r"^[0-9][0-9 \-]*[0-9]$")
_ACCOUNT_OK = re.compile(r"^[A-Za-z0-9@._:+\-]+$")


def accounts(raw: pd.Series, raw_ids: bool = False) -> tuple[pd.Series, pd.Series]:
    """Normalise account identifiers.

    Card and account numbers written with spaces or hyphens (``6222 0212 3456``) lose them;
    IBAN-like codes are upper-cased; mobile-payment handles (e-mail, phone) are kept.
    """
    s = clean(raw)
    if raw_ids:
        return s, _no_errors(s.index)

    def one(value: str):
        if _ACCOUNT_DIGITS.match(value):
            return re.sub(r"[ \-]", "", value), None
        compact = value.replace(" ", "")
        if not _ACCOUNT_OK.match(compact):
            return None, f"not an account identifier: {value!r}"
        if "@" in compact:
            return compact.lower(), None
        return compact.upper(), None

    return _map_unique(s, one)


def texts(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Free text: stripped, internal runs of whitespace kept as written."""
    s = clean(raw)
    return s, _no_errors(s.index)


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def valid_cn_id(value: str) -> bool:
    """True for a well-formed PRC resident identity number.

    18 characters: 17 digits whose ISO 7064 MOD 11-2 check character is the 18th, and a real
    birth date in positions 7-14.  The old 15-digit form has no check digit; its date is checked.

    >>> valid_cn_id("11010519491231002X"), valid_cn_id("110105194912310021")
    (True, False)
    """
    v = value.upper()
    if len(v) == 18 and v[:17].isdigit() and (v[17].isdigit() or v[17] == "X"):
        total = sum(int(c) * w for c, w in zip(v[:17], _ID_WEIGHTS))
        if _ID_CHECK[total % 11] != v[17]:
            return False
        birth = v[6:14]
    elif len(v) == 15 and v.isdigit():
        birth = "19" + v[6:12]
    else:
        return False
    try:
        pd.Timestamp(f"{birth[:4]}-{birth[4:6]}-{birth[6:8]}")
    except ValueError:
        return False
    return True


def id_numbers(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Upper-cased identity numbers and a boolean Series saying which are valid PRC IDs.

    A bad number is kept as written (nothing is changed) but flagged, so that it is reported and
    never used as a key.  The second value returned is the validity flag, not an error Series.
    """
    s = clean(raw).str.upper().str.replace(" ", "", regex=False)
    uniq = {u: valid_cn_id(u) for u in s.dropna().unique()}
    valid = s.map(uniq).astype("boolean")
    return s, valid


#: what an IMEI (14-16 digits) or a CDMA MEID (14 hex digits) looks like, written without separators
_HANDSET = r"[0-9]{14,16}|[0-9A-F]{14}"
#: one digit 14 times: a placeholder
_ONE_DIGIT = "|".join(f"{c}{{14}}" for c in "0123456789ABCDEF")


def handset_keys(values: pd.Series) -> pd.Series:
    """The handset each IMEI (or CDMA MEID) value names, as a key to compare: the first 14 digits
    (type allocation code and serial number), so that one handset written with its check digit,
    with a spare 0 in its place (as many networks report it) or as an IMEISV (two software-version
    digits) is one key; NA where the value cannot name a handset: not 14-16 digits (or 14 hex
    digits), one digit repeated (``000000000000000``), or a test IMEI (first eight digits 0).  The
    records keep the values as written; analyses compare these keys, so that a placeholder never
    links two phones.

    >>> handset_keys(pd.Series(["356938035643809", "35693803564380-00", "000000000000000", "n/a"])).tolist()
    ['35693803564380', '35693803564380', <NA>, <NA>]
    """
    codes, uniques = pd.factorize(values)  # each distinct value once: millions of calls, few handsets
    written = clean(pd.Series(uniques, dtype="string")).str.upper().str.replace(r"[\s\-./]", "", regex=True)
    key = written.str.slice(0, 14)  # whole columns at once: 165,125 values in 0.1 s, not 0.5 s one by one
    names = written.str.fullmatch(_HANDSET).fillna(False) & ~key.str.fullmatch(_ONE_DIGIT).fillna(False) \
        & ~key.str.startswith("00000000").fillna(False)
    table = np.append(key.where(names).to_numpy(dtype=object, na_value=None), None)  # the last: code -1
    return pd.Series(table[codes], index=values.index, dtype="string")


def handset_codes(values: pd.Series) -> np.ndarray:
    """:func:`handset_keys` as integer codes (one per handset, -1 where a value names none), without
    writing out a key for every value: for millions of call ends with a few thousand handsets."""
    codes, uniques = pd.factorize(values)
    keys, _ = pd.factorize(handset_keys(pd.Series(uniques, dtype="string")))
    return np.append(keys, -1)[codes]  # the last: a missing value (code -1)


def no_handset_note(values: pd.Series, shown: int = 3, *, counts: pd.Series | None = None) -> str | None:
    """A note naming the IMEI values (as written, with their counts) that :func:`handset_keys`
    finds name no handset, or None where every value names one.  ``values``: one per call end;
    or, with ``counts`` (how many call ends have each), each value once."""
    if counts is None:
        codes, uniques = pd.factorize(values)  # each distinct value once
        n = np.bincount(codes[codes >= 0], minlength=len(uniques))
    else:
        uniques, n = values.to_numpy(), np.asarray(counts, dtype=np.int64)
    if not len(uniques):
        return None
    written = clean(pd.Series(uniques, dtype="string"))
    counts = pd.Series(n, index=written.to_numpy())
    bad = counts[(handset_keys(written).isna() & written.notna()).to_numpy()]
    bad = bad.groupby(level=0).sum().sort_values(ascending=False, kind="stable")
    if bad.empty:
        return None
    top = ", ".join(f"{v!r} ×{n:,}" for v, n in bad.head(shown).items())
    more = f" and {len(bad) - shown:,} other value(s)" if len(bad) > shown else ""
    return (f"the IMEIs of {int(bad.sum()):,} call end(s) name no handset and are not compared ({top}{more}): "
            "not 14-16 digits, one digit repeated, or a test IMEI")


def zone(name: str | None):
    """A tz database zone for ``name`` (``Asia/Shanghai``, ``UTC``, ``+08:00``)."""
    if name is None:
        return None
    m = re.fullmatch(r"(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?", name.strip())
    if m:
        sign = 1 if m.group(1) == "+" else -1
        hours, minutes = int(m.group(2)), int(m.group(3) or 0)
        from datetime import timedelta

        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ProfileError(f"unknown time zone {name!r} (use a tz database name such as Asia/Shanghai)") from e


#: formats tried in order when no ``--time-format`` is given: only unambiguous, year-first ones
AUTO_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y%m%d%H%M%S",
    "%Y%m%d %H%M%S",
    "%Y%m%d %H%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日%H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
)
AUTO_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y.%m.%d")

_HAS_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")


def _parse_formats(s: pd.Series, formats) -> pd.Series:
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    todo = s.copy()
    for fmt in formats:
        if todo.empty:
            break
        got = pd.to_datetime(todo, format=fmt, errors="coerce")
        ok = got.notna()
        if ok.any():
            out.loc[ok[ok].index] = got[ok].astype("datetime64[us]")
            todo = todo[~ok]
    return out


def times(
    raw: pd.Series, time_format: str | None = None, tz: str | None = None
) -> tuple[pd.Series, pd.Series, int | None]:
    """Parse timestamps to UTC.

    Values carrying an offset (``2024-03-05T14:03:22+08:00``) keep it; naive ones are read in
    zone ``tz``.  ``time_format`` is a ``strptime`` pattern, or ``epoch`` / ``epoch_ms``.
    Returns ``(values, errors, first_naive_position)``; the last is the position of the first
    naive value when no ``tz`` was given (the caller turns that into an error naming the row).
    """
    s = clean(raw)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us, UTC]")
    errors = _no_errors(s.index)
    present = s.dropna()
    if present.empty:
        return out, errors, None
    fmt_text = time_format or "an unambiguous year-first format"
    if time_format in ("epoch", "epoch_ms"):
        num = pd.to_numeric(present, errors="coerce")
        unit = "s" if time_format == "epoch" else "ms"
        got = pd.to_datetime(num, unit=unit, utc=True, errors="coerce")
        bad = got.isna()
        out.loc[got.index] = got.astype("datetime64[us, UTC]")
        errors.loc[bad[bad].index] = "cannot read time " + present[bad].map(repr) + f" as {time_format}"
        return out, errors, None
    aware_mask = present.str.contains(_HAS_OFFSET)
    aware = present[aware_mask]
    naive = present[~aware_mask]
    if not aware.empty:
        if time_format:
            got = pd.to_datetime(aware, format=time_format, errors="coerce", utc=True)
        else:
            got = pd.to_datetime(aware, format="ISO8601", errors="coerce", utc=True)
        bad = got.isna()
        out.loc[got.index[~bad]] = got[~bad].astype("datetime64[us, UTC]")
        if bad.any():
            errors.loc[bad[bad].index] = "cannot read time " + aware[bad].map(repr) + f" (expected {fmt_text})"
    first_naive = None
    if not naive.empty:
        local = _parse_formats(naive, [time_format] if time_format else AUTO_TIME_FORMATS)
        bad = local.isna()
        if bad.any():
            errors.loc[bad[bad].index] = "cannot read time " + naive[bad].map(repr) + f" (expected {fmt_text})"
            if not time_format:
                _name_dates_without_times(naive[bad], errors)
        good = local[~bad]
        if tz is None:
            if not good.empty:
                first_naive = int(s.index.get_loc(good.index[0]))
        else:
            z = zone(tz)
            loc = good.dt.tz_localize(z, ambiguous="NaT", nonexistent="NaT")
            gap = loc.isna()
            if gap.any():
                errors.loc[gap[gap].index] = (
                    "local time " + naive[gap[gap].index].map(repr) + f" does not exist or is ambiguous in {tz}"
                )
            out.loc[loc.index[~gap]] = loc[~gap].dt.tz_convert("UTC").astype("datetime64[us, UTC]")
    return out, errors, first_naive


def _name_dates_without_times(values: pd.Series, errors: pd.Series) -> None:
    """Say so where an unread time is a date alone, and how to read such dates (as midnight)."""
    todo = values
    for fmt in AUTO_DATE_FORMATS:
        if todo.empty:
            return
        ok = pd.to_datetime(todo, format=fmt, errors="coerce").notna()
        errors.loc[ok[ok].index] = (
            "cannot read time " + todo[ok].map(repr)
            + f": a date without a time of day (where the records give dates only, --time-format '{fmt}' reads"
              " them as midnight)")
        todo = todo[~ok]


def dates(raw: pd.Series, date_format: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse calendar dates (no time of day, no zone)."""
    s = clean(raw)
    present = s.dropna()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    errors = _no_errors(s.index)
    if present.empty:
        return out, errors
    formats = [date_format] if date_format else AUTO_DATE_FORMATS
    got = _parse_formats(present, formats)
    if not date_format:
        # a full timestamp in a date column: keep its date only if the time is midnight
        rest = got.isna()
        if rest.any():
            full = _parse_formats(present[rest], AUTO_TIME_FORMATS)
            midnight = full.notna() & (full == full.dt.normalize())
            got.loc[full.index[midnight]] = full[midnight]
    bad = got.isna()
    out.loc[got.index] = got
    if bad.any():
        errors.loc[bad[bad].index] = "cannot read date " + present[bad].map(repr) + (
            f" (expected {date_format})" if date_format else " (expected a year-first date)"
        )
    return out, errors


_DURATION_CN = r"^(?:(\d+)(?:小时|时))?(?:(\d+)分(?:钟)?)?(?:(\d+)秒)?$"
_DURATION_HMS = r"^(-?)(\d+):(\d{1,2})(?::(\d{1,2}))?$"


def durations(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Durations in whole seconds from ``75``, ``75.0``, ``1:15``, ``00:01:15`` or ``1分15秒``."""
    s = clean(raw)
    present = s.dropna()
    out = pd.Series(NA, index=s.index, dtype="Int64")
    errors = _no_errors(s.index)
    if present.empty:
        return out, errors
    num = pd.to_numeric(present, errors="coerce")
    integral = num.notna() & (num == np.floor(num))
    out.loc[num.index[integral]] = num[integral].astype("int64")
    rest = present[~integral]
    if rest.empty:
        return out, errors
    got = pd.Series(np.nan, index=rest.index)
    hms = rest.str.extract(_DURATION_HMS)
    has = hms[1].notna()
    if has.any():
        h = hms[1].where(hms[3].notna(), "0").astype(float)
        m = hms[2].where(hms[3].notna(), hms[1]).astype(float)
        sec = hms[3].where(hms[3].notna(), hms[2]).astype(float)
        ok = has & (sec < 60) & ((m < 60) | hms[3].isna())
        total = (h * 3600 + m * 60 + sec) * np.where((hms[0] == "-").fillna(False).to_numpy(dtype=bool), -1, 1)
        got[ok] = total[ok]
    cn = rest[got.isna()].str.extract(_DURATION_CN)
    if len(cn):
        any_part = cn.notna().any(axis=1)
        total = cn.fillna("0").astype(float)
        got.loc[cn.index[any_part]] = (total[0] * 3600 + total[1] * 60 + total[2])[any_part]
    good = got.notna()
    out.loc[got.index[good]] = got[good].astype("int64")
    bad = ~good
    if bad.any():
        errors.loc[bad[bad].index] = "cannot read duration " + rest[bad].map(repr) + " (expected seconds or h:mm:ss)"
    return out, errors


def integers(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Whole numbers (``12``, ``12.0``)."""
    return durations(raw)


_CURRENCY_MARKS = re.compile(r"(?:RMB|CNY|USD|EUR|[¥￥$€£元\s])", re.IGNORECASE)


def amounts(raw: pd.Series, decimal: str = ".", thousands: str = ",") -> tuple[pd.Series, pd.Series]:
    """Money or quantities from ``1,234.50``, ``¥1234.5``, ``1.234,50`` (with ``decimal=","``)."""
    s = clean(raw)
    present = s.dropna()
    out = pd.Series(NA, index=s.index, dtype="Float64")
    errors = _no_errors(s.index)
    if present.empty:
        return out, errors
    text = present.str.replace(_CURRENCY_MARKS, "", regex=True)
    if thousands:
        text = text.str.replace(thousands, "", regex=False)
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    # accounting negatives: (123.45)
    text = text.str.replace(r"^\((.*)\)$", r"-\1", regex=True)
    num = pd.to_numeric(text, errors="coerce")
    bad = num.isna() | ~np.isfinite(num.astype("float64"))
    out.loc[num.index[~bad]] = num[~bad]
    if bad.any():
        errors.loc[bad[bad].index] = "cannot read number " + present[bad].map(repr)
    return out, errors
