"""One identifier's dossier (号码画像): what the workspace knows of a phone, an account or a person.

:func:`dossier` gathers, for a phone, an account or a person (with the phones and accounts the
holder and arrest records give him), in a time window:

- ``people``: who holds the phones and accounts (names, aliases, valid ID number, cases);
- ``arrests``: the arrest records of those people, or naming those phones and accounts;
- ``contacts``: the numbers called or calling, each with its calls out and in, seconds, first and
  last call, and who holds it;
- ``cells``: the cell towers the phones were seen at, at either end of a call (``as_caller``,
  ``as_callee``), with the first and last time;
- ``handsets``: the handsets (IMEI as written, and ``handset``: its key, the first 14 digits) the
  phones were used in, at either end of a call, and the other phones seen with the same handset
  however written (evidence of a replacement phone or a shared device; a placeholder such as
  ``000000000000000`` is no handset);
- ``money``: the accounts paid and paid by, each with counts, amounts per currency, first and last;
- ``successors``: the phones that likely replaced its phones and those its phones likely replaced
  (a number changed, 换号), the rows of :func:`netinv.linkage.successors` over the window's calls
  with either phone one of its own, with the evidence and each number's holders on record;
  high-volume numbers are left out as ``netinv successors`` leaves them out, so that without a
  window the rows are that command's.

Every table is an evidence summary: its rows come from call and transfer records that
``netinv view`` and the provenance of the workspace lead back to.

>>> d = dossier(store, "138 0013 8000")                            # doctest: +SKIP
>>> d.contacts.head()                                             # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from . import __version__
from .errors import check_count
from .normalize import handset_keys
from .store import GraphStore, Window
from .store.base import CALL_ENDS

__all__ = ["Dossier", "dossier", "dossier_sources", "write_dossier", "SECTIONS"]

#: the tables of a dossier, in the order they are shown
SECTIONS = ("people", "arrests", "contacts", "cells", "handsets", "money", "successors")


@dataclass
class Dossier:
    """What the workspace knows of one identifier (``id``, typed: ``phone:...``, ``account:...``
    or ``person:...``), in ``window``; ``phones`` and ``accounts`` are those it covers."""

    id: str
    window: Window
    phones: list[str]
    accounts: list[str]
    people: pd.DataFrame
    arrests: pd.DataFrame
    contacts: pd.DataFrame
    cells: pd.DataFrame
    handsets: pd.DataFrame
    money: pd.DataFrame
    successors: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    #: the records its tables sum up (its holder records, its arrest records, its phones' calls and
    #: its accounts' transfers in the window), each once: what :func:`dossier_sources` traces to files
    record_ids: list[str] = field(default_factory=list)
    #: whether the successor search ran over the window's calls (not with ``successors=False``, nor
    #: for a reference without calls of its own)
    searched: bool = False

    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in SECTIONS}


def _holders(holdings: pd.DataFrame, persons: pd.DataFrame) -> dict[str, str]:
    """number or account -> ``name (person_id)`` of each holder, joined with ``; ``."""
    names = dict(zip(persons["person_id"], persons["name"]))
    who = holdings.assign(who=[f"{names.get(p, p)} ({p})" for p in holdings["person_id"]])
    return who.groupby("value")["who"].apply(lambda s: "; ".join(sorted(set(s)))).to_dict()


def _contacts(calls: pd.DataFrame, phones: set[str], holders: dict[str, str]) -> pd.DataFrame:
    cols = ["contact", "calls", "calls_out", "calls_in", "seconds", "first", "last", "held_by"]
    if calls.empty:
        return pd.DataFrame(columns=cols)
    out_ = calls["caller"].isin(phones)
    frame = pd.DataFrame({"contact": calls["callee"].where(out_, calls["caller"]), "out": out_.astype(int),
                          "seconds": calls["duration_s"].astype("Float64"), "start": calls["start"]})
    g = frame.groupby("contact")
    df = pd.DataFrame({"calls": g.size(), "calls_out": g["out"].sum(), "seconds": g["seconds"].sum(),
                       "first": g["start"].min(), "last": g["start"].max()})
    df["calls_in"] = df["calls"] - df["calls_out"]
    df["seconds"] = df["seconds"].round().astype("Int64")
    df = df.reset_index()
    df["held_by"] = df["contact"].map(holders).astype("string")
    df = df.sort_values(["calls", "seconds", "contact"], ascending=[False, False, True])
    return df[cols].reset_index(drop=True)


def _seen(calls: pd.DataFrame, phones: set[str], what: str) -> pd.DataFrame:
    """Per phone of ``phones`` and cell (``what="cell_id"``) or handset (``"imei"``): calls at
    each end, first and last."""
    parts = []
    for (phone_col, col), end in zip(CALL_ENDS[what], ("as_caller", "as_callee")):
        sub = calls[calls[phone_col].isin(phones) & calls[col].notna()]
        parts.append(pd.DataFrame({"phone": sub[phone_col], what: sub[col], "end": end, "start": sub["start"]}))
    seen = pd.concat(parts, ignore_index=True)
    cols = ["phone", what, "calls", "as_caller", "as_callee", "first", "last"]
    if seen.empty:
        return pd.DataFrame(columns=cols)
    g = seen.groupby(["phone", what])
    df = pd.DataFrame({"calls": g.size(), "first": g["start"].min(), "last": g["start"].max()})
    ends = seen.groupby(["phone", what, "end"]).size().unstack("end", fill_value=0)
    for end in ("as_caller", "as_callee"):
        df[end] = ends[end] if end in ends else 0
    df = df.reset_index().sort_values(["calls", "phone", what], ascending=[False, True, True])
    return df[cols].reset_index(drop=True)


def _money(t: pd.DataFrame, accounts: set[str], holders: dict[str, str]) -> pd.DataFrame:
    """Per counterpart and currency, the transfers ``t`` (each paid or received by ``accounts``)."""
    cols = ["counterpart", "currency", "transfers", "paid_n", "paid", "received_n", "received", "first", "last",
            "held_by"]
    if t.empty:
        return pd.DataFrame(columns=cols)
    paid = t["payer_account"].isin(accounts)
    frame = pd.DataFrame({"counterpart": t["payee_account"].where(paid, t["payer_account"]),
                          "currency": t["currency"], "paid": paid.astype(int),
                          "amount": t["amount"].astype("float64"), "time": t["time"]})
    frame["paid_amount"] = frame["amount"].where(frame["paid"] == 1, 0.0)
    frame["received_amount"] = frame["amount"].where(frame["paid"] == 0, 0.0)  # summed apart: no rounding
    g = frame.groupby(["counterpart", "currency"])
    df = pd.DataFrame({"transfers": g.size(), "paid_n": g["paid"].sum(), "paid": g["paid_amount"].sum(),
                       "received": g["received_amount"].sum(), "first": g["time"].min(), "last": g["time"].max()})
    df["received_n"] = df["transfers"] - df["paid_n"]
    df = df.reset_index()
    df["held_by"] = df["counterpart"].map(holders).astype("string")
    df["total"] = df["paid"] + df["received"]
    df = df.sort_values(["total", "counterpart"], ascending=[False, True])
    return df[cols].reset_index(drop=True)


_SUCCESSOR_COLUMNS = ["old", "candidate", "rank", "score", "how", "reasons", "shared_contacts", "same_imei",
                      "shared_towers", "gap_days", "old_last", "candidate_first", "old_held_by", "candidate_held_by"]


def _successors(store: GraphStore, net, own: set[str], window: Window, notes: list[str],
                holders: dict[str, str]) -> pd.DataFrame:
    """The rows of the successor search over the window's calls with one of ``own`` at either end,
    with each number's holders on record (the same person on both: the search is borne out)."""
    from .analysis import hub_ids
    from .linkage import holder_arrests, quiet_on_arrest, successors

    calls = store.records("calls", window) if own else store.records("calls").iloc[0:0]
    if calls.empty:
        return pd.DataFrame(columns=_SUCCESSOR_COLUMNS)
    # the numbers netinv successors leaves out: those its calls-only network flags
    if "calls" not in net.layers or not net.n_edges:  # a network without its calls (or without edges)
        net = store.network(layers=("calls",), window=window, level="phone")
    hubs = {h.partition(":")[2] for h in hub_ids(net, layers=("calls",)) if h.startswith("phone:")}
    if own & hubs:
        notes.append(f"{', '.join(sorted(own & hubs))}: a high-volume number, left out of the successor search "
                     "(its calls tell no replacement)")
    found = successors(calls, exclude=sorted(hubs))
    found = found[found["old"].isin(own) | found["candidate"].isin(own)].reset_index(drop=True)
    gone = quiet_on_arrest(found[found["old"].isin(own) & (found["rank"] == 1)],
                           holder_arrests(store.holdings(), store.records("arrests")))
    for old, (person, day) in gone.items():
        notes.append(f"{old} went quiet when its holder {person} was arrested ({pd.Timestamp(day).date()}): the "
                     "newer number is most likely someone else's")
    found = found.assign(**{f"{end}_held_by": found[end].map(holders).astype("string") for end in ("old", "candidate")})
    return found[_SUCCESSOR_COLUMNS]


