"""Shared pieces of the command line: the --store option, consoles, progress and error handling."""

from __future__ import annotations

import functools
import os
from contextlib import contextmanager
from typing import Iterator

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..errors import InvalidRecords, NetinvError
from ..network import RETAIL_MAX_G
from ..numfmt import float_text, whole_columns
from ..store import GraphStore, Window, open_store
from ..timefmt import time_text

__all__ = ["out", "err", "STORE", "ARRESTED", "LEVEL", "INCLUDE_HUBS", "KEEP", "handle_errors", "progress",
           "frame_table", "fail", "case_window", "case_zone", "open_case", "with_arrests", "high_volume", "say_decided",
           "say_kept_by_decision"]

#: the zone the tables show times in: the case's, once a command has opened it (see open_case)
_display: dict[str, str | None] = {"tz": None}

out = Console(highlight=False, soft_wrap=False)
if not out.is_terminal:  # piped or captured: wide tables read better than folded ones
    out = Console(highlight=False, soft_wrap=False, width=160)
err = Console(stderr=True, highlight=False)

STORE = typer.Option(
    None, "--store", envvar="NETINV_STORE",
    help="Where the case lives: embedded:PATH (default embedded:netinv.duckdb), bolt://HOST:PORT, or neo4j "
         "for the server NETINV_NEO4J_URI names (credentials from NETINV_NEO4J_USER / NETINV_NEO4J_PASSWORD).",
    show_default=False,
)

#: the network level an analysis, view or export works on
LEVEL = typer.Option("person", "--level", help="person (phones and accounts collapsed onto their holders), resolved "
                                                "(also person ids of one person merged, replacement phones merged) "
                                                "or phone (raw identifiers).")
INCLUDE_HUBS = typer.Option(False, "--include-hubs",
                            help="Keep high-volume numbers in (netinv hubs --seed ... shows what is left out: many "
                                 "distinct contacts, mostly one-way).")
KEEP = typer.Option([], "--keep", help="A number or account known not to be a public one (a member whom many call): "
                                     "never left out as high-volume (repeatable).")
ARRESTED = typer.Option(False, "--arrested", help=f"Also start from everyone arrested with at most {RETAIL_MAX_G:g} g "
                                                   "seized (the retail arrests; everyone arrested if none was), as the "
                                                   "report does.")


def high_volume(net, include_hubs: bool, keep: list[str], seeds: list[str] | None = None) -> list[str]:
    """The high-volume numbers an analysis leaves out: none with --include-hubs, never those --keep names;
    from ``seeds``, their contacts with the seeds do not count (:func:`netinv.analysis.detect_hubs`).
    The analysts' recorded decisions apply (netinv decide-number); a note names those that changed
    what is left out."""
    from .. import analysis as an

    if include_hubs:
        public = an.decided_numbers(net)
        public = public.loc[public["public"], "id"].tolist()
        if public:
            say_decided("kept in with --include-hubs though decided public", [(i, None) for i in public])
        return []
    hubs = an.detect_hubs(net, seeds=seeds or None, keep=keep)
    say_kept_by_decision(hubs.attrs["kept_in"])
    say_decided("left out by decision (a public number)", _with_decision(zip(hubs["id"], hubs["decision"])))
    return hubs["id"].tolist()


def say_decided(what: str, pairs: list) -> None:
    """A note naming numbers and the decisions behind them: ``what: phone:5 (D2026...), ...``."""
    if pairs:
        named = ", ".join(f"{i} ({d})" if d is not None and not pd.isna(d) else i for i, d in pairs)
        err.print(f"note: {what}: {named}", markup=False, soft_wrap=True)


def say_kept_by_decision(kept_in) -> None:
    """The note on high-volume numbers kept in by a decision (``attrs["kept_in"]`` of detect_hubs or expand)."""
    say_decided("kept in by decision (not a public number)", _with_decision(kept_in))


def _with_decision(pairs) -> list:
    return [(i, d) for i, d in pairs if d is not None and not pd.isna(d)]


def with_arrests(net, refs: list[str], option: str) -> list[str]:
    """``refs`` and the retail arrests of ``net`` (``--arrested``), each once, with a note naming the seeds taken."""
    found = net.retail_arrests()
    if not found:
        raise NetinvError(f"--arrested: nobody in the {net.level}-level network was arrested; give {option} ID")
    err.print(f"note: --arrested: {len(found)} seed(s) from the arrests: {', '.join(found[:8])}"
              + (" ..." if len(found) > 8 else ""), markup=False, soft_wrap=True)
    return list(refs) + [f for f in found if f not in refs]


