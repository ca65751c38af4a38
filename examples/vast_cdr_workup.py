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
from netinv.errors import InvalidRecords
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
# ## Who is central?  No phone here is a service number, so nothing is left out.

# %%
net = store.network(layers=("calls",), level="phone")
print(an.detect_hubs(net))
key = an.centrality(net)
key.head(10)[["id", "degree", "in_degree", "out_degree", "pagerank", "betweenness"]]

# %% [markdown]
# ## Communities, and how firm they are

# %%
split = an.communities(net, seed=1)
stab = an.stability(net, runs=10, seed=1).attrs["nodes"].set_index("id")["stability"]
summary = an.community_summary(net, split, scores=key.set_index("id")["pagerank"])
summary["stability"] = [stab.reindex(m).mean() for m in summary["members"]]
summary.drop(columns=["members"]).head(8)

# %% [markdown]
# ## The last three days against the first seven
# Phone 200 is the challenge's best-known hub; the time window shows how its contacts change.

# %%
late = store.network(layers=("calls",), level="phone", window=Window.of("2006-06-08", None))
early = store.network(layers=("calls",), level="phone", window=Window.of(None, "2006-06-08"))
for name, n in (("first seven days", early), ("last three days", late)):
    d = an.degree(n).set_index("id")
    print(name, "- phone 200 contacts:", int(d.loc["phone:200", "degree"]) if "phone:200" in d.index else 0)

# %%
show(net, focus=["200"], hops=1, groups=split.set_index("id")["community"], group_name="community",
     size=key.set_index("id")["pagerank"], size_name="PageRank", highlight=["phone:200"])
