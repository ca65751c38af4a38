"""An activity timeline as inline SVG: calls and transfers per week, arrests marked.

Pure SVG built with escaped text, no script, so it renders offline anywhere (and prints).

>>> svg = timeline_svg(calls_per_week, transfers_per_week, arrests)   # doctest: +SKIP
"""

from __future__ import annotations

from html import escape

import pandas as pd
from markupsafe import Markup

__all__ = ["weekly_counts", "timeline_svg"]


def weekly_counts(times: pd.Series, tz: str | None = None) -> pd.Series:
    """Counts per week (weeks starting Monday at midnight in ``tz``, default UTC)."""
    if times.empty:
        return pd.Series(dtype="int64")
    t = pd.to_datetime(times, utc=True).dt.tz_convert(tz or "UTC").dt.tz_localize(None)
    return t.dt.to_period("W-SUN").value_counts().sort_index()


def timeline_svg(calls: pd.Series, transfers: pd.Series, arrests: pd.DataFrame | None = None,
                 width: int = 1100, height: int = 260) -> Markup:
    """Bars: calls per week; line: transfers per week (own scale); red marks: arrests (date, label)."""
    periods = sorted(set(calls.index) | set(transfers.index))
    if not periods:
        return Markup('<p class="netinv-note">No dated calls or transfers in the workspace.</p>')
    left, right, top, bottom = 56, 56, 18, 46
    pw, ph = width - left - right, height - top - bottom
    n = len(periods)
    step = pw / max(n, 1)
    cmax = max(int(calls.max()) if len(calls) else 0, 1)
    tmax = max(int(transfers.max()) if len(transfers) else 0, 1)
    parts = [f'<svg class="netinv-timeline" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="calls and transfers per week" xmlns="http://www.w3.org/2000/svg">',
             f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="#ffffff" stroke="#d5dbe3"/>']
    for i, p in enumerate(periods):
        c = int(calls.get(p, 0))
        h = ph * c / cmax
        x = left + i * step
        parts.append(f'<rect x="{x + step * 0.15:.1f}" y="{top + ph - h:.1f}" width="{step * 0.7:.1f}" '
                     f'height="{h:.1f}" fill="#94a3b8"><title>{escape(str(p.start_time.date()))}: '
                     f'{c:,} calls</title></rect>')
    pts = []
    for i, p in enumerate(periods):
        t = int(transfers.get(p, 0))
        pts.append(f"{left + (i + 0.5) * step:.1f},{top + ph - ph * t / tmax:.1f}")
    parts.append(f'<polyline points="{" ".join(pts)}" fill="none" stroke="#059669" stroke-width="2"/>')
    first, last = periods[0].start_time, periods[-1].end_time
    span = (last - first).total_seconds() or 1.0
    if arrests is not None and len(arrests):
        for d, label in zip(pd.to_datetime(arrests["date"]), arrests["label"]):
            if pd.isna(d):
                continue
            x = left + pw * min(max((d - first).total_seconds() / span, 0), 1)
            parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + ph}" stroke="#dc2626" '
                         f'stroke-dasharray="4 3"><title>{escape(str(label))} arrested {d.date()}</title></line>')
    for i, p in enumerate(periods):
        if n <= 20 or i % max(1, n // 12) == 0:
            parts.append(f'<text x="{left + (i + 0.5) * step:.1f}" y="{height - bottom + 16}" font-size="11" '
                         f'text-anchor="middle" fill="#4b5563">{escape(p.start_time.strftime("%m-%d"))}</text>')
    parts.append(f'<text x="{left - 6}" y="{top + 10}" font-size="11" text-anchor="end" fill="#64748b">{cmax:,}</text>')
    parts.append(f'<text x="{width - right + 6}" y="{top + 10}" font-size="11" fill="#059669">{tmax:,}</text>')
    parts.append(f'<text x="{left}" y="{height - 8}" font-size="12" fill="#334155">grey bars: calls per week '
                 f'(left scale) · green line: transfers per week (right scale) · red dashes: arrests</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
