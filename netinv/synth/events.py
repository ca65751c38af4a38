"""Who calls and pays whom, how often, and the resulting call and transfer events.

Relationships are pairs of parties with a daily rate.  Events are drawn per relationship as a
Poisson count over the days both parties are active (an arrested person goes quiet), then mapped
to the phone or account each party used on that day.  Everything is vectorised with numpy so a
case of millions of call records takes seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import NetinvError
from .people import Cast

__all__ = ["relationships", "call_events", "transfer_events", "payment_links", "LINGER_SHARE"]

# (kind of link, daily call rate, probability that the first party places the call)
_CALL_RATES = {
    "customer-retailer": (0.25, 0.8),
    "customer-retailer2": (0.05, 0.8),
    "retailer-distributor": (0.45, 0.7),
    "retailer-peer": (0.05, 0.5),
    "retailer-branch": (0.04, 0.5),
    "distributor-cover": (0.06, 0.4),
    "distributor-wholesaler": (0.35, 0.7),
    "distributor-peer": (0.08, 0.5),
    "wholesaler-source": (0.12, 0.7),
    "wholesaler-money_handler": (0.15, 0.6),
    "wholesaler-courier": (0.12, 0.4),
    "wholesaler-peer": (0.02, 0.5),
    "courier-source": (0.2, 0.6),
    "money_handler-source": (0.1, 0.6),
    "money_handler-courier": (0.05, 0.5),
    "relative-source": (0.05, 0.5),
    "personal": (0.12, 0.5),
    "background": (0.08, 0.5),
    "hub": (0.03, 1.0),
}


def relationships(cast: Cast, rng: np.random.Generator) -> pd.DataFrame:
    """All call relationships: columns a, b, link, rate, p_a (share of calls placed by a)."""
    p = cast.parties
    role = p["role"].to_numpy()
    boss = p["boss"].to_numpy()
    group = p["group"].to_numpy()
    rows_a, rows_b, links = [], [], []

    def link(a, b, kind):
        rows_a.append(int(a))
        rows_b.append(int(b))
        links.append(kind)

    idx = {r: np.flatnonzero(role == r) for r in np.unique(role)}
    source = int(idx["source"][0])
    for c in idx["customer"]:
        link(c, boss[c], "customer-retailer")
        same = [r for r in idx["retailer"] if group[r] == group[c] and r != boss[c]]
        if same and rng.random() < 0.35:
            link(c, same[int(rng.integers(len(same)))], "customer-retailer2")
    for r in idx["retailer"]:
        link(r, boss[r], "retailer-distributor")
    for kind, members in (("retailer-peer", idx["retailer"]), ("distributor-peer", idx["distributor"])):
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if boss[a] == boss[b]:
                    link(a, b, kind)
                elif kind == "retailer-peer" and group[a] == group[b] and rng.random() < 0.5:
                    link(a, b, "retailer-branch")  # dealers of one branch know each other
    # a distributor covers for the branch's other distributor: occasional calls with its dealers
    for d in idx["distributor"]:
        for r in idx["retailer"]:
            if group[r] == group[d] and boss[r] != d and rng.random() < 0.5:
                link(r, d, "distributor-cover")
    for d in idx["distributor"]:
        link(d, boss[d], "distributor-wholesaler")
    couriers = idx["courier"]
    for k, w in enumerate(idx["wholesaler"]):
        link(w, source, "wholesaler-source")
        link(w, idx["money_handler"][0], "wholesaler-money_handler")
        link(w, couriers[k % len(couriers)], "wholesaler-courier")
    ws = idx["wholesaler"]
    for i, a in enumerate(ws):
        for b in ws[i + 1:]:
            if rng.random() < 0.3:
                link(a, b, "wholesaler-peer")
    for c in couriers:
        link(c, source, "courier-source")
        link(idx["money_handler"][0], c, "money_handler-courier")
    link(idx["money_handler"][0], source, "money_handler-source")
    link(idx["relative"][0], source, "relative-source")
    background = idx.get("background", np.array([], dtype=int))
    members = np.flatnonzero(p["level"].notna().to_numpy())
    if len(background):
        # every member has a few personal contacts (family, friends) among ordinary callers
        for m in members:
            for b in rng.choice(background, size=min(len(background), int(rng.integers(2, 6))), replace=False):
                link(m, b, "personal")
        # ordinary callers know each other: a sparse random graph with a few contacts each
        k = 4
        a = np.repeat(background, k)
        b = rng.choice(background, size=len(a))
        keep = a != b
        for x, y in zip(a[keep], b[keep]):
            link(x, y, "background")
    # high-volume numbers: many parties call the taxi firm and the bank hotline
    callers = np.concatenate([members, background])
    for hub in idx["hub"]:
        chosen = callers[rng.random(len(callers)) < 0.4]
        for c in chosen:
            link(c, hub, "hub")
    rel = pd.DataFrame({"a": rows_a, "b": rows_b, "link": links})
    rel = rel.drop_duplicates(["a", "b"]).reset_index(drop=True)
    rates = rel["link"].map(lambda k: _CALL_RATES[k][0]).to_numpy()
    rel["rate"] = rates * rng.lognormal(0.0, 0.3, size=len(rel))
    rel["p_a"] = rel["link"].map(lambda k: _CALL_RATES[k][1])
    return rel


def _active_until(cast: Cast, days: int, arrest_day: dict[int, int]) -> np.ndarray:
    end = np.full(len(cast.parties), float(days))
    for party, day in arrest_day.items():
        end[party] = day
    return end


def _times_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds since midnight, weighted towards afternoon and evening."""
    hours = np.arange(24)
    w = np.array([1, 0.6, 0.4, 0.3, 0.3, 0.4, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 6, 6, 7, 7, 7, 6, 4, 2], dtype=float)
    h = rng.choice(hours, size=n, p=w / w.sum())
    return h * 3600 + rng.integers(0, 3600, size=n)


