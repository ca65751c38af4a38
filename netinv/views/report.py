"""The case report: one offline HTML file an analyst can hand on.

:func:`render_report` is a view: it takes frames and a network that the caller computed, and
never queries a store.  :func:`netinv.workflow.make_report` gathers them from a store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import pandas as pd
from markupsafe import Markup

from ..network import Network
from ..numfmt import float_text, whole_columns
from ..timefmt import time_text
from .html import env, page, write_page
from .network_view import network_fragment

__all__ = ["Section", "Table", "render_report", "table_from_frame", "network_section"]


@dataclass
class Cell:
    text: str
    num: bool = False


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Cell]]


@dataclass
class Section:
    """One titled part of the report: an optional table and optional trusted HTML (a view)."""

    id: str
    title: str
    intro: str = ""
    table: Table | None = None
    html: Markup | None = None


def _cell(v: Any, tz: str | None = None, whole: bool = False) -> Cell:
    if v is None or (not isinstance(v, (list, tuple, dict)) and pd.isna(v)):
        return Cell("")
    if isinstance(v, bool):
        return Cell("yes" if v else "")
    if isinstance(v, int):
        return Cell(f"{v:,}", True)
    if isinstance(v, float):
        return Cell(float_text(v, whole), True)
    if isinstance(v, (list, tuple)):
        return Cell(", ".join(map(str, v)))
    if isinstance(v, pd.Timestamp):
        return Cell(time_text(v, tz))
    return Cell(str(v))


def table_from_frame(df: pd.DataFrame, columns: Sequence[str] | None = None, limit: int | None = None,
                     tz: str | None = None) -> Table:
    """A report table from a frame (values become text; the template escapes them); times are shown
    in ``tz`` with their offset (:func:`netinv.timefmt.time_text`)."""
    cols = list(columns) if columns is not None else list(df.columns)
    sub = df[cols] if limit is None else df[cols].head(limit)
    whole = [c in whole_columns(sub) for c in sub.columns]
    rows = [[_cell(v.item() if hasattr(v, "item") and not isinstance(v, (list, tuple)) else v, tz, w)
             for v, w in zip(rec, whole)] for rec in sub.itertuples(index=False, name=None)]
    return Table(cols, rows)


def render_report(
    path: str | Path | None,
    *,
    title: str,
    counts: dict[str, int],
    sources: pd.DataFrame,
    sections: Sequence[Section],
    manifest: dict,
    subtitle: str = "",
    sources_title: str = "What was loaded",
    sources_intro: str = "",
    scripts: bool = True,
) -> str:
    """Render the report page; written to ``path`` when given.  Returns the HTML.  ``sources``
    with a ``records`` column (how many of the records shown each file gave) shows it; without
    ``scripts`` (no network view among the sections) the page carries and allows no script."""
    cards = [(k.replace("_", " "), f"{v:,}") for k, v in counts.items() if k not in ("provenance",)]
    src = sources.copy()
    if "loaded_at" in src:
        first = pd.to_datetime(src["loaded_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M UTC")
        if "last_load_id" in src:  # a file read again: its counts are of its rows now (GraphStore.sources)
            last = pd.to_datetime(src["last_loaded_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M UTC")
            first = first.where(src["last_load_id"] == src["load_id"], first + "; again " + last)
        src["loaded_at"] = first
    left_out = bool("left_out" in src and (src["left_out"] > 0).any())  # rows a --where did not select
    src = src.astype(object).where(src.notna(), "")
    body = Markup(env().get_template("report.html").render(
        cards=cards, sources=src.to_dict("records"), sections=list(sections), left_out=left_out,
        used="records" in src, sources_title=sources_title, sources_intro=sources_intro,
        manifest=json.dumps(manifest, ensure_ascii=False, indent=2, default=str),
    ))
    html = page(title, body, subtitle=subtitle, scripts=scripts)
    if path is not None:
        write_page(path, html)
    return html


def network_section(net: Network, title: str, intro: str = "", **kwargs) -> Section:
    """A report section holding an interactive network view."""
    return Section(id="network", title=title, intro=intro, html=network_fragment(net, **kwargs))

