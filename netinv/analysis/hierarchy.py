"""Who is above whom: a hierarchy score for everyone, and the upstream candidates of given people.

The score is SpringRank (De Bacco, Larremore & Moore, Science Advances 2018): every piece of
evidence that *a is above b* is a spring of rest length 1 between their scores, and the scores
minimise the springs' energy (a sparse linear solve).  The evidence, per edge of the network:

- money: payments go up the chain, so the payee is above the payer (weight ``money_weight``
  per transfer);
- calls: by default subordinates call their bosses more than the reverse, so the callee is above
  the caller (weight ``call_weight`` per call; calls both ways largely cancel out).  Where bosses
  give the orders by phone it is the other way round; ``call_direction`` says which, and
  ``"auto"`` (the default) lets the money layer decide (:mod:`.direction`);
- money kept: what an account keeps of what it receives is for someone its holder talks to, as
  in the upward walk (:func:`upward_walk`).  A payment into an account that keeps a share of its
  takings also counts, by that share, as evidence that the holder's call contacts (in proportion
  to their calls, leaving out those who paid in) are above the payer.  A supplier whose takings
  go to a relative's card, and whose calls run evenly both ways, stands above the money handler
  who pays that card;
- seizures: of two arrested people, the one caught with ten times more is about one level
  above (weight ``seizure_weight`` per factor of ten).

``level`` turns the score into tiers: 1 is the top of the chain, each spring length one tier down.

>>> h = hierarchy(net)                                          # doctest: +SKIP
>>> upstream(net, ["P0012", "P0016"]).head(5)                  # doctest: +SKIP
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.sparse.csgraph import connected_components

from ..errors import check_count
from ..network import Network
from .centrality import pagerank
from .communities import tie_overlap
from .direction import call_direction as _call_direction
from .graphs import adjacency, exclude_mask, frame_of, money_decimals, round_money
from .hubs import hub_ids

__all__ = ["springrank", "dominance", "balanced", "seizure_evidence", "hierarchy", "upstream", "upward_walk",
           "seed_walks", "WALK_STEPS", "MONEY_SHARE"]


def springrank(a: sp.csr_matrix, alpha: float = 0.01, tol: float = 1e-10) -> np.ndarray:
    """SpringRank scores for dominance matrix ``a`` (``a[i, j]``: evidence that i is above j).

    Solves ``(D_out + D_in - A - A^T + alpha I) s = d_out - d_in``; ``alpha`` pulls every score
    gently towards 0 so that disconnected parts stay solvable.  The matrix is symmetric positive
    definite, so conjugate gradients (Jacobi-preconditioned) solve it in near-linear time.
    """
    n = a.shape[0]
    if n == 0:
        return np.zeros(0)
    d_out = np.asarray(a.sum(axis=1)).ravel()
    d_in = np.asarray(a.sum(axis=0)).ravel()
    diag = d_out + d_in + alpha
    lap = (sp.diags(diag) - (a + a.T)).tocsr()
    b = d_out - d_in
    precond = sp.diags(1.0 / diag)
    s, info = spla.cg(lap, b, rtol=tol, atol=0.0, maxiter=10 * n + 1000, M=precond)
    if info != 0:  # fall back to a direct solve
        s = spla.spsolve(lap.tocsc(), b)
    return np.asarray(s, dtype=float)


def dominance(net: Network, *, money_weight: float = 3.0, call_weight: float = 1.0, seizure_weight: float = 2.0,
              exclude: Iterable[str] | None = None, calls_run: str = "up") -> sp.csr_matrix:
    """The dominance evidence matrix used by :func:`hierarchy` (``[i, j]``: i is above j).

    ``calls_run``: ``"up"`` (the callee is above the caller) or ``"down"`` (the caller is above).
    """
    money = adjacency(net, ("money",), "count", True, exclude)       # payer -> payee
    calls = adjacency(net, ("calls",), "count", True, exclude)       # caller -> callee
    a = (money_weight * money.T + call_weight * (calls.T if calls_run == "up" else calls)).tocsr()
    # money kept: [c, p] += kept[k] * share of k's contacts that c has * payments p -> k
    kept = _kept_share(adjacency(net, ("money",), "amount", True, exclude))
    a = a + money_weight * (_rownorm(_keeper_contacts(calls, money)).T @ sp.diags(kept) @ money.T)
    if "arrested" in net.nodes and "max_quantity_g" in net.nodes:
        q = net.nodes["max_quantity_g"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        a = a + seizure_evidence(q, exclude_mask(net, exclude), seizure_weight)
    # no diagonal to clear: a keeper's contacts leave out its payers, adjacency() drops self-loops
    # and a seizure is compared only with others'
    a = a.tocsr()
    a.eliminate_zeros()
    return a


def seizure_evidence(quantity_g: np.ndarray, gone: np.ndarray | None = None, weight: float = 2.0) -> sp.csr_matrix:
    """``[i, j]``: ``weight`` per factor of ten by which i's largest seizure exceeds j's, where at least ten.

    ``quantity_g``: each node's largest seizure (NaN or 0 for none); ``gone``: nodes to leave out.
    Every pair of people with seizures is compared, from a sorted order rather than a double loop:
    a person's smaller seizures are a prefix of it.
    """
    n = len(quantity_g)
    q = np.asarray(quantity_g, dtype=float)
    ok = np.isfinite(q) & (q > 0)
    if gone is not None:
        ok &= ~np.asarray(gone, dtype=bool)
    idx = np.flatnonzero(ok)
    if len(idx) < 2:
        return sp.csr_matrix((n, n))
    lq = np.log10(q[idx])
    order = np.argsort(lq, kind="stable")
    idx, lq = idx[order], lq[order]
    # for each person, the people at least ten times smaller: a prefix of the sorted order (a hair
    # longer here, trimmed below with the exact test)
    m = np.searchsorted(lq, lq - 1.0 + 1e-9, side="right")
    upper = np.repeat(np.arange(len(idx)), m)
    lower = np.arange(m.sum()) - np.repeat(np.cumsum(m) - m, m)
    gap = lq[upper] - lq[lower]
    keep = gap >= 1.0
    return sp.csr_matrix((weight * gap[keep], (idx[upper[keep]], idx[lower[keep]])), shape=(n, n))


def hierarchy(net: Network, *, exclude: Iterable[str] | None = None, alpha: float = 0.01,
              call_direction: str = "auto", **weights) -> pd.DataFrame:
    """``score`` (higher = further up), ``level`` (1 = top) and the evidence behind them, per node.

    Detected high-volume numbers are left out unless ``exclude`` is given explicitly.
    ``call_direction``: ``"up"``, ``"down"`` or ``"auto"`` (:func:`~netinv.analysis.direction.call_direction`);
    ``attrs["call_direction"]`` says which was used and why.  Where the evidence in a part of the
    network balances out (:func:`balanced`) its people get no score and no level;
    ``attrs["no_direction"]`` counts them and ``attrs["note"]`` says so.
    """
    if exclude is None:
        exclude = hub_ids(net)
    direction = _call_direction(net, call_direction, exclude=exclude)
    a = dominance(net, exclude=exclude, calls_run=direction.direction, **weights)
    s = springrank(a, alpha)
    gone = exclude_mask(net, exclude)
    connected = (np.asarray(a.sum(axis=0)).ravel() + np.asarray(a.sum(axis=1)).ravel()) > 0
    flat = balanced(a) & connected
    ranked = connected & ~gone & ~flat
    top = s[ranked].max() if ranked.any() else 0.0
    level = np.where(ranked, 1 + np.floor(np.clip(top - s, 0, None) + 0.5), np.nan)
    money = adjacency(net, ("money",), "count", True, exclude)
    calls = adjacency(net, ("calls",), "count", True, exclude)
    df = frame_of(net, {
        "score": np.where(gone | flat, np.nan, s), "level": pd.array(level, dtype="Float64").astype("Int64"),
        "payments_received": np.asarray(money.sum(axis=0)).ravel().astype(np.int64),
        "payments_made": np.asarray(money.sum(axis=1)).ravel().astype(np.int64),
        "calls_received": np.asarray(calls.sum(axis=0)).ravel().astype(np.int64),
        "calls_made": np.asarray(calls.sum(axis=1)).ravel().astype(np.int64),
    })
    if "max_quantity_g" in net.nodes:
        df["max_quantity_g"] = net.nodes["max_quantity_g"].to_numpy()
    df = df.sort_values(["score", "id"], ascending=[False, True], na_position="last").reset_index(drop=True)
    df.attrs["excluded"] = list(exclude)
    df.attrs["call_direction"] = direction.note
    df.attrs["no_direction"] = int((flat & ~gone).sum())
    df.attrs["note"] = _flat_note(df.attrs["no_direction"], int((connected & ~gone).sum()))
    return df


def balanced(a: sp.csr_matrix) -> np.ndarray:
    """Per node of dominance matrix ``a``: whether its part of the network (its connected component)
    carries no net evidence of rank, each node's evidence of being above others equalling that of
    being below (calls as often each way, no payments, no seizure sizes).  SpringRank scores such a
    part 0 throughout: a tie, not a level.
    """
    n = a.shape[0]
    if n == 0:
        return np.zeros(0, dtype=bool)
    b = np.asarray(a.sum(axis=1)).ravel() - np.asarray(a.sum(axis=0)).ravel()
    tol = 1e-9 * max(1.0, float(abs(a).max()) if a.nnz else 1.0)
    _, comp = connected_components(a + a.T, directed=False)
    directed = np.zeros(comp.max() + 1, dtype=bool)
    np.logical_or.at(directed, comp, np.abs(b) > tol)
    return ~directed[comp]


def _flat_note(flat: int, connected: int) -> str:
    if not flat:
        return ""
    who = "anyone" if flat == connected else f"{flat} of the {connected} people with ties"
    return (f"no level for {who}: in their part of the network the evidence of who is above whom balances out "
            "(calls as often each way, no payments, no seizure sizes), so no one there ranks above another")


def _hops_from(net: Network, seeds: np.ndarray, exclude: Iterable[str], max_hops: int) -> np.ndarray:
    a = adjacency(net, None, "count", False, exclude)
    n = a.shape[0]
    dist = np.full(n, np.inf)
    dist[seeds] = 0
    frontier = np.zeros(n, dtype=bool)
    frontier[seeds] = True
    for h in range(1, max_hops + 1):
        reach = (a.T @ frontier.astype(np.float64)) > 0
        new = reach & ~np.isfinite(dist)
        if not new.any():
            break
        dist[new] = h
        frontier = new
    return dist


def _kept_share(money: sp.csr_matrix) -> np.ndarray:
    """Per node, the share of what it handles (the larger of what it pays and receives) that it keeps."""
    paid = np.asarray(money.sum(axis=1)).ravel()
    handled = np.maximum(paid, np.asarray(money.sum(axis=0)).ravel())
    return np.where(handled > 0, (handled - paid) / np.where(handled > 0, handled, 1.0), 0.0)


def _keeper_contacts(calls: sp.csr_matrix, money: sp.csr_matrix) -> sp.csr_matrix:
    """``[k, c]``: calls between k and c either way, where c did not pay k (``money``: payer -> payee)."""
    contacts = (calls + calls.T).tocsr()
    contacts = (contacts - contacts.multiply((money.T > 0).astype(np.float64))).tocsr()
    contacts.eliminate_zeros()
    return contacts


def _rownorm(m: sp.csr_matrix, total: np.ndarray | None = None) -> sp.csr_matrix:
    """Each row divided by ``total`` (by default its own sum); rows with a zero total stay zero."""
    tot = np.asarray(m.sum(axis=1)).ravel() if total is None else total
    return (sp.diags(np.where(tot > 0, 1.0 / np.where(tot > 0, tot, 1.0), 0.0)) @ m).tocsr()


def _embedded(surplus: sp.csr_matrix, contacts: sp.csr_matrix) -> sp.csr_matrix:
    """Each call surplus times how embedded its tie is (:func:`~netinv.analysis.communities.tie_overlap`).

    People who deal with each other share contacts; a friend or relative of one member shares
    none with him, and his few extra calls to the friend say little about rank in the network.
    ``contacts``: symmetric contact counts over all layers.
    """
    coo = surplus.tocoo()
    if not coo.nnz:
        return surplus
    w = coo.data * tie_overlap(contacts, coo.row, coo.col)
    return sp.csr_matrix((w, (coo.row, coo.col)), shape=surplus.shape)


#: the kinds of step the upward walk takes (see :func:`upward_walk`)
WALK_STEPS = ("payment", "money kept", "call surplus")

#: the share of each step of the upward walk that follows money, where a node both pays and has a
#: call surplus (the rest follows the calls).  0.4 since 2026-12-02 (0.3 before): over 1,620 scored
#: generated cases the same number of sources in the top 5 and fewer wholesalers missed (3 against
#: 8); the figures are in docs/accuracy.md
MONEY_SHARE = 0.4


def _walk_steps(net: Network, exclude: Iterable[str] | None, money_share: float,
                calls_run: str = "up") -> dict[str, sp.csr_matrix]:
    """The upward walk's transition matrix split by kind of step (:data:`WALK_STEPS`)."""
    money = adjacency(net, ("money",), "amount", True, exclude).tocsr()
    calls = adjacency(net, ("calls",), "count", True, exclude).tocsr()
    up = calls if calls_run == "up" else calls.T  # [i, j]: calls that say j is above i
    surplus = (up - up.T).tocsr()
    surplus.data[surplus.data < 0] = 0
    surplus.eliminate_zeros()
    surplus = _embedded(surplus, adjacency(net, None, "count", False, exclude))
    paid = np.asarray(money.sum(axis=1)).ravel()
    handled = np.maximum(paid, np.asarray(money.sum(axis=0)).ravel())
    kept = _kept_share(money)
    # what a node keeps goes to the people it talks to, except those who paid it in (they are below it)
    contacts = _keeper_contacts(calls, money)
    has_money = paid > 0
    has_calls = np.asarray(surplus.sum(axis=1)).ravel() > 0
    w_money = np.where(has_money, np.where(has_calls, money_share, 1.0), 0.0)
    w_calls = np.where(has_calls, np.where(has_money, 1.0 - money_share, 1.0), 0.0)
    # a node that only receives (pays nothing) and has no call surplus: all it has is what it keeps
    w_keep = w_money * kept + np.where(~has_money & ~has_calls, kept, 0.0)
    return {"payment": (sp.diags(w_money) @ _rownorm(money, handled)).tocsr(),
            "money kept": (sp.diags(w_keep) @ _rownorm(contacts)).tocsr(),
            "call surplus": (sp.diags(w_calls) @ _rownorm(surplus)).tocsr()}


