"""Analysis on a generated network of about 1,000,000 call edges, each timed against networkx.

    .venv/bin/python benchmarks/bench_analysis.py [--calls 2500000]

Targets (issue "Analysis"): whole-network measures within seconds (sampled betweenness within a
minute), ``expand`` and ``routes`` under 2 s, no analysis slower than its networkx equivalent, and
the suite as a whole at least 20x faster than networkx.  Both sides get the same graph (phone
level, calls layer, weights = call counts).  networkx equivalents:

- PageRank: ``nx.pagerank`` (default tolerance; its L1 error against ours is reported);
- Leiden: ``nx.community.louvain_communities`` (networkx has no Leiden);
- sampled betweenness: ``nx.betweenness_centrality(k=256)``, both sides with the detected
  high-volume numbers left out, as netinv's commands do; the standard error of netinv's estimate
  (linear scaling) is reported for its top 10 and top 100, and how much of its top 10 and top 100
  a second run shares, next to the same figures for plain pivot sampling (igraph) as a baseline;
- expand from 10 seeds: networkx has no equivalent; for reference only, the time networkx takes
  for the breadth-first part alone (``single_source_shortest_path_length``, cutoff 2) is
  recorded, not compared;
- upstream candidates of the same 10 seeds (one upward walk per seed): no networkx equivalent,
  timed for reference;
- routes, k = 5 from 3 sources: building the route graph in networkx and running
  ``nx.shortest_simple_paths`` from a super-source to a super-target over the whole graph
  (netinv searches a corridor of paths at most 2 hops longer than the shortest).

The load average is recorded with the results (benchmarks/results/analysis.json).
"""

from __future__ import annotations

import json
import os
import sys
import time
from itertools import islice

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402

