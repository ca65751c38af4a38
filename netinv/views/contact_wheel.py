"""A dossier's counterparts at a glance: a wheel drawn as inline SVG, without a script.

The dossier's subject sits in the middle.  Around it, one spoke each: its strongest contacts by
calls (solid), its counterpart accounts with the most transfers (dashed) and the phones the
successor search ranks first as its phones' replacements or as the phones its phones replaced
(dotted).  A spoke is as thick as the contact is strong among its kind, and its arrow points the way
the calls or the money went where they went one way only: out from the middle or in to it (no
arrow: both ways).  Each end is labelled
with the number, its holder and what the spoke stands for; hovering it shows the same as a tooltip.
Every string from the records is escaped text, so the page keeps its policy of no script.

>>> svg, caption = contact_wheel(dossier(store, "13800138000"))   # doctest: +SKIP
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from html import escape

import pandas as pd
from markupsafe import Markup

__all__ = ["Spoke", "spokes", "contact_wheel", "COLOURS"]

#: the colour of each kind of spoke
COLOURS = {"calls": "#3b6ea8", "money": "#2f8a57", "successor": "#c2702a"}
_DASH = {"calls": "", "money": ' stroke-dasharray="9 5"', "successor": ' stroke-dasharray="2 4"'}


@dataclass
class Spoke:
    """One counterpart on the wheel: ``kind`` (calls, money, successor), ``target`` (the number or
    account), ``held_by``, ``detail`` (what the spoke stands for, one line), ``tip`` (the whole
    story, for the tooltip), ``weight`` (its thickness among its kind) and ``direction``: ``out``
    (from the subject), ``in`` or ``both``."""

    kind: str
    target: str
    held_by: str
    detail: str
    tip: str
    weight: float
    direction: str


#: a label's longest line, in characters (the tooltip has the whole)
_LINE = 34


def _direction(out_n: int, in_n: int) -> str:
    return "both" if out_n and in_n else ("out" if out_n else "in")


def _text(v) -> str:
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def _short(text: str) -> str:
    """``text`` cut to :data:`_LINE` columns (a Chinese character takes two), with an ellipsis."""
    cols = 0
    for k, ch in enumerate(text):
        cols += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        if cols > _LINE:
            return text[:k - 1 if k else 0] + "\u2026"
    return text


def _amounts(rows: pd.DataFrame, col: str) -> str:
    """``12,000 CNY`` per currency (``+`` between) of the amounts in ``col`` (paid or received)."""
    return " + ".join(f"{a:,.0f} {_text(c)}".strip() for c, a in zip(rows["currency"], rows[col]) if a)


def _money_spokes(m: pd.DataFrame, limit: int) -> tuple[list[Spoke], int]:
    per = m.groupby("counterpart", sort=False).agg(transfers=("transfers", "sum"), paid_n=("paid_n", "sum"),
                                                     received_n=("received_n", "sum"), held_by=("held_by", "first"))
    per = per.sort_values("transfers", ascending=False, kind="stable")
    out = []
    for account, row in per.head(limit).iterrows():
        rows = m[m["counterpart"] == account]
        paid, received = _amounts(rows, "paid"), _amounts(rows, "received")
        n, p, r = int(row.transfers), int(row.paid_n), int(row.received_n)
        one_currency = rows["currency"].nunique(dropna=False) == 1
        flow = [f"paid {paid}" if p else "", f"received {received}" if r else ""]
        detail = f"{n:,} transfers" + (", " + " · ".join(f for f in flow if f) if one_currency else "")
        tip = f"{n:,} transfers: {p:,} paid" + (f" ({paid})" if p else "") + f", {r:,} received" + \
            (f" ({received})" if r else "")
        out.append(Spoke("money", _text(account), _text(row.held_by), detail, tip, float(n), _direction(p, r)))
    return out, len(per)


def spokes(d, *, calls: int = 16, money: int = 8) -> tuple[list[Spoke], dict[str, tuple[int, int]]]:
    """The spokes of the dossier ``d``'s wheel: its ``calls`` strongest contacts (by calls, as its
    contacts table orders them), its ``money`` counterpart accounts with the most transfers, and the
    rank-1 rows of its successor table; and for each kind, (drawn, of how many)."""
    out: list[Spoke] = []
    c = d.contacts.head(calls)
    for row in c.itertuples(index=False):
        n, n_out, n_in = int(row.calls), int(row.calls_out), int(row.calls_in)
        detail = f"{n:,} calls ({n_out:,} out, {n_in:,} in)"
        out.append(Spoke("calls", _text(row.contact), _text(row.held_by), detail, detail, float(n),
                         _direction(n_out, n_in)))
    shown = {"calls": (len(c), len(d.contacts))}
    if len(d.money):
        more, total = _money_spokes(d.money, money)
        out += more
        shown["money"] = (len(more), total)
    firsts = d.successors[d.successors["rank"] == 1] if len(d.successors) else d.successors
    own = set(d.phones)
    for row in firsts.itertuples(index=False):
        for phone, other, what, way in ((row.old, row.candidate, "its replacement", "out"),
                                        (row.candidate, row.old, "the phone it replaced", "in")):
            if phone in own:
                tip = f"{what} ({row.how}, score {row.score:.2f}): {_text(row.reasons)}"
                held = _text(getattr(row, "candidate_held_by" if way == "out" else "old_held_by", None))
                out.append(Spoke("successor", _text(other), held, f"{what} ({row.how})", tip, float(row.score), way))
    n = sum(s.kind == "successor" for s in out)
    if n:
        shown["successor"] = (n, n)
    return out, shown


def _caption(shown: dict[str, tuple[int, int]]) -> str:
    words = {"calls": ("strongest", "contacts by calls"),
             "money": ("busiest", "counterpart accounts by transfers"),
             "successor": ("", "replacement phones (rank 1)")}
    parts = []
    for kind, (drawn, total) in shown.items():
        if total:
            best, what = words[kind]
            parts.append(f"all {total:,} {what}" if drawn == total else f"the {drawn:,} {best} of {total:,} {what}")
    return ("The wheel draws " + "; ".join(parts) + ". The tables below list every row.") if parts else ""


_LEGEND = {"calls": "solid: calls", "money": "dashed: money", "successor": "dotted: replacement phone"}
_LINE_H, _GAP = 14, 9  # a label's line height and the least room between two labels


def _stacked(want: list[float], sizes: list[float], top: float, bottom: float) -> list[float]:
    """Tops for labels of heights ``sizes`` (in the order of their wished tops ``want``, which
    rise) as near their wishes as they fit between ``top`` and ``bottom`` without overlapping."""
    at = []
    for w, h in zip(want, sizes):  # down: each below the one before
        at.append(max(w, at[-1] + sizes[len(at) - 1] + _GAP if at else top))
    limit = bottom
    for k in range(len(at) - 1, -1, -1):  # up: each above the one after, and inside the picture
        at[k] = min(at[k], limit - sizes[k])
        limit = at[k] - _GAP
    return at


def contact_wheel(d, *, calls: int = 16, money: int = 8, width: int = 1100) -> tuple[Markup, str]:
    """The wheel of the dossier ``d`` as SVG markup, and a caption that says what it leaves out;
    empty markup when there is nothing to draw.  ``calls`` and ``money``: how many contacts and
    counterpart accounts it draws at most.  The labels stand in two columns, right and left of the
    wheel, each joined to its spoke's end by a thin line, so that none covers another."""
    drawn, shown = spokes(d, calls=calls, money=money)
    if not drawn:
        return Markup(""), ""
    n = len(drawn)
    labels = [[(s.target, "600", "#1f2937")] + ([(s.held_by, "400", "#374151")] if s.held_by else [])
              + [(s.detail, "400", "#6b7280")] for s in drawn]
    sizes = [_LINE_H * len(lines) for lines in labels]
    right = [i for i in range(n) if 2 * i < n]  # clockwise from the top: the first half on the right
    column = max(sum(sizes[i] + _GAP for i in side) for side in (right, [i for i in range(n) if 2 * i >= n]))
    radius = 250
    height = int(max(2 * radius + 150, column + 60))
    cx, cy = width / 2, (height - 24) / 2
    heaviest = {k: max((s.weight for s in drawn if s.kind == k), default=1.0) or 1.0 for k in COLOURS}
    parts = [f'<svg class="netinv-wheel" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="{escape(f"the counterparts of {d.id}")}" xmlns="http://www.w3.org/2000/svg"><defs>']
    for kind, colour in COLOURS.items():
        parts.append(f'<marker id="wheel-arrow-{kind}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="11" '
                     f'markerHeight="11" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
                     f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>')
    parts.append("</defs>")
    ends = []
    for i in range(n):
        angle = -math.pi / 2 + 2 * math.pi * i / n
        ends.append((math.cos(angle), math.sin(angle)))
    tops = [0.0] * n
    for side in (right, [i for i in range(n) if 2 * i >= n]):
        side = sorted(side, key=lambda i: ends[i][1])
        at = _stacked([cy + radius * ends[i][1] - sizes[i] / 2 for i in side], [sizes[i] for i in side],
                      12, height - 34)
        for i, t in zip(side, at):
            tops[i] = t
    for i, s in enumerate(drawn):
        cos, sin = ends[i]
        dot_x, dot_y = cx + radius * cos, cy + radius * sin
        x0, y0 = cx + 36 * cos, cy + 36 * sin  # from the edge of the middle
        x1, y1 = cx + (radius - 9) * cos, cy + (radius - 9) * sin  # to the edge of the end's dot
        thick = 1.2 + 4.5 * math.sqrt(max(s.weight, 0) / heaviest[s.kind])
        arrow = f"url(#wheel-arrow-{s.kind})"
        marks = {"out": f' marker-end="{arrow}"', "in": f' marker-start="{arrow}"'}.get(s.direction, "")
        on_right = 2 * i < n
        lx = cx + (radius + 60) * (1 if on_right else -1)
        mid = tops[i] + sizes[i] / 2
        tip = escape("\n".join(x for x in (s.target, s.held_by, s.tip) if x))
        parts.append(f'<g class="spoke {s.kind} {s.direction}"><title>{tip}</title>'
                     f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" stroke="{COLOURS[s.kind]}" '
                     f'stroke-width="{thick:.1f}"{_DASH[s.kind]}{marks}/>'
                     f'<polyline class="leader" points="{dot_x:.1f},{dot_y:.1f} {lx - 6 * (1 if on_right else -1):.1f},'
                     f'{mid:.1f}" fill="none" stroke="#9ca3af" stroke-width="0.8"/>'
                     f'<circle cx="{dot_x:.1f}" cy="{dot_y:.1f}" r="6" fill="{COLOURS[s.kind]}"/>'
                     f'<text class="label" x="{lx:.1f}" y="{tops[i] + _LINE_H - 3:.1f}" font-size="12" '
                     f'text-anchor="{"start" if on_right else "end"}">')
        for k, (words, weight, colour) in enumerate(labels[i]):
            parts.append(f'<tspan x="{lx:.1f}" dy="{0 if k == 0 else _LINE_H}" font-weight="{weight}" '
                         f'fill="{colour}">{escape(_short(words))}</tspan>')
        parts.append("</text></g>")
    parts.append(f'<circle cx="{cx}" cy="{cy}" r="34" fill="#f3f4f6" stroke="#111827" stroke-width="2"/>'
                 f'<text class="label" x="{cx}" y="{cy + 4}" font-size="12" font-weight="700" text-anchor="middle" '
                 f'fill="#111827" stroke="#ffffff" stroke-width="4" paint-order="stroke">{escape(_short(d.id))}</text>')
    legend = " · ".join(v for k, v in _LEGEND.items() if any(s.kind == k for s in drawn))
    parts.append(f'<text x="12" y="{height - 10}" font-size="12" fill="#374151">{escape(legend)}; an arrow: the calls '
                 "or the money went one way only (none: both ways); thickness: how many, among its kind</text></svg>")
    return Markup("".join(parts)), _caption(shown)
