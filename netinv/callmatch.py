"""The same call in two files: the caller's and the callee's records of one call.

A call between two investigated phones is in both phones' call records: the caller's carrier
prints it as he saw it (his cell, his handset), the callee's carrier as she did, and their
switches' clocks and billing may differ by a second or two.  The two rows then differ in their
cell, handset, start or duration, so they make two call records, and every count between the
two phones doubles.

:func:`match_calls` finds such pairs: the same caller and callee, start and duration each within
``within`` seconds, rows of different files (two rows of one file are never taken for one call;
a carrier does not print a call twice).  A row whose call the workspace holds already (a file read
again) is that call, as it is: it is never taken for another; so is a row of a file read before
that was then taken for another file's call (its provenance names the row): loading a file again
adds nothing, with the option or without it.  A call takes at most one row of each file; rows are
matched greedily in time order, each to the call it fits best (the least difference in start
plus duration).  With ``merge``, each new row
so matched becomes a provenance entry of the call read first (from the workspace; else the row
with a cell or handset, the caller's, before one whose were cleared as the callee's by
``--incoming``; else the row of the earlier file), which keeps its own times: the other row's
stay in that row of its file, which the provenance names.  A call of the load also takes
the callee's cell and handset from the callee's row (read as hers with ``--incoming``) where it
has none: the caller's carrier and the callee's each give one end.  So does a call of the
workspace without them, and one of the workspace read from the callee's side takes the caller's
cell and handset from the caller's row (``Batch.call_ends``; the only change a later load makes
to a record, and only to an end it lacks): loaded in either order, the two files give each call
both ends.  Without ``merge`` the pairs are only counted and named in the load's notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .adapters import Batch
from .store import GraphStore, Window

__all__ = ["match_calls", "CallMatches", "DETECT_WITHIN_S"]

#: without --same-call-within, loads of calls still look for pairs this close and name them
DETECT_WITHIN_S = 2

#: the columns of :attr:`CallMatches.pairs`
_PAIR_COLUMNS = ["record_id", "same_as", "file", "other_file"]

#: how far from the load's first and last row a call that one of its rows was taken for may lie
_HELD_WITHIN_S = 3600

#: the fields of a call that its other row may give where the call read first has none
_CALLEE_END = ["callee_cell_id", "callee_imei"]
#: the caller's fields of a call (a callee-side row, read with ``--incoming``, has none)
_CALLER_END = ["cell_id", "imei"]
_ENDS = (_CALLER_END, _CALLEE_END)


def _isin(values: pd.Series, wanted) -> np.ndarray:
    """Which of ``values`` (record ids, text) are among ``wanted``: pyarrow's hash lookup, many times
    faster than pandas' ``isin`` on hundreds of thousands of ids."""
    def text(x):
        return pa.array(x if isinstance(x, pd.Series) else list(x), type=pa.string())

    return pc.is_in(text(values), value_set=text(wanted)).to_numpy(zero_copy_only=False).astype(bool)