def _walk_of(steps: dict[str, sp.csr_matrix]) -> sp.csr_matrix:
    """The walk's transition matrix: the sum of its kinds of step."""
    return (steps["payment"] + steps["money kept"] + steps["call surplus"]).tocsr()


def upward_walk(net: Network, exclude: Iterable[str] | None = None, money_share: float = MONEY_SHARE,
                calls_run: str = "up") -> sp.csr_matrix:
    """Transition matrix of a walk that goes up the chain (rows sum to at most 1).

    From each node it follows money (share ``money_share``) and calls towards the side that
    receives more of them (``calls_run="up"``; with ``"down"``, towards the side that places more),
    in proportion to that surplus times how embedded the tie is (the share of contacts its two ends
    have in common, as the cohesive community split weighs ties): a wholesaler who calls a friend
    a few times more than the friend calls him sends little of the walk to the friend, who knows
    nobody else in the network.  A node with only one kind of evidence follows that kind.  The
    money share is split by what the node does with what it handles (the larger of what it pays
    and what it receives):

    - the part it pays on follows the payments, in proportion to the amounts;
    - the part it keeps follows its calls in both directions, in proportion to their counts:
      money that stays on an account is for someone its holder talks to.  The card of a relative
      that collects a supplier's takings keeps nearly all of it, and the walk goes on to the
      supplier who calls the relative, not to the landlord the card pays a little rent.

    A node with neither payments nor calls ends the walk, which restarts from the seeds
    (:func:`pagerank` with ``normalize=False``).
    """
    return _walk_of(_walk_steps(net, exclude, money_share, calls_run))


