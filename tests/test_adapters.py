"""Adapters and profiles: every format from files written here, and every kind of bad input."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest

from netinv.adapters import read_records, record_ids, write_quarantine
from netinv.errors import InvalidRecords, ProfileError, SourceError
from netinv.profiles import Profile, get_profile, load_profile, parse_map, parse_where

from .conftest import SHEET_A, SHEET_B, write_csv

CALLS = "caller,callee,start,duration_s,kind\n" \
        "13800138000,13900139000,2024-03-05 14:03:22,75,voice\n" \
        "13900139000,13800138000,2024-03-05 15:00:00,0,sms\n"


def test_generic_csv(tmp_path):
    f = write_csv(tmp_path / "calls.csv", CALLS)
    b = read_records("calls", [f], region="CN", tz="Asia/Shanghai")
    r = b.records
    assert r["caller"].tolist() == ["+8613800138000", "+8613900139000"]
    assert r["start"].iloc[0] == pd.Timestamp("2024-03-05 06:03:22", tz="UTC")
    assert r["duration_s"].tolist() == [75, 0]
    assert r["record_id"].str.len().eq(64).all()
    prov = b.provenance
    assert prov["row"].tolist() == [2, 3]
    assert prov["file_sha256"].nunique() == 1 and prov["row_sha256"].str.len().eq(64).all()
    assert b.sources[0].accepted == 2 and b.sources[0].rejected == 0


def test_excel_and_parquet_give_the_same_records(tmp_path):
    df = pd.read_csv(write_csv(tmp_path / "c.csv", CALLS), dtype=str)
    df.to_excel(tmp_path / "c.xlsx", index=False)
    df.to_parquet(tmp_path / "c.parquet", index=False)
    got = [read_records("calls", [tmp_path / n], region="CN", tz="Asia/Shanghai").records for n in
           ("c.csv", "c.xlsx", "c.parquet")]
    assert got[0]["record_id"].tolist() == got[1]["record_id"].tolist() == got[2]["record_id"].tolist()


CDR_CN = "主叫号码,被叫号码,通话开始时间,通话时长,通话类型,基站号,IMEI\n" \
         "13800138000,13900139000,2024-03-05 14:03:22,75,语音,24552-101,861234567890123\n" \
         "13900139000,95588,2024-03-05 15:00:00,0,短信,24552-102,861234567890124\n"


def test_carrier_profile_reads_gbk(tmp_path):
    f = write_csv(tmp_path / "cdr.csv", CDR_CN, encoding="gbk")
    b = read_records("calls", [f], "cdr-cn")
    assert b.sources[0].encoding == "gb18030"
    r = b.records
    assert r["kind"].tolist() == ["voice", "sms"]
    assert r["callee"].tolist() == ["+8613900139000", "CN:95588"]
    assert r["cell_id"].tolist() == ["24552-101", "24552-102"]
    assert r["start"].iloc[0] == pd.Timestamp("2024-03-05 06:03:22", tz="UTC")


def test_carrier_profile_header_variants_and_hms_durations(tmp_path):
    text = "\ufeff主叫,被叫,开始时间,时长,业务类型\n+8613800138000,+8613900139000,2024/03/05 14:03:22,0:01:15,语音\n"
    f = write_csv(tmp_path / "cdr_b.csv", text)
    r = read_records("calls", [f], "cdr-cn").records
    assert r["duration_s"].tolist() == [75]


def test_wrong_encoding_names_file_row_and_reason(tmp_path):
    f = write_csv(tmp_path / "cdr.csv", CDR_CN, encoding="gbk")
    with pytest.raises(SourceError) as e:
        read_records("calls", [f], "cdr-cn", encoding="utf-8")
    assert e.value.path.endswith("cdr.csv") and e.value.row == 1
    assert "not valid utf-8" in e.value.reason and "gbk" in e.value.reason


def test_missing_column(tmp_path):
    f = write_csv(tmp_path / "calls.csv", "caller,start,duration_s\n1,2024-01-01 00:00:00,3\n")
    with pytest.raises(SourceError, match=r"missing column for callee.*--map callee=COLUMN") as e:
        read_records("calls", [f], raw_ids=True, tz="UTC")
    assert "calls.csv" in str(e.value)


BAD = ("caller,callee,start,duration_s\n"
       "1,2,2024-01-01 10:00:00,60\n"        # row 2 ok
       "1,2,2024-01-01 10:00:00,60\n"        # row 3 duplicate of row 2
       "1,2,2024-13-01 10:00:00,60\n"        # row 4 bad time
       "1,2,2024-01-01 11:00:00,sixty\n"     # row 5 bad number
       "1,2,2024-01-01 12:00:00,-5\n"        # row 6 negative
       "1,,2024-01-01 13:00:00,5\n"          # row 7 missing callee
       "1,2,2024-01-01 14:00:00\n"           # row 8 too few fields
       "\n"                                  # row 9 blank line
       "3,4,2024-01-01 15:00:00,7\n")        # row 10 ok


def test_every_bad_row_is_named_and_nothing_is_loaded(tmp_path):
    f = write_csv(tmp_path / "bad.csv", BAD)
    with pytest.raises(InvalidRecords) as e:
        read_records("calls", [f], raw_ids=True, tz="UTC")
    got = {p.row: p.reason for p in e.value.problems}
    assert set(got) == {3, 4, 5, 6, 7, 8}
    assert got[3] == "duplicate of row 2"
    assert "cannot read time '2024-13-01 10:00:00'" in got[4]
    assert "cannot read duration 'sixty'" in got[5]
    assert "duration_s: negative" in got[6]
    assert got[7] == "callee: missing value"
    assert "has 3 fields, the header has 4" in got[8]
    assert all(p.file.endswith("bad.csv") for p in e.value.problems)


def test_quarantine_keeps_every_rejected_row(tmp_path):
    f = write_csv(tmp_path / "bad.csv", BAD)
    b = read_records("calls", [f], raw_ids=True, tz="UTC", quarantine=True)
    assert len(b.records) == 2
    assert b.reasons == {"duplicate row": 1, "unparseable time": 1, "unparseable number": 1, "negative value": 1,
                         "missing value": 1, "wrong number of fields": 1}
    assert any("1 blank line(s) skipped" in n for n in b.notes)
    q = write_quarantine(b.problems, tmp_path / "q.csv")
    rows = list(csv.DictReader(q.open(encoding="utf-8")))
    assert [int(r["row"]) for r in rows] == [3, 4, 5, 6, 7, 8]
    assert json.loads(rows[0]["values"]) == {"caller": "1", "callee": "2", "start": "2024-01-01 10:00:00",
                                             "duration_s": "60"}
    # the accepted + rejected + blank lines account for every line of the file
    assert b.sources[0].accepted + b.sources[0].rejected + b.sources[0].blank_rows == len(BAD.splitlines()) - 1


def test_negative_amount_rejected(tmp_path):
    f = write_csv(tmp_path / "t.csv", "payer_account,payee_account,amount,currency,time\n"
                                      "A1,B2,-100,CNY,2024-01-01 10:00:00\n")
    with pytest.raises(InvalidRecords, match="amount: negative"):
        read_records("transfers", [f], tz="UTC")


def test_naive_times_need_a_zone(tmp_path):
    f = write_csv(tmp_path / "c.csv", CALLS)
    with pytest.raises(SourceError, match="no time zone.*--tz") as e:
        read_records("calls", [f], region="CN")
    assert e.value.row == 2


def test_keep_invalid_clears_and_reports(tmp_path):
    f = write_csv(tmp_path / "c.csv", "caller,callee,start,duration_s\n1,2,2024-01-01 10:00:00,-3\n")
    b = read_records("calls", [f], raw_ids=True, tz="UTC", keep_invalid=["duration_s"])
    assert len(b.records) == 1 and pd.isna(b.records["duration_s"].iloc[0])
    assert b.cleared[0].row == 2 and "negative" in b.cleared[0].reason
    with pytest.raises(ProfileError, match="defines a calls record"):
        read_records("calls", [f], raw_ids=True, tz="UTC", keep_invalid=["caller"])


STATEMENT_A = ("交易卡号,户名,交易时间,交易金额,借贷标志,对方账号,对方户名,币种,交易渠道,余额\n"
               "6222000011112222,张三,2024-03-05 10:00:00,\"5,000.00\",借,6222000033334444,李四,人民币,网银转账,100\n"
               "6222000011112222,张三,2024-03-06 11:00:00,200.00,贷,6222000055556666,王五,人民币,手机银行,300\n")
STATEMENT_B = ("交易卡号,户名,交易时间,交易金额,借贷标志,对方账号,对方户名,币种,交易渠道,余额\n"
               "6222000033334444,李四,2024-03-05 10:00:00,\"5,000.00\",贷,6222000011112222,张三,人民币,网银转账,900\n")


def test_bank_statements_both_sides_make_one_transfer(tmp_path):
    a = write_csv(tmp_path / "a.csv", STATEMENT_A, encoding="gbk")
    b = write_csv(tmp_path / "b.csv", STATEMENT_B, encoding="gbk")
    batch = read_records("transfers", [a, b], "bank-cn")
    r = batch.records.sort_values("time")
    assert len(r) == 2
    first = r.iloc[0]
    assert (first["payer_account"], first["payee_account"]) == ("6222000011112222", "6222000033334444")
    assert first["amount"] == 5000.0
    assert first["payer_name"] == "张三" and first["payee_name"] == "李四" and first["currency"] == "CNY"
    second = r.iloc[1]
    assert (second["payer_account"], second["payee_account"]) == ("6222000055556666", "6222000011112222")
    # both statements stay as evidence of the shared transfer
    prov = batch.provenance[batch.provenance["record_id"] == first["record_id"]]
    assert len(prov) == 2 and prov["file_sha256"].nunique() == 2


def test_bank_statement_memos_are_read_and_never_split_a_transfer(tmp_path):
    # the payer's statement carries his words (附言), the payee's bank only its summary line (摘要):
    # one transfer still, with the memo of the statement read first; a blank memo is no memo
    a = write_csv(tmp_path / "a.csv", STATEMENT_A.replace("余额\n", "余额,附言\n", 1)
                  .replace(",100\n", ",100,货款\n").replace(",300\n", ",300,\n"), encoding="gbk")
    b = write_csv(tmp_path / "b.csv", STATEMENT_B.replace("余额\n", "余额,摘要\n", 1)
                  .replace(",900\n", ",900,跨行汇入\n"), encoding="gbk")
    plain = read_records("transfers", [write_csv(tmp_path / "p.csv", STATEMENT_A, encoding="gbk")], "bank-cn")
    for files, memo in (([a, b], "货款"), ([b, a], "跨行汇入")):
        r = read_records("transfers", files, "bank-cn").records.sort_values("time")
        assert len(r) == 2 and r["memo"].iloc[0] == memo and pd.isna(r["memo"].iloc[1])
        assert set(r["record_id"]) == set(plain.records["record_id"])  # memos leave the identity alone
    assert plain.records["memo"].isna().all()


def test_where_reads_only_the_selected_rows_and_counts_the_rest(tmp_path):
    # a statement lists failed and reversed transactions beside the ones that went through: they
    # are not transfers.  --where 交易状态=成功 reads the rest; the others are left out, counted by
    # value, never rejected, even where their values would not parse (the failed row's amount)
    text = STATEMENT_A.replace("余额\n", "余额,交易状态\n", 1).replace(",100\n", ",100,成功\n").replace(
        ",300\n", ",300, 成功 \n")
    text += ("6222000011112222,张三,2024-03-07 09:00:00,???,借,6222000077778888,赵六,人民币,网银转账,300,失败\n"
             "6222000011112222,张三,2024-03-07 09:05:00,80.00,借,6222000077778888,赵六,人民币,网银转账,220,冲正\n"
             "6222000011112222,张三,2024-03-07 09:09:00,60.00,借,6222000077778888,赵六,人民币,网银转账,160,\n")
    f = write_csv(tmp_path / "a.csv", text, encoding="gbk")
    with pytest.raises(InvalidRecords, match="row 4"):  # read whole, the failed row's amount stops the load
        read_records("transfers", [f], "bank-cn")
    b = read_records("transfers", [f], "bank-cn", where={"交易状态": ("成功",)})
    plain = read_records("transfers", [write_csv(tmp_path / "p.csv", STATEMENT_A, encoding="gbk")], "bank-cn")
    assert set(b.records["record_id"]) == set(plain.records["record_id"]) and not b.problems
    assert sorted(b.provenance["row"]) == [2, 3]  # rows numbered as in the file, not as selected
    src = b.sources[0]
    assert (src.rows, src.accepted, src.rejected, src.left_out, b.left_out) == (5, 2, 0, 3, 3)
    assert b.notes == [f"{f}: 3 row(s) left out by --where 交易状态=成功 (交易状态 失败 ×1, 冲正 ×1, (empty) ×1)"]
    # two values for one column are alternatives; two columns must both hold
    b = read_records("transfers", [f], "bank-cn", where={"交易状态": ("成功", "冲正"), "交易渠道": ("网银转账",)},
                     quarantine=True)
    assert len(b.records) == 2 and b.left_out == 3 and not b.problems
    assert "(交易状态 失败 ×1, (empty) ×1; 交易渠道 手机银行 ×1)" in b.notes[0]
    # a value that nothing holds leaves the whole file out, and the note names what it holds
    b = read_records("transfers", [f], "bank-cn", where={"交易状态": ("SUCCESS",)})
    assert b.records.empty
    assert b.notes[0].startswith(f"{f}: no row selected by --where 交易状态=SUCCESS; all 5 left out")
    with pytest.raises(SourceError, match="--where 状态=...: the file has no column '状态'; it has '交易卡号'"):
        read_records("transfers", [f], "bank-cn", where={"状态": ("成功",)})


def test_incoming_rows_give_the_callees_cell_and_handset(tmp_path):
    # a carrier's records of its subscribers: outgoing calls (主叫) with the caller's cell and
    # handset, incoming ones (被叫) with the callee's.  An incoming row's are read as the callee's
    # (callee_cell_id, callee_imei), never as the caller's, and counted
    f = write_csv(tmp_path / "b.csv", "主叫号码,被叫号码,通话开始时间,通话时长,基站号,IMEI,呼叫类型\n"
                                      "13800138000,13900139000,2024-03-05 14:03:23,76,B7,860000000000001,被叫\n"
                                      "13900139000,13700137000,2024-03-05 15:00:00,20,B7,860000000000001,主叫\n"
                                      "13600136000,13900139000,2024-03-05 16:00:00,5,,,被叫\n")
    b = read_records("calls", [f], "cdr-cn", incoming={"呼叫类型": ("被叫",)})
    r = b.records.sort_values("start")
    assert r["cell_id"].isna().tolist() == [True, False, True] and r["imei"].isna().tolist() == [True, False, True]
    assert r["callee_cell_id"].tolist()[0] == "B7" and r["callee_imei"].tolist()[0] == "860000000000001"
    assert r["callee_cell_id"].isna().tolist() == [False, True, True]
    assert b.notes == [f"{f}: 1 row(s) of incoming calls (--incoming 呼叫类型=被叫): their cell and handset are read "
                       "as the callee's (callee_cell_id, callee_imei)"]
    plain = read_records("calls", [f], "cdr-cn")
    assert plain.records["imei"].notna().sum() == 2 and plain.records["callee_imei"].isna().all() and not plain.notes
    # a file with the other end's columns too: an incoming row's are the caller's
    both = write_csv(tmp_path / "c.csv", "主叫号码,被叫号码,通话开始时间,通话时长,基站号,对方基站,呼叫类型\n"
                                         "13800138000,13900139000,2024-03-05 14:03:23,76,B7,A1,被叫\n"
                                         "13900139000,13700137000,2024-03-05 15:00:00,20,B7,C3,主叫\n")
    r = read_records("calls", [both], "cdr-cn", mapping={"callee_cell_id": "对方基站"},
                     incoming={"呼叫类型": ("被叫",)}).records.sort_values("start")
    assert list(zip(r["cell_id"], r["callee_cell_id"])) == [("A1", "B7"), ("B7", "C3")]
    with pytest.raises(SourceError, match="--incoming 方向=...: the file has no column '方向'"):
        read_records("calls", [f], "cdr-cn", incoming={"方向": ("被叫",)})
    with pytest.raises(ProfileError, match="does not apply to transfers"):
        read_records("transfers", [f], "bank-cn", incoming={"呼叫类型": ("被叫",)})
    prof = tmp_path / "p.toml"
    prof.write_text('name = "carrier-b"\nkind = "calls"\nregion = "CN"\ntz = "Asia/Shanghai"\n'
                    '[columns]\ncaller = "主叫号码"\ncallee = "被叫号码"\nstart = "通话开始时间"\n'
                    'duration_s = "通话时长"\ncell_id = "基站号"\nimei = "IMEI"\n'
                    '[incoming]\n"呼叫类型" = ["被叫", "MTC"]\n', encoding="utf-8")
    assert read_records("calls", [f], str(prof)).records["imei"].notna().sum() == 1


def test_call_sheets_turn_each_row_by_its_direction(tmp_path):
    # one phone's call sheet (话单): each row from that phone's side.  主叫: it calls the other
    # number; 被叫: the other number calls it, and the cell and handset are its own, the callee's
    a = write_csv(tmp_path / "a.csv", SHEET_A, encoding="gbk")
    b = read_records("calls", [a], "cdr-sheet-cn")
    r = b.records.sort_values("start")
    assert list(zip(r["caller"], r["callee"])) == [("+8613800138000", "+8613900139000"),
                                                  ("+8613600136000", "+8613800138000")]
    assert r["cell_id"].tolist()[0] == "A1" and r["cell_id"].isna().tolist() == [False, True]
    assert r["callee_cell_id"].isna().tolist() == [True, False] and r["callee_cell_id"].tolist()[1] == "A1"
    assert "1 row(s) of incoming calls (the call sheet's direction)" in b.notes[0]
    # a direction the profile does not know (呼转, a forwarded call) stops the load, named
    f = write_csv(tmp_path / "b.csv", SHEET_B, encoding="gbk")
    with pytest.raises(InvalidRecords, match="row 3: unknown call direction '呼转' "):
        read_records("calls", [f], "cdr-sheet-cn")
    q = read_records("calls", [f], "cdr-sheet-cn", quarantine=True)
    assert len(q.records) == 1 and q.reasons == {"unknown call direction": 1}
    # --where leaves such rows out instead, counted
    w = read_records("calls", [f], "cdr-sheet-cn", where={"呼叫类型": ("主叫", "被叫")})
    assert len(w.records) == 1 and w.left_out == 1 and not w.problems
    with pytest.raises(ProfileError, match="reads calls, not transfers"):
        read_records("transfers", [f], "cdr-sheet-cn")


def test_where_in_a_profile_and_on_the_command_line(tmp_path):
    prof = tmp_path / "p.toml"
    prof.write_text('name = "bank-ok"\nkind = "transfers"\n[where]\n"交易状态" = ["成功", "交易成功"]\n',
                    encoding="utf-8")
    p = load_profile(prof)
    assert p.where == {"交易状态": ("成功", "交易成功")}
    assert p.with_options(where={"交易状态": ("失败",)}).where == {"交易状态": ("失败",)}
    assert p.with_options(where={"渠道": ("网银",)}).where == {"交易状态": ("成功", "交易成功"), "渠道": ("网银",)}
    prof.write_text('name = "x"\n[where]\n"交易状态" = []\n', encoding="utf-8")
    with pytest.raises(ProfileError, match=r"\[where\] 交易状态 lists no value"):
        load_profile(prof)
    assert parse_where(["交易状态=成功", "交易状态 = 交易成功", "渠道=网银"]) == {
        "交易状态": ("成功", "交易成功"), "渠道": ("网银",)}
    with pytest.raises(ProfileError, match="--where expects COLUMN=VALUE"):
        parse_where(["交易状态"])


def test_bank_statement_unknown_flag(tmp_path):
    bad = STATEMENT_B.replace(",贷,", ",?,")
    f = write_csv(tmp_path / "b.csv", bad, encoding="gbk")
    with pytest.raises(InvalidRecords, match="unknown debit/credit flag"):
        read_records("transfers", [f], "bank-cn")


HOLDERS = ("person_id,name,id_number,phone,account\n"
           "P1,张三,11010519491231002X,13800138000,\n"
           "P1,张三,11010519491231002X,,6222000011112222\n"
           "P2,李四,110105194912310021,13900139000,\n"
           "P3,王五,,,\n")


def test_holders_bad_id_reported_and_needs_phone_or_account(tmp_path):
    f = write_csv(tmp_path / "h.csv", HOLDERS)
    b = read_records("holders", [f], region="CN", quarantine=True)
    assert len(b.records) == 3
    assert b.records["id_number_valid"].tolist() == [True, True, False]
    assert any("fail the check digit (rows 4)" in n for n in b.notes)
    assert b.problems[0].row == 5 and "needs a phone or an account" in b.problems[0].reason


ARRESTS = ("案件编号,人员编号,姓名,身份证号,抓获日期,涉嫌罪名,毒品种类,缴获数量(克),手机号码,银行账号,抓获地点\n"
           "A1,P1,张三,11010519491231002X,2024-04-01,贩卖毒品罪,甲基苯丙胺,2.5,13800138000,,罗湖区\n"
           "A1,P2,李四,,2024/04/01,非法持有毒品罪,甲基苯丙胺,0.3,,,罗湖区\n")


def test_case_profile(tmp_path):
    f = write_csv(tmp_path / "a.csv", ARRESTS, encoding="gbk")
    r = read_records("arrests", [f], "case-cn").records
    assert r["date"].tolist() == [pd.Timestamp("2024-04-01")] * 2
    assert r["quantity_g"].tolist() == [2.5, 0.3]
    assert r["phone"].tolist()[0] == "+8613800138000"


def test_user_mapping_and_toml_profile(tmp_path):
    f = write_csv(tmp_path / "x.csv", "From,To,When,Secs\n1,2,20060601 0008,60\n")
    b = read_records("calls", [f], mapping=parse_map(["caller=From", "callee=To", "start=When", "duration_s=Secs"]),
                     raw_ids=True, time_format="%Y%m%d %H%M", tz="UTC")
    assert b.records["start"].iloc[0] == pd.Timestamp("2006-06-01 00:08", tz="UTC")
    toml = tmp_path / "p.toml"
    toml.write_text('kind = "calls"\nraw_ids = true\ntime_format = "%Y%m%d %H%M"\ntz = "UTC"\n'
                    '[columns]\ncaller = "From"\ncallee = "To"\nstart = "When"\nduration_s = "Secs"\n',
                    encoding="utf-8")
    b2 = read_records("calls", [f], str(toml))
    assert b2.records["record_id"].tolist() == b.records["record_id"].tolist()


def test_profile_errors(tmp_path):
    with pytest.raises(ProfileError, match="--map expects field=Column"):
        parse_map(["caller"])
    with pytest.raises(ProfileError, match="unknown profile"):
        get_profile("nope", "calls")
    with pytest.raises(ProfileError, match="reads calls, not transfers"):
        get_profile("cdr-cn", "transfers")
    bad = tmp_path / "bad.toml"
    bad.write_text('kind = "calls"\n[columns]\nfoo = "X"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="foo is not a field of calls"):
        load_profile(bad)
    with pytest.raises(ProfileError, match="not a field of calls"):
        read_records("calls", [tmp_path / "x.csv"], mapping={"foo": "X"})


def test_missing_file():
    with pytest.raises(SourceError, match="file not found"):
        read_records("calls", ["/nonexistent/file.csv"], raw_ids=True, tz="UTC")


def test_record_ids_depend_on_identity_only(tmp_path):
    f = write_csv(tmp_path / "c.csv", CALLS)
    r = read_records("calls", [f], region="CN", tz="Asia/Shanghai").records
    again = record_ids(r, "calls")
    assert again.tolist() == r["record_id"].tolist()
    shifted = r.copy()
    shifted["duration_s"] = shifted["duration_s"] + 1
    assert record_ids(shifted, "calls").tolist() != again.tolist()


def test_delimiter_detection_and_crlf(tmp_path):
    f = write_csv(tmp_path / "c.tsv", CALLS.replace(",", "\t").replace("\n", "\r\n"))
    r = read_records("calls", [f], region="CN", tz="Asia/Shanghai").records
    assert len(r) == 2


def test_profile_from_dict_round_trip():
    p = Profile.from_dict({"name": "x", "kind": "calls", "columns": {"caller": ["A", "B"]}, "encoding": "gbk"})
    assert p.candidates("caller") == ("A", "B", "caller") and p.encodings == ("gbk",)
