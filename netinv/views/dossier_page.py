"""A dossier as one offline HTML page (号码画像), to hand on with the files it rests on.

:func:`render_dossier` is a view: it takes a :class:`~netinv.dossier.Dossier`, the files behind
its records and a manifest that the caller gathered (:func:`netinv.dossier.write_dossier`), and
never queries a store.  Its counterparts come first, drawn as a wheel
(:func:`~netinv.views.contact_wheel.contact_wheel`), then its tables.  Every string from the
records reaches the page as escaped text.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from markupsafe import Markup

from .contact_wheel import contact_wheel
from .report import Section, render_report, table_from_frame

__all__ = ["render_dossier", "TITLES"]

#: each table's heading, in the dossier's order (:data:`netinv.dossier.SECTIONS`)
TITLES = {
    "people": ("Who holds it", "The people the holder and arrest records name for its phones and accounts."),
    "arrests": ("Arrest records", "The arrest records of those people, or naming its phones and accounts."),
    "contacts": ("Contacts", "Each number called or calling, with its calls out and in, seconds, first and last "
                             "call, and who holds it."),
    "cells": ("Cell towers", "The towers its phones were seen at, as the caller and as the callee."),
    "handsets": ("Handsets", "The handsets (IMEI as written; handset: its first 14 digits) its phones were used in, "
                             "and the other phones seen with the same handset."),
    "money": ("Money", "Each counterpart account, with the transfers paid and received, per currency."),
    "successors": ("Replacement phones (换号)", "The successor search's rows with one of its phones at either end: "
                                               "the numbers that replaced them and those they replaced, with the "
                                               "evidence. The search reads every call of the window."),
}


def render_dossier(path: str | Path | None, d, sources: pd.DataFrame, manifest: dict, *, tz: str | None = None,
                   limit: int = 1000, workspace: str = "") -> str:
    """The dossier ``d`` as a page, written to ``path`` when given; returns the HTML.  ``sources``:
    the files behind its records (:func:`netinv.dossier.dossier_sources`); each table shows its
    first ``limit`` rows (``netinv dossier --out`` writes them all); times in ``tz``."""
    from ..dossier import SECTIONS

    sections = []
    wheel, caption = contact_wheel(d)
    if wheel:
        sections.append(Section("wheel", "At a glance", caption, html=wheel))
    for name in SECTIONS:
        df = getattr(d, name)
        title, intro = TITLES[name]
        if df.empty:
            intro += " None."
        elif len(df) > limit:
            intro += f" The first {limit:,} of {len(df):,} rows (netinv dossier --out writes every row)."
        sections.append(Section(name, title, intro, table_from_frame(df, limit=limit, tz=tz) if len(df) else None))
    if d.notes:
        items = Markup("").join(Markup("<li>{}</li>").format(n) for n in d.notes)  # format escapes each note
        sections.append(Section("notes", "Notes", html=Markup("<ul>") + items + Markup("</ul>")))
    calls = int(d.contacts["calls"].sum()) if len(d.contacts) else 0
    cards = {"phones": len(d.phones), "accounts": len(d.accounts), "arrest_records": len(d.arrests),
             "contacts": len(d.contacts), "calls": calls, "towers": len(d.cells),
             "handsets": int(d.handsets["handset"].nunique()) if len(d.handsets) else 0,
             "counterpart_accounts": int(d.money["counterpart"].nunique()) if len(d.money) else 0,
             "replacement_rows": len(d.successors)}
    bounded = d.window.since is not None or d.window.until is not None
    return render_report(
        path, title=f"Dossier of {d.id}", counts=cards, sources=sources, sections=sections, manifest=manifest,
        subtitle=(f"{d.window}" if bounded else "every record") + (f"; workspace {workspace}" if workspace else ""),
        sources_title="What it holds, and the files behind it", scripts=False,
        sources_intro="The files its holder, arrest, call and transfer records were read from, with how many of "
                      "those records each gave, when it was loaded and under which authority."
                      + (" The successor search read every call of the window besides: its files are those of "
                         "netinv status." if d.searched else ""))
