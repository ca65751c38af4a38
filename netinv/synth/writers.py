"""Writing a synthetic case as the raw files real systems produce, plus its ground truth.

- ``cdr/carrier_a.csv``: GBK, the carrier headers of the ``cdr-cn`` profile, national numbers;
- ``cdr/carrier_b.csv``: UTF-8 with BOM, the short header variants, ``+86`` numbers and
  durations as ``h:mm:ss``;
- ``bank/<bank>_<account>.csv``: one GBK statement per investigated account (``bank-cn``); a
  transfer between two investigated accounts appears in both statements;
- ``case/arrests.csv``: GBK arrest records (``case-cn``);
- ``case/holders.xlsx``: phone and account attribution (``holders-cn``); with identity variants
  also ``case/holders_unit_b.csv``, a second unit's sheet;
- ``manifest.json``: which profile reads which files; ``ground_truth.json``: who is who.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .people import Cast

__all__ = ["write_calls", "write_statements", "write_case_files", "e164", "TZ"]

TZ = "Asia/Shanghai"


def e164(number: str) -> str:
    """The normalised form netinv gives a generated number (E.164, or CN:short)."""
    if number.isdigit() and len(number) <= 8:
        return f"CN:{number}"
    if number.startswith("0"):
        return "+86" + number[1:]
    return "+86" + number


def _local(start: pd.Timestamp, t: np.ndarray) -> pd.Series:
    """Local wall-clock times (naive, as carriers and banks print them)."""
    return pd.Series((start + pd.to_timedelta(t, unit="s")).tz_convert(TZ).tz_localize(None))


def write_calls(out: Path, cast: Cast, ev: pd.DataFrame, start: pd.Timestamp,
                both_sides: np.random.Generator | None = None, spare_digit: bool = False) -> tuple[list[str], int]:
    """Each carrier's file: the calls of its subscribers, once each.  With ``both_sides`` (the
    random numbers to draw from) a call to a phone of the other carrier is also in that carrier's
    file, as the callee's side saw it: her cell and handset, the start 0-1 s later, the duration
    1 s shorter or longer or the same; both files then say which rows are which (呼叫类型 主叫,
    被叫).  With ``spare_digit`` carrier B writes each IMEI with a 0 in place of its check digit,
    as many networks report it.  Returns the files and how many such second rows."""
    ph = cast.phones.set_index("phone")
    caller_num = ph["number"].reindex(ev["caller"]).to_numpy()
    callee_num = ph["number"].reindex(ev["callee"]).to_numpy()
    carrier = ph["carrier"].reindex(ev["caller"]).to_numpy()
    rows = pd.DataFrame({
        "caller": caller_num, "callee": callee_num, "t": ev["t"].to_numpy(), "duration_s": ev["duration_s"].to_numpy(),
        "sms": ev["sms"].to_numpy(), "tower": ph["tower"].reindex(ev["caller"]).to_numpy(),
        "imei": ph["imei"].reindex(ev["caller"]).to_numpy(), "file_b": carrier == "B", "incoming": False,
    })
    second = 0
    if both_sides is not None:
        callee_carrier = ph["carrier"].reindex(ev["callee"]).to_numpy()
        other = (callee_carrier != "L") & ((callee_carrier == "B") != (carrier == "B"))
        n = int(other.sum())
        seen = pd.DataFrame({
            "caller": caller_num[other], "callee": callee_num[other],
            "t": ev["t"].to_numpy()[other] + both_sides.integers(0, 2, n),
            "duration_s": np.where(ev["sms"].to_numpy()[other], 0, np.maximum(
                ev["duration_s"].to_numpy()[other] + both_sides.integers(-1, 2, n), 0)),
            "sms": ev["sms"].to_numpy()[other], "tower": ph["tower"].reindex(ev["callee"]).to_numpy()[other],
            "imei": ph["imei"].reindex(ev["callee"]).to_numpy()[other], "file_b": callee_carrier[other] == "B",
            "incoming": True,
        })
        rows = pd.concat([rows, seen], ignore_index=True).sort_values("t", kind="stable").reset_index(drop=True)
        second = n
    local = _local(start, rows["t"].to_numpy())
    d = out / "cdr"
    d.mkdir(parents=True, exist_ok=True)
    files = []
    is_a = ~rows["file_b"].to_numpy()
    a = pd.DataFrame({
        "主叫号码": rows["caller"].to_numpy()[is_a], "被叫号码": rows["callee"].to_numpy()[is_a],
        "通话开始时间": local[is_a].dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(),
        "通话时长": rows["duration_s"].to_numpy()[is_a],
        "通话类型": np.where(rows["sms"].to_numpy()[is_a], "短信", "语音"),
        "基站号": rows["tower"].to_numpy()[is_a], "IMEI": rows["imei"].to_numpy()[is_a],
    })
    if both_sides is not None:
        a["呼叫类型"] = np.where(rows["incoming"].to_numpy()[is_a], "被叫", "主叫")
    a.to_csv(d / "carrier_a.csv", index=False, encoding="gbk")
    files.append("cdr/carrier_a.csv")
    b_mask = ~is_a
    dur = rows["duration_s"].to_numpy()[b_mask]
    b = pd.DataFrame({
        "主叫": ["+86" + x for x in rows["caller"].to_numpy()[b_mask]],
        "被叫": [("+86" + x[1:] if x.startswith("0") else ("+86" + x if len(x) > 8 else x))
               for x in rows["callee"].to_numpy()[b_mask]],
        "开始时间": local[b_mask].dt.strftime("%Y/%m/%d %H:%M:%S").to_numpy(),
        "时长": [f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" for s in dur.tolist()],
        "业务类型": np.where(rows["sms"].to_numpy()[b_mask], "短信", "语音"),
        "基站": rows["tower"].to_numpy()[b_mask], "串号": rows["imei"].to_numpy()[b_mask],
    })
    if spare_digit:
        b["串号"] = [v if v is None else v[:14] + "0" for v in b["串号"].tolist()]
    if both_sides is not None:
        b["呼叫类型"] = np.where(rows["incoming"].to_numpy()[b_mask], "被叫", "主叫")
    b.to_csv(d / "carrier_b.csv", index=False, encoding="utf-8-sig")
    files.append("cdr/carrier_b.csv")
    return files, second


def write_statements(out: Path, cast: Cast, ev: pd.DataFrame, start: pd.Timestamp,
                     failed: np.random.Generator | None = None) -> tuple[list[str], int]:
    """One statement per investigated account.  With ``failed`` (the random numbers to draw from)
    the statements gain a status column (交易状态): every transfer 成功, and before about one in
    twenty of an account's payments a failed attempt (失败) of the same amount to the same
    account 1-10 minutes earlier, on the payer's statement only, the balance untouched.  Returns
    the files and how many failed rows."""
    p = cast.parties
    acc = cast.accounts.set_index("account")
    investigated_parties = set(p.index[p["role"].isin(
        ["money_handler", "courier", "wholesaler", "distributor", "retailer", "relative"])].tolist())
    investigated = [a for a, party in zip(acc.index, acc["party"]) if party in investigated_parties]
    d = out / "bank"
    d.mkdir(parents=True, exist_ok=True)
    local = _local(start, ev["t"].to_numpy()).dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy()
    names = p["name"]
    files = []
    n_failed = 0
    for a in investigated:
        debit = ev["payer"].to_numpy() == a
        credit = ev["payee"].to_numpy() == a
        rows = np.flatnonzero(debit | credit)
        if len(rows) == 0:
            continue
        sub = ev.iloc[rows]
        is_debit = debit[rows]
        other = np.where(is_debit, sub["payee"].to_numpy(), sub["payer"].to_numpy())
        other_num = acc["number"].reindex(other).to_numpy()
        other_name = names.reindex(acc["party"].reindex(other).to_numpy()).to_numpy()
        signed = np.where(is_debit, -sub["amount"].to_numpy(), sub["amount"].to_numpy())
        balance = 50_000 + np.cumsum(signed)
        st = pd.DataFrame({
            "交易卡号": acc.at[a, "number"],
            "户名": names.iat[int(acc.at[a, "party"])],
            "交易时间": local[rows],
            "交易金额": [f"{x:,.2f}" for x in sub["amount"].to_numpy()],
            "借贷标志": np.where(is_debit, "借", "贷"),
            "对方账号": other_num,
            "对方户名": other_name,
            "币种": "人民币",
            "交易渠道": sub["channel"].to_numpy(),
            "余额": [f"{x:.2f}" for x in balance],
            "摘要": np.where(sub["purpose"].to_numpy() == "wages", "代发工资", "转账"),
        })
        if failed is not None:
            st["交易状态"] = "成功"
            tried = np.flatnonzero(is_debit & (failed.random(len(rows)) < 0.05))
            if len(tried):
                early = sub["t"].to_numpy()[tried] - failed.integers(60, 601, len(tried))
                attempt = st.iloc[tried].assign(
                    交易时间=_local(start, early).dt.strftime("%Y-%m-%d %H:%M:%S").to_numpy(),
                    余额=[f"{x:.2f}" for x in balance[tried] - signed[tried]], 交易状态="失败")
                order = np.argsort(np.concatenate([sub["t"].to_numpy(), early]), kind="stable")
                st = pd.concat([st, attempt], ignore_index=True).iloc[order].reset_index(drop=True)
                n_failed += len(tried)
        name = f"bank/{acc.at[a, 'bank']}_{acc.at[a, 'number']}.csv"
        st.to_csv(out / name, index=False, encoding="gbk")
        files.append(name)
    return files, n_failed


def write_case_files(out: Path, arrests: pd.DataFrame, holders: pd.DataFrame,
                     holders_b: pd.DataFrame | None = None) -> dict[str, list[str]]:
    d = out / "case"
    d.mkdir(parents=True, exist_ok=True)
    arrests.to_csv(d / "arrests.csv", index=False, encoding="gbk")
    with pd.ExcelWriter(d / "holders.xlsx", engine="openpyxl") as xw:
        holders.to_excel(xw, index=False, sheet_name="人员关联")
    files = {"arrests": ["case/arrests.csv"], "holders": ["case/holders.xlsx"]}
    if holders_b is not None and len(holders_b):
        holders_b.to_csv(d / "holders_unit_b.csv", index=False, encoding="gbk")
        files["holders"].append("case/holders_unit_b.csv")
    return files


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