from _common import analysis_case, analysis_case_parser, machine, save  # noqa: E402


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main() -> None:
    ap = analysis_case_parser(__doc__)
    ap.add_argument("--skip-networkx-betweenness", action="store_true",
                    help="networkx's sampled betweenness takes many minutes at this size")
    args = ap.parse_args()
    from netinv import analysis as an
    from netinv.analysis.graphs import adjacency
    from netinv.store import EmbeddedStore

    case = analysis_case(args.calls, args.seed, args.people, args.background)
    ws = case / "ws.duckdb"
    truth = json.loads((case / "ground_truth.json").read_text(encoding="utf-8"))
    with EmbeddedStore(ws, read_only=True) as st:
        net, t_build = timed(lambda: st.network(layers=("calls",), level="phone"))
    hubs = an.hub_ids(net)
    persons = {p["person_id"]: p for p in truth["persons"]}
    seeds = ["phone:" + persons[p]["phones"][0] for p in truth["arrested_retailers"]][:10]
    while len(seeds) < 10:
        seeds.append("phone:" + persons[truth["retailers"][len(seeds)]]["phones"][0])
    results = {}

    # networkx graph from the same edges (built once, not timed against netinv)
    g_nx, t_nx_build = timed(lambda: _nx_graph(net))

    a = adjacency(net, weight="count")
    ours, t = timed(lambda: an.pagerank(a))
    ref, t_ref = timed(lambda: nx.pagerank(g_nx, weight="weight"))
    err = float(np.abs(np.array([ref.get(i, 0.0) for i in range(len(net))]) - ours).sum())
    results["pagerank"] = {"netinv_s": t, "networkx_s": t_ref, "networkx_l1_error": err}

    split, t = timed(lambda: an.communities(net, seed=1, exclude=hubs))
    und = g_nx.to_undirected()
    _, t_ref = timed(lambda: nx.community.louvain_communities(und, weight="weight", seed=1))
    results["leiden"] = {"netinv_s": t, "networkx_s": t_ref, "communities": int(split["community"].max()),
                         "modularity": split.attrs["modularity"], "networkx_method": "louvain"}

    # betweenness as analysts get it: high-volume numbers left out (netinv's default), on both sides
    und_nohub = und.copy()
    und_nohub.remove_nodes_from([net.index[h] for h in hubs])
    (b, se, how), t = timed(lambda: an.betweenness(net, samples=256, seed=1, exclude=hubs))
    (b2, _, _) = an.betweenness(net, samples=256, seed=2, exclude=hubs)
    # baseline: plain pivot sampling (igraph, each path counted whole from its sampled end), same pivots
    (pb, pse, _), t_plain = timed(lambda: an.betweenness(net, samples=256, seed=1, exclude=hubs, scaled=False))
    (pb2, _, _) = an.betweenness(net, samples=256, seed=2, exclude=hubs, scaled=False)

    def quality(v, v_se, v2):
        def rel_se(k):
            top = np.argsort(-v)[:k]
            return float(np.median(v_se[top] / np.maximum(v[top], 1e-9)))
        return {"median_relative_se_top10": rel_se(10), "median_relative_se_top100": rel_se(100),
                # how many of seed 1's top 10 (top 100) another run (seed 2) also puts there
                "top10_shared_with_seed2": int(len(set(np.argsort(-v)[:10]) & set(np.argsort(-v2)[:10]))),
                "top100_shared_with_seed2": int(len(set(np.argsort(-v)[:100]) & set(np.argsort(-v2)[:100])))}

    results["betweenness_sampled"] = {"netinv_s": t, "method": how, "hubs_left_out": len(hubs), **quality(b, se, b2),
                                      "plain_pivots_s": t_plain,
                                      "plain_pivots": quality(pb, pse, pb2)}
    if not args.skip_networkx_betweenness:
        _, t_ref = timed(lambda: nx.betweenness_centrality(und_nohub, k=256, seed=1))
        results["betweenness_sampled"]["networkx_s"] = t_ref

    leads, t = timed(lambda: an.expand(net, seeds, hops=2, top=30))
    idx = [net.index[s] for s in seeds]
    _, t_ref = timed(lambda: _nx_expand(und_nohub, idx))
    results["expand_10_seeds"] = {"netinv_s": t, "networkx_bfs_only_reference_s": t_ref, "leads": len(leads)}

    up, t = timed(lambda: an.upstream(net, seeds, top=30, exclude=hubs))
    results["upstream_10_seeds"] = {"netinv_s": t, "candidates": len(up)}
    targets = an.upstream(net, seeds[:3], top=3, exclude=hubs)["id"].tolist()
    r, t = timed(lambda: an.routes(net, seeds[:3], targets, k=5, exclude=hubs))
    from netinv.analysis.routes import route_graph

    def nx_routes():
        g_route = route_graph(net, set(hubs))
        for s in seeds[:3]:
            g_route.add_edge("S", s, cost=0.0)
        for x in targets:
            g_route.add_edge(x, "T", cost=0.0)
        return list(islice(nx.shortest_simple_paths(g_route, "S", "T", weight="cost"), 5))

    _, t_ref = timed(nx_routes)
    results["routes_k5"] = {"netinv_s": t, "networkx_s": t_ref, "routes": int(r["route"].nunique())}

    total = sum(v["netinv_s"] for v in results.values())
    total_ref = sum(v.get("networkx_s", 0) for v in results.values() if "networkx_s" in v)
    total_ours_cmp = sum(v["netinv_s"] for v in results.values() if "networkx_s" in v)
    out = {
        "benchmark": "analysis on a generated call network, netinv vs networkx, one run",
        "machine": machine(),
        "nodes": len(net), "edges": net.n_edges, "network_build_s": round(t_build, 2),
        "networkx_graph_build_s": round(t_nx_build, 2),
        "results": {k: {kk: (round(vv, 3) if isinstance(vv, float) else vv) for kk, vv in v.items()}
                    for k, v in results.items()},
        "ratios_networkx_over_netinv": {k: round(v["networkx_s"] / v["netinv_s"], 1)
                                        for k, v in results.items() if "networkx_s" in v},
        "suite_netinv_s": round(total, 2),  # all analyses, expand and upstream included
        "compared_netinv_s": round(total_ours_cmp, 2), "compared_networkx_s": round(total_ref, 2),
        "suite_speedup_where_compared": round(total_ref / total_ours_cmp, 1) if total_ours_cmp else None,
    }
    path = save("analysis", out)
    print(json.dumps(out, indent=2))
    print(f"saved {path}", file=sys.stderr)


def _nx_graph(net):
    g = nx.DiGraph()
    g.add_nodes_from(range(len(net)))
    s, t, w = net.edges["s"].tolist(), net.edges["t"].tolist(), net.edges["count"].astype(float).tolist()
    g.add_weighted_edges_from(zip(s, t, w))
    return g


def _nx_expand(g, seeds):
    reach = {}
    for s in seeds:
        for v, d in nx.single_source_shortest_path_length(g, s, cutoff=2).items():
            if v != s:
                reach[v] = reach.get(v, 0) + 1
    return sorted(reach.items(), key=lambda kv: -kv[1])[:30]


if __name__ == "__main__":
    main()