def _main_inflow(steps: dict[str, sp.csr_matrix], flow: np.ndarray,
                 targets: np.ndarray) -> list[tuple[int, str, float]]:
    """For each target node: the node and kind of step that bring it most of its walk share, and that share."""
    out = []
    parts = {k: (sp.diags(flow) @ m[:, targets]).tocsc() for k, m in steps.items()}  # flow[i] * step[i, t]
    for col in range(len(targets)):
        best, total = (-1, "", 0.0), 0.0
        for kind in WALK_STEPS:
            c = parts[kind][:, col]
            if c.nnz:
                total += c.data.sum()
                k = int(np.argmax(c.data))
                if c.data[k] > best[2]:
                    best = (int(c.indices[k]), kind, float(c.data[k]))
        out.append((best[0], best[1], best[2] / total if total > 0 else 0.0))
    return out


def _effective_feeders(walk: sp.csr_matrix, flow: np.ndarray) -> np.ndarray:
    """For each node: through how many nodes the walk arrives, as an effective number.

    The inverse Simpson index of the shares ``flow[i] * walk[i, t]`` that each node ``i`` passes
    on to ``t``: 1 when all of it comes through one node, k when k pass on equal shares, 0 when
    nothing arrives.
    """
    f = (sp.diags(flow) @ walk).tocoo()
    n = walk.shape[0]
    total = np.bincount(f.col, f.data, minlength=n)
    square = np.bincount(f.col, f.data ** 2, minlength=n)
    return np.where(square > 0, total ** 2 / np.where(square > 0, square, 1.0), 0.0)


