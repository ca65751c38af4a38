"""Times as analysts read them: in the case's time zone, with the offset written out.

Records keep their times in UTC.  Tables (the command line's and the report's) show a time in the
zone the case's records were loaded in (:meth:`GraphStore.time_zone`), followed by its offset, so
that no reader has to guess which clock a time is on: ``2024-03-01 18:22 +08:00``, or
``2024-03-01 10:22 UTC`` when no zone is known.  A date without a time (an arrest date) is a
calendar day and is shown as it is.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["time_text"]


def time_text(v: pd.Timestamp, tz: str | None = None) -> str:
    """``v`` as text: a time with a zone in ``tz`` (default UTC) with its offset; a plain date as it is."""
    if v.tzinfo is None:
        return v.strftime("%Y-%m-%d %H:%M") if (v.hour or v.minute) else v.strftime("%Y-%m-%d")
    local = v.tz_convert(tz or "UTC")
    off = local.strftime("%z")
    label = "UTC" if off in ("+0000", "") else f"{off[:3]}:{off[3:]}"
    return f"{local.strftime('%Y-%m-%d %H:%M')} {label}"