def _draw(rng, a, b, rate, p_a, lo, hi):
    """Poisson event counts per relationship over [lo, hi) days; returns caller, callee, day-seconds."""
    span = np.clip(hi - lo, 0, None)
    n = rng.poisson(rate * span)
    rep = np.repeat(np.arange(len(a)), n)
    day = lo[rep] + rng.random(len(rep)) * span[rep]
    first = rng.random(len(rep)) < p_a[rep]
    caller = np.where(first, a[rep], b[rep])
    callee = np.where(first, b[rep], a[rep])
    t = np.floor(day).astype(np.int64) * 86400 + _times_of_day(rng, len(rep))
    return caller, callee, t


def _phone_at(cast: Cast, party: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The phone each party used at time t (seconds from case start); -1 if none active."""
    ph = cast.phones.sort_values(["party", "from_day"])
    key = ph["party"].to_numpy().astype(np.int64) * 10**9 + ph["from_day"].to_numpy().astype(np.int64) * 86400
    q = party.astype(np.int64) * 10**9 + t
    pos = np.searchsorted(key, q, side="right") - 1
    pos = np.clip(pos, 0, len(key) - 1)
    phone = ph["phone"].to_numpy()[pos]
    ok = (ph["party"].to_numpy()[pos] == party)
    to_day = ph["to_day"].to_numpy()[pos]
    ok &= t < to_day.astype(np.int64) * 86400
    return np.where(ok, phone, -1)


#: the share of a party's calls its old phone still carries after a replacement, when it lingers
LINGER_SHARE = 0.1


def _linger(party: np.ndarray, t: np.ndarray, phone: np.ndarray, lingering: dict[int, tuple[int, int]],
            rng: np.random.Generator, share: float) -> np.ndarray:
    """``phone`` with some of the lingering parties' calls after their switch put on the old phone."""
    parties = np.fromiter(lingering, dtype=np.int64)
    old = np.array([lingering[k][0] for k in parties], dtype=np.int64)
    start = np.array([lingering[k][1] for k in parties], dtype=np.int64) * 86400
    order = np.argsort(parties)
    parties, old, start = parties[order], old[order], start[order]
    pos = np.clip(np.searchsorted(parties, party), 0, len(parties) - 1)
    mine = (parties[pos] == party) & (phone >= 0) & (t >= start[pos])
    moved = mine & (rng.random(len(party)) < share)
    return np.where(moved, old[pos], phone)


def call_events(cast: Cast, rel: pd.DataFrame, rng: np.random.Generator, days: int,
                arrest_day: dict[int, int], target_calls: int | None = None,
                lingering: dict[int, tuple[int, int]] | None = None, linger_rng: np.random.Generator | None = None,
                linger_share: float = LINGER_SHARE) -> pd.DataFrame:
    """Call events: caller/callee phone ids, t (seconds from case start), duration_s, sms flag.

    ``lingering`` maps a party to (old phone, day its new phone starts): after that day the old
    phone still carries ``linger_share`` of the party's calls (drawn with ``linger_rng``, so that
    a case without lingering phones draws exactly what it drew before).
    """
    end = _active_until(cast, days, arrest_day)
    a, b = rel["a"].to_numpy(), rel["b"].to_numpy()
    rate, p_a = rel["rate"].to_numpy(), rel["p_a"].to_numpy()
    hi = np.minimum(end[a], end[b])
    lo = np.zeros(len(a))
    is_bg = (rel["link"] == "background").to_numpy()
    if target_calls is not None:
        # network calls as modelled; ordinary callers fill up to the requested total
        caller, callee, t = _draw(rng, a[~is_bg], b[~is_bg], rate[~is_bg], p_a[~is_bg], lo[~is_bg], hi[~is_bg])
        missing = max(0, target_calls - len(caller))
        if missing and is_bg.any():
            w = rate[is_bg] / rate[is_bg].sum()
            pick = rng.choice(np.flatnonzero(is_bg), size=int(missing * 1.02) + 10, p=w)
            day = rng.random(len(pick)) * hi[pick]
            first = rng.random(len(pick)) < p_a[pick]
            caller = np.concatenate([caller, np.where(first, a[pick], b[pick])])
            callee = np.concatenate([callee, np.where(first, b[pick], a[pick])])
            t = np.concatenate([t, np.floor(day).astype(np.int64) * 86400 + _times_of_day(rng, len(pick))])
    else:
        caller, callee, t = _draw(rng, a, b, rate, p_a, lo, hi)
    ev = pd.DataFrame({"caller_party": caller, "callee_party": callee, "t": t})
    ev["caller"] = _phone_at(cast, ev["caller_party"].to_numpy(), ev["t"].to_numpy())
    ev["callee"] = _phone_at(cast, ev["callee_party"].to_numpy(), ev["t"].to_numpy())
    if lingering:
        for end in ("caller", "callee"):
            ev[end] = _linger(ev[f"{end}_party"].to_numpy(), ev["t"].to_numpy(), ev[end].to_numpy(),
                              lingering, linger_rng, linger_share)
    ev = ev[(ev["caller"] >= 0) & (ev["callee"] >= 0)]
    sms = rng.random(len(ev)) < 0.2
    dur = np.where(sms, 0, np.maximum(3, rng.lognormal(4.0, 0.9, size=len(ev)).astype(np.int64)))
    ev = ev.assign(duration_s=dur, sms=sms)
    ev = ev.drop_duplicates(["caller", "callee", "t", "duration_s", "sms"])
    if target_calls is not None and len(ev) > target_calls:
        net = ev["caller_party"].isin(np.flatnonzero(cast.parties["level"].notna()))
        surplus = len(ev) - target_calls
        drop = rng.choice(np.flatnonzero(~net.to_numpy()), size=min(surplus, int((~net).sum())), replace=False)
        ev = ev.drop(ev.index[drop])
    if target_calls is not None and len(ev) > target_calls:
        raise NetinvError(f"cannot make exactly {target_calls:,} call records: the trafficking network alone "
                          f"makes {len(ev):,} over {days} days; ask for at least that many, or fewer people or days")
    if target_calls is not None and len(ev) < target_calls:
        raise NetinvError(f"cannot make exactly {target_calls:,} call records: only {len(ev):,} could be made "
                          "(ordinary callers fill up to the total: give a background of 1 or more)")
    return ev.sort_values("t", kind="stable").reset_index(drop=True)


# payments up the chain: (payer role, payee = boss, mean days between payments, amount range)
_PAYMENTS = {
    "customer": (8.0, (150, 800)),
    "retailer": (7.0, (3_000, 12_000)),
    "distributor": (10.0, (20_000, 80_000)),
    "wholesaler": (14.0, (100_000, 400_000)),
    "money_handler": (20.0, (500_000, 1_500_000)),
}


def payment_links(cast: Cast) -> pd.DataFrame:
    """Who pays whom for drugs: payer party, payee party, mean interval, amount range."""
    p = cast.parties
    rows = []
    for party, role, boss in zip(p["party"], p["role"], p["boss"]):
        if role in _PAYMENTS and role != "money_handler":
            payee = boss
            if role == "wholesaler":
                payee = int(np.flatnonzero(p["role"].to_numpy() == "money_handler")[0])
            every, (lo, hi) = _PAYMENTS[role]
            rows.append((party, payee, every, lo, hi, "drugs"))
    mh = int(np.flatnonzero(p["role"].to_numpy() == "money_handler")[0])
    source = int(np.flatnonzero(p["role"].to_numpy() == "source")[0])
    every, (lo, hi) = _PAYMENTS["money_handler"]
    rows.append((mh, source, every, lo, hi, "drugs"))
    for c in np.flatnonzero(p["role"].to_numpy() == "courier"):
        rows.append((mh, int(c), 30.0, 8_000, 15_000, "courier fee"))
    return pd.DataFrame(rows, columns=["payer", "payee", "every", "lo", "hi", "purpose"])


def transfer_events(cast: Cast, rng: np.random.Generator, days: int, arrest_day: dict[int, int]) -> pd.DataFrame:
    """Transfers: payer/payee account ids, t (seconds), amount, channel, purpose."""
    links = payment_links(cast)
    p = cast.parties
    background = np.flatnonzero(p["role"].to_numpy() == "background")
    members = np.flatnonzero(p["level"].notna().to_numpy())
    extra = []
    if len(background):
        # ordinary money: wages from employers, rent, family transfers (noise around the network)
        employers = rng.choice(background, size=max(1, len(background) // 50), replace=False)
        for m in np.concatenate([members, background[: len(background) // 2]]):
            extra.append((int(rng.choice(employers)), int(m), 30.0, 3_000, 9_000, "wages"))
            if rng.random() < 0.3:
                extra.append((int(m), int(rng.choice(background)), 30.0, 1_000, 4_000, "rent"))
    if extra:
        links = pd.concat([links, pd.DataFrame(extra, columns=links.columns)], ignore_index=True)
    links = links[links["payer"] != links["payee"]].reset_index(drop=True)
    end = _active_until(cast, days, arrest_day)
    payer, payee = links["payer"].to_numpy(), links["payee"].to_numpy()
    hi = np.minimum(end[payer], end[payee])
    rate = 1.0 / links["every"].to_numpy()
    n = rng.poisson(rate * hi)
    rep = np.repeat(np.arange(len(links)), n)
    day = rng.random(len(rep)) * hi[rep]
    t = np.floor(day).astype(np.int64) * 86400 + rng.integers(8 * 3600, 22 * 3600, size=len(rep))
    lo_amt, hi_amt = links["lo"].to_numpy()[rep], links["hi"].to_numpy()[rep]
    amount = np.round(lo_amt + rng.random(len(rep)) * (hi_amt - lo_amt), 2)
    purpose = links["purpose"].to_numpy()[rep]
    channel = np.where(amount < 1_000, "手机银行", np.where(amount < 50_000, "网银转账", "柜面转账"))
    acct_of_party = cast.accounts.groupby("user")["account"].first()
    pay_acct = acct_of_party.reindex(payer[rep]).to_numpy()
    rec_acct = acct_of_party.reindex(payee[rep]).to_numpy()
    ev = pd.DataFrame({"payer_party": payer[rep], "payee_party": payee[rep], "payer": pay_acct, "payee": rec_acct,
                       "t": t, "amount": amount, "channel": channel, "purpose": purpose})
    ev = ev.dropna(subset=["payer", "payee"])
    ev["payer"] = ev["payer"].astype(np.int64)
    ev["payee"] = ev["payee"].astype(np.int64)
    return ev.sort_values("t", kind="stable").reset_index(drop=True)
