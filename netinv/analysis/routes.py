"""Supply routes: the best paths from retail dealers towards the people above them.

A route follows money in its direction (payer to payee: money goes up the chain) and calls in
either direction, and prefers strong contacts: a hop costs ``1 / contacts`` (calls plus transfers
between the two).  The k cheapest simple routes from any source to any target are found with
Yen's algorithm (networkx ``shortest_simple_paths``, faster than igraph's k-shortest paths on
large graphs; see PERFORMANCE-NOTES) on the graph without high-volume numbers.

With ``events`` (individual contacts: ``layer``, ``source``, ``target``, ``time``, as
:meth:`GraphStore.events` gives them), routes can be
required to be *time-respecting*: each hop happens at or after the previous one and at most
``max_gap`` later, as a chain of deliveries or payments would.

>>> r = routes(net, ["P0012"], k=5)                             # doctest: +SKIP
>>> r.attrs["routes"]                                            # doctest: +SKIP
"""

from __future__ import annotations

import re
from itertools import islice
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse import csgraph

from ..errors import NetinvError, NoRouteFound, check_count
from ..network import Network
from .graphs import edge_mask
from .hubs import hub_ids

if TYPE_CHECKING:  # networkx is imported on first use (it takes about 0.2 s)
    import networkx as nx

__all__ = ["routes", "route_graph"]


def _corridor(net: Network, m: np.ndarray, src: list[str], tgt: list[str], slack: int) -> np.ndarray:
    """Edges whose both ends lie on some source-target path at most ``slack`` hops longer than the shortest."""
    # the two index columns, not the frame: taking its text columns took 0.7 s on 1,000,000 edges
    s, t = net.edges["s"].to_numpy()[m], net.edges["t"].to_numpy()[m]
    n = len(net.nodes)
    a = sp.csr_matrix((np.ones(len(s)), (s, t)), shape=(n, n))
    a = ((a + a.T) > 0).astype(np.int8)
    ds = _hops_from_nearest(a, [net.index[x] for x in src])
    dt = _hops_from_nearest(a, [net.index[x] for x in tgt])
    best = np.min(ds + dt)
    if not np.isfinite(best):
        return np.zeros(len(m), dtype=bool)
    keep = (ds + dt) <= best + slack
    out = m.copy()
    out[m] = keep[s] & keep[t]
    return out


def _hops_from_nearest(a: sp.csr_matrix, starts: list[int]) -> np.ndarray:
    """For each node, the hops from the nearest of ``starts`` (inf where none leads there): one
    breadth-first search from an added node linked to all of them, not one search per start."""
    n = a.shape[0]
    link = sp.csr_matrix((np.ones(len(starts), dtype=a.dtype), (np.zeros(len(starts), dtype=np.int64), starts)),
                         shape=(1, n))
    both = sp.bmat([[a, link.T], [link, None]], format="csr")
    return csgraph.shortest_path(both, unweighted=True, indices=n, directed=False)[:n] - 1


def route_graph(net: Network, exclude: Iterable[str] = (), mask: np.ndarray | None = None) -> nx.DiGraph:
    """The directed graph routes move on, with ``cost``, ``calls``, ``transfers``, ``amount`` per arc."""
    import networkx as nx

    m = edge_mask(net, ("calls", "money"), list(exclude)) if mask is None else mask
    e = net.edges.loc[m]
    g = nx.DiGraph()
    agg: dict[tuple[str, str], dict] = {}

    def add(a, b, layer, row):
        d = agg.setdefault((a, b), {"calls": 0, "transfers": 0, "amount": 0.0, "first": row.first, "last": row.last})
        if layer == "calls":
            d["calls"] += int(row.count)
        else:
            d["transfers"] += int(row.count)
            d["amount"] += 0.0 if pd.isna(row.amount) else float(row.amount)
        d["first"] = min(d["first"], row.first)
        d["last"] = max(d["last"], row.last)

    for row in e.itertuples(index=False):
        add(row.source, row.target, row.layer, row)
        if row.layer == "calls":
            add(row.target, row.source, row.layer, row)  # calls count in either direction
    for (a, b), d in agg.items():
        g.add_edge(a, b, cost=1.0 / max(d["calls"] + d["transfers"], 1), **d)
    return g


