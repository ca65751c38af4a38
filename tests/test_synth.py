"""The synthetic case generator: deterministic, consistent with its ground truth, scalable."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from netinv.errors import NetinvError
from netinv.synth import generate


def digest(folder):
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.suffix != ".xlsx":  # xlsx carries a creation timestamp
            h.update(p.relative_to(folder).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def test_same_seed_same_files(tmp_path):
    a = generate(tmp_path / "a", seed=5, people=30)
    b = generate(tmp_path / "b", seed=5, people=30)
    c = generate(tmp_path / "c", seed=6, people=30)
    assert digest(a.path) == digest(b.path)
    assert digest(a.path) != digest(c.path)
    ha = pd.read_excel(a.path / "case" / "holders.xlsx", dtype=str)
    hb = pd.read_excel(b.path / "case" / "holders.xlsx", dtype=str)
    pd.testing.assert_frame_equal(ha, hb)


def test_supply_chain_in_the_ground_truth(small_case):
    t = small_case.truth
    persons = {p["person_id"]: p for p in t["persons"]}
    assert persons[t["source"]]["role"] == "source" and persons[t["source"]]["level"] == 0
    assert len(t["wholesalers"]) >= 2 and len(t["arrested_retailers"]) >= 2
    for r in t["arrested_retailers"]:
        assert persons[r]["role"] == "retailer" and persons[r]["arrested"]
    # every boss is one level up (or the source)
    for p in t["persons"]:
        if p["boss"]:
            assert persons[p["boss"]]["level"] < p["level"]
    # the source's money arrives on a relative's card
    rel_accounts = [a for a, v in t["accounts"].items() if v["user"] == t["source"]]
    assert rel_accounts and all(t["accounts"][a]["holder"] == t["relative"] for a in rel_accounts)
    assert len(t["hubs"]) == 2


def test_seizures_grow_with_level(small_case):
    arrests = pd.read_csv(small_case.path / "case" / "arrests.csv", encoding="gbk", dtype={"缴获数量(克)": float})
    q = arrests.set_index("涉嫌罪名")["缴获数量(克)"]
    assert q.loc["运输毒品罪"].min() >= 500 and q.loc["贩卖毒品罪"].max() <= 20


def test_money_flows_up(small_case, embedded):
    from netinv.workflow import load_generated

    load_generated(small_case.path, embedded)
    t = small_case.truth
    level = {p["person_id"]: p["level"] for p in t["persons"]}
    acct_user = {a: v["user"] for a, v in t["accounts"].items()}
    tr = embedded.records("transfers")
    up = down = 0
    for payer, payee, amount in zip(tr["payer_account"], tr["payee_account"], tr["amount"]):
        a, b = acct_user.get(payer), acct_user.get(payee)
        if a in level and b in level:
            up += level[b] < level[a]
            down += level[b] > level[a]
    assert up > 10 * max(down, 1)


def test_exact_call_count_and_phone_replacements(tmp_path):
    case = generate(tmp_path / "c", seed=2, people=40, target_calls=20_000)
    assert case.n_calls == 20_000
    a = pd.read_csv(tmp_path / "c" / "cdr" / "carrier_a.csv", encoding="gbk", dtype=str)
    b = pd.read_csv(tmp_path / "c" / "cdr" / "carrier_b.csv", encoding="utf-8-sig", dtype=str)
    assert len(a) + len(b) == 20_000
    assert case.truth["replacements"], "some members replace their phones"
    for r in case.truth["replacements"]:
        assert r["old"] != r["new"]


def test_lingering_old_phones_stay_in_use_and_change_nothing_else(tmp_path):
    from netinv.store import EmbeddedStore
    from netinv.workflow import load_generated

    clean = generate(tmp_path / "clean", seed=12, people=60)
    kept = generate(tmp_path / "kept", seed=12, people=60, lingering=1.0)
    # the same people, phones, arrests, money and number of calls; only which phone made a call differs
    for f in ("case/arrests.csv", *kept.manifest["loads"][3]["files"]):
        assert (clean.path / f).read_bytes() == (kept.path / f).read_bytes(), f
    assert clean.n_calls == kept.n_calls
    assert [(r["old"], r["new"]) for r in clean.truth["replacements"]] == \
        [(r["old"], r["new"]) for r in kept.truth["replacements"]]
    assert kept.truth["params"]["lingering"] == 1.0
    assert kept.truth["replacements"] and all(r["old_lingers"] for r in kept.truth["replacements"])
    assert not any(r["old_lingers"] for r in clean.truth["replacements"])
    start = pd.Timestamp(kept.truth["start"])
    for case, lingers in ((clean, False), (kept, True)):
        with EmbeddedStore(tmp_path / f"{lingers}.duckdb") as st:
            load_generated(case.path, st)
            calls = st.records("calls")
        for r in case.truth["replacements"]:
            new_from = start + pd.Timedelta(days=r["switch_day"] + r["gap_days"])
            mine = calls[(calls["caller"] == r["old"]) | (calls["callee"] == r["old"])]
            late = mine[mine["start"] >= new_from]
            users = calls[(calls["caller"].isin([r["old"], r["new"]]) | calls["callee"].isin([r["old"], r["new"]]))
                          & (calls["start"] >= new_from)]
            if lingers:  # about a tenth of the user's calls from then on
                assert 0 < len(late) < 0.3 * len(users), (r, len(late), len(users))
            else:
                assert late.empty, r
    with pytest.raises(NetinvError, match="lingering is a share between 0 and 1"):
        generate(tmp_path / "x", people=20, lingering=1.5)


def test_both_sides_calls_load_as_the_one_sided_case(tmp_path):
    # both phones' records: a call to the other carrier's phone is in both files, as each side saw
    # it.  Loaded with --same-call-within 2 and --incoming 呼叫类型=被叫 (the manifest says so), the
    # case has the call records of the one-sided case, field for field (each call keeps its
    # caller's row), and each such call also the callee's cell and handset; without them, every
    # such call twice
    from netinv.store import EmbeddedStore
    from netinv.workflow import load_files, load_generated

    one = generate(tmp_path / "one", seed=4, people=50)
    two = generate(tmp_path / "two", seed=4, people=50, both_sides=True)
    second = two.truth["callee_side_rows"]
    assert second > 1000 and two.n_calls == one.n_calls
    for f in ("case/arrests.csv", *two.manifest["loads"][3]["files"]):
        assert (one.path / f).read_bytes() == (two.path / f).read_bytes(), f
    rows = sum(len(pd.read_csv(two.path / f, dtype=str, encoding="gbk" if "_a" in f else "utf-8-sig"))
               for f in two.manifest["loads"][2]["files"])
    assert rows == one.n_calls + second
    calls, prov = [], []
    for case in (one, two):
        with EmbeddedStore(tmp_path / f"{case.path.name}.duckdb") as st:
            load_generated(case.path, st)
            calls.append(st.records("calls").sort_values("record_id").reset_index(drop=True))
            prov.append(st.provenance())
    assert len(calls[0]) == one.n_calls
    ends = ["callee_cell_id", "callee_imei"]
    pd.testing.assert_frame_equal(calls[0].drop(columns=ends), calls[1].drop(columns=ends))
    assert calls[0][ends].isna().all().all() and calls[1][ends].notna().all(axis=1).sum() == second
    # the callee's handset and towers are those her own calls show
    own = {(p, i) for p, i in zip(calls[0]["caller"], calls[0]["imei"])}
    towers = {(p, c) for p, c in zip(calls[0]["caller"], calls[0]["cell_id"])}
    got = calls[1].dropna(subset=ends)
    calling = got[got["callee"].isin(calls[0]["caller"])]
    assert len(calling) > second // 2
    assert all((p, i) in own for p, i in zip(calling["callee"], calling["callee_imei"]))
    assert all((p, c) in towers for p, c in zip(calling["callee"], calling["callee_cell_id"]))
    assert len(prov[1]) == len(prov[0]) + second  # each callee's row is in its call's provenance
    with EmbeddedStore(tmp_path / "twice.duckdb") as st:
        _, batch = load_files(st, "calls", [two.path / f for f in two.manifest["loads"][2]["files"]],
                              profile="cdr-cn")
        assert st.counts()["calls"] == one.n_calls + second
    assert f"{second:,} call(s) lie within 2 s" in " ".join(batch.notes)
    # one carrier's file after the other: every call once, each call to the other carrier's phone
    # with her cell and handset; one first read from its callee's side (a row of the first file)
    # takes its caller's cell and handset from the second: the calls of one load, end for end
    step = two.manifest["loads"][2]
    with EmbeddedStore(tmp_path / "split.duckdb") as st:
        for f in step["files"]:
            load_files(st, "calls", [two.path / f], profile="cdr-cn", **step["options"])
        split = st.records("calls")
    first = pd.read_csv(two.path / step["files"][0], dtype=str, encoding="gbk")
    assert len(split) == one.n_calls and split[ends].notna().all(axis=1).sum() == second
    assert (first["呼叫类型"] == "被叫").sum() > 100
    cols = ["caller", "callee", "cell_id", "imei", *ends]
    assert sorted(map(tuple, split[cols].fillna("").values.tolist())) == \
        sorted(map(tuple, calls[1][cols].fillna("").values.tolist()))


def test_failed_attempts_are_left_out_by_the_status_column(tmp_path):
    # statements with a status column: failed attempts (失败) before some payments.  Read with
    # --where 交易状态=成功 (the manifest says so), the money is that of the case without them
    from netinv.store import EmbeddedStore
    from netinv.workflow import load_files, load_generated

    clean = generate(tmp_path / "clean", seed=4, people=50)
    noisy = generate(tmp_path / "noisy", seed=4, people=50, failed=True)
    n = noisy.truth["failed_rows"]
    assert n >= 5 and noisy.n_transfers == clean.n_transfers
    for f in ("case/arrests.csv", *noisy.manifest["loads"][2]["files"]):
        assert (clean.path / f).read_bytes() == (noisy.path / f).read_bytes(), f
    money, loaded = [], []
    for case in (clean, noisy):
        with EmbeddedStore(tmp_path / f"{case.path.name}.duckdb") as st:
            load_generated(case.path, st)
            loaded.append(st.counts()["transfers"])
            money.append(st.network(level="phone").edges.query("layer == 'money'")
                         .set_index(["source", "target"])[["count", "amount"]].sort_index())
            if case is noisy:
                assert st.sources()["left_out"].sum() == n
    pd.testing.assert_frame_equal(money[0], money[1])
    assert loaded[0] == loaded[1]
    with EmbeddedStore(tmp_path / "all.duckdb") as st:  # read whole, the failed attempts pass for payments
        load_files(st, "transfers", [noisy.path / f for f in noisy.manifest["loads"][3]["files"]], profile="bank-cn")
        assert st.counts()["transfers"] == loaded[0] + n


def test_rejects_tiny_cases_and_impossible_parameters(tmp_path):
    with pytest.raises(NetinvError, match="at least 20"):
        generate(tmp_path / "x", people=5)
    with pytest.raises(NetinvError, match="days must be at least 7"):
        generate(tmp_path / "x", people=20, days=2)
    with pytest.raises(NetinvError, match="background must be 0 or more"):
        generate(tmp_path / "x", people=20, background=-1)
    # "exactly N calls" is kept or refused, never quietly broken
    with pytest.raises(NetinvError, match=r"exactly 10 call records: the trafficking network alone makes [\d,]+ over"):
        generate(tmp_path / "x", people=20, target_calls=10)
    with pytest.raises(NetinvError, match="give a background of 1 or more"):
        generate(tmp_path / "x", people=20, background=0, target_calls=50_000)


def test_manifest_names_profiles(small_case):
    m = json.loads((small_case.path / "manifest.json").read_text(encoding="utf-8"))
    assert [s["profile"] for s in m["loads"]] == ["holders-cn", "case-cn", "cdr-cn", "bank-cn"]
    for s in m["loads"]:
        for f in s["files"]:
            assert (small_case.path / f).exists()


def test_upstream_hits_count_people_not_entries():
    from netinv.synth.evaluate import upstream_hits

    truth = {"source": "S", "money_handler": "M", "couriers": ["C"], "wholesalers": ["W1", "W2"], "distributors": ["D"],
             "person_ids": {}, "phones": {"+1": "M", "+2": "S", "+3": "Z"},
             "accounts": {"A1": {"holder": "R", "user": "S"}}}
    ranked = ["person:M", "phone:+1", "phone:+2", "person:W1", "phone:+3", "account:A1", "person:Q", "person:W2",
              "person:D"]
    hits = upstream_hits(ranked, truth)
    assert hits["source_rank"] == 3 and hits["wholesaler_ranks"] == [4, 8] and hits["wholesalers_in_top10"] == 2
    # M twice and S twice (its own phone, and the card it uses) are repeats; Z and Q are nobody upstream
    assert hits["upstream_people_in_top10"] == 5 and hits["upstream_repeats_in_top10"] == 2
    assert hits["others_in_top10"] == 2 and hits["upstream_people"] == 6


def test_lead_hits_count_upstream_people_and_entries_outside_the_network():
    from netinv.synth.evaluate import lead_hits

    truth = {"source": "S", "money_handler": "M", "couriers": [], "wholesalers": ["W"], "distributors": ["D"],
             "relative": "R", "person_ids": {}, "phones": {"+1": "D", "+2": "F"},
             "accounts": {"A1": {"holder": "R", "user": "S"}},
             "persons": [{"person_id": p} for p in ("S", "M", "W", "D", "T", "C")]}
    # D twice (its person node and its phone); T and C are a retail dealer and a customer (in the
    # network, not above it); R is the relative; F (a friend) and the employer E are nobody in it
    leads = ["person:D", "phone:+1", "person:T", "person:C", "phone:+2", "person:E", "person:R", "account:A1",
             "person:W", "person:M", "person:S"]
    hits = lead_hits(leads, truth)
    assert hits == {"upstream": 4, "network": 8, "unrelated": 2, "leads": 10}
    assert lead_hits(leads, truth, top=3) == {"upstream": 1, "network": 3, "unrelated": 0, "leads": 3}


def test_per_seed_table_marks_each_missed_target(tmp_path):
    import subprocess
    import sys

    from netinv.synth.scorecard import per_seed_table

    def row(level, people, seed, rank, w, of, nmi):
        return {"level": level, "people": people, "seed": seed, "source_rank": rank, "wholesalers_in_top10": w,
                "wholesalers": of, "nmi_groups": nmi}

    rows = [row("person", 50, 7, 2, 2, 2, 0.91), row("person", 50, 8, None, 1, 2, 0.79),
            row("person", 100, 7, 6, 3, 3, 0.8), row("person", 100, 8, 5, 3, 3, 0.85)]
    table = per_seed_table(pd.DataFrame(rows)).splitlines()
    assert table[0] == "| seed | 50 people | 100 people |"
    # seed 8 at 50 people misses all three targets (the source is not among the candidates), seed 7
    # at 100 people only the source (6th); 0.8 and the 5th place meet theirs
    assert table[2] == "| 7 | 2 · 2/2 · 0.91 | **6** · 3/3 · 0.80 |"
    assert table[3] == "| 8 | **–** · **1/2** · **0.79** | 5 · 3/3 · 0.85 |"
    assert table[4] == "| targets met | 1 · 1 · 1 of 2 | 1 · 2 · 2 of 2 |"
    # two levels make one table from the JSON files that --json writes, with a column per level and size
    files = []
    for level in ("person", "resolved"):
        f = tmp_path / f"{level}.json"
        f.write_text(json.dumps([dict(r, level=level) for r in rows]), encoding="utf-8")
        files.append(str(f))
    out = subprocess.run([sys.executable, "-m", "netinv.synth.scorecard", "--table", *files],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0] == ("| seed | 50 people, person | 100 people, person | 50 people, resolved | "
                      "100 people, resolved |")
    assert out[3] == "| 8 | **–** · **1/2** · **0.79** | 5 · 3/3 · 0.85 | **–** · **1/2** · **0.79** | 5 · 3/3 · 0.85 |"


def test_a_handset_written_two_ways_is_one_handset(tmp_path):
    # carrier B writes IMEIs with a 0 for the check digit: a user who kept his handset but moved
    # to the other carrier's number shows it two ways.  Compared by their key, successors still
    # names the same handset for every replacement found whose user kept it; compared as written
    # (each value its own handset), not for those that changed carrier
    from netinv.linkage import successors
    from netinv.store import EmbeddedStore
    from netinv.workflow import load_generated

    plain = generate(tmp_path / "plain", seed=4, people=50)
    case = generate(tmp_path / "case", seed=4, people=50, spare_digit=True)
    assert (plain.path / "cdr/carrier_a.csv").read_bytes() == (case.path / "cdr/carrier_a.csv").read_bytes()
    b = pd.read_csv(case.path / "cdr/carrier_b.csv", dtype=str, encoding="utf-8-sig")
    assert b["串号"].dropna().str.endswith("0").all()
    with EmbeddedStore(tmp_path / "w.duckdb") as st:
        load_generated(case.path, st)
        calls = st.records("calls")
    kept = {r["old"]: r["new"] for r in case.truth["replacements"] if r["same_imei"]}
    written_as = calls.groupby("caller")["imei"].agg(set)
    moved = {o for o, n in kept.items() if written_as[o] != written_as[n]}  # another carrier, another spelling
    assert moved, "the case has a user who kept his handset and changed carrier"
    found = successors(calls, top=1)
    hits = found[[kept.get(o) == c for o, c in zip(found["old"], found["candidate"])]]
    assert set(moved) <= set(hits["old"]) and hits["same_imei"].all()
    codes = pd.factorize(pd.concat([calls["imei"], calls["callee_imei"]], ignore_index=True))[0]
    fake = pd.Series([None if c < 0 else f"35{c:012d}7" for c in codes], dtype="string")
    written = calls.assign(imei=fake.iloc[:len(calls)].to_numpy(), callee_imei=fake.iloc[len(calls):].to_numpy())
    as_written = successors(written, top=1).set_index("old")
    assert not as_written.loc[sorted(moved), "same_imei"].any()
