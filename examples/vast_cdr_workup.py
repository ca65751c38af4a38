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
# # VAST 2008 call records: a workup on real public data
#
# The IEEE VAST 2008 Mini-Challenge 3 call detail records: 9,834 calls between 400 anonymised
# phones over ten days (`../shared/datasets/vast2008_mc3_cdr`).  The export has its own column
# names and time format, so it is read with a profile (`examples/profiles/vast2008.toml`), not
# with code.  Four rows have negative durations: netinv stops on them unless told to keep the
# calls with the duration cleared, and it lists them either way.

# %%
import os
import tempfile
from pathlib import Path

from netinv import analysis as an
from netinv.dossier import dossier
from netinv.errors import InvalidRecords
from netinv.linkage import successors
from netinv.store import EmbeddedStore, Window
from netinv.views import show
from netinv.workflow import load_files

root = Path.cwd() if (Path.cwd() / "examples").exists() else Path.cwd().parent
datasets = Path(os.environ.get("NETINV_DATASETS", root.parent / "shared" / "datasets"))
cdr = datasets / "vast2008_mc3_cdr" / "cdr.csv"
profile = str(root / "examples" / "profiles" / "vast2008.toml")
store = EmbeddedStore(Path(tempfile.mkdtemp(prefix="netinv-vast-")) / "vast.duckdb")

try:
    load_files(store, "calls", [cdr], profile=profile)
except InvalidRecords as e:
    print(f"refused: {len(e.problems)} rows, for example {e.problems[0]}")

# %%
result, batch = load_files(store, "calls", [cdr], profile=profile, keep_invalid=["duration_s"],
                           authority="public challenge data")
print(batch.notes)
store.counts()

# %% [markdown]
# ## Who is central?
# Three phones, 5, 306 and 309, are called by 40-51 others and call few of them back: that is how
# a service number looks, so by default the analyses leave them out and say so.  The records
# suggest that here they are members: phone 200 talks mostly to 5, 1, 2 and 3, and from the
# eighth day phone 300 to 306, 360, 397 and 309 among others.  The analyst records that once, in
# the workspace (`netinv decide-number 5 --not-public --note ...` on the command line); every
# later analysis, command and report keeps them in, and the report names the decision.  Undone
# with `store.undo_decision(ID)` (`netinv undo ID`), it stays in the log.

# %%
net = store.network(layers=("calls",), level="phone")
print(an.detect_hubs(net)[["id", "contacts", "reciprocity", "reason"]])
for number in an.hub_ids(net):
    store.record_number_decision(number, public=False, by="workup",
                                 note="talks with 200 or with 300 (the last section shows whom they talk to)")
net = store.network(layers=("calls",), level="phone")
print("left out now:", an.hub_ids(net))
print(an.decided_numbers(net)[["id", "public", "decision_id", "note"]])
key = an.centrality(net, exclude=an.hub_ids(net))
key.head(10)[["id", "degree", "in_degree", "out_degree", "pagerank", "betweenness"]]

# %% [markdown]
# ## Communities, and how firm they are

# %%
# the split, and how often 10 reruns with other seeds keep each pair together (one call: both share their work)
split, pairs = an.split_and_stability(net, runs=10, seed=1, exclude=an.hub_ids(net))
stab = pairs.attrs["nodes"].set_index("id")["stability"]
summary = an.community_summary(net, split, scores=key.set_index("id")["pagerank"])
summary["stability"] = [stab.reindex(m).mean() for m in summary["members"]]
summary.drop(columns=["members"]).head(8)

# %% [markdown]
# ## The last three days against the first seven
# Phones 1, 2, 3 and 5 fall almost silent after the seventh day, and 300, 306, 309 and 397 first
# appear on the eighth: the time window shows whom 200 and 300 talk to before and after.

# %%
late = store.network(layers=("calls",), level="phone", window=Window.of("2006-06-08", None))
early = store.network(layers=("calls",), level="phone", window=Window.of(None, "2006-06-08"))
for name, n in (("first seven days", early), ("last three days", late)):
    e = n.edges
    for phone in ("phone:200", "phone:300"):
        ties = e[(e["source"] == phone) | (e["target"] == phone)]
        other = ties["target"].where(ties["source"] == phone, ties["source"])
        calls = ties.groupby(other)["count"].sum().sort_values(ascending=False)
        print(f"{name}, {phone}:", ", ".join(f"{i.split(':')[1]} ({c})" for i, c in calls.items()) or "no calls")

# %% [markdown]
# ## The crew changed phones
# Each old phone still makes a call or two on the last day, so none went quiet; but from the
# eighth day most of its contacts talk to a new number instead (a handover), and 300 talks to
# the others' new numbers.  `netinv successors` on the command line.

# %%
moved = successors(store.records("calls"), top=1, exclude=[h.split(":", 1)[1] for h in an.hub_ids(net)])
moved[["old", "candidate", "how", "shared_contacts", "shared_through_new", "reasons"]]

# %% [markdown]
# ## One number's dossier
# Everything the workspace holds of phone 200: its contacts with calls each way, and the cell
# towers its calls went through (VAST gives the caller's tower).  `netinv dossier 200` on the
# command line.

# %%
boss = dossier(store, "200", net=net)
print(boss.notes)
boss.contacts.head(8)

# %%
boss.cells

# %% [markdown]
# The phones that took over from its phones, or that its phones took over from (as the last
# section finds them for every phone):

# %%
boss.successors[["old", "candidate", "rank", "how", "reasons"]]

# %%
show(net, focus=["200"], hops=1, groups=split.set_index("id")["community"], group_name="community",
     size=key.set_index("id")["pagerank"], size_name="PageRank", highlight=["phone:200"])