def dossier(store: GraphStore, ref: str, window: Window | None = None, *, net=None,
            handset_limit: int = 50, successors: bool = True) -> Dossier:
    """The dossier of ``ref`` (a phone, account or person, as ``netinv`` commands take them: typed or
    as an analyst types it) in ``window``.  ``net``: a phone-level network of the workspace in
    ``window`` to resolve ``ref`` in and to find the high-volume numbers in (built when not given;
    without the successor search, only its nodes are read: no call is aggregated).  Handsets seen
    with more than ``handset_limit`` phones (a test device, a shop's) are named in the notes without
    their phones.  Without ``successors`` the successor search (over every call of the window:
    seconds on millions of calls) is skipped and its table is empty, with a note."""
    from .projection import identifier_network

    handset_limit = check_count("handset_limit", handset_limit)
    window = window or Window()
    if net is None:  # the search needs the calls network's high-volume numbers: one network serves both
        layers = ("calls", "money", "co_arrest")
        net = store.network(layers=layers, window=window, level="phone") if successors else \
            identifier_network(store, layers, window)
    nid = net.resolve([ref])[0]
    kind, _, value = nid.partition(":")
    holdings, persons = store.holdings(), store.persons()
    notes: list[str] = []
    if kind == "person":
        mine = holdings[holdings["person_id"] == value]
        phones = sorted(set(mine.loc[mine["kind"] == "phone", "value"]))
        accounts = sorted(set(mine.loc[mine["kind"] == "account", "value"]))
        people_ids = {value}
        if phones or accounts:
            notes.append(f"{nid}: {len(phones)} phone(s) and {len(accounts)} account(s) from the holder and "
                         "arrest records")
    else:
        phones, accounts = ([value], []) if kind == "phone" else ([], [value])
        people_ids = set(holdings.loc[(holdings["kind"] == kind) & (holdings["value"] == value), "person_id"])
        if not people_ids:
            notes.append(f"{nid}: no holder on record")
    holders = _holders(holdings, persons)
    people = persons[persons["person_id"].isin(people_ids)].reset_index(drop=True)
    people = people.assign(**{c: people[c].map("; ".join) for c in ("aliases", "cases", "drugs")})
    arrests = store.records("arrests", window)
    arrests = arrests[arrests["person_id"].isin(people_ids) | arrests["phone"].isin(phones)
                      | arrests["account"].isin(accounts)]
    held = store.records("holders")
    held = held[held["person_id"].isin(people_ids) | held["phone"].isin(phones) | held["account"].isin(accounts)]
    used = [held["record_id"], arrests["record_id"]]
    arrests = arrests.drop(columns=["record_id", "id_number_valid"], errors="ignore")
    arrests = arrests.sort_values(["date", "case_id", "person_id"]).reset_index(drop=True)

    own = set(phones)
    calls = store.calls_of(phones, window) if phones else store.records("calls").iloc[0:0]
    contacts = _contacts(calls, own, holders)
    cells = _seen(calls, own, "cell_id")
    handsets = _seen(calls, own, "imei")
    handsets.insert(2, "handset", handset_keys(handsets["imei"]))
    others = pd.DataFrame(columns=["handset", "phone"])
    if handsets["handset"].notna().any():
        others = store.handset_phones(handsets["handset"].dropna())
        others = others.assign(handset=handset_keys(others["imei"]))
    shared = []
    for imei, key in zip(handsets["imei"].tolist(), handsets["handset"].tolist()):
        if key is pd.NA:
            notes.append(f"IMEI {imei!r} names no handset (not 14-16 digits, a placeholder or a test IMEI): "
                         "no other phones are looked for with it")
            shared.append("")
            continue
        with_it = sorted(set(others.loc[others["handset"] == key, "phone"]) - own)
        if len(with_it) > handset_limit:
            notes.append(f"handset {key} was seen with {len(with_it):,} other phones: not listed "
                         f"(more than {handset_limit})")
            with_it = []
        shared.append("; ".join(with_it))
    handsets["other_phones"] = pd.Series(shared, index=handsets.index, dtype="string")
    transfers = store.records("transfers", window) if accounts else store.records("transfers").iloc[0:0]
    transfers = transfers[transfers["payer_account"].isin(accounts) | transfers["payee_account"].isin(accounts)]
    money = _money(transfers, set(accounts), holders)
    used += [calls["record_id"], transfers["record_id"]]
    if phones and calls.empty:
        bounded = window.since is not None or window.until is not None
        notes.append(f"no calls of {', '.join(phones)}" + (f" in {window}" if bounded else " in the workspace"))
    if successors:
        found = _successors(store, net, own if not calls.empty else set(), window, notes, holders)
    else:
        found = pd.DataFrame(columns=_SUCCESSOR_COLUMNS)
        if phones:
            notes.append("successors: not searched")
    record_ids = pd.unique(pd.concat(used, ignore_index=True).astype("string")).tolist()
    return Dossier(nid, window, phones, accounts, people, arrests, contacts, cells, handsets, money, found, notes,
                   record_ids, searched=successors and not calls.empty)