def _time_chain(hops: list[tuple[str, str]], ev: dict[tuple[str, str], np.ndarray], max_gap: np.int64):
    """A time for each hop with t_i <= t_(i+1) <= t_i + max_gap, or None if there is none.

    ``feasible[i]`` holds the times of hop i reachable by a valid chain; a chain is read back from
    the earliest feasible final time, taking at each step the latest earlier time that fits.
    """
    feasible = []
    prev = None
    for a, b in hops:
        times = ev.get((a, b))
        if times is None or len(times) == 0:
            return None
        if prev is not None:
            pos = np.searchsorted(prev, times, side="right") - 1  # latest previous time <= t
            ok = (pos >= 0) & (times - prev[np.clip(pos, 0, None)] <= max_gap)
            times = times[ok]
            if len(times) == 0:
                return None
        feasible.append(times)
        prev = times
    out = [feasible[-1][0]]
    for i in range(len(hops) - 2, -1, -1):
        f = feasible[i]
        out.append(f[np.searchsorted(f, out[-1], side="right") - 1])
    return out[::-1]


def _gap_us(max_gap: str | pd.Timedelta) -> np.int64:
    """``max_gap`` in microseconds; :class:`NetinvError` when it is not a duration of zero or more."""
    if isinstance(max_gap, str):
        if re.fullmatch(r"\s*[\d.]+\s*", max_gap):  # pandas reads a bare 7 as 7 nanoseconds
            raise NetinvError(f"max_gap: {max_gap!r} has no unit; write it as 7D, 36h or 90min")
        max_gap = re.sub(r"(?<=\d)\s*([dw])(?![a-z])", lambda m: m.group(1).upper(), max_gap)  # 7d: pandas 4 wants 7D
    try:
        gap = pd.Timedelta(max_gap)
    except (ValueError, TypeError) as e:
        raise NetinvError(f"max_gap: cannot read {max_gap!r} as a duration (for example 7D, 36h, 90min)") from e
    if pd.isna(gap) or gap < pd.Timedelta(0):
        raise NetinvError(f"max_gap must be a duration of zero or more, got {max_gap!r}")
    return np.int64(gap.value // 1000)


def routes(
    net: Network,
    sources: Sequence[str],
    targets: Sequence[str] | None = None,
    *,
    k: int = 5,
    exclude: Iterable[str] | None = None,
    upstream_top: int = 5,
    events: pd.DataFrame | None = None,
    max_gap: str | pd.Timedelta = "14D",
    candidates: int = 200,
    slack: int | None = 2,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """The ``k`` best routes from ``sources`` to ``targets``: one row per hop, with its evidence.

    Without ``targets``, the top ``upstream_top`` upstream candidates of the sources are the
    targets.  Routes are looked for among paths at most ``slack`` hops longer than the shortest
    (``None``: all paths; slower on large networks).  Columns: ``route``, ``cost``, ``hop``,
    ``from``/``to`` (ids and labels), ``calls``, ``transfers``, ``amount``, ``first``, ``last``
    and, when time-respecting, ``at`` (a time that fits the chain).  ``attrs["routes"]`` has one row per route.
    ``progress`` hears the upward walks that find the targets when none are given.
    """
    import networkx as nx

    k, upstream_top = check_count("k", k), check_count("upstream_top", upstream_top)
    candidates = check_count("candidates", candidates)
    gap = _gap_us(max_gap) if events is not None else None
    src = net.seeds(sources, "sources")
    if exclude is None:
        exclude = hub_ids(net, seeds=src)
    exclude = set(exclude)
    if targets is None:
        from .hierarchy import upstream

        up = upstream(net, src, top=upstream_top, exclude=list(exclude), progress=progress)
        targets = up["id"].tolist()
        if not targets:
            why = up.attrs["note"].removeprefix("no candidates: ")
            raise NoRouteFound(f"no upstream candidates above {', '.join(src)}: {why}; name the ends of the routes")
    tgt = [t for t in dict.fromkeys(net.resolve(targets)) if t not in src]
    if not tgt:
        raise NetinvError("targets must differ from the sources")
    m = edge_mask(net, ("calls", "money"), list(exclude))
    if slack is not None:
        m = _corridor(net, m, src, tgt, slack)
    g = route_graph(net, exclude, m)
    S, T = ("__sources__",), ("__targets__",)
    for s in src:
        if s in g:
            g.add_edge(S, s, cost=0.0)
    for t in tgt:
        if t in g:
            g.add_edge(t, T, cost=0.0)
    if S not in g or T not in g:
        raise NoRouteFound("the sources or targets have no contacts (after leaving out high-volume numbers)")
    ev = None
    if events is not None:
        e = events.copy()
        e["source"] = net.node_of(e["source"])
        e["target"] = net.node_of(e["target"])
        e["t"] = pd.to_datetime(e["time"], utc=True).to_numpy("datetime64[us]").astype("int64")
        calls = e[e["layer"] == "calls"]
        e = pd.concat([e, calls.assign(source=calls["target"], target=calls["source"])], ignore_index=True)
        ev = {key: np.sort(grp["t"].to_numpy()) for key, grp in e.groupby(["source", "target"])}
    found, rows = [], []
    tried = 0
    try:
        paths = nx.shortest_simple_paths(g, S, T, weight="cost")
        for path in islice(paths, candidates):
            tried += 1
            inner = list(path[1:-1])
            if len(set(inner)) != len(inner) or any(p in src for p in inner[1:]):
                continue
            hops = list(zip(inner[:-1], inner[1:]))
            times = None
            if ev is not None:
                times = _time_chain(hops, ev, gap)
                if times is None:
                    continue
            found.append((inner, hops, times))
            if len(found) >= k:
                break
        more = tried >= candidates and next(paths, None) is not None
    except nx.NetworkXNoPath as e:
        raise NoRouteFound(f"no route from {', '.join(src)} to {', '.join(tgt)}") from e
    if not found:
        what = "time-respecting route" if ev is not None else "route"
        where = f" among the {tried} cheapest routes tried (more with candidates, --candidates)" \
            if more else ""
        raise NoRouteFound(f"no {what} from {', '.join(src)} to {', '.join(tgt)}{where}")
    on_routes = {x for inner, _, _ in found for x in inner}  # labels of these only: a network has many nodes
    labels = {x: net.nodes["label"].iat[net.index[x]] for x in on_routes if x in net.index}
    summary = []
    for r, (inner, hops, times) in enumerate(found, start=1):
        cost = sum(g[a][b]["cost"] for a, b in hops)
        summary.append({"route": r, "cost": cost, "hops": len(hops), "from": inner[0], "to": inner[-1],
                        "path": " > ".join(labels.get(x, x) for x in inner)})
        for i, (a, b) in enumerate(hops, start=1):
            d = g[a][b]
            row = {"route": r, "cost": cost, "hop": i, "from": a, "from_label": labels.get(a, a), "to": b,
                   "to_label": labels.get(b, b), "calls": d["calls"], "transfers": d["transfers"],
                   "amount": d["amount"], "first": d["first"], "last": d["last"]}
            if times is not None:
                row["at"] = pd.Timestamp(times[i - 1], unit="us", tz="UTC")
            rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["routes"] = pd.DataFrame(summary)
    out.attrs["excluded"] = sorted(exclude)
    out.attrs["targets"] = tgt
    return out
