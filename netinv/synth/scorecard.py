"""Score the analysis on generated cases: upstream ranking and community split against the truth.

    python -m netinv.synth.scorecard --seeds 1 2 3 --people 50 200

For each case: generate, load into a fresh embedded workspace, build the person-level network,
rank upstream candidates from the arrested retail dealers alone (``--seeds-from dealers``, the
arrests charged with dealing; or ``arrests``, every arrest with a retail quantity seized, arrested
customers included, as ``netinv upstream --arrested`` takes them), split communities, and compare
with ``ground_truth.json``.  The split is scored against the true ``groups`` (the supply group and
each wholesaler's branch) and ``cells`` (each distributor's crew), with cohesive ties (the
default) and with contact-count ties.  Besides the source's rank and the wholesalers in the top
10, each row says how many distinct true people above the retail dealers (source, money handler,
couriers, wholesalers, distributors) the top 10 names, how many entries repeat one of them, and how
many name nobody above them (relatives, landlords, friends).  The leads from widening the case
(``expand`` from the same seeds, 2 hops) are scored too: of the first 10, how many distinct true
people above the dealers they name, and how many entries name nobody in the network.  Below the
resolved level, the phones among the first 20 candidates that look like one replacing another
(:func:`netinv.linkage.phone_pairs`, the note of ``netinv upstream``) are counted, with how many of
those pairs are truly one person's numbers.

``--markdown FILE`` also writes the per-seed table (:func:`per_seed_table`: the source's rank, the
wholesalers in the top 10 and the NMI, each miss in bold); ``--table A.json B.json`` prints that
table from rows written earlier with ``--json``, scoring nothing.  ``--both-sides merged|twice``
generates cases with both phones' records of the calls between the two carriers and loads them
as one call each or twice, to measure what counting them twice does.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import pandas as pd

from ..analysis import communities, expand, hub_ids, upstream
from ..network import RETAIL_MAX_G
from ..store import EmbeddedStore
from . import generate
from .evaluate import community_nmi, lead_hits, pair_hits, upstream_hits

__all__ = ["score_case", "scorecard", "per_seed_table", "TARGETS"]

#: the issue's targets: the source in the top 5 candidates, every wholesaler in the top 10, and the
#: split's NMI against the true groups at least 0.8
TARGETS = {"source_top": 5, "wholesalers_top": 10, "nmi_groups": 0.8}


#: where the seeds come from: the arrests charged with dealing (the retail dealers), or every arrest
#: with a retail quantity seized, as ``--arrested`` and the report take them (arrested customers too)
SEEDS_FROM = ("dealers", "arrests")


BOTH_SIDES = ("merged", "twice")


def score_case(case_dir: Path, seed: int, people: int, level: str = "person", seeds_from: str = "dealers",
               lingering: float = 0.0, both_sides: str | None = None) -> dict:
    from ..workflow import calls_end, load_generated, replacement_pairs

    if seeds_from not in SEEDS_FROM:
        raise ValueError(f"seeds_from is one of {', '.join(SEEDS_FROM)}, not {seeds_from!r}")
    if both_sides not in (None, *BOTH_SIDES):
        raise ValueError(f"both_sides is one of {', '.join(BOTH_SIDES)}, not {both_sides!r}")
    case = generate(case_dir / "case", seed=seed, people=people, lingering=lingering, both_sides=both_sides is not None)
    truth = case.truth
    with EmbeddedStore(case_dir / "ws.duckdb") as st:
        load_generated(case.path, st, step_options=both_sides != "twice")
        net = st.network(level=level)
        if seeds_from == "dealers":
            seeds = ["person:" + p for p in truth["arrested_retailers"]]
        else:
            seeds = net.retail_arrests()
        hubs = hub_ids(net)
        up = upstream(net, seeds, top=30)
        # the phones that upstream's note would name (first 20), below the resolved level
        pairs = replacement_pairs(st, up.head(20), hubs, calls_end(net)) if level != "resolved" else None
    hits = upstream_hits(up["id"], truth)
    same = pair_hits(pairs, truth) if pairs is not None else {"pairs": None, "same_person": None}
    leads = lead_hits(expand(net, seeds, hops=2, top=10)["id"], truth)
    split = communities(net, seed=0, exclude=hubs)  # cohesive ties, the default
    crews = communities(net, seed=0, exclude=hubs, ties="contacts")
    return {
        "people": people, "seed": seed, "level": level, "seeds_from": seeds_from, "lingering": lingering,
        "both_sides": both_sides,
        "seeds": len(seeds),
        "hubs_left_out": len(hubs),
        "source_rank": hits["source_rank"], "source_in_top5": hits["source_in_top5"],
        "wholesalers_in_top10": hits["wholesalers_in_top10"], "wholesalers": hits["wholesalers"],
        "upstream_in_top10": hits["upstream_people_in_top10"], "repeats_in_top10": hits["upstream_repeats_in_top10"],
        "others_in_top10": hits["others_in_top10"], "upstream_people": hits["upstream_people"],
        "leads_upstream_top10": leads["upstream"], "leads_unrelated_top10": leads["unrelated"],
        "nmi_groups": round(community_nmi(split, truth, "groups"), 3),
        "nmi_cells": round(community_nmi(split, truth, "cells"), 3),
        "communities": int(split["community"].max()),
        "contacts_nmi_groups": round(community_nmi(crews, truth, "groups"), 3),
        "contacts_nmi_cells": round(community_nmi(crews, truth, "cells"), 3),
        "phone_pairs_top20": same["pairs"], "phone_pairs_same_person": same["same_person"],
    }


def scorecard(seeds, sizes, level: str = "person", seeds_from: str = "dealers", lingering: float = 0.0,
              both_sides: str | None = None) -> pd.DataFrame:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for people in sizes:
            for seed in seeds:
                d = Path(tmp) / f"{people}-{seed}"
                rows.append(score_case(d, seed, people, level, seeds_from, lingering, both_sides))
    return pd.DataFrame(rows)


def _targets_met(rows: pd.DataFrame) -> pd.DataFrame:
    """Per row, whether each target is met: ``source``, ``wholesalers``, ``nmi`` (booleans)."""
    ranks = pd.to_numeric(rows["source_rank"], errors="coerce")
    return pd.DataFrame({"source": ranks <= TARGETS["source_top"],
                         "wholesalers": rows["wholesalers_in_top10"] >= rows["wholesalers"],
                         "nmi": rows["nmi_groups"] >= TARGETS["nmi_groups"]}, index=rows.index)


def _cell(row: dict, met: dict) -> str:
    """``source rank · wholesalers in the top 10 of all · NMI``, each figure that misses its target in bold."""
    def bold(text: str, ok: bool) -> str:
        return text if ok else f"**{text}**"

    rank = row["source_rank"]
    src = "–" if rank is None or pd.isna(rank) else str(int(rank))
    whole = f"{int(row['wholesalers_in_top10'])}/{int(row['wholesalers'])}"
    nmi = f"{float(row['nmi_groups']):.2f}"
    return f"{bold(src, met['source'])} · {bold(whole, met['wholesalers'])} · {bold(nmi, met['nmi'])}"


def per_seed_table(rows: pd.DataFrame) -> str:
    """The scorecard as a Markdown table: a row per seed, a column per case size (and level, if several).

    Each cell reads *source rank · wholesalers in the top 10 / wholesalers · NMI against the true
    groups*, with each figure that misses its target in bold ("–": the source is not among the first
    30 candidates).  The last row counts the cases that meet each target.
    """
    rows = pd.DataFrame(rows).reset_index(drop=True)
    met = _targets_met(rows)
    levels = list(dict.fromkeys(rows["level"]))
    cols = [(lv, n) for lv in levels for n in sorted(rows.loc[rows["level"] == lv, "people"].unique())]
    head = [f"{n} people" + (f", {lv}" if len(levels) > 1 else "") for lv, n in cols]
    lines = ["| seed | " + " | ".join(head) + " |", "|---|" + "---|" * len(cols)]
    by = {(r["level"], r["people"], r["seed"]): (r, m)
          for r, m in zip(rows.to_dict("records"), met.to_dict("records"))}
    for seed in sorted(rows["seed"].unique()):
        cells = [_cell(*by[(lv, n, seed)]) if (lv, n, seed) in by else "" for lv, n in cols]
        lines.append(f"| {seed} | " + " | ".join(cells) + " |")
    counts = []
    for lv, n in cols:
        part = met[(rows["level"] == lv) & (rows["people"] == n)]
        counts.append(" · ".join(str(int(part[k].sum())) for k in ("source", "wholesalers", "nmi"))
                      + f" of {len(part)}")
    lines.append("| targets met | " + " | ".join(counts) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument("--people", type=int, nargs="+", default=[50, 200])
    ap.add_argument("--level", default="person", choices=["person", "resolved"],
                    help="Network level: person, or resolved (identities and replacement phones merged).")
    ap.add_argument("--seeds-from", default="dealers", choices=SEEDS_FROM,
                    help="dealers: the arrests charged with dealing (default); arrests: every arrest with at most "
                         f"{RETAIL_MAX_G:g} g seized, as netinv upstream --arrested takes them.")
    ap.add_argument("--lingering", type=float, default=0.0,
                    help="Generate with this share of replaced phones still in use now and then (a handover); "
                         "the resolved level merges only phones that went quiet.")
    ap.add_argument("--both-sides", choices=BOTH_SIDES,
                    help="Generate with both phones' records of calls between the two carriers (netinv synth "
                         "--both-sides) and load them merged (--same-call-within 2, as load-case does) or twice "
                         "(each such call counted twice, as a plain load does).")
    ap.add_argument("--json", type=Path, help="Also write the rows to this JSON file.")
    ap.add_argument("--markdown", type=Path,
                    help="Also write the per-seed table (source rank, wholesalers in the top 10, NMI) to this file.")
    ap.add_argument("--table", type=Path, nargs="+", metavar="JSON",
                    help="Score nothing: print the per-seed table of rows written earlier with --json "
                         "(several files, for example one per level, make one table).")
    args = ap.parse_args()
    if args.table:
        rows = pd.concat([pd.DataFrame(json.loads(f.read_text(encoding="utf-8"))) for f in args.table])
        print(per_seed_table(rows), end="")
        return
    df = scorecard(args.seeds, args.people, args.level, args.seeds_from, args.lingering, args.both_sides)
    print(df.to_string(index=False))
    print(f"\nsource in top 5: {df['source_in_top5'].sum()}/{len(df)}; all wholesalers in top 10: "
          f"{(df['wholesalers_in_top10'] == df['wholesalers']).sum()}/{len(df)}; NMI >= 0.8: groups "
          f"{(df['nmi_groups'] >= 0.8).sum()}/{len(df)}, cells {(df['nmi_cells'] >= 0.8).sum()}/{len(df)} "
          f"(ties=contacts: groups {(df['contacts_nmi_groups'] >= 0.8).sum()}/{len(df)}, "
          f"cells {(df['contacts_nmi_cells'] >= 0.8).sum()}/{len(df)})")
    if df["phone_pairs_top20"].notna().any():
        print(f"phone pairs named among the first 20 candidates: {int(df['phone_pairs_top20'].sum())} in "
              f"{int((df['phone_pairs_top20'] > 0).sum())} case(s), {int(df['phone_pairs_same_person'].sum())} of "
              "them one person's numbers")
    if df["people"].nunique() > 1:
        by = df.assign(all_w=df["wholesalers_in_top10"] == df["wholesalers"], g8=df["nmi_groups"] >= 0.8,
                       c8=df["contacts_nmi_groups"] >= 0.8).groupby("people")
        print(by.agg(cases=("seed", "size"), source_top5=("source_in_top5", "sum"),
                     all_wholesalers_top10=("all_w", "sum"),
                     upstream_in_top10=("upstream_in_top10", "mean"), others_in_top10=("others_in_top10", "mean"),
                     leads_upstream_top10=("leads_upstream_top10", "mean"),
                     leads_unrelated_top10=("leads_unrelated_top10", "mean"),
                     nmi_groups_ge_08=("g8", "sum"), nmi_groups_min=("nmi_groups", "min"),
                     contacts_nmi_groups_ge_08=("c8", "sum")).to_string())
    if args.json:
        args.json.write_text(json.dumps(df.to_dict("records"), indent=1), encoding="utf-8")
    if args.markdown:
        args.markdown.write_text(per_seed_table(df), encoding="utf-8")


if __name__ == "__main__":
    main()
