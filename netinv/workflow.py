"""End-to-end workflows used by the CLI and notebooks: load files, load a generated case, report, demo.

These glue the layers together (adapters -> store -> network -> analysis -> views) and hold no
logic of their own beyond the order of the steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from .adapters import Batch, read_records, write_quarantine
from .callmatch import DETECT_WITHIN_S, match_calls
from .errors import ProfileError
from .folders import make_folder
from .network import Network
from .store import GraphStore, LoadResult, open_store
from .store.base import call_events, load_options
from .synth import generate, load_manifest

__all__ = ["load_files", "load_generated", "make_report", "run_demo", "DemoResult", "push", "route_evidence",
           "memo_summary", "replacement_pairs", "replacement_notes", "calls_end"]

Progress = Callable[[str], None]


def load_files(
    store: GraphStore,
    kind: str,
    files: Sequence[str | Path],
    *,
    profile=None,
    quarantine: str | Path | None = None,
    authority: str | None = None,
    progress: Progress | None = None,
    same_call_within: float | None = None,
    **options,
) -> tuple[LoadResult, Batch]:
    """Read ``files`` as ``kind`` records and write them to ``store`` in one transaction.

    With ``quarantine`` set, rejected rows (and rows kept with a cleared value) are appended to
    that CSV file and the rest is loaded; without it any bad row stops the load before a write.

    Calls: a row of one file within ``same_call_within`` seconds (start and duration) of a call
    between the same phones in another file, or in the workspace, is loaded as that call
    (:mod:`netinv.callmatch`); without it such rows within 2 s are only named in the notes.
    """
    if same_call_within is not None and (kind != "calls" or same_call_within < 0):
        raise ProfileError("--same-call-within takes a number of seconds >= 0, and only for calls")
    batch = read_records(kind, files, profile, quarantine=quarantine is not None, progress=progress, **options)
    if quarantine is not None and (batch.problems or batch.cleared):
        write_quarantine([*batch.problems, *batch.cleared], quarantine)
    params = {"kind": kind, "profile": getattr(profile, "name", profile) or "generic",
              "files": [str(f) for f in files], **{k: v for k, v in options.items() if v not in (None, (), [], {})}}
    # each file's content hash, in the order of "files": the load names what it read even where every
    # record was in the workspace already (the sources table keeps one row per file)
    params["file_sha256"] = [s.sha256 for s in batch.sources]
    if batch.tz:  # the zone naive times were read in, also where it came from the profile
        params["tz"] = batch.tz
    if kind == "calls":
        merge = same_call_within is not None
        matched = match_calls(store, batch, same_call_within if merge else DETECT_WITHIN_S, merge=merge)
        batch.notes.extend(matched.notes)
        if merge:
            params["same_call_within"] = same_call_within
    result = store.write(batch, authority=authority, options=params)
    return result, batch


def load_generated(case_dir: str | Path, store: GraphStore, *, authority: str | None = None,
                   progress: Progress | None = None, step_options: bool = True) -> list[LoadResult]:
    """Load every file of a case written by :func:`netinv.synth.generate`, as its manifest says.

    ``step_options=False`` leaves out the options the manifest gives a load (``same_call_within``,
    ``where``), to see what reading the files plainly does."""
    case_dir = Path(case_dir)
    manifest = load_manifest(case_dir)
    results = []
    for step in manifest["loads"]:
        files = [case_dir / f for f in step["files"]]
        if not files:
            continue
        result, _ = load_files(store, step["kind"], files, profile=step["profile"], authority=authority,
                               progress=progress, **(step.get("options", {}) if step_options else {}))
        results.append(result)
    return results


def make_report(store: GraphStore, out: str | Path, *, title: str = "netinv case report",
                params: dict | None = None, seeds=None, include_hubs: bool = False, keep=(),
                progress: Progress | None = None) -> Path:
    """Analyse the workspace and write the case report (see :func:`netinv.reporting.build_report`)."""
    from .reporting import build_report

    return build_report(store, out, title=title, params=params, seeds=seeds, include_hubs=include_hubs, keep=keep,
                        progress=progress)


@dataclass
class DemoResult:
    out: Path
    case_dir: Path
    workspace: str
    report: Path
    loads: list[LoadResult]


def run_demo(out: str | Path, *, seed: int = 7, people: int = 60, store: str | None = None,
             progress: Progress | None = None) -> DemoResult:
    """Generate a case, load it into a fresh workspace, analyse it and write ``out/report.html``."""
    say = progress or (lambda m: None)
    out = make_folder(out)
    case_dir = out / "case"
    say(f"generating a synthetic case (seed {seed}, {people} people)")
    generate(case_dir, seed=seed, people=people)
    uri = store or f"embedded:{out / 'workspace.duckdb'}"
    if uri.startswith("embedded:"):
        ws = Path(uri[len("embedded:"):])
        for stale in (ws, ws.with_name(ws.name + ".wal")):
            if stale.exists():
                stale.unlink()
    with open_store(uri) as st:
        loads = load_generated(case_dir, st, authority="synthetic demo case (no legal authority needed)",
                               progress=lambda f: say(f"loading {Path(f).name}"))
        report = make_report(st, out / "report.html", title="netinv demo case",
                             params={"seed": seed, "people": people}, progress=say)
    return DemoResult(out, case_dir, uri, report, loads)


def push(source: GraphStore, target: GraphStore, progress: Progress | None = None,
         notes: list[str] | None = None) -> dict[str, int]:
    """Copy a workspace into another store (Neo4j): records, provenance, sources, the audit log and the
    analysts' decisions (on identity and on numbers; one undone since is marked undone there too).

    Idempotent like every load: pushing twice adds nothing the second time.  ``notes``, where
    given, gains the push's notes (write transactions the driver ran again).
    """
    copy = getattr(target, "copy_from", None)
    if copy is None:
        from .errors import StoreError

        raise StoreError(f"{target.uri} cannot receive a push (only Neo4j stores can)")
    return copy(source, progress=progress, notes=notes)


def replacement_pairs(store: GraphStore, ranked: pd.DataFrame, exclude: Sequence[str] = (),
                      end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Pairs of phones in a ranked list (``rank``, ``id``) where one looks like the other's replacement.

    At person or phone level a phone that no record attributes to anyone stands on its own, and
    when its user changes numbers each number carries only part of what points to him: both rank
    lower than the person would.  The pairs are :func:`netinv.linkage.phone_pairs` on the calls of
    the listed phones only, with ``old_rank`` and ``candidate_rank`` added.  ``exclude``: typed ids
    of high-volume numbers; ``end``: the end of the call records (default: the last call of the
    listed phones; :func:`calls_end` gives it from a network).
    """
    from .linkage import phone_pairs

    listed = ranked[ranked["id"].astype(str).str.startswith("phone:")]
    rank = {i.split(":", 1)[1]: int(r) for i, r in zip(listed["id"], listed["rank"])}
    hubs = [h.split(":", 1)[1] for h in exclude if h.startswith("phone:")]
    calls = store.calls_of(rank) if len(rank) >= 2 else store.calls_of([])
    pairs = phone_pairs(calls, list(rank), end=end, exclude=hubs)
    return pairs.assign(old_rank=pairs["old"].map(rank), candidate_rank=pairs["candidate"].map(rank))


