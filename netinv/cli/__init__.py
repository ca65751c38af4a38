"""The ``netinv`` command line: a thin shell over the library.

Every command has ``--help``; known errors print one ``error:`` line and exit with status 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import pandas as pd
import typer

from .. import __version__
from ..profiles import BUILTIN_PROFILES
from ..exports import write_csv
from ..store import open_store
from ..store.base import files_by_folder
from . import analyse, identity
from . import load as load_cmd
from .common import (ARRESTED, INCLUDE_HUBS, KEEP, LEVEL, STORE, case_window, case_zone, err, frame_table,
                     handle_errors, high_volume, open_case, out, progress, with_arrests)

__all__ = ["app", "main"]

app = typer.Typer(
    name="netinv",
    help="Investigate drug-trafficking networks from call records, money transfers and case files.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(load_cmd.app, name="load")
analyse.register(app)
identity.register(app)


def _version(value: bool):
    if value:
        out.print(f"netinv {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")):
    """Investigate drug-trafficking networks from call records, money transfers and case files."""


#: ``netinv status`` lists each file up to this many; more are summed up per folder (--files: each)
STATUS_FILES = 20


@app.command()
@handle_errors
def status(store: Optional[str] = STORE,
           files: bool = typer.Option(False, "--files", help=f"List every file loaded. Without it, more than "
                                      f"{STATUS_FILES} files are summed up per folder, kind, profile and authority."),
           out_file: Optional[Path] = typer.Option(None, "--out", "-o", help="Also write every file loaded to this "
                                                   "CSV file: path first, full SHA-256, size, encoding, kind, profile, "
                                                   "rows, accepted, rejected, left_out, loaded_at (UTC), authority, "
                                                   "load_id, last_loaded_at and last_load_id (a file read again: "
                                                   "its counts are of its rows in the workspace now, the latest "
                                                   "load's rejected rows that no load took as rejected) (with "
                                                   "--loads: every load instead)."),
           loads: bool = typer.Option(False, "--loads", help="Also list every load, the audit log: when, under "
                                      "which authority, with which profile, what it read and added; --out writes "
                                      "it with each load's options (its files as named, and their SHA-256).")):
    """Show what the workspace holds and which files it came from.

    Example:

    netinv status --store bolt://127.0.0.1:7687

    netinv status --files --out files.csv

    netinv status --loads --out loads.csv
    """
    from ..normalize import no_handset_note

    with open_case(store) as st:
        imeis = st.imei_values()  # read once: the devices count and the note on values that name none
        counts = st.counts(imeis=imeis)
        sources = st.sources()
        uri = st.uri
        log = st.loads().sort_values("started_at", kind="stable").reset_index(drop=True) if loads else None
        tz = st.time_zone() if counts["calls"] or counts["transfers"] else None
        decided = (len(st.decisions()), len(st.number_decisions()))
    out.print(f"workspace {uri}", markup=False)
    out.print(f"{counts['calls']:,} calls between {counts['phones']:,} phones; {counts['transfers']:,} transfers "
              f"between {counts['accounts']:,} accounts; {counts['persons']:,} persons; {counts['arrests']:,} arrest "
              f"records in {counts['cases']:,} cases", markup=False)
    if tz:
        out.print(f"times without an offset were read in {tz}; --since/--until days are days there", markup=False)
    out.print(frame_table(pd.DataFrame([counts]).T.reset_index().set_axis(["what", "count"], axis=1), title="counts"))
    junk = no_handset_note(imeis["imei"], counts=imeis["ends"]) if len(imeis) else None
    if junk:  # devices counts handsets: one however its IMEI was written, none for these
        err.print(f"note: devices are handsets by their first 14 digits; {junk}", markup=False, soft_wrap=True)
    if len(sources) and (files or len(sources) <= STATUS_FILES):
        src = sources.copy()
        src["sha256"] = src["file_sha256"].str.slice(0, 12)
        again = src["last_load_id"] != src["load_id"]  # read again: the counts are of its rows now
        for c in ("loaded_at", "last_loaded_at"):
            src[c] = pd.to_datetime(src[c], utc=True).dt.strftime("%Y-%m-%d %H:%M")
        src["last_loaded_at"] = src["last_loaded_at"].where(again, "")
        cols = ["path", "kind", "profile", "rows", "accepted", "rejected", "left_out", "sha256", "loaded_at",
                "last_loaded_at", "authority"]
        shown = [c for c in cols if (c != "left_out" or src[c].any()) and (c != "last_loaded_at" or again.any())]
        out.print(frame_table(src[shown], title="files loaded"))
    elif len(sources):
        folders = files_by_folder(sources)
        if not folders["left_out"].any():
            folders = folders.drop(columns="left_out")
        for c in ("first_loaded", "last_loaded"):
            folders[c] = folders[c].dt.strftime("%Y-%m-%d %H:%M")
        out.print(frame_table(folders, title=f"files loaded: {len(sources):,} in {len(folders):,} group(s)"))
        out.print("each file with its SHA-256: netinv status --files, or --out FILE.csv", markup=False)
    else:
        out.print("no files loaded yet (netinv load --help)", markup=False)
    if any(decided):
        out.print(f"analysts' decisions in force: {decided[0]:,} on identity, {decided[1]:,} on numbers "
                  "(netinv decisions)", markup=False)
    if log is not None:
        shown = log.assign(finished=log["finished_at"].dt.strftime("%Y-%m-%d %H:%M:%S")).rename(
            columns={"records_read": "read", "records_new": "new"})
        out.print(frame_table(shown[["load_id", "kind", "finished", "authority", "profile", "files", "read", "new",
                                     "rejected"]], title=f"loads: {len(log):,} (times in UTC)"))
    if out_file is not None and log is not None:
        cols = ["load_id", "kind", "started_at", "finished_at", "authority", "profile", "netinv_version", "files",
                "records_read", "records_new", "provenance_new", "rejected", "options"]
        write_csv(log[cols], out_file)
        out.print(f"wrote {len(log):,} loads to {out_file}", markup=False)
    elif out_file is not None:
        cols = ["path", "file_sha256", "size", "encoding", "kind", "profile", "rows", "accepted", "rejected",
                "left_out", "loaded_at", "authority", "load_id", "last_loaded_at", "last_load_id"]
        write_csv(sources[[c for c in cols if c in sources.columns]], out_file)
        out.print(f"wrote {len(sources):,} files to {out_file}", markup=False)


@app.command()
def profiles():
    """List the built-in import profiles and the columns each reads.

    A load takes one with --profile: netinv load calls cdr.csv --profile cdr-cn.

    Example:

    netinv profiles
    """
    rows = []
    for name, p in BUILTIN_PROFILES.items():
        cols = "; ".join(f"{k}={'/'.join(v)}" for k, v in p.columns.items()) or "columns named as the fields"
        if p.statement is not None:
            cols += f"; statement: own account={'/'.join(p.statement.account)}, counterpart=" \
                    f"{'/'.join(p.statement.counterpart)}, flag={'/'.join(p.statement.direction)}"
        rows.append({"profile": name, "kind": p.kind or "any", "encodings": ", ".join(p.encodings),
                     "tz": p.tz or "", "region": p.region or "", "columns": cols, "about": p.description})
    out.print(frame_table(pd.DataFrame(rows), title="built-in profiles (or --profile FILE.toml)"))


@app.command()
@handle_errors
def synth(
    out_dir: Path = typer.Option(..., "--out", "-o", help="Folder to write the case into (created)."),
    seed: int = typer.Option(1, "--seed", help="Random seed: the same seed gives the same files."),
    people: int = typer.Option(50, "--people", help="People in the trafficking network, customers included."),
    background: Optional[int] = typer.Option(None, "--background", help="Ordinary callers around them "
                                                                         "(default 4 per person, at least 200)."),
    days: int = typer.Option(90, "--days", help="Days the records span."),
    calls: Optional[int] = typer.Option(None, "--calls", help="Exact number of call records to produce "
                                                              "(ordinary callers fill up to it)."),
    lingering: float = typer.Option(0.0, "--lingering", min=0.0, max=1.0,
                                    help="Share of phone replacements whose old phone stays in use now and then "
                                         "(a handover rather than a clean switch)."),
    both_sides: bool = typer.Option(False, "--both-sides",
                                    help="A call to a phone of the other carrier is also in that carrier's file, "
                                         "as the callee's side saw it (0-1 s later, 1 s longer or shorter); "
                                         "load-case then loads the calls with --same-call-within 2."),
    failed: bool = typer.Option(False, "--failed",
                                help="Statements gain a status column (交易状态) with failed attempts (失败) before "
                                     "about one payment in twenty; load-case reads them with --where 交易状态=成功."),
    spare_digit: bool = typer.Option(False, "--spare-digit",
                                     help="Carrier B writes each IMEI with a 0 in place of its check digit, as many "
                                          "networks do (a handset moved across carriers is written two ways)."),
):
    """Generate a synthetic case with a known ground truth (carrier, bank and case-file formats).

    Example:

    netinv synth --out case-7 --seed 7 --people 200
    """
    from ..synth import generate

    with progress("generating") as step:
        case = generate(out_dir, seed=seed, people=people, background=background, days=days,
                        target_calls=calls, lingering=lingering, both_sides=both_sides, failed=failed,
                        spare_digit=spare_digit, progress=step)
    statements = len(case.manifest['loads'][3]['files'])
    out.print(f"wrote {case.n_calls:,} call records and the bank statements of {statements} "
              f"accounts to {out_dir}; ground truth in {out_dir / 'ground_truth.json'}", markup=False)
    out.print(f"load it with: netinv load-case {out_dir}", markup=False)


@app.command("load-case")
@handle_errors
def load_case(
    case_dir: Path = typer.Argument(..., help="A folder written by netinv synth."),
    authority: Optional[str] = typer.Option(None, "--authority", help="Legal authority to record with the loads."),
    store: Optional[str] = STORE,
):
    """Load every file of a generated case, each with the profile its manifest names.

    Example:

    netinv load-case case-7 --authority 'Order 2024-17'
    """
    from ..workflow import load_generated

    with progress("loading") as step, open_store(store) as st:
        results = load_generated(case_dir, st, authority=authority, progress=lambda f: step(Path(f).name))
        uri = st.uri
    df = pd.DataFrame([{"kind": r.kind, "files": r.files, "read": r.records_read, "new": r.records_new,
                        "already there": r.records_existing} for r in results])
    out.print(frame_table(df, title=f"loaded into {uri}"))
    for note in (n for r in results for n in r.notes):  # what netinv load says of each, e.g. the same calls
        err.print(f"note: {note}", markup=False, soft_wrap=True)


@app.command()
@handle_errors
def report(
    out_file: Path = typer.Option(..., "--out", "-o", help="HTML file to write."),
    title: str = typer.Option("netinv case report", "--title", help="Title of the report."),
    seed: List[str] = typer.Option([], "--seed", help="Start the upstream, routes and leads sections from these "
                                                     "people, phones or accounts (repeatable; default: everyone "
                                                     "arrested with retail quantities)."),
    include_hubs: bool = INCLUDE_HUBS,
    keep: List[str] = KEEP,
    store: Optional[str] = STORE,
):
    """Write the case report: what was loaded, key people, the network, and a run manifest.

    Example:

    netinv report --out report.html --seed P0012 --seed P0013
    """
    from ..workflow import make_report

    with progress("report") as step, open_case(store) as st:
        path = make_report(st, out_file, title=title, seeds=seed or None, include_hubs=include_hubs, keep=keep,
                           progress=step)
    out.print(f"wrote {path}", markup=False)


@app.command()
@handle_errors
def view(
    out_file: Path = typer.Option(..., "--out", "-o", help="HTML file to write."),
    seed: List[str] = typer.Option([], "--seed", help="Show only the neighbourhood of this node (repeatable): "
                                                     "a number, account, person id or typed id like person:P0012."),
    arrested: bool = ARRESTED,
    hops: int = typer.Option(1, "--hops", min=0, help="Neighbourhood radius around --seed."),
    community: Optional[int] = typer.Option(None, "--community", help="Show only this community (see netinv "
                                                                      "communities)."),
    route_from: List[str] = typer.Option([], "--route-from", help="Show only the best supply routes from here."),
    route_to: List[str] = typer.Option([], "--route-to", help="... to here (default: top upstream candidates)."),
    color_by: str = typer.Option("community", "--color-by", help="community, level (hierarchy tier) or kind."),
    size_by: str = typer.Option("pagerank", "--size-by", help="pagerank, degree or betweenness."),
    layer: List[str] = typer.Option([], "--layer", help="Layers to draw: calls, money, co_arrest (repeatable; "
                                                        "default all)."),
    level: str = LEVEL,
    include_hubs: bool = typer.Option(False, "--include-hubs", help="Draw high-volume numbers too."),
    keep: List[str] = KEEP,
    since: Optional[str] = typer.Option(None, "--since", help="Start of the time window (e.g. 2024-03-01)."),
    until: Optional[str] = typer.Option(None, "--until", help="End of the time window (exclusive)."),
    store: Optional[str] = STORE,
):
    """Write an interactive network view (one offline HTML file): a neighbourhood, a community or routes.

    Example:

    netinv view --out neighbourhood.html --seed P0012 --hops 2

    netinv view --out routes.html --route-from P0012
    """
    from .. import analysis as an
    from ..errors import NetinvError
    from ..views import network_view

    layers = tuple(layer) or ("calls", "money", "co_arrest")
    if color_by not in ("community", "level", "kind") or size_by not in ("pagerank", "degree", "betweenness"):
        raise NetinvError("--color-by is community, level or kind; --size-by is pagerank, degree or betweenness")
    with progress("view"), open_case(store) as st:
        window = case_window(st, since, until)
        tz = case_zone(st)
        net = st.network(layers=layers, window=window, level=level)
        if arrested:
            seed = with_arrests(net, seed, "--seed")
        hubs = high_volume(net, include_hubs, keep, seeds=seed)
        focus, radius, what = (seed or None), hops, f"{level} level"
        split = None
        if color_by == "community" or community is not None:
            split = an.communities(net, exclude=hubs)
        if community is not None:
            members = split.loc[split["community"] == community, "id"].tolist()
            if not members:
                raise NetinvError(f"no community {community} (there are {int(split['community'].max())})")
            focus, radius, what = members, 0, f"community {community}"
        if route_from:
            r = an.routes(net, route_from, route_to or None, k=3, exclude=hubs)
            focus, radius, what = sorted(set(r["from"]) | set(r["to"])), 0, "the 3 best supply routes"
        groups, gname = None, ""
        if color_by == "community":
            groups, gname = split.set_index("id")["community"].replace(0, pd.NA), "community"
        elif color_by == "level":
            h = an.hierarchy(net, exclude=hubs)
            groups, gname = h.set_index("id")["level"], "tier"
        measure = "degree" if size_by == "degree" else size_by
        c = an.centrality(net, measures=("degree", measure) if measure != "degree" else ("degree",), exclude=hubs)
        size = c.set_index("id")[measure]
    network_view(net, out_file, title="netinv network", subtitle=f"{what}; layers {', '.join(layers)}; window {window}",
                 focus=focus, hops=radius, groups=groups, group_name=gname, size=size, size_name=size_by,
                 exclude=hubs, highlight=net.resolve(seed) if seed else (), tz=tz)
    out.print(f"wrote {out_file}", markup=False)


@app.command()
@handle_errors
def export(
    out_file: Path = typer.Option(..., "--out", "-o", help="File to write (.graphml, .gexf) or folder (csv)."),
    fmt: Optional[str] = typer.Option(None, "--format", help="graphml, gexf or csv (default: from --out)."),
    layer: List[str] = typer.Option([], "--layer", help="Layers (repeatable; default all)."),
    level: str = LEVEL,
    since: Optional[str] = typer.Option(None, "--since", help="Start of the time window."),
    until: Optional[str] = typer.Option(None, "--until", help="End of the time window (exclusive)."),
    store: Optional[str] = STORE,
):
    """Export the network for Gephi and other tools: GraphML, GEXF, or nodes/edges CSV, with provenance.

    Example:

    netinv export --out case.graphml

    netinv export --format csv --out case-csv
    """
    from ..exports import export_network

    with progress("exporting") as step, open_case(store) as st:
        window = case_window(st, since, until)
        step("building the network")
        net = st.network(layers=tuple(layer) or ("calls", "money", "co_arrest"), window=window, level=level)
        path = export_network(st, net, out_file, fmt, progress=step)
    out.print(f"wrote {len(net.nodes):,} nodes and {net.n_edges:,} edges to {path}", markup=False)


@app.command()
@handle_errors
def demo(
    out_dir: Path = typer.Option(Path("demo-out"), "--out", "-o", help="Folder for the case, workspace and report."),
    seed: int = typer.Option(7, "--seed", help="Random seed of the generated case."),
    people: int = typer.Option(60, "--people", help="People in the generated network."),
    store: Optional[str] = typer.Option(None, "--store", help="Store to load into (default: a fresh "
                                                              "embedded workspace in --out)."),
):
    """Generate a case, load it into a fresh workspace, analyse it, and write OUT/report.html.

    Example:

    netinv demo --out demo-out --seed 7
    """
    from ..workflow import run_demo

    with progress("demo") as step:
        result = run_demo(out_dir, seed=seed, people=people, store=store, progress=step)
    n = sum(r.records_new for r in result.loads)
    out.print(f"generated case in {result.case_dir}; loaded {n:,} records into {result.workspace}", markup=False)
    out.print(f"report: {result.report}", markup=False)


@app.command()
@handle_errors
def push(
    to: str = typer.Option(..., "--to", help="Target Neo4j store, bolt://HOST:PORT or neo4j://HOST:PORT, or neo4j "
                                             "for the server NETINV_NEO4J_URI names (credentials from "
                                             "NETINV_NEO4J_USER / NETINV_NEO4J_PASSWORD)."),
    store: Optional[str] = STORE,
):
    """Copy the workspace into Neo4j with its provenance, audit log and decisions (pushing again adds nothing).

    Example:

    netinv push --to bolt://127.0.0.1:7687
    """
    from ..workflow import push as push_store

    notes: list[str] = []
    with open_case(store) as src, open_store(to) as dst, progress("pushing") as step:
        copied = push_store(src, dst, progress=step, notes=notes)
        counts = dst.counts()
        uri = dst.uri
    out.print(f"pushed to {uri}: " + ", ".join(f"{n:,} new {k}" for k, n in copied.items()), markup=False)
    out.print(f"{uri} now holds {counts['calls']:,} calls, {counts['transfers']:,} transfers, "
              f"{counts['holders']:,} holder records, {counts['arrests']:,} arrest records", markup=False)
    for note in notes:
        err.print(f"note: {note}", markup=False, soft_wrap=True)


@app.command("import-files")
@handle_errors
def import_files(
    out_dir: Path = typer.Option(..., "--out", "-o", help="New or empty folder for the CSV files and import.args."),
    store: Optional[str] = STORE,
):
    """Write the workspace as neo4j-admin import files: a fast first load into an EMPTY Neo4j database.

    Then run: scripts/neo4j-local import OUT --replace-database (it replaces the whole database).
    The graph is the one netinv push builds; use push to add to a database that holds data.

    Example:

    netinv import-files --out import
    """
    from ..store.neo4j_bulk import write_import_files

    with open_case(store) as src, progress("writing import files") as step:
        files = write_import_files(src, out_dir, progress=step)
    rows = ", ".join(f"{n:,} {k}" for k, n in files.rows.items())
    out.print(f"wrote {rows} to {files.folder}", markup=False)
    out.print(f"next: scripts/neo4j-local import {files.folder} --replace-database", markup=False)


def main() -> None:
    app()
