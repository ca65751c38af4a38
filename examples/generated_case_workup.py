# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Case workup on a generated case
#
# A synthetic case with a known ground truth: carrier CDRs (GBK), one bank statement per
# investigated account, arrest records and an attribution sheet.  We load it into an embedded
# workspace, then widen the case from the arrested retail dealers, as an analyst would, and at the
# end compare with what really happened (`ground_truth.json`).

# %%
import tempfile
from pathlib import Path

import pandas as pd

from netinv import analysis as an
from netinv.dossier import dossier, dossier_sources, write_dossier
from netinv.store import EmbeddedStore
from netinv.synth import generate
from netinv.synth.evaluate import lead_hits, true_person, upstream_hits
from netinv.views import show
from netinv.workflow import load_generated, route_evidence

work = Path(tempfile.mkdtemp(prefix="netinv-workup-"))
case = generate(work / "case", seed=7, people=60)
store = EmbeddedStore(work / "case.duckdb")
results = load_generated(case.path, store, authority="synthetic case, no legal authority needed")
pd.DataFrame([{"kind": r.kind, "files": r.files, "records": r.records_new} for r in results])

# %%
store.counts()

# %% [markdown]
# ## The person-level network
# Phones and accounts collapse onto the person known to hold them.  High-volume numbers (here a
# taxi firm and a bank hotline) are detected and left out of the analyses.

# %%
net = store.network(level="person")
hubs = an.detect_hubs(net)
print(net.summary())
hubs[["id", "contacts", "reciprocity", "reason"]]

# %% [markdown]
# ## Key players

# %%
key = an.centrality(net, exclude=hubs["id"])
key[~key["id"].isin(hubs["id"])].head(10)[["id", "label", "degree", "pagerank", "betweenness", "net_flow"]]

# %% [markdown]
# ## From the arrested retail dealers to the people above them

# %%
seeds = net.retail_arrests()  # everyone arrested with at most 100 g seized (netinv upstream --arrested)
up = an.upstream(net, seeds, top=10)
print(up.attrs["call_direction"])
up[["rank", "id", "label", "upstream_score", "seeds_reaching", "hops", "reasons"]]

# %%
routes = an.routes(net, seeds, up["id"].head(5).tolist(), k=5)
routes.attrs["routes"]

# %% [markdown]
# Every hop stands on records: how many calls and transfers, the amount, what the transfers'
# memos say (here the banks' summary lines, 摘要), and the files and rows they come from.

# %%
hops = route_evidence(store, net, routes)
hops[["route", "hop", "from_label", "to_label", "calls", "transfers", "amount", "memos", "sources"]]

# %%
leads = an.expand(net, seeds, hops=2, top=15)
leads[["rank", "id", "label", "score", "reasons"]]

# %% [markdown]
# ## The first candidate's dossier
# What the workspace holds of the first upstream candidate: his phones' contacts each way, the
# towers and handsets they were seen at (with any other phone seen with the same handset), and
# his accounts' money.  `netinv dossier ID` on the command line.

# %%
first = dossier(store, up["id"].iloc[0])
print(first.id, first.phones, first.accounts, first.notes)
first.contacts.head(8)

# %%
first.money.head(8)

# %% [markdown]
# The same dossier as one offline page to hand on (`netinv dossier ID --html FILE`), with the files
# its records were read from: each with how many of them it gave, its SHA-256 and the authority it
# was loaded under.

# %%
page = write_dossier(store, first, work / "dossier.html")
print(page.name, f"{page.stat().st_size:,} bytes")
dossier_sources(store, first)[["path", "kind", "records", "authority"]].assign(path=lambda d: d["path"].map(
    lambda p: Path(p).name))

# %% [markdown]
# ## The network around the seeds

# %%
split = an.communities(net, exclude=hubs["id"], seed=1)
show(net, focus=seeds, hops=2, exclude=hubs["id"], groups=split.set_index("id")["community"],
     group_name="community", size=key.set_index("id")["pagerank"], size_name="PageRank", highlight=seeds)

# %% [markdown]
# ## What really happened
# The generator knows who is who.  Where do the true source supplier and wholesalers rank?

# %%
truth = case.truth
hits = upstream_hits(up["id"], truth)
print(f"true source ranks {hits['source_rank']}; wholesalers rank {hits['wholesaler_ranks']}")
up.assign(truly=[true_person(i, truth) for i in up["id"]],
          role=[{p["person_id"]: p["role"] for p in truth["persons"]}.get(true_person(i, truth)) for i in up["id"]]
          )[["rank", "label", "truly", "role"]]

# %% [markdown]
# And the leads from widening the case: how many of the first 10 are true people above the
# dealers, and how many name nobody in the network (a friend, a landlord)?

# %%
print(lead_hits(leads["id"], truth))

# %% [markdown]
# The generator also had some people change phones (换号).  The dossier of an old number names
# the number that replaced it, with the evidence (shared contacts, the same handset, towers), as
# `netinv dossier NUMBER` does on the command line:

# %%
change = truth["replacements"][0]
print(f"{change['person_id']} changed {change['old']} for {change['new']} on day {change['switch_day']}")
dossier(store, change["old"]).successors[["old", "candidate", "rank", "how", "reasons"]]
