"""Real public data from ../shared/datasets: each format loads, and what it holds is reported honestly."""

from __future__ import annotations

import pandas as pd
import pytest

from netinv.adapters import read_records
from netinv.errors import InvalidRecords
from netinv.profiles import Profile
from netinv.workflow import load_files

from .conftest import dataset

VAST = Profile.from_dict({
    "name": "vast2008", "kind": "calls", "raw_ids": True, "time_format": "%Y%m%d %H%M", "tz": "UTC",
    "columns": {"caller": "From", "callee": "To", "start": "Datetime", "duration_s": "Duration(seconds)",
                "cell_id": "Cell Tower"},
})


def test_vast_cdr_counts_and_its_four_negative_durations(embedded):
    cdr = dataset("vast2008_mc3_cdr", "cdr.csv")
    with pytest.raises(InvalidRecords) as e:
        read_records("calls", [cdr], VAST)
    assert [(p.row, p.reason) for p in e.value.problems] == [
        (823, "duration_s: negative (value -2)"), (4222, "duration_s: negative (value -44)"),
        (6451, "duration_s: negative (value -113)"), (7246, "duration_s: negative (value -145)")]
    load_files(embedded, "calls", [cdr], profile=VAST, keep_invalid=["duration_s"])
    c = embedded.counts()
    assert (c["calls"], c["phones"]) == (9834, 400)
    calls = embedded.records("calls")
    assert calls["duration_s"].isna().sum() == 4
    assert calls["start"].min() == pd.Timestamp("2006-06-01 00:08", tz="UTC")
    assert calls["start"].max() == pd.Timestamp("2006-06-10 23:56", tz="UTC")
    assert calls["cell_id"].astype(int).between(1, 30).all()


def test_amlsim_export_transfers(embedded):
    tx = dataset("amlsim_small_export", "transactions.csv")
    prof = Profile.from_dict({
        "name": "amlsim", "kind": "transfers", "raw_ids": True, "constants": {"currency": "USD"},
        "columns": {"payer_account": "orig_acct", "payee_account": "bene_acct", "amount": "base_amt",
                    "time": "tran_timestamp", "channel": "tx_type", "reference": "tran_id"},
    })
    load_files(embedded, "transfers", [tx], profile=prof)
    c = embedded.counts()
    assert c["transfers"] == 10333 and c["accounts"] == 100
    money = embedded.layer_edges("money")
    assert money["count"].sum() == 10333


def test_amlsim_20k_duplicates_are_reported_not_dropped(tmp_path, embedded):
    tx = dataset("amlsim_ibm_sample", "20K_fanin200cycle200", "transactions.csv")
    # 'time' is a simulation step (1..149), read here as seconds after the epoch
    prof = Profile.from_dict({
        "name": "amlsim20k", "kind": "transfers", "raw_ids": True, "time_format": "epoch",
        "constants": {"currency": "USD"},
        "columns": {"payer_account": "sourceNodeId", "payee_account": "targetNodeId", "amount": "value"},
    })
    with pytest.raises(InvalidRecords) as e:
        read_records("transfers", [tx], prof)
    assert len(e.value.problems) == 1684 and all("duplicate of row" in p.reason for p in e.value.problems)
    result, batch = load_files(embedded, "transfers", [tx], profile=prof, quarantine=tmp_path / "q.csv")
    assert result.records_new == 120558 - 1684 and result.rejected == 1684
    assert sum(1 for _ in (tmp_path / "q.csv").open(encoding="utf-8")) == 1685


def test_reality_mining_daily_contacts(embedded):
    edges = dataset("reality_mining_mitphone", "mitphone_daily_edges.csv")
    prof = Profile.from_dict({
        "name": "mitphone", "kind": "calls", "raw_ids": True, "tz": "America/New_York", "time_format": "%Y-%m-%d",
        "constants": {"duration_s": "0"},
        "columns": {"caller": "i", "callee": "j", "start": "date"},
    })
    load_files(embedded, "calls", [edges], profile=prof)
    c = embedded.counts()
    assert c["calls"] == 28351 and c["phones"] <= 96
