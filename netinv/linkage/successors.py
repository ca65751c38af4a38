"""Replacement phones: when a number goes quiet and a new one starts talking to much the same people.

For every phone whose last call lies at least ``quiet_days`` before the end of the records, the
candidates are phones whose first call comes at most ``max_gap_days`` after it (or up to
``overlap_days`` before, for a new phone switched on a little early).  A candidate ranks higher
with more of the old phone's contacts (overlap coefficient), a shared handset (IMEI), shared cell
towers and a shorter gap.  High-volume numbers are not counted as shared contacts.

An old phone is not always switched off: it may still make a call or two once its user has moved
to a new one.  Such a *handover* shows in the contacts: from the day the new phone begins calling
most of the old one's contacts, the old one's calls with them fall away.  And where a whole crew
changes phones at once, the boss's new phone calls none of the numbers his old one called, only
his people's new ones; a second pass reads each new number found in the first as the old one.
In the VAST 2008 call records (``../shared/datasets``) the crew's five phones were replaced so on
the eighth of ten days; with the three of them that look like service numbers kept in, the rule
finds the five and no other pair (``tests/test_cli.py``).

>>> successors(store.records("calls"))                         # doctest: +SKIP
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..normalize import handset_codes

__all__ = ["successors", "phone_pairs", "quiet_on_arrest", "holder_arrests", "WEIGHTS"]

#: how the evidence adds up to a candidate's score
WEIGHTS = {"contacts": 3.0, "imei": 2.0, "towers": 1.0, "gap_per_day": 0.03}


def successors(calls: pd.DataFrame, *, phones: Iterable[str] | None = None, quiet_days: float = 7,
               max_gap_days: float = 30, overlap_days: float = 1, min_shared: int = 2, top: int = 3,
               exclude: Iterable[str] = (), weights: dict | None = None, candidates: Iterable[str] | None = None,
               end: pd.Timestamp | None = None, handover: bool = True, handover_ratio: float = 0.2,
               min_handover_calls: int = 5, min_handover_shared: int = 3) -> pd.DataFrame:
    """Likely successors of phones that went quiet or handed over, best first per phone, with the evidence.

    ``calls`` is a calls record frame (``caller``, ``callee``, ``start``, ``imei``, ``cell_id`` and
    optionally the callee's ``callee_imei``, ``callee_cell_id``);
    ``phones`` restricts the question to some old numbers and ``candidates`` the numbers that may
    have replaced them; ``exclude`` are numbers (bare, as in the records) never counted as
    contacts, for example high-volume numbers.  ``end`` is the end of the records (default: the
    last call in ``calls``): a phone is quiet when its last call is ``quiet_days`` before it.

    With ``handover`` a phone that still makes a call now and then counts too, where it shares
    at least ``min_handover_shared`` contacts with a newer phone, and at least half of its own
    contacts and half of the newer phone's; before the newer phone began
    calling them, those contacts made at least half of its calls (``min_handover_calls`` or
    more); and from then on its calls with them (under their old or new numbers) fell to at most
    ``handover_ratio`` of their rate.  Such a newer phone takes over from one phone only: the one
    it fits best.
    ``how`` says which: ``quiet`` or ``handover``.  With ``handover`` too, contacts that changed
    numbers count as shared (``shared_through_new``), from a first pass without them; without it
    the rule is that of numbers gone quiet alone, as the resolved level merges them.
    """
    w = {**WEIGHTS, **(weights or {})}
    if calls.empty:
        return pd.DataFrame(columns=_COLUMNS)
    ctx = _Context(calls, set(exclude), end, w)
    span = ctx.span
    olds = span.index if phones is None else span.index[span.index.isin(set(phones))]
    cands = span.index if candidates is None else span.index[span.index.isin(set(candidates))]
    rules = (quiet_days, max_gap_days, overlap_days, min_shared, handover, handover_ratio, min_handover_calls,
             max(min_shared, min_handover_shared))
    found = ctx.pairs(olds, cands, {}, *rules)
    # a second pass: a contact that changed numbers too is the same contact under its new number
    # (a whole crew switching at once shares no number with its old phones, only with each other)
    best = _best(found)
    renamed = {new: old for old, new in best.items() if new not in best} if handover else {}
    if renamed:  # only pairs the new numbers can change: old phones that talked to a renamed one, and so on
        was, now = set(renamed.values()), set(renamed)
        again = ctx.pairs([o for o in olds if ctx.contacts.get(o, frozenset()) & was],
                          [c for c in cands if ctx.contacts.get(c, frozenset()) & now], renamed, *rules)
        for key, d in again.items():
            if key not in found or d["score"] > found[key]["score"]:
                found[key] = d
    # a phone that took over from another took over from one: the one it fits best
    fits: dict[str, float] = {}
    for d in found.values():
        fits[d["candidate"]] = max(fits.get(d["candidate"], -np.inf), d["score"])
    found = {k: d for k, d in found.items() if d["how"] != "handover" or d["score"] >= fits[d["candidate"]]}
    rows = []
    by_old: dict[str, list] = {}
    for d in found.values():
        by_old.setdefault(d["old"], []).append(d)
    for old in sorted(by_old):
        ranked = sorted(by_old[old], key=lambda d: (-d["score"], d["candidate"]))
        rows += [{**d, "rank": k} for k, d in enumerate(ranked[:top], start=1)]
    df = pd.DataFrame(rows, columns=_COLUMNS)
    return df.sort_values(["rank", "score", "old"], ascending=[True, False, True]).reset_index(drop=True)


def quiet_on_arrest(found: pd.DataFrame, arrests: dict[str, list], slack_days: float = 2) -> dict[str, tuple]:
    """The old numbers in ``found`` (a :func:`successors` frame) that went quiet when their holder
    was arrested: ``arrests`` maps a number (as in the records) to ``(person, date)`` of its
    holder's arrests; a number whose last call falls within ``slack_days`` of one of those dates
    maps to that ``(person, date)``.  An arrest explains the silence: the newer number that took
    over the contacts is most likely someone else's (a crew member taking over the customers)."""
    out: dict[str, tuple] = {}
    slack = pd.Timedelta(days=slack_days)
    for old, last in zip(found["old"], found["old_last"]):
        for person, day in arrests.get(old, ()):
            at = pd.Timestamp(day)
            at = at.tz_localize("UTC") if at.tzinfo is None else at
            if at - slack <= pd.Timestamp(last) <= at + pd.Timedelta(days=1) + slack:
                out[old] = (person, day)
                break
    return out


def holder_arrests(holdings: pd.DataFrame, arrests: pd.DataFrame, entity: dict | None = None) -> dict[str, list]:
    """number -> ``(person, date)`` of each arrest of its one holder on record (``holdings``: a
    store's ``holdings()``; ``arrests``: its arrest records; ``entity`` maps a person id to the
    person it was resolved to).  A number held by several people is no one's here."""
    entity = entity or {}
    if holdings.empty or arrests.empty:
        return {}
    h = holdings[holdings["kind"] == "phone"].assign(
        who=lambda x: x["person_id"].map(lambda p: entity.get(p, p))).drop_duplicates(["who", "value"])
    h = h[~h["value"].duplicated(keep=False)]
    by_person: dict[str, list] = {}
    for pid, day in zip(arrests["person_id"], arrests["date"]):
        if pd.notna(day):
            by_person.setdefault(entity.get(pid, pid), []).append((pid, day))
    return {v: by_person[w] for v, w in zip(h["value"], h["who"]) if w in by_person}


_COLUMNS = ["old", "candidate", "rank", "score", "how", "shared_contacts", "shared_through_new", "old_contacts",
            "overlap", "same_imei", "shared_towers", "gap_days", "old_last", "candidate_first", "handover_at",
            "reasons"]


def _best(found: dict) -> dict[str, str]:
    """old -> its best candidate, where that candidate is no one else's best (a one-to-one reading)."""
    top: dict[str, dict] = {}
    for d in found.values():
        cur = top.get(d["old"])
        if cur is None or (d["score"], cur["candidate"]) > (cur["score"], d["candidate"]):
            top[d["old"]] = d
    taken: dict[str, int] = {}
    for d in top.values():
        taken[d["candidate"]] = taken.get(d["candidate"], 0) + 1
    return {o: d["candidate"] for o, d in top.items() if taken[d["candidate"]] == 1}


class _Context:
    """The calls of every phone, indexed for the pair tests."""

    def __init__(self, calls: pd.DataFrame, ex: set, end, w: dict):
        # every call twice, once from each end, the numbers as integers (one code for every number)
        n = len(calls)
        code, names = pd.factorize(pd.concat([calls["caller"], calls["callee"]], ignore_index=True))
        label = np.asarray(names, dtype=object)
        excluded = np.zeros(len(label) + 1, dtype=bool)  # the last slot: a missing number (code -1)
        excluded[np.flatnonzero(pd.Index(label).isin(ex))] = True
        excluded[-1] = True
        at = pd.to_datetime(calls["start"], utc=True).dt.tz_localize(None).to_numpy("datetime64[us]")
        kept = np.flatnonzero(~excluded[code])  # a high-volume number's own calls tell nothing
        phone, other, at = code[kept], np.concatenate([code[n:], code[:n]])[kept], np.concatenate([at, at])[kept]
        # each phone's handsets and towers, as codes: the caller's end of a call and the callee's;
        # handsets by their key (one handset however written; a placeholder IMEI is none)
        self.code = {x: i for i, x in enumerate(label)}  # numbers as integers, for fast membership tests
        sets = []
        for col in ("imei", "cell_id"):
            values = _both_ends(calls, col, "callee_" + col)
            if col == "imei" and values is not None:
                values = handset_codes(values)[kept]
            else:
                values = _codes(values, 2 * n)[kept]
            has = values >= 0
            sets.append(_LazySets(*_unique_pairs(phone[has], values[has]), self.code))
        self.imeis, self.towers = sets
        # each phone's calls in time order
        order = _by_key_then_time(phone, at)
        phone, other, at, kept = phone[order], other[order], at[order], kept[order]
        present, first_i = np.unique(phone, return_index=True)
        last_i = np.append(first_i[1:], len(phone)) - 1
        by_name = np.argsort(label[present], kind="stable")
        present, first_i, last_i = present[by_name], first_i[by_name], last_i[by_name]
        names_p = label[present]
        starts = calls["start"]  # first and last call as the records have them
        self.span = pd.DataFrame({"min": starts.iloc[kept[first_i] % n].array,
                                  "max": starts.iloc[kept[last_i] % n].array}, index=pd.Index(names_p, dtype=object))
        self.w = w
        if end is not None:
            self.end64 = np.datetime64(pd.Timestamp(end).tz_convert("UTC").tz_localize(None), "us")
        else:
            self.end64 = at.max() if len(at) else np.datetime64("NaT", "us")
        self.first = dict(zip(names_p, at[first_i]))
        self.last = dict(zip(names_p, at[last_i]))
        self.first_s = pd.Series(at[first_i], index=pd.Index(names_p, dtype=object))
        self.m = len(label)
        # each phone's calls with contacts (high-volume numbers left out): times and the contact's code
        contact = ~excluded[other]
        p, o, t = phone[contact], other[contact], at[contact]
        heads, times, others = _runs(p, t, o)
        self.calls = {label[k]: (tt, oo) for k, tt, oo in zip(heads, times, others)}
        # who talks to whom, once a pair
        self.pair_phone, self.pair_other = _unique_pairs(p, o)
        self.offsets = np.searchsorted(self.pair_phone, np.arange(self.m + 1))
        self.contacts = _grouped(self.pair_phone, label[self.pair_other], label)
        self.popular = np.bincount(self.pair_other, minlength=self.m) > _POPULAR

    def pairs(self, olds, cands, renamed: dict, quiet_days, max_gap_days, overlap_days, min_shared,
              handover, ratio, min_calls, handover_shared) -> dict:
        firsts = self.first_s.loc[list(cands)].sort_values()
        first_t = firsts.to_numpy()
        # each candidate's contacts as the old phones knew them: only those with a renamed contact differ
        was = set(renamed)
        seen_as = {c: frozenset(renamed.get(x, x) for x in cs) for c in cands
                   if not was.isdisjoint(cs := self.contacts.get(c, frozenset()))} if was else {}
        renamed_from: dict = {}
        for new, old_number in renamed.items():
            renamed_from.setdefault(old_number, []).append(new)
        out: dict[tuple[str, str], dict] = {}
        quiet_until = self.end64 - _days(quiet_days)
        for old in olds:
            oc = self.contacts.get(old, frozenset())
            last64 = self.last[old]
            if not oc or last64 > quiet_until:
                continue
            # a quiet phone: phones that started around its last call
            lo = np.searchsorted(first_t, last64 - _days(overlap_days), side="left")
            hi = np.searchsorted(first_t, last64 + _days(max_gap_days), side="right")
            for cand in firsts.index[lo:hi]:
                d = self._pair(old, cand, oc, seen_as, renamed, min_shared, "quiet")
                if d is not None:
                    out[(old, cand)] = d
        if not handover:
            return out
        # a phone that handed over: phones that began talking to most of its contacts later than it
        # did, while it stopped.  How many contacts each pair shares (under their new numbers too),
        # for every pair at once
        olds = [o for o in olds if len(self.calls.get(o, ((),))[0]) >= min_calls and self.contacts.get(o)]
        cands = list(cands)
        if not olds or not cands:
            return out
        a, b = self._incidence(olds, {}), self._incidence(cands, renamed).T.tocsr()  # CSR @ CSR: no conversion
        found = []
        for lo in range(0, len(olds), _CHUNK):  # in slices, so that memory stays bounded
            part = (a[lo:lo + _CHUNK] @ b).tocoo()
            keep = part.data >= handover_shared
            found += zip((part.row[keep] + lo).tolist(), part.col[keep].tolist(), part.data[keep].tolist())
        for i, j, n in found:
            old, cand = olds[i], cands[j]
            oc = self.contacts[old]
            if (2 * n < len(oc) or 2 * n < len(self.contacts.get(cand, ())) or cand == old or cand in oc
                    or self.first[cand] <= self.first[old] or (old, cand) in out):
                continue
            d = self._pair(old, cand, oc, seen_as, renamed, handover_shared, "handover", ratio, min_calls,
                           renamed_from)
            if d is not None:
                out[(old, cand)] = d
        return out

    def _incidence(self, phones: list, renamed: dict) -> sp.csr_matrix:
        """phones x contacts, 1 where a phone talks to a contact (named as ``renamed`` says).  A contact
        that more than :data:`_POPULAR` phones talk to (a hotline) tells no replacement, and every
        pair of its callers would be a pair to test: it is left out of the search (not of the count)."""
        at = np.array([self.code[p] for p in phones], dtype=np.int64)
        lo, hi = self.offsets[at], self.offsets[at + 1]
        size = hi - lo
        rows = np.repeat(np.arange(len(phones)), size)
        cols = self.pair_other[np.repeat(lo - np.cumsum(size) + size, size) + np.arange(size.sum())]
        if renamed:
            as_known = np.arange(self.m)
            for new, old in renamed.items():
                if new in self.code and old in self.code:
                    as_known[self.code[new]] = self.code[old]
            cols = as_known[cols]
        keep = ~self.popular[cols]
        m = sp.csr_matrix((np.ones(int(keep.sum()), dtype=np.int32), (rows[keep], cols[keep])),
                          shape=(len(phones), self.m))
        m.sum_duplicates()
        m.data[:] = 1
        return m

    def _pair(self, old, cand, oc, seen_as, renamed, min_shared, how, ratio=0.0, min_calls=0, renamed_from=None):
        if cand == old or cand in oc or renamed.get(cand) == old:
            return None
        cc = self.contacts.get(cand, frozenset())
        direct = oc & cc
        shared_set = oc & seen_as.get(cand, cc)
        shared = len(shared_set)
        same_imei = bool(self.imeis.get(old, frozenset()) & self.imeis.get(cand, frozenset()))
        if shared < min_shared and not same_imei:
            return None
        gap = float((self.first[cand] - self.last[old]) / np.timedelta64(1, "s")) / 86400
        at = None
        overlap = shared / max(1, min(len(oc), len(cc)))
        if how == "handover":
            # they are most of its contacts (a dealer who loses a few customers to a newcomer has not
            # handed over) and most of the newer phone's (a hotline they all call is no new phone)
            if shared < min_shared or 2 * shared < len(oc) or 2 * shared < len(cc):
                return None
            at = self._handover(old, cand, shared_set, renamed, renamed_from or {}, ratio, min_calls)
            if at is None:
                return None
        ot, ct = self.towers.get(old, frozenset()), self.towers.get(cand, frozenset())
        tower_j = len(ot & ct) / max(1, len(ot | ct))
        w = self.w
        score = (w["contacts"] * overlap + w["imei"] * same_imei + w["towers"] * tower_j
                 - w["gap_per_day"] * max(gap, 0))
        through = shared - len(direct)
        why = [f"{shared} of its {len(oc)} contacts" + (f" ({through} of them under their new numbers)"
                                                        if through else "")]
        if at is None:
            why.append(f"starts {gap:+.1f} days after the old number's last call")
        else:
            why.append(at[1])
        if same_imei:
            why.append("same handset (IMEI)")
        if ot & ct:
            why.append(f"{len(ot & ct)} shared cell tower(s)")
        return {"old": old, "candidate": cand, "score": score, "how": how, "shared_contacts": shared,
                "shared_through_new": through, "old_contacts": len(oc), "overlap": overlap, "same_imei": same_imei,
                "shared_towers": len(ot & ct), "gap_days": gap, "old_last": self.span.at[old, "max"],
                "candidate_first": self.span.at[cand, "min"],
                "handover_at": None if at is None else pd.Timestamp(at[0]).tz_localize("UTC"),
                "reasons": "; ".join(why)}

    def _handover(self, old, cand, shared: frozenset, renamed: dict, renamed_from: dict, ratio: float,
                  min_calls: int):
        """When ``cand`` first called one of ``shared`` (under any of its numbers), and whether the old
        phone's calls with them (under any of their numbers) fell away from then on: ``(time, reason)``
        or None."""
        theirs = [self.code[x] for x in set(shared).union(*(renamed_from.get(x, ()) for x in shared))
                  if x in self.code]
        ct, co = self.calls.get(cand, (np.array([], "datetime64[us]"), np.array([], dtype=np.int64)))
        mine = np.isin(co, theirs)
        if not mine.any():
            return None
        at = ct[np.argmax(mine)]
        ot, oo = self.calls[old]
        with_them = np.isin(oo, theirs)
        before = ot < at
        n_before, n_after = int((with_them & before).sum()), int((with_them & ~before).sum())
        all_before = int(before.sum())
        if n_before < min_calls or n_before < 0.5 * all_before:
            return None
        one_day = _days(1)
        began = ot[with_them][0]
        days_before = max((at - began) / one_day, 1.0)
        days_after = (self.end64 - at) / one_day
        if days_after < 1.0:
            return None
        rate_before, rate_after = n_before / days_before, n_after / days_after
        if rate_after > ratio * rate_before:
            return None
        when = pd.Timestamp(at).strftime("%Y-%m-%d %H:%M")
        return at, (f"calls them from {when} UTC, when the old number's calls with them fall from "
                    f"{rate_before:.1f} to {rate_after:.1f} a day")


#: old phones per slice of the shared-contact product; contacts with more phones than this are not searched
_CHUNK, _POPULAR = 4096, 500


def _both_ends(calls: pd.DataFrame, caller_col: str, callee_col: str) -> pd.Series | None:
    """A call field of the caller's end then the callee's (in the order of the calls twice), or None
    where the frame has neither."""
    cols = [c for c in (caller_col, callee_col) if c in calls]
    if not cols:
        return None
    missing = pd.Series(pd.NA, index=calls.index, dtype="object")
    return pd.concat([calls[c] if c in calls else missing for c in (caller_col, callee_col)], ignore_index=True)


def _codes(values: pd.Series | None, n: int) -> np.ndarray:
    """A column as integer codes, -1 where missing (all ``n`` of them where there is no such column)."""
    return np.full(n, -1) if values is None else pd.factorize(values)[0]


def _unique_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``(a, b)`` pairs of codes (0 or more), sorted by ``a`` then ``b``."""
    base = int(b.max()) + 1 if len(b) else 1
    key = np.sort(a.astype(np.int64) * base + b)
    key = key[np.concatenate([[True], key[1:] != key[:-1]])] if len(key) else key
    return key // base, key % base


def _by_key_then_time(key: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The order that sorts by ``key`` (codes, 0 or more) and then by time (ties in any order): one sort
    of a combined integer where it fits in 63 bits."""
    if not len(key):
        return np.arange(0)
    t = at.astype(np.int64)
    t = t - t.min()
    span = int(t.max()) + 1
    if (int(key.max()) + 1) * span < 2 ** 62:
        return np.argsort(key.astype(np.int64) * span + t)
    return np.lexsort((t, key))


def _runs(keys: np.ndarray, *arrays: np.ndarray) -> tuple:
    """Runs of equal ``keys`` (sorted): the key of each run, then each array cut into the runs."""
    if not len(keys):
        return ((),) * (1 + len(arrays))
    cuts = np.flatnonzero(np.diff(keys)) + 1
    starts, ends = np.concatenate([[0], cuts]).tolist(), np.concatenate([cuts, [len(keys)]]).tolist()
    # slices, as np.split cuts them, without its per-piece overhead (a third of the time)
    return (keys[starts], *([a[i:j] for i, j in zip(starts, ends)] for a in arrays))


def _grouped(keys: np.ndarray, values: np.ndarray, label: np.ndarray) -> dict:
    """label[key] -> frozenset of its values (``keys`` sorted)."""
    heads, parts = _runs(keys, values)
    return {label[k]: frozenset(part.tolist()) for k, part in zip(heads, parts)}


class _LazySets:
    """number -> frozenset of its values (codes), like :func:`_grouped`'s dict, but each set made when
    first asked for: the pair tests ask for the handsets and towers of a few of all the phones."""

    def __init__(self, keys: np.ndarray, values: np.ndarray, code: dict):
        self.values, self.code = values, code  # code: number -> its integer, as ``keys`` hold them
        self.offsets = np.searchsorted(keys, np.arange(len(code) + 1))
        self.made: dict = {}

    def get(self, name, default=frozenset()):
        got = self.made.get(name)
        if got is None:
            i = self.code.get(name)
            if i is None:
                return default
            lo, hi = self.offsets[i], self.offsets[i + 1]
            got = self.made[name] = frozenset(self.values[lo:hi].tolist()) if hi > lo else default
        return got


def _days(n: float) -> np.timedelta64:
    return np.timedelta64(int(round(n * 86400e6)), "us")


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
