"""Synthetic drug-trafficking cases with a known ground truth.

>>> from netinv.synth import generate
>>> case = generate("/tmp/case", seed=7, people=50)      # doctest: +SKIP
>>> case.truth["source"]                                 # doctest: +SKIP
'P0001'

The scenario is a supply chain: an out-of-province source supplier, a money handler and couriers
at the top; wholesalers, each with a branch of mid-level distributors, retail dealers and their
customers.  Money flows up (customers pay dealers, dealers pay distributors ... the money handler
pays the source through a relative's bank card), drugs flow down, calls run both ways.  Some
retail dealers (grams) and one courier (kilograms) are arrested; some members replace their phone
part way (with ``lingering``, some old phones stay in use now and then); ordinary callers add
background noise, and a taxi firm and a bank hotline touch everyone.  The same seed always gives
the same files, byte for byte (the spreadsheet's records, not its creation time).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import NetinvError
from ..folders import make_folder
from .events import call_events, relationships, transfer_events
from .people import Cast, make_cast
from .variants import case_local_ids, unit_b_holders
from .writers import TZ, e164, write_calls, write_case_files, write_json, write_statements

__all__ = ["generate", "GeneratedCase", "load_manifest", "CASE_START"]

CASE_START = pd.Timestamp("2024-03-01 00:00", tz=TZ).tz_convert("UTC")
_DRUGS = ("甲基苯丙胺", "甲基苯丙胺", "甲基苯丙胺", "海洛因", "氯胺酮")


@dataclass
class GeneratedCase:
    """Where a generated case was written and what it contains."""

    path: Path
    manifest: dict
    truth: dict
    n_calls: int
    n_transfers: int


def _arrests(cast: Cast, rng: np.random.Generator, days: int, phone_at_day) -> tuple[pd.DataFrame, dict[int, int]]:
    p = cast.parties
    role = p["role"].to_numpy()
    retailers = np.flatnonzero(role == "retailer")
    couriers = np.flatnonzero(role == "courier")
    n_ret = max(2, round(0.3 * len(retailers)))
    # arrested dealers come from different branches where possible (separate retail cases)
    order = rng.permutation(retailers)
    by_group: dict[str, list[int]] = {}
    for r in order:
        by_group.setdefault(p.at[r, "group"], []).append(int(r))
    picked: list[int] = []
    while len(picked) < n_ret:
        for g in sorted(by_group):
            if by_group[g] and len(picked) < n_ret:
                picked.append(by_group[g].pop(0))
    courier = int(couriers[int(rng.integers(len(couriers)))])
    rows, arrest_day = [], {}
    acct_of = cast.accounts.groupby("party")["number"].first()
    seq = 101
    places = ("罗湖区东门步行街", "福田区华强北", "龙岗区布吉街道", "宝安区西乡街道", "南山区蛇口港", "龙华区民治街道")
    for r in picked:
        day = int(rng.integers(int(days * 0.55), int(days * 0.9)))
        case_id = f"A2024-{seq:04d}"
        seq += 1
        drug = _DRUGS[int(rng.integers(len(_DRUGS)))]
        members = [(r, round(float(rng.uniform(0.5, 20.0)), 2), "贩卖毒品罪")]
        customers = np.flatnonzero((p["boss"].to_numpy() == r) & (role == "customer"))
        if len(customers) and rng.random() < 0.5:
            members.append((int(rng.choice(customers)), round(float(rng.uniform(0.2, 2.0)), 2), "非法持有毒品罪"))
        place = places[int(rng.integers(len(places)))]
        for party, qty, charge in members:
            arrest_day[party] = day
            rows.append((case_id, party, day, charge, drug, qty, place))
    day = int(rng.integers(int(days * 0.6), int(days * 0.85)))
    arrest_day[courier] = day
    rows.append((f"A2024-{seq:04d}", courier, day, "运输毒品罪", "甲基苯丙胺", round(float(rng.uniform(500, 3000)), 1),
                 "G4京港澳高速深圳收费站"))
    out = []
    for case_id, party, day, charge, drug, qty, place in rows:
        date = (CASE_START + pd.Timedelta(days=day)).tz_convert(TZ)
        phone = phone_at_day(party, day)
        out.append({
            "案件编号": case_id, "人员编号": p.at[party, "person_id"], "姓名": p.at[party, "name"],
            "身份证号": p.at[party, "id_number"], "抓获日期": date.strftime("%Y-%m-%d"), "涉嫌罪名": charge,
            "毒品种类": drug, "缴获数量(克)": qty, "手机号码": phone,
            "银行账号": acct_of.get(party, None), "抓获地点": place,
        })
    return pd.DataFrame(out), arrest_day


def _holders(cast: Cast, rng: np.random.Generator) -> pd.DataFrame:
    """What investigators know about who uses which phone and account (not the source)."""
    p = cast.parties
    rows = []
    chain = ("money_handler", "courier", "wholesaler", "distributor", "retailer")
    known = [i for i in range(len(p)) if p.at[i, "role"] in chain]
    known += [i for i in range(len(p)) if p.at[i, "role"] == "customer" and rng.random() < 0.3]
    known.append(int(p.attrs["relative"]))
    phones = cast.phones.sort_values(["party", "from_day"])
    for i in sorted(known):
        mine = phones[phones["party"] == i]
        for k, (_, ph) in enumerate(mine.iterrows()):
            if k > 0 and rng.random() < 0.5:
                continue  # a replacement phone investigators have not tied to the person yet
            rows.append({"人员编号": p.at[i, "person_id"], "姓名": p.at[i, "name"], "身份证号": p.at[i, "id_number"],
                         "手机号码": ph["number"], "银行账号": None})
        for _, a in cast.accounts[cast.accounts["party"] == i].iterrows():
            rows.append({"人员编号": p.at[i, "person_id"], "姓名": p.at[i, "name"], "身份证号": p.at[i, "id_number"],
                         "手机号码": None, "银行账号": a["number"]})
    return pd.DataFrame(rows)


def _lingering(cast: Cast, share: float, seed: int) -> dict[int, tuple[int, int]]:
    """The replacements after which the old phone stays in use now and then: party -> (old phone,
    the day the new one starts).  Drawn from their own stream, so the rest of the case is unchanged."""
    if share <= 0:
        return {}
    lrng = np.random.default_rng(seed + 104729)
    out = {}
    for party, g in cast.phones.sort_values(["party", "from_day"]).groupby("party", sort=True):
        if len(g) > 1 and lrng.random() < share:
            out[int(party)] = (int(g["phone"].iloc[0]), int(g["from_day"].iloc[1]))
    return out


def _truth(cast: Cast, arrests: pd.DataFrame, params: dict, id_truth: dict[str, str],
           lingering: dict[int, tuple[int, int]]) -> dict:
    p = cast.parties
    members = p[p["level"].notna()]
    phones_of = cast.phones.groupby("party")["number"].apply(lambda s: [e164(x) for x in s])
    accounts_used = cast.accounts.groupby("user")["number"].apply(list)
    arrested = {id_truth.get(x, x) for x in arrests["人员编号"]}
    persons = []
    for i, r in members.iterrows():
        boss = r["boss"]
        persons.append({
            "person_id": r["person_id"], "name": r["name"], "id_number": r["id_number"], "role": r["role"],
            "level": int(r["level"]), "group": r["group"],
            "boss": p.at[int(boss), "person_id"] if boss >= 0 else None,
            "phones": phones_of.get(i, []), "accounts": accounts_used.get(i, []),
            "arrested": r["person_id"] in arrested,
        })
    phone_user = {e164(n): p.at[int(party), "person_id"]
                  for n, party in zip(cast.phones["number"], cast.phones["party"]) if p.at[int(party), "role"] != "hub"}
    accounts = {n: {"holder": p.at[int(h), "person_id"], "user": p.at[int(u), "person_id"]}
                for n, h, u in zip(cast.accounts["number"], cast.accounts["party"], cast.accounts["user"])}
    repl = []
    for party, g in cast.phones.groupby("party"):
        if len(g) > 1:
            g = g.sort_values("from_day")
            old, new = g.iloc[0], g.iloc[1]
            repl.append({"person_id": p.at[int(party), "person_id"],
                         "old": e164(old["number"]), "new": e164(new["number"]),
                         "switch_day": int(old["to_day"]), "gap_days": int(new["from_day"] - old["to_day"]),
                         "same_imei": bool(old["imei"] == new["imei"]), "old_lingers": int(party) in lingering})
    role = p["role"]
    ids = lambda r: sorted(p.loc[role == r, "person_id"].tolist())  # noqa: E731
    dealing = arrests.loc[arrests["涉嫌罪名"] == "贩卖毒品罪", "人员编号"]
    arrested_retailers = sorted({id_truth.get(x, x) for x in dealing})
    cell = {}
    for r in persons:
        kind, pid = r["role"], r["person_id"]
        if kind == "distributor":
            cell[pid] = f"cell-{pid}"
        elif kind == "retailer":
            cell[pid] = f"cell-{r['boss']}"
        elif kind == "wholesaler":
            cell[pid] = f"{r['group']}-head"
        elif kind != "customer":
            cell[pid] = r["group"]
    for r in persons:
        if r["role"] == "customer":
            cell[r["person_id"]] = cell.get(r["boss"], r["group"])
    for r in persons:
        r["cell"] = cell[r["person_id"]]
    return {
        "params": params,
        "timezone": TZ,
        "start": CASE_START.isoformat(),
        "source": ids("source")[0],
        "money_handler": ids("money_handler")[0],
        "couriers": ids("courier"),
        "wholesalers": ids("wholesaler"),
        "distributors": ids("distributor"),
        "retailers": ids("retailer"),
        "arrested_retailers": arrested_retailers,
        "arrested": sorted(arrested),
        "relative": p.at[int(p.attrs["relative"]), "person_id"],
        "hubs": [e164(n) for n in cast.phones.loc[cast.phones["party"].isin(p.index[role == "hub"]), "number"]],
        "groups": {r["person_id"]: r["group"] for r in persons},
        "cells": {r["person_id"]: r["cell"] for r in persons},
        "customers": sorted(r["person_id"] for r in persons if r["role"] == "customer"),
        "persons": persons,
        "phones": phone_user,
        "accounts": accounts,
        "replacements": repl,
        "person_ids": dict(sorted(id_truth.items())),
        "cases": sorted(set(arrests["案件编号"])),
    }


#: the shortest span of records a generated case can have
MIN_DAYS = 7


def generate(out: str | Path, seed: int = 1, people: int = 50, background: int | None = None,
             days: int = 90, target_calls: int | None = None, variants: bool = False,
             lingering: float = 0.0, both_sides: bool = False, failed: bool = False,
             spare_digit: bool = False, progress=None) -> GeneratedCase:
    """Generate a case into folder ``out`` (created; existing generated files are replaced).

    ``people`` is the size of the trafficking network with its customers; ``background`` the
    number of ordinary callers (default: four per person, at least 200); ``days`` the span of the
    records; ``target_calls`` an exact number of call records (ordinary callers fill up to it).
    With ``variants`` the same person is recorded differently in different files (case-local ids,
    pinyin and misspelt names, missing ID numbers, a second unit's attribution sheet), as real
    records are; ``ground_truth.json`` then maps every id written anywhere to the true person.
    ``lingering``: the share of phone replacements after which the old phone stays in use now and
    then (a tenth of its user's calls to the end of the records: a handover, as the VAST 2008 crew
    made, rather than a clean switch); ``replacements`` in the truth say which (``old_lingers``).
    With ``both_sides`` a call to a phone of the other carrier is also in that carrier's file, as
    the callee's side saw it (her cell and handset, 0-1 s later, 1 s longer or shorter), as when
    both phones' records are obtained, and a column 呼叫类型 says which rows are which (主叫,
    被叫); the manifest then loads the calls with ``same_call_within=2`` and
    ``incoming={"呼叫类型": ["被叫"]}`` (a call keeps the caller's cell and handset and takes the
    callee's from her row), and the truth counts those rows (``callee_side_rows``).  The rest of
    the case is the same as without it.  With ``failed`` the statements gain a status column
    (交易状态), 成功 for every transfer, and failed attempts (失败) before about one in twenty
    payments; the manifest loads them with ``where={"交易状态": ["成功"]}`` and the truth counts
    the failed rows (``failed_rows``).
    With ``spare_digit`` carrier B writes each IMEI with a 0 in place of its check digit (as many
    networks report it), so that a handset moved to a phone of the other carrier is written two
    ways; the rest of the case is the same.
    """
    if people < 20:
        raise NetinvError("people must be at least 20 (a source, two branches and their dealers)")
    if days < MIN_DAYS:
        raise NetinvError(f"days must be at least {MIN_DAYS}: arrests fall late in the span and phones are "
                          "replaced in its middle")
    if background is not None and background < 0:
        raise NetinvError(f"background must be 0 or more, got {background}")
    if not 0.0 <= lingering <= 1.0:
        raise NetinvError(f"lingering is a share between 0 and 1, got {lingering}")
    if target_calls is not None and target_calls < 1:
        raise NetinvError(f"calls must be at least 1, got {target_calls}")
    out = make_folder(out)
    rng = np.random.default_rng(seed)
    if background is None:
        background = max(200, 4 * people)
    say = progress or (lambda msg: None)
    say("cast")
    cast = make_cast(rng, people, background, days, CASE_START)
    rel = relationships(cast, rng)
    ph_sorted = cast.phones.sort_values(["party", "from_day"])

    def phone_at_day(party: int, day: int) -> str:
        mine = ph_sorted[(ph_sorted["party"] == party) & (ph_sorted["from_day"] <= day)]
        return mine.iloc[-1]["number"]

    arrests, arrest_day = _arrests(cast, rng, days, phone_at_day)
    holders = _holders(cast, rng)
    id_truth = {pid: pid for pid in holders["人员编号"]} | {pid: pid for pid in arrests["人员编号"]}
    holders_b = None
    if variants:
        vrng = np.random.default_rng(seed + 7919)  # variants never change the rest of the case
        truth_arrests = arrests
        arrests, local = case_local_ids(arrests, vrng)
        holders_b, unit_b = unit_b_holders(holders, vrng)
        id_truth = {pid: pid for pid in holders["人员编号"]} | local | unit_b
        del truth_arrests
    say("calls")
    lingering_phones = _lingering(cast, lingering, seed)
    calls = call_events(cast, rel, rng, days, arrest_day, target_calls, lingering=lingering_phones,
                        linger_rng=np.random.default_rng(seed + 130363))
    say("transfers")
    transfers = transfer_events(cast, rng, days, arrest_day)
    say("writing files")
    call_files, second = write_calls(out, cast, calls, CASE_START,
                                     both_sides=np.random.default_rng(seed + 104729) if both_sides else None,
                                     spare_digit=spare_digit)
    bank_files, n_failed = write_statements(out, cast, transfers, CASE_START,
                                            failed=np.random.default_rng(seed + 130399) if failed else None)
    case_files = write_case_files(out, arrests, holders, holders_b)
    params = {"seed": seed, "people": people, "background": background, "days": days, "target_calls": target_calls,
              "variants": variants, "lingering": lingering}
    for flag, on in (("both_sides", both_sides), ("failed", failed), ("spare_digit", spare_digit)):
        if on:  # only where asked: the manifests of cases generated before stay as they were
            params[flag] = True
    manifest = {
        "generator": "netinv.synth",
        "params": params,
        "loads": [
            {"kind": "holders", "profile": "holders-cn", "files": case_files["holders"]},
            {"kind": "arrests", "profile": "case-cn", "files": case_files["arrests"]},
            {"kind": "calls", "profile": "cdr-cn", "files": call_files,
             **({"options": {"same_call_within": 2, "incoming": {"呼叫类型": ["被叫"]}}} if both_sides else {})},
            {"kind": "transfers", "profile": "bank-cn", "files": bank_files,
             **({"options": {"where": {"交易状态": ["成功"]}}} if failed else {})},
        ],
    }
    truth = _truth(cast, arrests, params, id_truth, lingering_phones)
    if both_sides:
        truth["callee_side_rows"] = second
    if failed:
        truth["failed_rows"] = n_failed
    write_json(out / "manifest.json", manifest)
    write_json(out / "ground_truth.json", truth)
    return GeneratedCase(out, manifest, truth, len(calls), len(transfers))


def load_manifest(case_dir: str | Path) -> dict:
    """Read a generated case's ``manifest.json`` (which profile reads which files)."""
    p = Path(case_dir) / "manifest.json"
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        from ..errors import SourceError

        raise SourceError(str(p), "no manifest.json: not a folder written by netinv synth") from e
