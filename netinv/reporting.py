"""The case report: the analyses an analyst hands on, computed from a store and rendered as one page.

:func:`build_report` gathers the frames (counts, sources, key players, communities, brokers,
upstream candidates, routes with their source records, leads, timeline) and passes them to the
view :func:`netinv.views.report.render_report`, which never touches a store.

>>> build_report(store, "report.html", seeds=["P0012"])        # doctest: +SKIP
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from . import __version__
from . import analysis as an
from .errors import NetinvError
from .network import RETAIL_MAX_G
from .store import GraphStore
from .views.report import Section, network_section, render_report, table_from_frame
from .views.timeline import timeline_svg, weekly_counts

__all__ = ["build_report", "default_seeds", "RETAIL_MAX_G"]

def default_seeds(net) -> list[str]:
    """The people arrested with retail quantities (or, if none, everyone arrested): :meth:`Network.retail_arrests`."""
    return net.retail_arrests(RETAIL_MAX_G)


def build_report(store: GraphStore, out: str | Path, *, title: str = "netinv case report",
                 seeds: Sequence[str] | None = None, params: dict | None = None, top: int = 15, seed: int = 0,
                 include_hubs: bool = False, keep: Sequence[str] = (),
                 progress: Callable[[str], None] | None = None) -> Path:
    """Analyse the workspace at person level and write the case report to ``out``.

    High-volume numbers are left out of the analyses and listed, unless ``include_hubs``: then they
    are kept in and still listed.  ``keep`` names numbers never to take for high-volume ones.
    """
    say = progress or (lambda m: None)
    say("building the person-level network")
    net = store.network(level="person")
    counts, sources = store.counts(), store.sources()
    tz = store.time_zone()
    table = partial(table_from_frame, tz=tz)  # times in the case's zone, with their offset
    kept = net.resolve(keep)
    hubs = an.detect_hubs(net, keep=kept)  # the analysts' decisions on numbers apply (netinv decide-number)
    decided = an.decided_numbers(net)
    by_decision = [i for i, d in hubs.attrs["kept_in"] if d]
    hub_list = [] if include_hubs else hubs["id"].tolist()
    kept_in = [i for i, _ in hubs.attrs["kept_in"]] + (hubs["id"].tolist() if include_hubs else [])
    seeds = net.seeds(seeds) if seeds else default_seeds(net)
    # upstream and routes from the seeds leave out fewer: their own counterparts stay in (analysis.hubs)
    seed_hubs = an.hub_ids(net, seeds=seeds, keep=kept) if seeds and not include_hubs else []
    sections: list[Section] = []

    say("key players")
    c = an.centrality(net, measures=("degree", "pagerank", "betweenness"), exclude=hub_list, seed=seed)  # as shown
    c = c[~c["id"].isin(hub_list)].reset_index(drop=True)
    nodes = net.nodes.set_index("id")
    c["arrested"] = c["id"].map(nodes["arrested"])
    c.insert(0, "rank", range(1, len(c) + 1))
    sections.append(Section("key-players", "Key players",
                            "Ranked by PageRank over calls, money and co-arrests (weights: number of contacts); "
                            + "; ".join(c.attrs.get("notes", [])) + ".",
                            table(c, ["rank", "label", "id", "degree", "calls", "transfers", "net_flow",
                                                 "pagerank", "betweenness", "arrested"], top)))

    say("communities")
    split, stab = an.split_and_stability(net, runs=10, seed=seed, exclude=hub_list)
    stab = stab.attrs["nodes"].set_index("id")["stability"]
    summary = an.community_summary(net, split, scores=c.set_index("id")["pagerank"])
    summary["stability"] = [stab.reindex(m).mean() for m in summary["members"]]
    sections.append(Section("communities", "Community split",
                            f"{split.attrs['method']}, modularity {split.attrs['modularity']:.3f} (on contact counts). "
                            "Cohesive ties weigh by the contacts two people share and by the people within two "
                            "steps of both, so that personal contacts do not glue groups together and a boss stays "
                            "with the crews below him; each person is then placed with the group they are in contact "
                            "with most. "
                            + (f"Of {split.attrs['tries']} runs of Leiden from different seeds, the split kept is the "
                               "one with the highest modularity on these weights. " if split.attrs["tries"] > 1 else "")
                            + "Stability: the share of 10 reruns with other seeds in which members keep the same "
                            "neighbours (1 = firm).",
                            table(summary, ["community", "size", "persons", "arrested", "leading",
                                                       "stability", "calls_inside", "calls_across", "money_inside",
                                                       "money_across"], top)))
    b = an.brokerage(net, split, exclude=hub_list)
    b = b[b["across_groups"] > 0]
    sections.append(Section("brokers", "Brokers between groups (Gould-Fernandez)",
                            "Open two-paths a → v → b through each person, by the groups of a, v and b.",
                            table(b, ["label", "id", "community", *an.ROLES], 10)))

    if seeds:
        say("upstream and routes")
        seed_labels = ", ".join(str(nodes.loc[s, "label"]) for s in seeds)
        up = an.upstream(net, seeds, top=top, exclude=seed_hubs)
        from .workflow import calls_end, replacement_notes

        pairs = replacement_notes(store, up, seed_hubs, calls_end(net))
        sections.append(Section("upstream", "Upstream candidates (上家)",
                                f"Seeds: {seed_labels}. An upward walk (money in its direction, calls towards the side "
                                "they show to be above) runs from each seed; a candidate ranks by the largest share of "
                                "one seed's walk that reaches it, how many seeds' walks reach it (seeds_reaching, "
                                "counted less than in proportion, and at most as many as the people the walks arrive "
                                "through: reached_through) and its distance from them. How calls were read: "
                                f"{up.attrs['call_direction']}."
                                + "".join(f" Note: {n}." for n in [up.attrs["note"], *pairs] if n),
                                table(up, ["rank", "label", "id", "upstream_score", "seeds_reaching",
                                                      "reached_through", "hops",
                                                      "levels_above_seeds", "reasons"])))
        try:
            from .workflow import route_evidence

            r = an.routes(net, seeds, up["id"].head(5).tolist() or None, k=5, exclude=seed_hubs)
            r = route_evidence(store, net, r)
            rs = r.attrs["routes"]
            sections.append(Section("routes", "Supply routes",
                                    "The 5 cheapest routes from the seeds to the top upstream candidates; a hop costs "
                                    "1 / (calls + transfers). Each hop lists the records it stands on and what the "
                                    "transfers' memos say.",
                                    table(rs, ["route", "path", "hops", "cost"])))
            sections.append(Section("route-hops", "Evidence for every hop", "",
                                    table(r, ["route", "hop", "from_label", "to_label", "calls",
                                                         "transfers", "amount", "memos", "first", "last",
                                                         "records", "sources"])))
        except NetinvError as e:
            sections.append(Section("routes", "Supply routes", f"No route found: {e}"))
        leads = an.expand(net, seeds, hops=2, top=top)
        sections.append(Section("leads", "Leads from widening the case (扩线)",
                                f"Seeds: {seed_labels}. Contacts shared by several seeds, who receives their money, "
                                "who stands above them, who was arrested elsewhere.",
                                table(leads, ["rank", "label", "id", "score", "reasons"])))
    say("identity and case linkage")
    from .linkage import holder_arrests, link_cases, quiet_on_arrest, successors
    from .normalize import no_handset_note
    from .store.base import call_ends

    res = store.resolution()
    groups = res.groups()
    sections.append(Section("identity", "One person, several ids",
                            f"Person resolution (Splink, threshold {res.threshold}): {len(groups)} group(s) of "
                            f"person ids taken to be one person; {len(res.review)} pair(s) await an analyst's decision "
                            "(netinv resolve / decide).",
                            table(groups, ["entity", "person_ids"], top)))
    bare_hubs = [h.split(":", 1)[1] for h in hub_list if h.startswith("phone:")]
    calls = store.records("calls")  # read once for both: 2.5 million records take seconds
    succ = successors(calls, top=1, exclude=bare_hubs)
    on_arrest = quiet_on_arrest(succ, holder_arrests(store.holdings(), store.records("arrests"))) if len(succ) else {}
    arrest_text = (" These went quiet when their holder was arrested, so the newer number is most likely someone "
                   "else's, and the resolved level does not merge them: "
                   + ", ".join(f"{o} ({p}, {pd.Timestamp(d).date()})" for o, (p, d) in on_arrest.items()) + "."
                   if on_arrest else "")
    junk = no_handset_note(call_ends(calls, "imei"))
    junk_text = f" Handsets are compared by their first 14 digits; {junk}." if junk else ""
    sections.append(Section("successors", "Replacement phones",
                            "Numbers that went quiet, or whose contacts moved to a newer number while they "
                            "still made a call now and then (how: handover), and the new number most likely to "
                            "have replaced each; the resolved level merges them." + arrest_text + junk_text,
                            table(succ, ["old", "candidate", "score", "how", "reasons"], top)))
    linked = link_cases(store.records("arrests"), calls, res.entities, exclude=bare_hubs,
                        network=net, network_exclude=hub_list)
    sections.append(Section("linked-cases", "Linked cases (串并)",
                            "Cases whose records share people, phones, accounts, handsets or contacts, or whose people "
                            "are within 3 hops of each other in the network.",
                            table(linked, ["group", "size", "cases", "links"])))
    if len(hubs) or kept_in:
        by_request = [i for i, d in hubs.attrs["kept_in"] if not d]
        public = decided.loc[decided["public"] & decided["id"].isin(hubs["id"]), "id"].tolist()
        sections.append(Section("hubs", "High-volume numbers " + ("kept in" if include_hubs else "left out"),
                                "Detected from the data (many one-way contacts), not from a list"
                                + (", and named public by an analyst's decision: " + ", ".join(public)
                                   if public else "") + "."
                                + (" Kept in the analyses at the analyst's request (--include-hubs)."
                                   if include_hubs else "")
                                + (f" Kept in at the analyst's request (--keep): {', '.join(by_request)}."
                                   if by_request else "")
                                + (" Kept in by an analyst's decision that it is not a public number: "
                                   + _decided_text(decided, by_decision) + "." if by_decision else ""),
                                table(hubs, ["label", "id", "contacts", "reciprocity", "reason"])))

    say("timeline")
    calls_w = weekly_counts(store.events("calls")["time"], tz)
    money_w = weekly_counts(store.events("money")["time"], tz)
    arrests = store.records("arrests")
    marks = pd.DataFrame({"date": arrests["date"], "label": arrests["name"] + " (" + arrests["case_id"] + ")"})
    sections.append(Section("timeline", "Activity over time", "", html=timeline_svg(calls_w, money_w, marks)))

    say("drawing the network")
    persons = net.nodes.loc[net.nodes["kind"] == "person", "id"].tolist()
    focus = persons if len(net.nodes) > 400 and persons else None
    sections.append(network_section(
        net, "Network", intro="Person level; colour: community; size: PageRank; red border: arrested; "
                              "hover for details, drag to move, scroll to zoom.",
        groups=split.set_index("id")["community"].replace(0, pd.NA), group_name="community",
        size=c.set_index("id")["pagerank"], size_name="PageRank", focus=focus, hops=1, exclude=hub_list,
        highlight=seeds, tz=tz,
    ))
    manifest = {
        "netinv": __version__, "generated_at": datetime.now(timezone.utc).isoformat(), "store": store.uri,
        "level": "person", "layers": list(net.layers), "random_seed": seed, "seeds": seeds, "time_zone": tz or "UTC",
        "high_volume_left_out": hub_list, "high_volume_kept_in": kept_in,
        "kept_in_by_analyst": kept,
        "number_decisions": [{"id": r["id"], "public": bool(r["public"]), "decision_id": str(r["decision_id"]),
                              "by": None if pd.isna(r["by"]) else str(r["by"]),
                              "note": None if pd.isna(r["note"]) else str(r["note"]),
                              "decided_at": pd.Timestamp(r["decided_at"]).isoformat()}
                             for r in decided.to_dict("records")],
        "parameters": params or {},
        "high_volume_left_out_from_seeds": seed_hubs,
        "inputs": sources[["path", "kind", "profile", "file_sha256"]].to_dict("records"),
        "loads": store.loads()[["load_id", "kind", "authority"]].to_dict("records"),
    }
    out = Path(out)
    render_report(out, title=title, counts=counts, sources=sources, sections=sections, manifest=manifest,
                  subtitle=f"{counts['calls']:,} calls, {counts['transfers']:,} transfers, "
                           f"{counts['arrests']:,} arrest records; workspace {store.uri}")
    return out


def _decided_text(decided: pd.DataFrame, ids: Sequence[str]) -> str:
    """``phone:5 (decision D..., by A: "note")`` for each of ``ids``."""
    rows = decided.set_index("id")
    parts = []
    for i in ids:
        r = rows.loc[i]
        who = f", by {r['by']}" if not pd.isna(r["by"]) else ""
        why = f': "{r["note"]}"' if not pd.isna(r["note"]) else ""
        parts.append(f"{i} (decision {r['decision_id']}{who}{why})")
    return ", ".join(parts)