def seed_walks(walk: sp.csr_matrix, seed_idx: np.ndarray, damping: float = 0.85,
               chunk: int = 32, workers: int = 2,
               progress: Callable[[str], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One upward walk per seed (each restarting from its own seed): the mean and the largest share per node.

    The walks run ``chunk`` seeds at a time, so memory stays at ``n x chunk`` per worker whatever
    the number of seeds.  The chunks run in ``workers`` threads: scipy's sparse products and numpy
    release the GIL (327 seeds on a 169,000-person network: 74 s in two threads, 93-104 s in one,
    on this project's 2-core machine); the result does not depend on their number.  ``progress``
    hears how many seeds' walks are done after each chunk (from the worker threads).
    """
    n = walk.shape[0]
    done, lock = [0], threading.Lock()

    def walks(part: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pers = np.zeros((n, len(part)))
        pers[part, np.arange(len(part))] = 1.0
        f = pagerank(walk, damping=damping, personalization=pers, normalize=False)
        if progress is not None:
            with lock:
                done[0] += len(part)
                progress(f"upward walks: {done[0]:,} of {len(seed_idx):,} seeds")
        return f.sum(axis=1), f.max(axis=1)

    parts = [seed_idx[start:start + chunk] for start in range(0, len(seed_idx), chunk)]
    if workers > 1 and len(parts) > 1:
        with ThreadPoolExecutor(max_workers=min(workers, len(parts))) as pool:
            found = list(pool.map(walks, parts))
    else:
        found = [walks(part) for part in parts]
    total, best = np.zeros(n), np.zeros(n)
    for part_total, part_best in found:  # in a fixed order, so that the sum is the same to the last bit
        total += part_total
        best = np.maximum(best, part_best)
    return total / max(len(seed_idx), 1), best


def upstream(net: Network, seeds: Sequence[str], *, hops: int = 4, top: int = 20, exclude: Iterable[str] | None = None,
             damping: float = 0.85, money_share: float = MONEY_SHARE, depth_power: float = 1.5,
             coverage_power: float = 0.75, call_direction: str = "auto",
             progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """The people above ``seeds`` (for example arrested retail dealers), best candidates first.

    Candidates are nodes within ``hops`` of a seed that stand above the seeds in the hierarchy
    (:func:`hierarchy`).  An upward walk (:func:`upward_walk`, a personalised PageRank) runs from
    each seed on its own.  A candidate's ``upstream_score`` is

        best_flow * min(seeds_reaching, reached_through) ** coverage_power * hops ** depth_power

    - ``best_flow``: the largest share of any one seed's walk that reaches it;
    - ``seeds_reaching``: how many seeds' walks reach it, as an effective number (the sum of their
      shares over the largest; 1 when one seed accounts for all of it, k when k seeds reach it
      equally).  A person above several of the arrested dealers counts for more, but less than in
      proportion: a wholesaler above one arrested dealer of his branch is not outweighed by a
      distributor above two dealers of another;
    - ``reached_through``: through how many people the walks arrive, as an effective number (the
      inverse Simpson index of what each neighbour passes on to it).  A candidate counts as
      reached by at most that many seeds: a friend whom only the source calls is reached by every
      seed that reaches the source, but through the source alone, and is no more shared than one
      seed's find;
    - ``hops``: the distance from the seeds, so that the top of the chain comes before the seeds'
      immediate suppliers.

    ``upward_flow`` is the mean share over the seeds' walks.  Each row says why.  Detected
    high-volume numbers are left out (``attrs["excluded"]``), their contacts with the seeds not
    counted (:func:`~netinv.analysis.hubs.detect_hubs`).  ``call_direction`` is read as in
    :func:`hierarchy`; ``attrs["call_direction"]`` says which way and why.  ``progress`` hears
    the walks' progress (:func:`seed_walks`).
    """
    hops, top = check_count("hops", hops), check_count("top", top)
    seed_ids = net.seeds(seeds)
    if exclude is None:
        exclude = hub_ids(net, seeds=seed_ids)
    exclude = list(exclude)
    seed_idx = np.array([net.index[s] for s in seed_ids], dtype=np.int64)
    direction = _call_direction(net, call_direction, exclude=exclude)
    h = hierarchy(net, exclude=exclude, call_direction=direction.direction).set_index("id").reindex(net.nodes["id"])
    score = h["score"].to_numpy(dtype=float)
    steps = _walk_steps(net, exclude, money_share, direction.direction)
    walk = _walk_of(steps)
    flow, best = seed_walks(walk, seed_idx, damping, progress=progress)
    reaching = np.where(best > 0, flow * len(seed_idx) / np.where(best > 0, best, 1.0), 0.0)
    through = _effective_feeders(walk, flow)
    dist = _hops_from(net, seed_idx, exclude, hops)
    seed_scores = score[seed_idx][np.isfinite(score[seed_idx])]
    above = score - (seed_scores.mean() if len(seed_scores) else np.nan)
    gone = exclude_mask(net, exclude)
    cand = np.isfinite(dist) & (dist > 0) & (above > 0) & ~gone
    depth = np.where(np.isfinite(dist), dist, 0.0)
    paid = adjacency(net, ("money",), "amount", True, exclude)
    money_in = round_money(np.asarray(paid.sum(axis=0)).ravel(), money_decimals(paid.data))
    df = frame_of(net, {
        "upstream_score": best * np.minimum(reaching, through) ** coverage_power * depth ** depth_power,
        "upward_flow": flow, "best_flow": best, "seeds_reaching": reaching, "reached_through": through, "hops": dist,
        "levels_above_seeds": above, "level": h["level"].array, "money_received": money_in,
        "payments_received": h["payments_received"].to_numpy(), "calls_received": h["calls_received"].to_numpy(),
    })
    df = df.loc[cand].sort_values(["upstream_score", "id"], ascending=[False, True]).head(top).copy()
    df["hops"] = df["hops"].astype(np.int64)  # candidates are within reach
    ids, labels = net.nodes["id"].to_numpy(), net.nodes["label"].to_numpy()
    inflow = _main_inflow(steps, flow, df.index.to_numpy())
    df["reached_from"] = [ids[i] if i >= 0 else None for i, _, _ in inflow]
    df["reached_by"] = [kind or None for _, kind, _ in inflow]
    reasons = []
    for r, (src, kind, share) in zip(df.itertuples(), inflow):
        if len(seed_idx) == 1:  # one walk: how many seeds reach it says nothing
            parts = [f"{r.upward_flow:.1%} of the seed's upward walk ends here"]
        else:
            parts = [f"{r.upward_flow:.1%} of the seeds' upward walks end here",
                     f"reached by the walks of {r.seeds_reaching:.1f} of {len(seed_idx)} seeds"
                     + (f", through {r.reached_through:.1f} people" if r.reached_through < r.seeds_reaching else "")]
        parts += [f"{int(r.hops)} hop(s) from {'the seed' if len(seed_idx) == 1 else 'a seed'}",
                  f"{r.levels_above_seeds:.1f} levels above the {'seed' if len(seed_idx) == 1 else 'seeds'}"]
        if src >= 0:
            parts.append(f"reached mostly from {labels[src]} ({ids[src]}) by {kind} ({share:.0%} of what reaches it)")
        if r.payments_received:
            parts.append(f"received {r.payments_received} payment(s), {r.money_received:,.0f} in all")
        if r.calls_received:
            parts.append(f"called {r.calls_received} time(s)")
        reasons.append("; ".join(parts))
    df["reasons"] = reasons
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    df = df.reset_index(drop=True)
    df.attrs["excluded"] = exclude
    df.attrs["seeds"] = seed_ids
    df.attrs["call_direction"] = direction.note
    df.attrs["note"] = "" if len(df) else _none_above(len(seed_scores), hops)
    return df


def _none_above(ranked: int, hops: int) -> str:
    if not ranked:
        return ("no candidates: around the seeds the evidence of who is above whom balances out (calls as often "
                "each way, no payments, no seizure sizes), so no one there ranks above them")
    return f"no candidates: no one within {hops} hop(s) of the seeds ranks above them"