def replacement_notes(store: GraphStore, ranked: pd.DataFrame, exclude: Sequence[str] = (),
                      end: pd.Timestamp | None = None) -> list[str]:
    """One note per pair of :func:`replacement_pairs`: the two ranks and the evidence."""
    return [f"{r.candidate} (rank {r.candidate_rank}) may be the number that replaced {r.old} (rank {r.old_rank}): "
            f"{r.reasons}. If one person holds both, each ranks lower than he would as one (netinv successors "
            f"--phone {r.old} lists every candidate; --level resolved merges each quiet number with its best successor)"
            for r in replacement_pairs(store, ranked, exclude, end).itertuples()]


def calls_end(net: Network) -> pd.Timestamp | None:
    """The time of the last call in a network (None without calls)."""
    last = net.edges.loc[net.edges["layer"] == "calls", "last"]
    return None if last.empty else last.max()


def memo_summary(memos: pd.Series, shown: int = 3) -> str:
    """The distinct memos of some transfers with their counts, the most frequent first:
    ``货款 ×3; 还款 ×1`` ('' when none has a memo; ``(+N more)`` past the first ``shown``)."""
    counts = memos.dropna().astype(str).str.strip()
    counts = counts[counts != ""].value_counts()
    if counts.empty:
        return ""
    counts = counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    text = "; ".join(f"{m} ×{n}" for m, n in counts.head(shown).items())
    return text + (f" (+{len(counts) - shown} more)" if len(counts) > shown else "")


