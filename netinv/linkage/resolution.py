"""Person resolution: which person ids in different files and cases are the same person.

Every person id written in a holders or arrest file is a *profile*: the names recorded for it,
its valid ID number (and the birth date in it), its phones and accounts.  Splink (on DuckDB)
compares profiles that share a blocking key (ID number, name as pinyin, birth date, phone,
account) with a Fellegi-Sunter model and gives each pair a match probability and the reasons.

The model's m and u probabilities are set from what they mean, not trained: a case file holds a
few hundred people at most, too few for unsupervised training to be trustworthy.  With
``train=True`` (large record sets) the u probabilities are estimated by random sampling.

- pairs at or above ``threshold`` are merged automatically;
- pairs between ``review_threshold`` and ``threshold`` go to the review list;
- an analyst's decision (same / not the same) overrides both, and is kept in the store so that
  every later resolution respects it; undoing the decision restores the model's verdict.

Names are compared in Chinese and as pinyin (``pypinyin``), so 魏英, Wei Ying and a misspelt
韦英 come together when other evidence agrees.

>>> res = resolve(store.records("holders"), store.records("arrests"))      # doctest: +SKIP
>>> res.entities, res.review                                                 # doctest: +SKIP
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from ..errors import NetinvError

__all__ = ["Resolution", "profiles", "resolve", "DEFAULT_THRESHOLD", "DEFAULT_REVIEW_THRESHOLD"]

DEFAULT_THRESHOLD = 0.95
DEFAULT_REVIEW_THRESHOLD = 0.5

def _quiet_splink() -> None:
    """Splink logs every step at INFO level; netinv reports what matters itself."""
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("splink"):
            logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("splink").setLevel(logging.WARNING)


@dataclass
class Resolution:
    """The outcome: an entity for every person id, the pairs behind it, and what needs review."""

    entities: pd.Series                   # person_id -> entity id (the smallest person id of its group)
    pairs: pd.DataFrame                   # scored pairs: a, b, probability, reasons, verdict
    review: pd.DataFrame                  # pairs for an analyst to decide
    threshold: float = DEFAULT_THRESHOLD
    notes: list[str] = field(default_factory=list)

    def groups(self) -> pd.DataFrame:
        """Entities with more than one person id: entity, person_ids."""
        g = self.entities.groupby(self.entities).apply(lambda s: sorted(s.index))
        g = g[g.map(len) > 1]
        return pd.DataFrame({"entity": g.index, "person_ids": g.tolist()})


def _pinyin(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        return ""
    if all(ord(c) < 128 for c in name):
        return "".join(name.lower().split())
    from pypinyin import Style, lazy_pinyin  # on first use: its dictionaries take 0.3 s to load

    return "".join(lazy_pinyin(name, style=Style.NORMAL)).lower()


def profiles(holders: pd.DataFrame, arrests: pd.DataFrame) -> pd.DataFrame:
    """One row per person id: name(s), pinyin, valid ID number, birth date, phones, accounts, sources."""
    cols = ["person_id", "name", "id_number", "id_number_valid", "phone", "account"]
    h = holders[cols].assign(source="holders", case_id=None)
    a = arrests[cols + ["case_id"]].assign(source="arrests")
    recs = pd.concat([h, a], ignore_index=True)
    if recs.empty:
        return pd.DataFrame(columns=["unique_id", "name", "name_pinyin", "id_number", "dob", "phones", "accounts",
                                     "sources", "cases"])
    recs["id_number"] = recs["id_number"].where(recs["id_number_valid"].fillna(False).astype(bool))
    recs["person_id"] = recs["person_id"].astype(str)
    ids = pd.Index(sorted(recs["person_id"].unique()), name="person_id")
    names = recs[["person_id", "name"]].dropna().value_counts().reset_index(name="n")
    names = names.sort_values(["person_id", "n", "name"], ascending=[True, False, True]).drop_duplicates("person_id")
    idn = recs[["person_id", "id_number"]].dropna().sort_values(["person_id", "id_number"]).drop_duplicates("person_id")

    def lists(col):
        sub = recs[["person_id", col]].dropna()
        sub = sub[sub[col].astype(str) != ""].drop_duplicates().sort_values(["person_id", col])
        got = {k: list(g) for k, g in sub.groupby("person_id", sort=False)[col]}
        return pd.Series([got.get(i, []) for i in ids], index=ids, dtype=object)

    out = pd.DataFrame(index=ids)
    out["name"] = names.set_index("person_id")["name"].reindex(ids)
    out["id_number"] = idn.set_index("person_id")["id_number"].reindex(ids)
    out["phones"], out["accounts"] = lists("phone"), lists("account")
    out["sources"], out["cases"] = lists("source"), lists("case_id")
    out = out.reset_index().rename(columns={"person_id": "unique_id"})
    uniq_names = {n: _pinyin(n) for n in out["name"].dropna().unique()}
    out["name_pinyin"] = out["name"].map(uniq_names)
    idn = out["id_number"].astype("string")
    out["dob"] = idn.where(idn.str.len() == 18).str.slice(6, 14)
    for c in ("phones", "accounts"):
        out[c] = pd.Series([v if len(v) else None for v in out[c]], index=out.index, dtype=object)
    return out[["unique_id", "name", "name_pinyin", "id_number", "dob", "phones", "accounts", "sources", "cases"]]


def _settings(n: int):
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    def level(lv, m, u):
        return lv.configure(m_probability=m, u_probability=u)

    comparisons = [
        cl.CustomComparison(output_column_name="id_number", comparison_levels=[
            cll.NullLevel("id_number"),
            level(cll.ExactMatchLevel("id_number"), 0.9, 1e-7),
            level(cll.ElseLevel(), 0.1, 1.0 - 1e-7),
        ]),
        cl.CustomComparison(output_column_name="name", comparison_levels=[
            cll.NullLevel("name"),
            level(cll.ExactMatchLevel("name"), 0.65, 1e-4),
            level(cll.ExactMatchLevel("name_pinyin"), 0.25, 5e-4),
            level(cll.JaroWinklerLevel("name_pinyin", 0.9), 0.05, 5e-3),
            level(cll.ElseLevel(), 0.05, 0.9944),
        ]),
        cl.CustomComparison(output_column_name="dob", comparison_levels=[
            cll.NullLevel("dob"),
            level(cll.ExactMatchLevel("dob"), 0.95, 1 / 15000),
            level(cll.ElseLevel(), 0.05, 1 - 1 / 15000),
        ]),
        cl.CustomComparison(output_column_name="phones", comparison_levels=[
            cll.NullLevel("phones"),
            level(cll.ArrayIntersectLevel("phones", 1), 0.6, 1e-5),
            level(cll.ElseLevel(), 0.4, 1 - 1e-5),
        ]),
        cl.CustomComparison(output_column_name="accounts", comparison_levels=[
            cll.NullLevel("accounts"),
            level(cll.ArrayIntersectLevel("accounts", 1), 0.6, 1e-6),
            level(cll.ElseLevel(), 0.4, 1 - 1e-6),
        ]),
    ]
    # equi-joins only (a list_has_any condition would compare every pair): lists are exploded
    blocking = [block_on("id_number"), block_on("name_pinyin", "dob"),
                block_on("phones", arrays_to_explode=["phones"]),
                block_on("accounts", arrays_to_explode=["accounts"])]
    return SettingsCreator(
        link_type="dedupe_only", comparisons=comparisons, blocking_rules_to_generate_predictions=blocking,
        probability_two_random_records_match=min(1e-3, 2.0 / max(n, 2)), retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=["name"],
    )


_REASON = {
    "id_number": {2: "same ID number", 1: "different ID numbers"},
    "name": {4: "same name", 3: "same name in pinyin", 2: "similar name", 1: "different names"},
    "dob": {2: "same birth date", 1: "different birth dates"},
    "phones": {2: "a phone in common", 1: "no phone in common"},
    "accounts": {2: "an account in common", 1: "no account in common"},
}


def _reasons(row) -> str:
    out = []
    for col, levels in _REASON.items():
        g = row.get(f"gamma_{col}")
        if g is not None and not pd.isna(g) and int(g) in levels:
            out.append(levels[int(g)])
    return "; ".join(out)


def resolve(holders: pd.DataFrame, arrests: pd.DataFrame, decisions: pd.DataFrame | None = None, *,
            threshold: float = DEFAULT_THRESHOLD, review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
            train: bool = False) -> Resolution:
    """Resolve person ids into entities (see the module docstring).

    ``decisions`` has ``a``, ``b``, ``same`` (bool) for the active analyst decisions.
    ``0 <= review_threshold <= threshold <= 1``.
    """
    for name, value in (("threshold", threshold), ("review_threshold", review_threshold)):
        if not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
            raise NetinvError(f"{name} is a probability between 0 and 1, got {value!r}")
    if review_threshold > threshold:
        raise NetinvError(f"review_threshold ({review_threshold}) must not be above threshold ({threshold}): "
                          "pairs from the review threshold up to the merge threshold go to review")
    from splink import Linker
    from splink.backends.duckdb import DuckDBAPI

    prof = profiles(holders, arrests)
    ids = prof["unique_id"].tolist()
    notes = []
    if len(prof) < 2:
        notes.append(f"{'no person ids' if len(prof) == 0 else 'one person id'} in the holder and arrest records: "
                     "resolution compares two or more (netinv load holders, netinv load arrests)")
    pairs = pd.DataFrame(columns=["a", "b", "probability", "match_weight", "reasons"])
    if len(prof) >= 2:
        con = duckdb.connect()
        db = DuckDBAPI(connection=con)
        sdf = db.register(prof.drop(columns=["sources", "cases"]))
        linker = Linker(sdf, _settings(len(prof)), log_level=logging.WARNING)
        _quiet_splink()
        if train:
            linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
            notes.append("u probabilities estimated by random sampling; m probabilities fixed")
        pred = linker.inference.predict(threshold_match_probability=min(review_threshold, 0.01)).as_pandas_dataframe()
        con.close()
        if len(pred):
            a, b = pred["unique_id_l"].astype(str), pred["unique_id_r"].astype(str)
            pairs = pd.DataFrame({"a": a.where(a < b, b), "b": b.where(a < b, a),
                                  "probability": pred["match_probability"].astype(float),
                                  "match_weight": pred["match_weight"].astype(float),
                                  "reasons": [_reasons(r) for r in pred.to_dict("records")]})
            pairs = pairs.sort_values("probability", ascending=False).drop_duplicates(["a", "b"])
    pairs["verdict"] = "model: different"
    pairs.loc[pairs["probability"] >= review_threshold, "verdict"] = "review"
    pairs.loc[pairs["probability"] >= threshold, "verdict"] = "model: same"
    forced_same, forced_diff = set(), set()
    if decisions is not None and len(decisions):
        for a, b, same in zip(decisions["a"], decisions["b"], decisions["same"]):
            key = (min(a, b), max(a, b))
            (forced_same if bool(same) else forced_diff).add(key)
            forced_diff.discard(key) if bool(same) else forced_same.discard(key)
    if forced_same or forced_diff:
        keyed = list(zip(pairs["a"], pairs["b"]))
        pairs.loc[[k in forced_same for k in keyed], "verdict"] = "decided: same"
        pairs.loc[[k in forced_diff for k in keyed], "verdict"] = "decided: not the same"
        have = set(keyed)
        extra = [{"a": a, "b": b, "probability": float("nan"), "match_weight": float("nan"), "reasons": "",
                  "verdict": "decided: same"} for a, b in forced_same - have]
        if extra:
            pairs = pd.concat([pairs, pd.DataFrame(extra)], ignore_index=True)
    links = pairs[pairs["verdict"].isin(["model: same", "decided: same"])]
    parent = {i: i for i in ids}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(links["a"], links["b"]):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    # each group is named after its best-documented person id (most records; ties: the smallest)
    n_records = pd.concat([holders["person_id"], arrests["person_id"]]).value_counts()
    roots: dict[str, list[str]] = {}
    for i in ids:
        roots.setdefault(find(i), []).append(i)
    name_of = {}
    for members in roots.values():
        best = sorted(members, key=lambda m: (-int(n_records.get(m, 0)), m))[0]
        for m in members:
            name_of[m] = best
    entities = pd.Series(name_of, name="entity", dtype="string").reindex(ids)
    # a merge that joins two people an analyst said are different is not made silently
    for a, b in forced_diff:
        if a in entities.index and b in entities.index and entities[a] == entities[b]:
            notes.append(f"{a} and {b} were decided different but other links join them; review the group "
                         f"{entities[a]}")
    review = pairs[pairs["verdict"] == "review"].reset_index(drop=True)
    return Resolution(entities, pairs.reset_index(drop=True), review, threshold, notes)
