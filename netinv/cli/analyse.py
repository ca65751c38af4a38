"""Analysis commands: centrality, communities, brokers, hierarchy, upstream, routes, expand, hubs.

Each builds the network from the store (level, layers, time window), runs one library function,
prints a table, and with ``--out FILE.csv`` writes the same rows (identifier first, in rank order).
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import pandas as pd
import typer

from .. import analysis as an
from ..errors import NetinvError
from ..exports import write_csv
from ..network import Network
from .common import (ARRESTED, INCLUDE_HUBS, KEEP, LEVEL, SINCE, STORE, UNTIL, case_window, err, frame_table,
                     handle_errors, high_volume, open_case, out, progress, say_kept_by_decision, with_arrests)

__all__ = ["register"]

LAYER = typer.Option([], "--layer", help="Layers: calls, money, co_arrest (repeatable; default all).")
OUT = typer.Option(None, "--out", "-o", help="Also write the table to this CSV file (column 'id' first).")
TOP = typer.Option(20, "--top", min=1, help="Rows to show (the CSV has them all).")
CALLS = typer.Option("auto", "--call-direction", help="How calls show rank: up (subordinates call their bosses; the "
                                                     "callee is above), down (bosses call their people; the caller "
                                                     "is above) or auto (decided from the pairs that both call and "
                                                     "pay each other; up when too few do).")
TIES = typer.Option("cohesive", "--ties", help="How ties weigh in the split: cohesive (by the contacts the two ends "
                                               "share, and the people within two steps of both; finds "
                                               "organisational groups) or contacts (by the number of contacts; "
                                               "finds day-to-day crews).")


def _network(store: str | None, level: str, layer: list[str], since: str | None, until: str | None) -> Network:
    layers = tuple(layer) or ("calls", "money", "co_arrest")
    with progress("building the network"), open_case(store) as st:
        window = case_window(st, since, until)
        net = st.network(layers=layers, window=window, level=level)
    if len(net.edges) == 0:
        where = (f" from {since}" if since else "") + (f" until {until}" if until else "")
        raise NetinvError(f"no records in the layers {', '.join(layers)}{where}: nothing to analyse "
                          "(netinv status shows what the workspace holds)")
    if level == "resolved":  # what was merged, and on whose word
        _notes(*net.notes)
    return net


def _write_csv(df: pd.DataFrame, out_file: Path) -> None:
    """The rows as CSV, identifier first, lists joined with '; '."""
    cols = ["id"] + [c for c in df.columns if c != "id"]
    csv = df[cols].copy()
    for c in csv.columns:
        if csv[c].map(lambda v: isinstance(v, list)).any():
            csv[c] = csv[c].map(lambda v: "; ".join(map(str, v)) if isinstance(v, list) else v)
    write_csv(csv, out_file)
    out.print(f"wrote {len(df):,} rows to {out_file}", markup=False)


def _emit(df: pd.DataFrame, out_file: Path | None, columns: list[str], title: str, top: int) -> None:
    out.print(frame_table(df[[c for c in columns if c in df.columns]], title=title, limit=top))
    if out_file is not None:
        _write_csv(df, out_file)


def _notes(*notes: str) -> None:
    for n in notes:
        if n:
            err.print(f"note: {n}", markup=False, soft_wrap=True)


def _left_out(ids: list[str]) -> str:
    """A note naming the high-volume numbers an analysis left out (the first five)."""
    if not ids:
        return ""
    more = f" and {len(ids) - 5} more" if len(ids) > 5 else ""
    return (f"left out {len(ids)} high-volume number(s): {', '.join(ids[:5])}{more} (--keep ID keeps one in, "
            "--include-hubs all)")


def _seed_refs(net: Network, refs: list[str], arrested: bool, option: str) -> list[str]:
    """The references given, and with ``--arrested`` the retail arrests of the network, each once."""
    refs = with_arrests(net, refs, option) if arrested else list(refs)
    if not refs:
        raise NetinvError(f"no seeds: give {option} ID (repeatable) or --arrested")
    return refs


def _say_resolved(net, refs) -> None:
    """A note for each reference that was read in another form or through its holder (13800138000 is P0012)."""
    labels = dict(zip(net.nodes["id"], net.nodes["label"]))
    first: dict[str, str] = {}
    for ref in refs:
        nid = net.resolve([ref])[0]
        if ref.strip() not in (nid, nid.partition(":")[2]):
            label = labels.get(nid, nid)
            _notes(f"{ref.strip()} is {nid}" + (f" ({label})" if label != nid.partition(":")[2] else ""))
        if nid in first:
            _notes(f"{first[nid]} and {ref.strip()} are the same node ({nid}): counted once")
        elif net.graph.degree(net.index[nid]) == 0:
            hint = ("; at phone level a person's calls and payments are on his phones and accounts: give those, "
                    "or use --level person") if net.level == "phone" and nid.startswith("person:") else ""
            _notes(f"{ref.strip()} has no contacts in the {net.level}-level network of layers "
                   f"{', '.join(net.layers)}{hint}")
        first.setdefault(nid, ref.strip())


def register(app: typer.Typer) -> None:
    @app.command()
    @handle_errors
    def centrality(
        measure: List[str] = typer.Option([], "--measure", help=f"Measures (repeatable): {', '.join(an.MEASURES)}."),
        include_hubs: bool = INCLUDE_HUBS, keep: List[str] = KEEP,
        weight: str = typer.Option("count", "--weight", help="Edge weight: count, duration or amount."),
        seed: int = typer.Option(0, "--seed", help="Seed of the sampled betweenness (large networks)."),
        samples: int = typer.Option(256, "--samples", min=16, help="Pivots of the sampled betweenness (networks "
                                    "of over 5,000 nodes): four times as many halve its standard error."),
        level: str = LEVEL, layer: List[str] = LAYER, since: Optional[str] = SINCE, until: Optional[str] = UNTIL,
        out_file: Optional[Path] = OUT, top: int = TOP, store: Optional[str] = STORE,
    ):
        """Key players: degree, strength, net money flow, PageRank, betweenness, eigenvector, harmonic.

        Example:

        netinv centrality --measure pagerank --measure betweenness --since 2024-03-01 --out key-players.csv
        """
        net = _network(store, level, layer, since, until)
        hubs = high_volume(net, include_hubs, keep)
        with progress("centrality") as step:
            df = an.centrality(net, measures=tuple(measure) or an.MEASURES, weight=weight, exclude=hubs, seed=seed,
                                betweenness_samples=samples, progress=step)
        df = df[~df["id"].isin(hubs)].reset_index(drop=True)
        df.insert(0, "rank", range(1, len(df) + 1))
        sampled = "betweenness_se" in df and bool((df["betweenness_se"] > 0).any())
        _emit(df, out_file, ["rank", "id", "label", "degree", "calls", "transfers", "net_flow", "pagerank",
                             "betweenness", *(["betweenness_se"] if sampled else []), "eigenvector", "harmonic"],
              "key players", top)
        _notes(*df.attrs.get("notes", []), _left_out(hubs))

    @app.command()
    @handle_errors
    def communities(
        method: str = typer.Option("leiden", "--method", help="leiden or louvain."),
        resolution: Optional[float] = typer.Option(
            None, "--resolution", help="Higher: more, smaller communities. Default: 2.0 with cohesive ties, 1.0 with "
            "contact ties."),
        ties: str = TIES,
        seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same split)."),
        tries: Optional[int] = typer.Option(
            None, "--tries", min=1, help="Runs (seeds --seed, --seed + 1, ...) to keep the best of, by modularity. "
            "Default: 10 up to 25,000 ties, each run iterated until nothing changes; 1 above."),
        runs: int = typer.Option(10, "--runs", min=0, help="Seeds to rerun for the stability of the split (0: skip)."),
        include_hubs: bool = INCLUDE_HUBS, keep: List[str] = KEEP,
        level: str = LEVEL, layer: List[str] = LAYER, since: Optional[str] = SINCE, until: Optional[str] = UNTIL,
        out_file: Optional[Path] = OUT, top: int = TOP, store: Optional[str] = STORE,
    ):
        """Community split (Leiden or Louvain), its stability across seeds, and each community's summary.

        Example:

        netinv communities --resolution 2.0 --seed 7 --out communities.csv
        """
        net = _network(store, level, layer, since, until)
        hubs = high_volume(net, include_hubs, keep)
        with progress("communities") as step:
            how = dict(method=method, resolution=resolution, seed=seed, exclude=hubs, ties=ties, tries=tries)
            if runs:
                split, stab = an.split_and_stability(net, runs=runs, progress=step, **how)
            else:
                split = an.communities(net, **how)
            pr = an.centrality(net, measures=("pagerank",), exclude=hubs).set_index("id")["pagerank"]
            summary = an.community_summary(net, split, scores=pr)
            if runs:
                node_stab = stab.attrs["nodes"].set_index("id")["stability"]
                split["stability"] = split["id"].map(node_stab)
                summary["stability"] = [node_stab.reindex(m).mean() for m in summary["members"]]
        out.print(frame_table(summary.drop(columns=["members"]), title=f"communities: {split.attrs['method']}, "
                              f"modularity {split.attrs['modularity']:.3f}", limit=top))
        _notes(_left_out(hubs),
               "stability: share of reruns with other seeds in which a member stays with the same neighbours"
               if runs else "")
        if out_file is not None:
            # community 1 (the largest) first; 0 (left out or without ties) last
            order = split.assign(_last=split["community"] == 0).sort_values(["_last", "community", "id"])
            _write_csv(order.drop(columns="_last").reset_index(drop=True), out_file)

    @app.command()
    @handle_errors
    def brokers(
        resolution: Optional[float] = typer.Option(
            None, "--resolution", help="Resolution of the Leiden split used. Default: 2.0 with cohesive ties, 1.0 "
            "with contact ties."),
        ties: str = TIES,
        seed: int = typer.Option(0, "--seed", help="Seed of the split."),
        include_hubs: bool = INCLUDE_HUBS, keep: List[str] = KEEP,
        level: str = LEVEL, layer: List[str] = LAYER, since: Optional[str] = SINCE, until: Optional[str] = UNTIL,
        out_file: Optional[Path] = OUT, top: int = TOP, store: Optional[str] = STORE,
    ):
        """Brokerage roles (Gould-Fernandez) relative to the community split: who connects groups.

        Example:

        netinv brokers --top 20 --out brokers.csv
        """
        net = _network(store, level, layer, since, until)
        hubs = high_volume(net, include_hubs, keep)
        split = an.communities(net, resolution=resolution, seed=seed, exclude=hubs, ties=ties)
        df = an.brokerage(net, split, exclude=hubs)
        df.insert(0, "rank", range(1, len(df) + 1))
        _emit(df, out_file, ["rank", "id", "label", "community", *an.ROLES, "across_groups"], "brokers", top)
        _notes(_left_out(hubs))

    @app.command()
    @handle_errors
    def hierarchy(
        call_direction: str = CALLS, include_hubs: bool = INCLUDE_HUBS, keep: List[str] = KEEP, level: str = LEVEL,
        layer: List[str] = LAYER, since: Optional[str] = SINCE, until: Optional[str] = UNTIL,
        out_file: Optional[Path] = OUT, top: int = TOP, store: Optional[str] = STORE,
    ):
        """A level for everyone (1 = top) from money direction, call patterns and seizure sizes (SpringRank).

        No level where the evidence balances out (calls as often each way, no payments or seizures).

        Example:

        netinv hierarchy --call-direction down --out levels.csv
        """
        net = _network(store, level, layer, since, until)
        df = an.hierarchy(net, call_direction=call_direction, exclude=high_volume(net, include_hubs, keep))
        df.insert(0, "rank", range(1, len(df) + 1))
        _emit(df, out_file, ["rank", "id", "label", "score", "level", "payments_received", "payments_made",
                             "calls_received", "calls_made", "max_quantity_g"], "hierarchy", top)
        _notes(df.attrs["call_direction"], df.attrs["note"], _left_out(df.attrs["excluded"]))

    @app.command()
    @handle_errors
    def upstream(
        from_: List[str] = typer.Option([], "--from", help="Seed people, phones or accounts (repeatable)."),
        arrested: bool = ARRESTED,
        hops: int = typer.Option(4, "--hops", min=1, help="How far from the seeds candidates may be."),
        include_hubs: bool = INCLUDE_HUBS, keep: List[str] = KEEP,
        call_direction: str = CALLS, level: str = LEVEL, layer: List[str] = LAYER, since: Optional[str] = SINCE,
        until: Optional[str] = UNTIL,
        out_file: Optional[Path] = OUT, top: int = TOP, store: Optional[str] = STORE,
    ):
        """Upstream candidates (上家) above the given people, with the reasons for each rank.

        Below --level resolved, a note names listed phones that look like one replacing another.

        Example:

        netinv upstream --from P0012 --from 13800138000 --top 20

        netinv upstream --arrested --out upstream.csv
        """
        from ..workflow import calls_end, replacement_notes

        net = _network(store, level, layer, since, until)
        from_ = _seed_refs(net, from_, arrested, "--from")
        _say_resolved(net, from_)
        exclude = high_volume(net, include_hubs, keep, seeds=from_)
        with progress("upstream") as step:
            df = an.upstream(net, from_, hops=hops, top=max(top, 50), call_direction=call_direction,
                             exclude=exclude, progress=step)
        _emit(df, out_file, ["rank", "id", "label", "upstream_score", "seeds_reaching", "reached_through", "hops",
                             "levels_above_seeds", "reasons"], "upstream candidates", top)
        _notes(df.attrs["note"], df.attrs["call_direction"], _left_out(df.attrs["excluded"]))
        if level != "resolved":
            with open_case(store) as st:
                _notes(*replacement_notes(st, df.head(top), df.attrs["excluded"], calls_end(net)))

    @app.command()
    @handle_errors
    def routes(
        from_: List[str] = typer.Option([], "--from", help="Start of the routes: retail dealers (repeatable)."),
        arrested: bool = ARRESTED,
        to: List[str] = typer.Option([], "--to", help="Ends of the routes (default: the top 5 upstream candidates)."),
        k: int = typer.Option(5, "--k", min=1, help="Number of routes."),
        time_respecting: bool = typer.Option(False, "--time-respecting",
                                             help="Each hop must follow the previous one within --max-gap."),
        max_gap: str = typer.Option("14D", "--max-gap", help="Longest wait between hops, e.g. 7D, 36h."),
        candidates: int = typer.Option(200, "--candidates", min=1,
                                       help="How many of the cheapest routes the time test tries (--time-respecting)."),
        include_hubs: bool = INCLUDE_HUBS, keep: List[str] = KEEP,
        level: str = LEVEL, since: Optional[str] = SINCE, until: Optional[str] = UNTIL,
        out_file: Optional[Path] = OUT, store: Optional[str] = STORE,
    ):
        """The k best supply routes (money in its direction, calls either way), with each hop's evidence.

        Example:

        netinv routes --from P0012 --to P0001 --k 5

        netinv routes --arrested --time-respecting --max-gap 7D --out routes.csv
        """
        from ..workflow import route_evidence

        with progress("routes") as step, open_case(store) as st:
            window = case_window(st, since, until)
            net = st.network(layers=("calls", "money"), window=window, level=level)
            from_ = _seed_refs(net, from_, arrested, "--from")
            _say_resolved(net, [*from_, *to])
            events = None
            if time_respecting:
                events = pd.concat([st.events("calls", window).assign(layer="calls"),
                                    st.events("money", window).assign(layer="money")], ignore_index=True)
            df = an.routes(net, from_, to or None, k=k, events=events, max_gap=max_gap, candidates=candidates,
                           exclude=high_volume(net, include_hubs, keep, seeds=from_), progress=step)
            df = route_evidence(st, net, df)
        summary = df.attrs["routes"]
        out.print(frame_table(summary, title=f"{len(summary)} route(s)"))
        cols = ["route", "hop", "from_label", "to_label", "calls", "transfers", "amount", "memos", "first", "last"] + \
            (["at"] if time_respecting else []) + ["sources"]
        df = df.rename(columns={"from": "id"})
        _emit(df, out_file, cols, "hops and their evidence", 10_000)
        _notes(_left_out(df.attrs.get("excluded", [])))

    @app.command()
    @handle_errors
    def expand(
        seed: List[str] = typer.Option([], "--seed", help="Arrested people, phones or accounts (repeatable)."),
        arrested: bool = ARRESTED,
        hops: int = typer.Option(2, "--hops", min=1, help="How far from the seeds leads may be."),
        max_degree: Optional[int] = typer.Option(
            None, "--max-degree", min=1,
            help="Also leave out nodes with more contacts than this (not seeds, --keep, numbers decided not public)."),
        include_hubs: bool = INCLUDE_HUBS, keep: List[str] = KEEP,
        call_direction: str = CALLS, level: str = LEVEL, layer: List[str] = LAYER, since: Optional[str] = SINCE,
        until: Optional[str] = UNTIL,
        out_file: Optional[Path] = OUT, top: int = typer.Option(30, "--top", min=1, help="Leads to rank."),
        store: Optional[str] = STORE,
    ):
        """Widen the case (扩线): rank new leads from the seeds, with reasons; high-volume numbers left out.

        Example:

        netinv expand --seed P0012 --seed 13800138000 --hops 2 --max-degree 200 --top 30
        """
        net = _network(store, level, layer, since, until)
        seed = _seed_refs(net, seed, arrested, "--seed")
        _say_resolved(net, seed)
        df = an.expand(net, seed, hops=hops, max_degree=max_degree, top=top, call_direction=call_direction,
                       exclude=[] if include_hubs else None, keep=keep)
        _emit(df, out_file, ["rank", "id", "label", "score", "reasons"], "leads", top)
        left = df.attrs["left_out"]
        if len(left):
            out.print(frame_table(left, title="left out"))
        say_kept_by_decision(df.attrs["kept_in"])
        _notes(df.attrs["call_direction"])

    @app.command()
    @handle_errors
    def hubs(
        seed: List[str] = typer.Option(
            [], "--seed", help="What upstream, routes and expand from these seeds leave out (repeatable): contacts "
            "with the seeds do not count towards a number's volume."),
        level: str = LEVEL, layer: List[str] = LAYER, since: Optional[str] = SINCE, until: Optional[str] = UNTIL,
        out_file: Optional[Path] = OUT, store: Optional[str] = STORE,
    ):
        """High-volume numbers (taxi firms, hotlines) that analyses leave out, and why; decisions apply.

        Example:

        netinv hubs --seed P0012 --out hubs.csv
        """
        net = _network(store, level, layer, since, until)
        df = an.detect_hubs(net, seeds=seed or None)
        _emit(df, out_file, ["id", "label", "contacts", *(["seed_contacts"] if seed else []), "reciprocity", "reason",
                             *(["decision"] if df["decision"].notna().any() else [])],
              "high-volume numbers", 1000)
        say_kept_by_decision(df.attrs["kept_in"])