def _sheets_named(store: GraphStore) -> dict[str, str]:
    """load_id -> the Excel sheet the load was told to read (``--sheet``), for loads that name one:
    rows of two sheets of one workbook are then told apart (``book.xlsx[二月]:2``)."""
    loads = store.loads()
    return {lid: str(o["sheet"]) for lid, o in zip(loads["load_id"], load_options(loads))
            if o.get("sheet") not in (None, "")}


def route_evidence(store: GraphStore, net: Network, hops: pd.DataFrame, window=None, shown: int = 5) -> pd.DataFrame:
    """Add the source records behind each hop of :func:`netinv.analysis.routes` (column ``sources``).

    A hop between two people stands on the calls and transfers between their phones and accounts;
    ``sources`` names the files and rows of those records (the first ``shown`` of them),
    ``records`` how many there are, and ``memos`` what the transfers' memos say (each distinct
    memo with how many transfers carry it, the most frequent first).  Records count in ``window``
    (default: the network's own, so that they are the ones its edges count); only the calls of
    the hops' phones are read.
    """
    out = hops.copy()
    window = net.window if window is None else window
    ends = set(out["from"]) | set(out["to"])
    phones = {m.split(":", 1)[1] for n in ends for m in net.members_of(n) if m.startswith("phone:")}
    calls = call_events(store.calls_of(phones, window))
    money = store.events("money", window)
    ev = pd.concat([calls.assign(layer="calls"), money.assign(layer="money")], ignore_index=True)
    ev["a"] = net.node_of(ev["source"])
    ev["b"] = net.node_of(ev["target"])
    wanted, per_hop, memos = set(), [], []
    for a, b in zip(out["from"], out["to"]):
        sel = ((ev["a"] == a) & (ev["b"] == b)) | ((ev["layer"] == "calls") & (ev["a"] == b) & (ev["b"] == a))
        hop = ev.loc[sel].sort_values("time")
        ids = hop["record_id"].tolist()
        per_hop.append(ids)
        wanted.update(ids[:shown])
        memos.append(memo_summary(hop.loc[hop["layer"] == "money", "memo"]))
    prov = store.provenance(sorted(wanted)) if wanted else pd.DataFrame(columns=["record_id", "path", "row"])
    sheet = _sheets_named(store) if len(prov) else {}
    where = {}
    for r in prov.itertuples():
        in_sheet = sheet.get(getattr(r, "load_id", None))
        where.setdefault(r.record_id, f"{Path(r.path).name}{f'[{in_sheet}]' if in_sheet else ''}:{r.row}")
    out["records"] = [len(ids) for ids in per_hop]
    out["memos"] = memos
    out["sources"] = ["; ".join(where.get(i, i[:12]) for i in ids[:shown]) + (f" (+{len(ids) - shown} more)"
                                                                               if len(ids) > shown else "")
                      for ids in per_hop]
    out.attrs.update(hops.attrs)
    return out