def dossier_sources(store: GraphStore, d: Dossier) -> pd.DataFrame:
    """The files behind the dossier's records (:attr:`Dossier.record_ids`): the rows of
    ``store.sources()`` for each file and record kind they were read from, with ``records``: how
    many of the dossier's records that file gave.  Files in the order of ``store.sources()``."""
    src = store.sources()
    prov = store.provenance(d.record_ids) if d.record_ids else None
    if prov is None or prov.empty:
        return src.iloc[0:0].assign(records=pd.Series(dtype="int64"))
    used = prov.groupby(["file_sha256", "kind"])["record_id"].nunique().rename("records").reset_index()
    return src.merge(used, on=["file_sha256", "kind"], how="inner").reset_index(drop=True)


def write_dossier(store: GraphStore, d: Dossier, path: str | Path, *, limit: int = 1000) -> Path:
    """Write ``d`` as one offline HTML page (:func:`netinv.views.dossier_page.render_dossier`):
    its tables (the first ``limit`` rows of each), its notes, the files behind its records with
    their SHA-256 and authority, and a manifest of how it was made."""
    from .views.dossier_page import render_dossier

    sources = dossier_sources(store, d)
    bounds = {k: None if v is None else v.isoformat() for k, v in (("since", d.window.since),
                                                                     ("until", d.window.until))}
    manifest = {
        "netinv": __version__, "generated_at": datetime.now(timezone.utc).isoformat(), "store": store.uri,
        "dossier_of": d.id, "phones": d.phones, "accounts": d.accounts, "window": bounds,
        "successor_search": d.searched,
        "records": len(d.record_ids),
        "inputs": sources[["path", "kind", "file_sha256", "records"]].to_dict("records"),
    }
    path = Path(path)
    render_dossier(path, d, sources, manifest, tz=store.time_zone(), limit=limit, workspace=store.uri)
    return path