@dataclass
class CallMatches:
    """The pairs found: ``pairs`` has one row per new call row taken for an earlier call
    (``record_id``: the new record; ``same_as``: the earlier one; ``file``: the new row's file;
    ``other_file``: the earlier call's), and the notes that describe them."""

    pairs: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def _near(new: pd.DataFrame, old: pd.DataFrame, within: float) -> pd.DataFrame:
    """The calls that have another between the same phones within ``within`` seconds (only these
    can be one call with another), sorted by caller and callee, then time; ``stored``: from the
    workspace (only its calls between the pairs of phones of the load's new calls count).  Works on
    whole columns: a load of millions of calls has few such rows."""
    cols = ["record_id", "caller", "callee", "start", "duration_s", *_CALLER_END, *_CALLEE_END]
    if new.empty:
        return pd.DataFrame(columns=[*cols, "stored", "t", "pair", "d", "end", "callee_end"])
    n_old = len(old)
    start = pd.concat([old["start"], new["start"]], ignore_index=True)
    t = start.astype("datetime64[us, UTC]").astype("int64").to_numpy() / 1e6
    caller = pd.factorize(pd.concat([old["caller"], new["caller"]], ignore_index=True))[0].astype("int64")
    callee = pd.factorize(pd.concat([old["callee"], new["callee"]], ignore_index=True))[0].astype("int64")
    pair = caller * (int(callee.max(initial=0)) + 1) + callee
    at = np.flatnonzero(np.concatenate([np.isin(pair[:n_old], pair[n_old:]) if n_old else np.zeros(0, dtype=bool),
                                        np.ones(len(new), dtype=bool)]))
    ix = at[np.lexsort((t[at], pair[at]))]
    close = np.zeros(len(ix), dtype=bool)  # within reach of the call before, between the same phones
    close[1:] = (pair[ix][1:] == pair[ix][:-1]) & (np.diff(t[ix]) <= within)
    near = ix[close | np.append(close[1:], False)]
    stored = near < n_old
    out = pd.concat([old[cols].iloc[near[stored]].assign(stored=True),
                     new[cols].iloc[near[~stored] - n_old].assign(stored=False)], ignore_index=True)
    out = out.iloc[np.argsort(np.concatenate([np.flatnonzero(stored), np.flatnonzero(~stored)]))]
    out = out.reset_index(drop=True)
    out["t"], out["pair"] = t[near], pair[near]
    out["d"] = out["duration_s"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    out["end"] = out[_CALLER_END].notna().any(axis=1).to_numpy()  # a cell or handset: the caller's
    out["callee_end"] = out[_CALLEE_END].notna().any(axis=1).to_numpy()
    return out


def _mapped(keys: pd.Series, to: pd.Series, keep: bool = False) -> pd.Series:
    """``keys.map(to)`` (``to``: a series with unique keys) by hashing: ``Series.map`` walks an Arrow
    string column in Python (1.1 s for 600,000 keys, 0.2 s so).  ``keep``: a key that ``to`` lacks
    stays as it is (else it is missing)."""
    at = pd.Index(to.index).get_indexer(keys)
    values = to.to_numpy(dtype=object)[np.maximum(at, 0)] if len(to) else np.full(len(keys), None, dtype=object)
    fallback = keys.to_numpy(dtype=object) if keep else None
    return pd.Series(np.where(at >= 0, values, fallback), index=keys.index, dtype=object)


def _with_files(near: pd.DataFrame, batch: Batch, store: GraphStore) -> pd.DataFrame:
    """``near`` with the file each call was first read from, every file it holds a row of
    (``files``: the workspace's calls may hold two) and the order in which they count: the
    workspace's calls first, then the load's by file."""
    order = {s.sha256: i + 1 for i, s in enumerate(batch.sources)}
    new_ids = set(near.loc[~near["stored"], "record_id"])
    prov = batch.provenance[_isin(batch.provenance["record_id"], new_ids)]  # in the order the files were read
    # each record's first file: the workspace's first for its calls, else the first the load read
    files = prov[["record_id", "file_sha256"]].drop_duplicates("record_id")
    stored = near.loc[near["stored"], "record_id"]
    held: dict = {}
    if len(stored):
        sp = store.provenance(stored, kind="calls")
        sp = sp.sort_values(["loaded_at", "row"], kind="stable")  # first loaded first
        files = pd.concat([files, sp[["record_id", "file_sha256"]].drop_duplicates("record_id")])
        files = files.drop_duplicates("record_id", keep="last")
        # the calls that hold rows of two files or more (most hold one: a set each in Python took 6.5 s
        # for the 300,000 calls of one carrier)
        both = sp[["record_id", "file_sha256"]].drop_duplicates()
        both = both[both["record_id"].duplicated(keep=False)]
        held = both.groupby("record_id")["file_sha256"].agg(frozenset).to_dict()
    near = near.assign(file_sha256=_mapped(near["record_id"], files.set_index("record_id")["file_sha256"]))
    alone = {f: frozenset([f]) for f in set(near["file_sha256"].dropna())}  # one set per file, shared (never changed)
    near["files"] = [held.get(r) or alone.get(f, frozenset([f]))
                     for r, f in zip(near["record_id"], near["file_sha256"])]
    near["order"] = np.where(near["stored"], 0, _mapped(near["file_sha256"], pd.Series(order)).fillna(len(order) + 1)
                             ).astype("int64")
    ix = np.lexsort((near["order"].to_numpy(), near["t"].to_numpy(), near["pair"].to_numpy()))
    return near.iloc[ix].reset_index(drop=True)


def _match(both: pd.DataFrame, within: float) -> list[tuple[int, int]]:
    """(row, the row of the call it is taken for) for every new row taken for another call."""
    pair, t = both["pair"].to_numpy(), both["t"].to_numpy()
    close = np.zeros(len(both), dtype=bool)  # within reach of the row before, between the same phones
    close[1:] = (pair[1:] == pair[:-1]) & (t[1:] - t[:-1] <= within)
    if not close.any():
        return []
    d, files = both["d"].to_numpy(), both["files"].to_numpy()
    order, stored, end = both["order"].to_numpy(), both["stored"].to_numpy(), both["end"].to_numpy()
    out = []
    starts = np.flatnonzero(close & ~np.append(False, close[:-1]))  # each run's second row
    for s in starts:
        e = s
        while e + 1 < len(close) and close[e + 1]:
            e += 1
        calls: list[list] = []  # [t, d, files, rows], in order of their first row
        for i in range(s - 1, e + 1):
            fits = [c for c in calls if t[i] - c[0] <= within and files[i].isdisjoint(c[2])
                    and (np.isnan(d[i]) or np.isnan(c[1]) or abs(d[i] - c[1]) <= within)]
            if fits:  # the call it fits best
                best = min(fits, key=lambda c: t[i] - c[0] + (0 if np.isnan(d[i]) or np.isnan(c[1])
                                                                   else abs(d[i] - c[1])))
                best[2].update(files[i])
                best[3].append(i)
            else:
                calls.append([t[i], d[i], set(files[i]), [i]])
        for c in calls:
            if len(c[3]) > 1:
                # the workspace's call stays; else the row with the caller's cell or handset (an
                # incoming row has none: --incoming), then the file read first
                rows = sorted(c[3], key=lambda r: (not stored[r], not end[r], order[r], t[r]))
                out.extend((r, rows[0]) for r in rows[1:] if not stored[r])
    return out


def match_calls(store: GraphStore, batch: Batch, within: float, *, merge: bool) -> CallMatches:
    """The rows of ``batch`` (calls) that are calls of the workspace or of an earlier file of the
    load (see the module notes); with ``merge``, ``batch`` is changed so that each becomes a
    provenance entry of that call.  Rows read before as another call's are that call again, with
    ``merge`` or without it."""
    recs = batch.records
    if batch.kind != "calls" or recs.empty:
        return CallMatches(pd.DataFrame(columns=_PAIR_COLUMNS))
    # the calls a row may be one with (within ``within``), or was taken for when its file was first
    # read with a wider window (within an hour, at the edges of the load's span)
    pad = pd.Timedelta(seconds=max(within, _HELD_WITHIN_S) + 1)
    existing = store.calls_between(recs[["caller", "callee"]],
                                   Window(since=recs["start"].min() - pad, until=recs["start"].max() + pad))
    # a record read again is the workspace's, as it is: never taken for another call; nor is a row
    # read before and taken for another call then: it is that call again
    known = _isin(recs["record_id"], existing["record_id"]) if len(existing) else np.zeros(len(recs), dtype=bool)
    held = _held(store, batch, existing, recs["record_id"][~known])
    notes = _held_notes(batch, held) if held else []
    if held:
        known |= _isin(recs["record_id"], held)
    pairs, more = _pairs(store, batch, _near(recs[~known], existing, within), within, merge)
    notes += more
    to = {**held, **(dict(zip(pairs["record_id"], pairs["same_as"])) if merge else {})}
    if to:
        _merge(batch, to, existing)
    if held and batch.call_ends is not None:  # a call read before netinv gave it an end it lacked
        ends = batch.call_ends[_isin(batch.call_ends["record_id"], set(held.values()))]
        for end, cols in (("caller", _CALLER_END), ("callee", _CALLEE_END)):
            n = int(ends[cols].notna().any(axis=1).sum())
            if n:
                notes.append(f"{n:,} of the workspace's calls take the {end}'s cell and handset from the rows read "
                             "before (the calls lacked them)")
    return CallMatches(pairs[_PAIR_COLUMNS], notes)


def _pairs(store: GraphStore, batch: Batch, near: pd.DataFrame, within: float,
           merge: bool) -> tuple[pd.DataFrame, list[str]]:
    """The new rows of ``near`` taken for another call (``record_id``, ``same_as``, ``file``,
    ``other_file``), and the load's notes on them."""
    if near.empty:
        return pd.DataFrame(columns=_PAIR_COLUMNS), []
    both = _with_files(near, batch, store)
    found = _match(both, within)
    if not found:
        return pd.DataFrame(columns=_PAIR_COLUMNS), []
    rows, reps = (np.array(x) for x in zip(*found))
    pairs = pd.DataFrame({"record_id": both["record_id"].to_numpy()[rows],
                          "same_as": both["record_id"].to_numpy()[reps],
                          "file": both["file_sha256"].to_numpy()[rows],
                          "other_file": both["file_sha256"].to_numpy()[reps],
                          "stored": both["stored"].to_numpy()[reps]})
    stored = pairs["stored"].to_numpy()
    # a call of the workspace without an end (the callee's cell and handset; the caller's, where it
    # was read from the callee's side) takes it from the row
    pairs["gives_callee"] = stored & both["callee_end"].to_numpy()[rows] & ~both["callee_end"].to_numpy()[reps]
    pairs["gives_caller"] = stored & both["end"].to_numpy()[rows] & ~both["end"].to_numpy()[reps]
    paths = {s.sha256: s.given or s.path for s in batch.sources}  # as the command named them
    if pairs["stored"].any():
        src = store.sources()
        paths = {**dict(zip(src["file_sha256"], src["path"])), **paths}
    notes = []
    for (f, other), g in pairs.groupby(["file", "other_file"], sort=False):
        where = Path(paths.get(other, other)).name + (", in the workspace" if g["stored"].iloc[0] else "")
        if merge:
            given = {end: g.loc[g[f"gives_{end}"], "same_as"].nunique() for end in ("caller", "callee")}
            notes.append(f"{paths.get(f, f)}: {len(g):,} call(s) are calls of {where} (the same caller and callee, "
                         f"start and duration within {within:g} s): each is kept as that one call, with both rows "
                         "in its provenance"
                         + "".join(f"; {n:,} of the workspace's calls take the {end}'s cell and handset from these "
                                   "rows" for end, n in given.items() if n))
        else:
            notes.append(f"{paths.get(f, f)}: {len(g):,} call(s) lie within {within:g} s (start and duration) of a "
                         f"call of {where} between the same phones: probably one call in both phones' records, "
                         f"now counted twice; --same-call-within {within:g} loads each as one call")
    return pairs[_PAIR_COLUMNS], notes


def _held(store: GraphStore, batch: Batch, existing: pd.DataFrame, unknown: pd.Series) -> dict:
    """The records of ``batch`` that are rows the workspace holds already as another call's (a file
    read again, whose rows were taken for the calls of another file's rows when it was first read):
    record -> that call.  Only rows of files read before can be such rows, only those that are no
    record of the workspace themselves (``unknown``: their record ids), and only calls between the
    same phones (``existing``) can be those calls: a file read for the first time, or again without
    such rows, asks nothing more."""
    shas = {s.sha256 for s in batch.sources}
    if existing.empty or unknown.empty or not shas:
        return {}
    seen = shas & set(store.sources()["file_sha256"])
    if not seen:
        return {}
    mine = batch.provenance[_isin(batch.provenance["record_id"], unknown)]
    mine = mine[_isin(mine["file_sha256"], seen)]
    if mine.empty:
        return {}
    recs = batch.records
    pairs = recs.loc[_isin(recs["record_id"], mine["record_id"]), ["caller", "callee"]].drop_duplicates()
    between = existing.merge(pairs, on=["caller", "callee"])["record_id"]
    if between.empty:
        return {}
    theirs = store.provenance(between, kind="calls")
    theirs = theirs[_isin(theirs["file_sha256"], seen)]
    key = ["file_sha256", "row"]
    same = mine[["record_id", *key]].astype({"row": "int64"}).merge(
        theirs[["record_id", *key]].astype({"row": "int64"}).rename(columns={"record_id": "held_as"}), on=key)
    return dict(zip(same["record_id"], same["held_as"]))


def _held_notes(batch: Batch, held: dict) -> list[str]:
    prov = batch.provenance
    rows = prov[_isin(prov["record_id"], held)].groupby("file_sha256", sort=False).size()
    paths = {s.sha256: s.given or s.path for s in batch.sources}
    return [f"{paths.get(f, f)}: {n:,} row(s) were read before, as calls of other files' rows (--same-call-within): "
            "each is that call again, nothing new" for f, n in rows.items() if f in paths]


def _merge(batch: Batch, to: dict, existing: pd.DataFrame) -> None:
    """Make each new record of ``to`` a provenance entry of the call it was taken for (``to`` maps
    one to the other), and give that call each end's cell and handset where it has none."""
    prov = batch.provenance.copy()
    prov["record_id"] = _mapped(prov["record_id"], pd.Series(to, dtype=object), keep=True).astype("string")
    batch.provenance = prov.drop_duplicates(["record_id", "file_sha256", "row"]).reset_index(drop=True)
    given = _given_ends(batch.records, to)
    batch.call_ends = _stored_ends(given, existing)
    recs = _fill_ends(batch.records, given)
    recs = recs[~_isin(recs["record_id"], to)]
    stored = existing[_isin(existing["record_id"], set(to.values())) & ~_isin(existing["record_id"], recs["record_id"])]
    if len(stored):  # the workspace's call comes along, so that every store appends the new rows to it
        stored = stored[[c for c in recs.columns if c in stored.columns]].astype(recs.dtypes.to_dict())
        recs = pd.concat([recs, stored], ignore_index=True)
    batch.records = recs.reset_index(drop=True)


def _given_ends(recs: pd.DataFrame, to: dict) -> pd.DataFrame:
    """For each call that rows of the load are taken for, each end's cell and handset from the first
    of them that gives that end (the caller's from the caller's row, the callee's from the callee's,
    read as hers with ``--incoming``): ``record_id`` (the call's) and both ends' fields, missing
    where no row gives that end."""
    taken = recs[_isin(recs["record_id"], to)]
    call = _mapped(taken["record_id"], pd.Series(to, dtype=object))
    parts = []
    for cols in _ENDS:
        has = taken[cols].notna().any(axis=1)
        part = taken.loc[has, cols].set_axis(call[has].to_numpy())
        parts.append(part[~part.index.duplicated()])
    given = pd.concat(parts, axis=1).astype("string")
    return given.rename_axis("record_id").reset_index()[["record_id", *_CALLER_END, *_CALLEE_END]]


def _lacking(calls: pd.DataFrame, given: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """Positions in ``calls`` of the calls of ``given`` that lack the end ``cols`` which ``given``
    has for them (-1 where not there, where the call has that end or ``given`` has none)."""
    at = pd.Index(calls["record_id"]).get_indexer(given["record_id"])
    found = (at >= 0) & given[cols].notna().any(axis=1).to_numpy()
    found[found] = calls[cols].iloc[at[found]].isna().all(axis=1).to_numpy()
    return np.where(found, at, -1)


def _fill_ends(recs: pd.DataFrame, given: pd.DataFrame) -> pd.DataFrame:
    """``recs`` where each call of the load taken for another has each end ``given`` for it, where it
    had none."""
    for cols in _ENDS:
        at = _lacking(recs, given, cols)
        if (at >= 0).any():
            recs = recs.copy()
            recs.iloc[at[at >= 0], [recs.columns.get_loc(c) for c in cols]] = given.loc[at >= 0, cols].to_numpy()
    return recs


def _stored_ends(given: pd.DataFrame, existing: pd.DataFrame) -> pd.DataFrame | None:
    """The calls of the workspace that take an end ``given`` for them, one they lack, with both
    phones (for their SEEN_AT and INSERTED_IN in Neo4j): each end's fields are missing where the
    call keeps its own; None when no call takes any."""
    ends = given.copy()
    takes = np.zeros(len(ends), dtype=bool)
    for cols in _ENDS:
        at = _lacking(existing, given, cols)
        ends.loc[at < 0, cols] = pd.NA
        takes |= at >= 0
    if not takes.any():
        return None
    at = pd.Index(existing["record_id"]).get_indexer(ends["record_id"])
    ends.insert(1, "caller", existing["caller"].to_numpy()[at])
    ends.insert(2, "callee", existing["callee"].to_numpy()[at])
    return ends[takes].reset_index(drop=True).astype("string")