@contextmanager
def open_case(store: str | None, create: bool = False) -> Iterator[GraphStore]:
    """Open the case's store for a command (an embedded workspace must exist unless ``create``);
    the tables then show times in the case's time zone."""
    with open_store(store, create=create) as st:
        _display["tz"] = case_zone(st)
        yield st


def case_zone(st: GraphStore) -> str | None:
    """The zone to read and show times in: ``NETINV_TZ``, else the one the case was loaded in."""
    return os.environ.get("NETINV_TZ") or st.time_zone()


SINCE = typer.Option(None, "--since", help="Start of the time window, e.g. 2024-03-01.")
UNTIL = typer.Option(None, "--until", help="End of the time window (exclusive).")


def case_window(st: GraphStore, since: str | None, until: str | None) -> Window:
    """The window of ``--since``/``--until``.  A bound written without an offset is read in the time
    zone ``NETINV_TZ`` names, else in the one the case's records were loaded in, else in UTC; a note
    says which zone and gives the window in UTC."""
    if not since and not until:
        return Window()
    tz = case_zone(st)
    why = "NETINV_TZ" if os.environ.get("NETINV_TZ") else "the time zone the records were loaded in"
    if not tz:
        tz, why = "UTC", "no single time zone is recorded for the loads"
    try:
        window = Window.of(since, until, tz=tz)
    except ValueError as e:
        raise NetinvError(str(e)) from e
    if any(v and pd.Timestamp(v).tzinfo is None for v in (since, until)):
        err.print(f"note: --since/--until read in {tz} ({why}; a time with an offset, such as "
                  f"2024-03-01T00:00+08:00, is taken as written): window {window}", markup=False, soft_wrap=True)
    return window


def fail(message: str, code: int = 1):
    """Print ``error: message`` on stderr and exit with ``code``."""
    err.print(f"[bold red]error:[/] {escape(message)}", markup=True, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def handle_errors(fn):
    """Turn netinv's errors into a one-line message (plus the failing rows) and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InvalidRecords as e:
            files = sorted({p.file for p in e.problems})
            err.print(f"[bold red]error:[/] {len(e.problems)} invalid record(s) in {escape(', '.join(files))}; "
                      "nothing was loaded", markup=True, highlight=False, soft_wrap=True)
            for p in e.problems[:20]:
                err.print(f"  {p}", markup=False, highlight=False, soft_wrap=True)
            if len(e.problems) > 20:
                err.print(f"  ... and {len(e.problems) - 20} more", markup=False)
            err.print("Fix the input, or load the rest with --quarantine FILE (rejected rows go there).",
                      markup=False)
            raise typer.Exit(1)
        except NetinvError as e:
            fail(str(e))
        except OSError as e:  # a file that cannot be read or written: say which, and why
            fail(f"{e.filename}: {e.strerror}" if e.filename and e.strerror else str(e))
        except KeyboardInterrupt:
            err.print("interrupted; the workspace is unchanged by the unfinished step", markup=False)
            raise typer.Exit(130)

    return wrapper


@contextmanager
def progress(label: str, total: int | None = None) -> Iterator:
    """A transient progress display on stderr; yields ``step(message)``."""
    if not err.is_terminal:
        def step(message: str = "", advance: int = 1):
            pass
        yield step
        return
    columns = (SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.fields[msg]}"),
               TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as prog:
        task = prog.add_task(label, total=total, msg="")

        def step(message: str = "", advance: int = 1):
            prog.update(task, advance=advance, msg=message)

        yield step


def frame_table(df: pd.DataFrame, title: str | None = None, limit: int | None = None) -> Table:
    """A rich table from a frame; numbers right-aligned."""
    t = Table(title=title, show_lines=False, header_style="bold")
    sub = df if limit is None else df.head(limit)
    for c in sub.columns:
        numeric = pd.api.types.is_numeric_dtype(sub[c]) and not pd.api.types.is_bool_dtype(sub[c])
        t.add_column(str(c), justify="right" if numeric else "left", overflow="fold")
    whole = [c in whole_columns(sub) for c in sub.columns]
    for row in sub.itertuples(index=False, name=None):
        t.add_row(*[_text(v, w) for v, w in zip(row, whole)])
    return t


def _text(v, whole: bool = False) -> str:
    if isinstance(v, (list, tuple)):
        return ", ".join(map(str, v))
    if v is None or (not isinstance(v, (list, tuple, dict)) and pd.isna(v)):
        return ""
    if isinstance(v, float):
        return float_text(v, whole)
    if isinstance(v, bool):
        return "yes" if v else ""
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, pd.Timestamp):
        return time_text(v, _display["tz"])
    return str(v)
