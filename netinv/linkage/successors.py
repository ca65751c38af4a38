"""Replacement phones: when a number goes quiet and a new one starts talking to much the same people.

For every phone whose last call lies at least ``quiet_days`` before the end of the records, the
candidates are phones whose first call comes at most ``max_gap_days`` after it (or up to
``overlap_days`` before, for a new phone switched on a little early).  A candidate ranks higher
with more of the old phone's contacts (overlap coefficient), a shared handset (IMEI), shared cell
towers and a shorter gap.  High-volume numbers are not counted as shared contacts.

>>> successors(store.records("calls"))                         # doctest: +SKIP
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

__all__ = ["successors", "phone_pairs", "WEIGHTS"]

#: how the evidence adds up to a candidate's score
WEIGHTS = {"contacts": 3.0, "imei": 2.0, "towers": 1.0, "gap_per_day": 0.03}


def _sets(s: pd.Series, key: pd.Series) -> dict:
    df = pd.DataFrame({"k": key.to_numpy(), "v": s.to_numpy()}).dropna()
    return df.groupby("k")["v"].agg(lambda x: frozenset(x)).to_dict()


def successors(calls: pd.DataFrame, *, phones: Iterable[str] | None = None, quiet_days: float = 7,
               max_gap_days: float = 30, overlap_days: float = 1, min_shared: int = 2, top: int = 3,
               exclude: Iterable[str] = (), weights: dict | None = None, candidates: Iterable[str] | None = None,
               end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Likely successors of phones that went quiet, best first per phone, with the evidence.

    ``calls`` is a calls record frame (``caller``, ``callee``, ``start``, ``imei``, ``cell_id``);
    ``phones`` restricts the question to some old numbers and ``candidates`` the numbers that may
    have replaced them; ``exclude`` are numbers (bare, as in the records) never counted as
    contacts, for example high-volume numbers.  ``end`` is the end of the records (default: the
    last call in ``calls``): a phone is quiet when its last call is ``quiet_days`` before it.
    """
    w = {**WEIGHTS, **(weights or {})}
    cols = ["old", "candidate", "rank", "score", "shared_contacts", "old_contacts", "overlap", "same_imei",
            "shared_towers", "gap_days", "old_last", "candidate_first", "reasons"]
    if calls.empty:
        return pd.DataFrame(columns=cols)
    ex = set(exclude)
    a = pd.DataFrame({"phone": calls["caller"], "other": calls["callee"], "t": calls["start"],
                      "imei": calls.get("imei"), "cell": calls.get("cell_id")})
    b = pd.DataFrame({"phone": calls["callee"], "other": calls["caller"], "t": calls["start"], "imei": pd.NA,
                      "cell": pd.NA})
    ev = pd.concat([a, b], ignore_index=True)
    ev = ev[~ev["phone"].isin(ex)]
    span = ev.groupby("phone")["t"].agg(["min", "max"])
    end = ev["t"].max() if end is None else end
    contacts = _sets(ev["other"].where(~ev["other"].isin(ex)), ev["phone"])
    imeis = _sets(ev["imei"], ev["phone"])
    towers = _sets(ev["cell"], ev["phone"])
    quiet = span[span["max"] <= end - pd.Timedelta(days=quiet_days)]
    if phones is not None:
        quiet = quiet[quiet.index.isin(set(phones))]
    firsts = span["min"].sort_values()
    if candidates is not None:
        firsts = firsts[firsts.index.isin(set(candidates))]
    first_t = pd.to_datetime(firsts, utc=True).to_numpy("datetime64[us]")
    rows = []
    for old, r in quiet.iterrows():
        last = pd.Timestamp(r["max"]).tz_convert("UTC").tz_localize(None)
        lo = np.searchsorted(first_t, np.datetime64(last - pd.Timedelta(days=overlap_days), "us"), side="left")
        hi = np.searchsorted(first_t, np.datetime64(last + pd.Timedelta(days=max_gap_days), "us"), side="right")
        oc = contacts.get(old, frozenset())
        if not oc:
            continue
        found = []
        for cand in firsts.index[lo:hi]:
            if cand == old or cand in oc:
                continue
            cc = contacts.get(cand, frozenset())
            shared = len(oc & cc)
            same_imei = bool(imeis.get(old, frozenset()) & imeis.get(cand, frozenset()))
            if shared < min_shared and not same_imei:
                continue
            overlap = shared / max(1, min(len(oc), len(cc)))
            ot, ct = towers.get(old, frozenset()), towers.get(cand, frozenset())
            tower_j = len(ot & ct) / max(1, len(ot | ct))
            gap = (firsts[cand] - r["max"]).total_seconds() / 86400
            score = (w["contacts"] * overlap + w["imei"] * same_imei + w["towers"] * tower_j
                     - w["gap_per_day"] * max(gap, 0))
            why = [f"{shared} of its {len(oc)} contacts", f"starts {gap:+.1f} days after the old number's last call"]
            if same_imei:
                why.append("same handset (IMEI)")
            if ot & ct:
                why.append(f"{len(ot & ct)} shared cell tower(s)")
            found.append({"old": old, "candidate": cand, "score": score, "shared_contacts": shared,
                          "old_contacts": len(oc), "overlap": overlap, "same_imei": same_imei,
                          "shared_towers": len(ot & ct), "gap_days": gap, "old_last": r["max"],
                          "candidate_first": firsts[cand], "reasons": "; ".join(why)})
        found.sort(key=lambda d: (-d["score"], d["candidate"]))
        for k, d in enumerate(found[:top], start=1):
            rows.append({**d, "rank": k})
    df = pd.DataFrame(rows, columns=cols)
    return df.sort_values(["rank", "score"], ascending=[True, False]).reset_index(drop=True)


def phone_pairs(calls: pd.DataFrame, phones: Iterable[str], *, end: pd.Timestamp | None = None,
                exclude: Iterable[str] = (), **kwargs) -> pd.DataFrame:
    """Among ``phones`` (bare numbers, as in the records), the pairs where one looks like the other's
    replacement: for each that went quiet, its best successor among the others, with the evidence.

    Only the calls of these phones count, so ``calls`` may hold just those
    (:meth:`~netinv.store.GraphStore.calls_of`); then pass as ``end`` the end of all the records
    (default: the last of ``calls``), against which a phone counts as quiet.  ``kwargs`` go to
    :func:`successors` (all but ``phones``, ``candidates``, ``top`` and ``end``, which this sets).
    Columns as there, without ``rank``, strongest pair first.
    """
    wanted = set(phones)
    if calls.empty or len(wanted) < 2:
        return successors(calls.iloc[0:0], **kwargs).drop(columns=["rank"])
    own = calls[calls["caller"].isin(wanted) | calls["callee"].isin(wanted)]
    found = successors(own, phones=wanted, candidates=wanted, exclude=exclude, top=1,
                       end=calls["start"].max() if end is None else end, **kwargs)
    return found.drop(columns=["rank"]).sort_values(["score", "old"], ascending=[False, True]).reset_index(drop=True)
