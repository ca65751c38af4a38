"""Numbers as analysts read them in tables: the same decimals down a column.

The command line's tables and the report's show a fractional number of 1 or more with two
decimals, and a number below 1 (a PageRank, a share) with four significant digits.  A column whose
numbers of 1 or more are all whole (money in whole yuan, a count held as a float) shows them
without decimals.  So a money column reads ``254,472.60`` under ``228,064.92``, and whole amounts
read ``1,200``, not ``1,200.00``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["float_text", "whole_columns"]


def whole_columns(df: pd.DataFrame) -> set[str]:
    """The float columns of ``df`` whose finite values of 1 or more are all whole numbers."""
    out = set()
    for c in df.columns:
        col = df[c]
        if not pd.api.types.is_float_dtype(col):
            continue
        v = col.to_numpy(dtype=float, na_value=np.nan)
        big = v[np.isfinite(v) & (np.abs(v) >= 1)]
        if np.array_equal(big, np.round(big)):
            out.add(c)
    return out


def float_text(v: float, whole: bool = False) -> str:
    """``v`` as a table shows it: four significant digits below 1, else two decimals (none if ``whole``)."""
    if abs(v) < 1:
        return f"{v:,.4g}"
    return f"{v:,.0f}" if whole else f"{v:,.2f}"
