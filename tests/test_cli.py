"""The command line through typer's runner: every command, --help, errors and exit codes."""

from __future__ import annotations

import csv
import hashlib
import html
import json
import re
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from netinv.cli import app

from .conftest import CARRIER_A, CARRIER_B, dataset, write_csv

runner = CliRunner()


def run(*args, ok=True):
    result = runner.invoke(app, list(map(str, args)))
    if ok:
        assert result.exit_code == 0, result.output
    return result


def _all_commands():
    """Every command and subcommand the app registers (so that a new command cannot miss this test)."""
    import typer.main

    def walk(cmd, path):
        yield path
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            yield from walk(sub, [*path, name])

    return list(walk(typer.main.get_command(app), []))


@pytest.mark.parametrize("cmd", _all_commands(), ids=lambda c: " ".join(c) or "netinv")
def test_help_everywhere(cmd):
    r = run(*cmd, "--help")
    assert "Usage" in r.output
    # each command says what it does, in its own words, above its options
    assert re.search(r"Usage: .*\n\s*\n\s*[^\s╭]", r.output), r.output


def test_help_covers_every_command():
    listed = {" ".join(c) for c in _all_commands()}
    assert {"", "load calls", "upstream", "export", "resolve", "successors", "link-cases", "import-files",
            "decide-number", "dossier"} <= listed
    assert len(listed) == 32


def test_version():
    assert "netinv 0." in run("--version").output


def test_python_dash_m():
    r = subprocess.run([sys.executable, "-m", "netinv", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "load" in r.stdout


def test_start_leaves_slow_optional_imports_for_later():
    """Every command starts by importing the CLI; pandera (validation), pypinyin (names) and networkx
    (routes, exports) are imported where they are used, which saves about 1 s a command."""
    code = "import sys, netinv.cli; print(' '.join(m for m in ('pandera', 'pypinyin', 'networkx') if m in sys.modules))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""


def test_vast_load_and_status(tmp_path):
    cdr = dataset("vast2008_mc3_cdr", "cdr.csv")
    ws = f"embedded:{tmp_path / 'vast.duckdb'}"
    profile = "examples/profiles/vast2008.toml"
    r = run("load", "calls", cdr, "--profile", profile, "--store", ws, ok=False)
    assert r.exit_code == 1
    assert "error: 4 invalid record(s)" in r.output and "row 823: duration_s: negative (value -2)" in r.output
    run("load", "calls", cdr, "--profile", profile, "--keep-invalid", "duration_s", "--store", ws,
        "--authority", "public challenge data")
    r = run("status", "--store", ws)
    assert "9,834 calls between 400 phones" in r.output
    # call records alone: nobody was arrested, so --arrested has nothing to start from
    r = run("expand", "--arrested", "--store", ws, ok=False)
    assert r.exit_code == 1
    assert "--arrested: nobody in the person-level network was arrested; give --seed ID" in r.output
    # phone 200 talks mostly to 5, 1, 2 and 3, and from the eighth day 300 to 306, 360, 397, 309: the
    # phones that many call and that call few back (5, 306, 309) look like service numbers by their
    # contacts.  Every analysis names what it leaves out; --keep keeps one in, --include-hubs all
    kept = {"centrality": lambda row: True, "communities": lambda row: row["community"] > 0,
            "brokers": lambda row: row["across_groups"] > 0, "hierarchy": lambda row: pd.notna(row["level"])}
    for cmd, check in kept.items():
        def is_in(rows):
            return len(rows) == 1 and bool(check(rows.iloc[0]))

        r = run(cmd, "--store", ws, "--level", "phone", "--out", tmp_path / f"{cmd}.csv")
        assert "note: left out 3 high-volume number(s): phone:309, phone:5, phone:306 (--keep ID keeps one in, " \
            "--include-hubs all)" in r.output, cmd
        df = pd.read_csv(tmp_path / f"{cmd}.csv")
        assert not is_in(df[df["id"] == "phone:5"]), cmd
        r = run(cmd, "--store", ws, "--level", "phone", "--keep", "5", "--out", tmp_path / f"{cmd}.csv")
        df = pd.read_csv(tmp_path / f"{cmd}.csv")
        assert "left out 2 high-volume number(s): phone:309, phone:306 " in r.output, cmd
        assert is_in(df[df["id"] == "phone:5"]) and not is_in(df[df["id"] == "phone:309"]), cmd
        r = run(cmd, "--store", ws, "--level", "phone", "--include-hubs", "--out", tmp_path / f"{cmd}.csv")
        df = pd.read_csv(tmp_path / f"{cmd}.csv")
        assert "left out" not in r.output and is_in(df[df["id"] == "phone:5"]), cmd
    key = pd.read_csv(tmp_path / "centrality.csv")
    assert key["id"].tolist()[:2] == ["phone:5", "phone:200"]
    everyone = ["phone:309", "phone:5", "phone:306"]
    for flag, heading, left_out, kept_in in (
            ([], "High-volume numbers left out", everyone, []),
            (["--keep", "5"], "Kept in at the analyst's request (--keep): phone:5.", ["phone:309", "phone:306"],
             ["phone:5"]),
            (["--include-hubs"], "High-volume numbers kept in", [], everyone)):
        run("report", "--out", tmp_path / "r.html", *flag, "--store", ws)
        page = html.unescape((tmp_path / "r.html").read_text(encoding="utf-8"))
        manifest = json.loads(page[page.index("{", page.index('id="manifest"')):].split("</", 1)[0])
        assert heading in page
        assert (manifest["high_volume_left_out"], manifest["high_volume_kept_in"]) == (left_out, kept_in), flag
        assert manifest["kept_in_by_analyst"] == (["phone:5"] if "--keep" in flag else [])
    # with a user mapping on the command line instead of a profile file
    ws2 = f"embedded:{tmp_path / 'vast2.duckdb'}"
    run("load", "calls", cdr, "--map", "caller=From", "--map", "callee=To", "--map", "start=Datetime",
        "--map", "duration_s=Duration(seconds)", "--map", "cell_id=Cell Tower", "--raw-ids",
        "--time-format", "%Y%m%d %H%M", "--tz", "UTC", "--quarantine", tmp_path / "q.csv", "--store", ws2)
    assert "9,830 calls between 400 phones" in run("status", "--store", ws2).output
    rows = list(csv.DictReader((tmp_path / "q.csv").open(encoding="utf-8")))
    assert [r["row"] for r in rows] == ["823", "4222", "6451", "7246"]


def test_amlsim_profile_and_what_an_analysis_from_seeds_leaves_out(tmp_path):
    # the example profile loads the AMLSim export; alert 0's 21 payers all pay account 62, which
    # the network-wide guard takes for a hotline; from those payers it stays in and leads
    tx = dataset("amlsim_small_export", "transactions.csv")
    alert = pd.read_csv(dataset("amlsim_small_export", "alert_transactions.csv")).query("alert_id == 0")
    ws = f"embedded:{tmp_path / 'aml.duckdb'}"
    run("load", "transfers", tx, "--profile", "examples/profiles/amlsim_export.toml", "--store", ws)
    assert "10,333 transfers" in run("status", "--store", ws).output
    seeds = [a for acct in alert["orig_acct"].unique() for a in ("--seed", str(acct))]
    assert "account:62" in run("hubs", "--store", ws, "--out", tmp_path / "all.csv").output
    run("hubs", *seeds, "--store", ws, "--out", tmp_path / "seeds.csv")
    left = pd.read_csv(tmp_path / "seeds.csv")
    assert "account:62" not in set(left["id"]) and len(left) == 3
    assert (left["seed_contacts"] > 0).all() and left["reason"].str.contains("of them not seeds").all()
    run("expand", *seeds, "--store", ws, "--out", tmp_path / "leads.csv")
    assert pd.read_csv(tmp_path / "leads.csv")["id"].iloc[0] == "account:62"
    r = run("upstream", *[a.replace("--seed", "--from") for a in seeds], "--store", ws)
    assert "note: left out 3 high-volume number(s): account:98, account:95, account:97" in r.output
    r = run("upstream", *[a.replace("--seed", "--from") for a in seeds], "--include-hubs", "--store", ws)
    assert "left out" not in r.output
    r = run("upstream", *[a.replace("--seed", "--from") for a in seeds], "--keep", "95", "--store", ws)
    assert "note: left out 2 high-volume number(s): account:98, account:97 " in r.output
    r = run("routes", *[a.replace("--seed", "--from") for a in seeds], "--keep", "95", "--store", ws)
    assert "note: left out 2 high-volume number(s): account:97, account:98 " in r.output
    assert "account:95" in run("expand", *seeds, "--store", ws).output.split("left out", 1)[1]
    left_part = run("expand", *seeds, "--keep", "95", "--store", ws).output.split("left out", 1)[1]
    assert "account:98" in left_part and "account:95" not in left_part
    r = run("expand", *seeds, "--keep", "no-such-account", "--store", ws, ok=False)
    assert r.exit_code == 1 and "no-such-account" in r.output
    # the same load described on the command line: columns by --map, the currency by --constant
    cols = ["--map", "payer_account=orig_acct", "--map", "payee_account=bene_acct", "--map", "amount=base_amt",
            "--map", "time=tran_timestamp", "--raw-ids"]
    ws2 = tmp_path / "aml2.duckdb"
    r = run("load", "transfers", tx, *cols, "--store", f"embedded:{ws2}", ok=False)
    assert r.exit_code == 1 and "currency" in r.output  # no such column, and no value given
    r = run("load", "transfers", tx, *cols, "--constant", "currency", "--store", f"embedded:{ws2}", ok=False)
    assert r.exit_code == 1 and "--constant expects field=VALUE, got 'currency'" in r.output
    r = run("load", "transfers", tx, *cols, "--constant", "colour=red", "--store", f"embedded:{ws2}", ok=False)
    assert r.exit_code == 1 and "--constant colour=...: colour is not a field of transfers" in r.output
    run("load", "transfers", tx, *cols, "--constant", "currency=USD", "--store", f"embedded:{ws2}")
    from netinv.store import EmbeddedStore

    with EmbeddedStore(ws2) as st:
        assert (st.records("transfers")["currency"] == "USD").all() and st.counts()["transfers"] == 10333


def _manifest(path):
    page = html.unescape(path.read_text(encoding="utf-8"))
    start = page.index("{", page.index('id="manifest"'))
    return json.JSONDecoder().raw_decode(page[start:])[0]


def test_decisions_on_numbers_from_the_command_line(tmp_path):
    # the analyst knows that VAST's phone 5 is a member's (200 talks to it most) and says so once;
    # every later analysis keeps it in without --keep.  Phone 1, not high-volume by its contacts
    # (22% two-way), is named a public one and left out
    cdr = dataset("vast2008_mc3_cdr", "cdr.csv")
    ws = f"embedded:{tmp_path / 'vast.duckdb'}"
    run("load", "calls", cdr, "--profile", "examples/profiles/vast2008.toml", "--keep-invalid", "duration_s",
        "--store", ws)
    r = run("decide-number", "5", "--not-public", "--by", "analyst A", "--note", "200's <b>lieutenant</b>",
            "--store", ws)
    kept = re.search(r"recorded (D\S+): phone:5 is not a public number", r.output).group(1)
    r = run("decide-number", "phone:1", "--public", "--store", ws)
    public = re.search(r"recorded (D\S+): phone:1 is a public number", r.output).group(1)
    for bad, why in (("999999", "not found in the phone-level network: 999999"),):
        r = run("decide-number", bad, "--public", "--store", ws, ok=False)
        assert r.exit_code == 1 and why in r.output
    r = run("decisions", "--store", ws)
    assert kept in r.output and public in r.output and "decisions on numbers" in r.output
    assert "analysts' decisions in force: 0 on identity, 2 on numbers (netinv decisions)" in \
        run("status", "--store", ws).output
    r = run("centrality", "--store", ws, "--level", "phone", "--out", tmp_path / "c.csv")
    assert f"note: kept in by decision (not a public number): phone:5 ({kept})" in r.output
    assert f"note: left out by decision (a public number): phone:1 ({public})" in r.output
    assert "left out 3 high-volume number(s): phone:1, phone:309, phone:306 " in r.output
    ids = pd.read_csv(tmp_path / "c.csv")["id"].tolist()
    assert ids[0] == "phone:5" and "phone:1" not in ids
    # --keep on the command line overrides a decision, for that run
    r = run("centrality", "--store", ws, "--level", "phone", "--keep", "1", "--out", tmp_path / "c.csv")
    assert "phone:1" in pd.read_csv(tmp_path / "c.csv")["id"].tolist() and "left out by decision" not in r.output
    r = run("hubs", "--store", ws, "--level", "phone", "--out", tmp_path / "h.csv")
    hubs = pd.read_csv(tmp_path / "h.csv")
    assert hubs["id"].tolist() == ["phone:1", "phone:309", "phone:306"]
    assert hubs["decision"].tolist()[0] == public and hubs["reason"].iloc[0].startswith("a public number (decision")
    assert f"note: kept in by decision (not a public number): phone:5 ({kept})" in r.output
    r = run("communities", "--store", ws, "--level", "phone", "--include-hubs")
    assert "note: kept in with --include-hubs though decided public: phone:1" in r.output
    leads = run("expand", "--seed", "200", "--store", ws, "--level", "phone", "--out", tmp_path / "e.csv")
    assert f"kept in by decision (not a public number): phone:5 ({kept})" in leads.output
    assert "phone:5" in pd.read_csv(tmp_path / "e.csv")["id"].tolist()
    # the report says which decisions it followed, with who and why, escaped
    run("report", "--out", tmp_path / "r.html", "--store", ws)
    raw = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<b>lieutenant</b>" not in raw
    page = html.unescape(raw)
    assert (f"Kept in by an analyst's decision that it is not a public number: phone:5 (decision {kept}, by "
            "analyst A: \"200's <b>lieutenant</b>\")") in page
    assert "named public by an analyst's decision: phone:1." in page
    m = _manifest(tmp_path / "r.html")
    assert m["high_volume_left_out"] == ["phone:1", "phone:309", "phone:306"]
    assert m["high_volume_kept_in"] == ["phone:5"]
    assert [(d["id"], d["public"], d["decision_id"]) for d in m["number_decisions"]] == [
        ("phone:1", True, public), ("phone:5", False, kept)]
    # undone, both go back to what the data say
    run("undo", kept, "--store", ws)
    run("undo", public, "--store", ws)
    r = run("centrality", "--store", ws, "--level", "phone")
    assert "left out 3 high-volume number(s): phone:309, phone:5, phone:306 " in r.output
    assert "by decision" not in r.output
    assert kept in run("decisions", "--all", "--store", ws).output
    # on the eighth day the crew changed phones, each old one still making a call or two after:
    # 1 -> 309, 5 -> 306, 2 -> 397, 3 -> 360, and 200 -> 300, whose contacts are the others' new
    # numbers.  With 5, 306 and 309 left out as service numbers two of the five are found; once the
    # analyst has said they are members, all five, and nothing else
    def pairs(*flags):
        r = run("successors", "--top", "1", "--store", ws, "--out", tmp_path / "s.csv", *flags)
        s = pd.read_csv(tmp_path / "s.csv", dtype=str)
        return r.output, set(zip(s["id"], s["candidate"])), set(s["how"])

    output, found, how = pairs()
    assert found == {("2", "397"), ("3", "360")} and how == {"handover"}
    assert "left out 3 high-volume number(s): phone:309, phone:5, phone:306" in output
    assert pairs("--quiet-only")[1] == set()

    def resolved():
        r = run("centrality", "--store", ws, "--level", "resolved", "--out", tmp_path / "c.csv")
        return r.output, set(pd.read_csv(tmp_path / "c.csv")["id"])

    # the resolved level merges what netinv successors finds, with the same numbers left out
    output, ids = resolved()
    assert "2 replacement phone(s) merged into the phone they replaced (2 of them after a handover" in output
    assert not {"phone:397", "phone:360"} & ids and "phone:300" in ids  # 306, 309: left out as high-volume
    for number in ("5", "306", "309"):
        run("decide-number", number, "--not-public", "--store", ws)
    output, found, _ = pairs()
    assert found == {("1", "309"), ("5", "306"), ("2", "397"), ("3", "360"), ("200", "300")}
    assert "4 of its 6 contacts (4 of them under their new numbers)" in output
    output, ids = resolved()
    assert "5 replacement phone(s) merged into the phone they replaced (5 of them after a handover" in output
    assert not {"phone:309", "phone:306", "phone:397", "phone:360", "phone:300"} & ids
    # an analyst who knows better keeps a pair apart, and a later word on it wins
    run("decide", "phone:300", "phone:200", "--different", "--store", ws)
    output, ids = resolved()
    assert "1 found pair(s) kept apart" in output and "4 replacement phone(s) merged" in output
    assert "phone:300" in ids and "phone:309" not in ids
    for old, new in sorted(found):
        r = run("decide", f"phone:{new}", old, "--same", "--store", ws, ok=False)
        assert r.exit_code == 1 and "not one of each" in r.output
        r = run("decide", f"phone:{new}", f"phone:{old}", "--same", "--by", "analyst A", "--store", ws)
        assert f"phone:{new} and phone:{old} are one user's (merged at --level resolved)" in r.output
    r = run("centrality", "--store", ws, "--level", "resolved", "--out", tmp_path / "c.csv")
    assert "note: analysts' decisions on phones: 5 pair(s) merged as one user's" in r.output
    ids = pd.read_csv(tmp_path / "c.csv")["id"].tolist()
    assert {"phone:1", "phone:5", "phone:2", "phone:3", "phone:200"} <= set(ids)
    assert not {"phone:309", "phone:306", "phone:397", "phone:360", "phone:300"} & set(ids)


def test_calls_that_balance_out_give_no_level_and_say_so(tmp_path):
    # three phones call each other once in a circle: no one is above anyone, and the commands say
    # so rather than print a tie as a ranking
    f = write_csv(tmp_path / "calls.csv", "caller,callee,start,duration_s\n1,2,2024-01-01 10:00,60\n"
                  "2,3,2024-01-01 11:00,60\n3,1,2024-01-01 12:00,60\n")
    ws = f"embedded:{tmp_path / 'w.duckdb'}"
    run("load", "calls", f, "--store", ws, "--raw-ids", "--tz", "UTC")
    r = run("hierarchy", "--store", ws, "--level", "phone")
    assert "note: no level for anyone: in their part of the network the evidence of who is above whom balances " \
           "out" in r.output
    r = run("upstream", "--from", "1", "--store", ws, "--level", "phone")
    assert "note: no candidates: around the seeds the evidence of who is above whom balances out" in r.output
    r = run("routes", "--from", "1", "--store", ws, "--level", "phone", ok=False)
    assert r.exit_code == 1 and "no upstream candidates above phone:1: around the seeds the evidence" in r.output
    assert "name the ends of the routes" in r.output
    assert "2 route(s)" in run("routes", "--from", "1", "--to", "3", "--store", ws, "--level", "phone").output
    run("report", "--out", tmp_path / "r.html", "--seed", "1", "--store", ws)
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Note: no candidates: around the seeds the evidence of who is above whom balances out" in page
    assert "No route found: no upstream candidates above phone:1" in page


def test_bad_profile_and_missing_file_exit_1(tmp_path):
    ws = f"embedded:{tmp_path / 'w.duckdb'}"
    r = run("load", "calls", tmp_path / "nope.csv", "--store", ws, "--raw-ids", "--tz", "UTC", ok=False)
    assert r.exit_code == 1 and "file not found" in r.output
    f = write_csv(tmp_path / "c.csv", "a,b\n1,2\n")
    r = run("load", "calls", f, "--profile", "nonsense", "--store", ws, ok=False)
    assert r.exit_code == 1 and "unknown profile 'nonsense'" in r.output


def test_store_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("NETINV_STORE", f"embedded:{tmp_path / 'env.duckdb'}")
    f = write_csv(tmp_path / "c.csv", "caller,callee,start,duration_s\n1,2,2024-01-01T00:00:00Z,5\n")
    run("load", "calls", f, "--raw-ids")
    assert "1 calls between 2 phones" in run("status").output
    assert (tmp_path / "env.duckdb").exists()


@pytest.mark.parametrize("cmd", [["status"], ["centrality"], ["upstream", "--from", "P1"],
                                 ["report", "--out", "r.html"], ["export", "--out", "x.gexf"], ["resolve"],
                                 ["decisions"], ["push", "--to", "embedded:b.duckdb"]])
def test_a_mistyped_workspace_is_an_error_not_a_new_empty_one(tmp_path, monkeypatch, cmd):
    monkeypatch.chdir(tmp_path)
    r = run(*cmd, "--store", "embedded:typo.duckdb", ok=False)
    assert r.exit_code == 1 and "no workspace at" in r.output and "typo.duckdb" in r.output, r.output
    assert not (tmp_path / "typo.duckdb").exists() and not (tmp_path / "b.duckdb").exists()


def test_load_case_says_what_each_load_noted(tmp_path, monkeypatch):
    # a case with both carriers' records of calls between their subscribers: load-case says which
    # rows were read as the callee's and which were taken for a call of the other carrier's file,
    # each file named as the command named it
    monkeypatch.chdir(tmp_path)
    run("synth", "--out", "case", "--seed", 3, "--people", 30, "--both-sides")
    r = run("load-case", "case", "--store", "embedded:w.duckdb")
    out = " ".join(r.output.split())
    for name, other in (("carrier_a.csv", "carrier_b.csv"), ("carrier_b.csv", "carrier_a.csv")):
        incoming = re.search(rf"note: (\S*{name}): [\d,]+ row\(s\) of incoming calls \(--incoming 呼叫类型=被叫\)", out)
        same = re.search(rf"note: (\S*{name}): [\d,]+ call\(s\) are calls of {other}", out)
        assert incoming and same and incoming.group(1) == same.group(1), out  # one file, named one way


def test_synth_load_case_report_view(tmp_path):
    ws = f"embedded:{tmp_path / 'w.duckdb'}"
    run("synth", "--out", tmp_path / "case", "--seed", 3, "--people", 30)
    r = run("load-case", tmp_path / "case", "--store", ws)
    assert "calls" in r.output
    run("report", "--out", tmp_path / "r.html", "--store", ws)
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    for section in ("Key players", "Community split", "Upstream candidates", "Supply routes", "Leads from widening",
                    "Replacement phones", "Linked cases", "Activity over time", "Run manifest"):
        assert section in html
    # from chosen seeds: the report names them, and its manifest lists them
    import json
    import re
    from html import unescape

    truth = json.loads((tmp_path / "case" / "ground_truth.json").read_text(encoding="utf-8"))
    chosen = truth["arrested_retailers"][:1]
    name = next(p["name"] for p in truth["persons"] if p["person_id"] == chosen[0])
    run("report", "--out", tmp_path / "r1.html", "--seed", chosen[0], "--store", ws)
    html = unescape((tmp_path / "r1.html").read_text(encoding="utf-8"))
    assert f"Seeds: {name}." in html and re.search(rf'"seeds": \[\s*"person:{chosen[0]}"\s*\]', html)
    # what upstream and routes left out from these seeds: here the same two numbers as network-wide
    hubs = re.search(r'"high_volume_left_out": (\[[^]]*\])', html).group(1)
    assert len(json.loads(hubs)) == 2
    assert json.loads(re.search(r'"high_volume_left_out_from_seeds": (\[[^]]*\])', html).group(1)) == json.loads(hubs)
    run("view", "--out", tmp_path / "v.html", "--store", ws, "--layer", "calls", "--level", "phone")
    assert (tmp_path / "v.html").stat().st_size > 100_000
    r = run("view", "--out", tmp_path / "v2.html", "--store", ws, "--seed", "nobody", ok=False)
    assert r.exit_code == 1 and "not found" in r.output


def test_demo(tmp_path):
    r = run("demo", "--out", tmp_path / "demo", "--people", 30)
    assert "report:" in r.output
    html = (tmp_path / "demo" / "report.html").read_text(encoding="utf-8")
    assert "netinv demo case" in html
    # running it again starts from a fresh workspace and gives the same counts
    run("demo", "--out", tmp_path / "demo", "--people", 30)
    again = run("status", "--store", f"embedded:{tmp_path / 'demo' / 'workspace.duckdb'}").output
    first_line = [line for line in again.splitlines() if "calls between" in line][0]
    assert first_line.startswith(tuple("0123456789"))


def test_locked_workspace_is_a_clear_error(tmp_path):
    import duckdb

    path = tmp_path / "w.duckdb"
    holder = subprocess.Popen([sys.executable, "-c",
                               f"import duckdb,time; c=duckdb.connect({str(path)!r}); "
                               "print('ok', flush=True); time.sleep(30)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        r = run("status", "--store", f"embedded:{path}", ok=False)
        assert r.exit_code == 1 and "in use by another" in r.output
    finally:
        holder.kill()
    del duckdb


def test_load_where_names_what_it_left_out(tmp_path):
    f = dataset("amlsim_small_export", "transactions.csv")
    ws = f"embedded:{tmp_path / 'w.duckdb'}"
    r = run("load", "transfers", f, "--profile", "examples/profiles/amlsim_export.toml", "--where", "tx_type=WIRE",
            "--where", "tx_type=TRANSFER", "--store", ws)
    assert "2,480 new transfers record(s)" in r.output and "7,853 row(s) left out by --where" in r.output
    assert "7,853 row(s) left out by --where tx_type=WIRE|TRANSFER (tx_type CREDIT ×4,055, DEPOSIT ×3,798)" \
        in " ".join(r.output.split())
    r = run("status", "--store", ws, "--out", tmp_path / "files.csv")
    assert "left_out" in r.output and "7,853" in r.output
    assert pd.read_csv(tmp_path / "files.csv")["left_out"].tolist() == [7_853]
    run("report", "--out", tmp_path / "r.html", "--store", ws)
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<th>left out</th>" in html and '<td class="num">7853</td>' in html
    r = run("load", "transfers", f, "--profile", "examples/profiles/amlsim_export.toml", "--where", "tx_type",
            "--store", ws, ok=False)
    assert r.exit_code == 1 and "--where expects COLUMN=VALUE, got 'tx_type'" in r.output


def test_load_same_call_within(tmp_path):
    a, b = write_csv(tmp_path / "a.csv", CARRIER_A), write_csv(tmp_path / "b.csv", CARRIER_B)
    ws = f"embedded:{tmp_path / 'w.duckdb'}"
    r = run("load", "calls", a, b, "--region", "CN", "--tz", "Asia/Shanghai", "--same-call-within", "2",
            "--store", ws)
    assert "5 new calls record(s), 0 already in the workspace, 7 new provenance entries" in r.output
    assert "2 call(s) are calls of a.csv (the same caller and callee, start and duration within 2 s)" \
        in " ".join(r.output.split())
    r = run("load", "holders", a, "--same-call-within", "2", "--store", ws, ok=False)
    assert r.exit_code == 1 and "only for calls" in r.output


def test_status_counts_handsets_and_names_the_imeis_that_name_none(tmp_path):
    calls = tmp_path / "c.csv"
    calls.write_text("caller,callee,start,duration_s,imei\n"
                     "A,B,2024-02-04T10:00:00Z,15,356938035643809\n"
                     "C,B,2024-02-05T10:00:00Z,15,3569380356438001\n"
                     "D,B,2024-02-06T10:00:00Z,15,000000000000000\n"
                     "E,B,2024-02-07T10:00:00Z,15,000000000000000\n", encoding="utf-8")
    ws = f"embedded:{tmp_path / 'w.duckdb'}"
    run("load", "calls", calls, "--raw-ids", "--tz", "UTC", "--store", ws)
    out = " ".join(run("status", "--store", ws).output.split())
    assert re.search(r"devices │ 1 │", out), out  # one handset written two ways; the placeholder is none
    assert ("note: devices are handsets by their first 14 digits; the IMEIs of 2 call end(s) name no handset and "
            "are not compared ('000000000000000' ×2)") in out, out
    # loaded again (nothing new): the audit log lists both loads, each with the file's hash
    run("load", "calls", calls, "--raw-ids", "--tz", "UTC", "--authority", "Order 9", "--store", ws)
    r = run("status", "--loads", "--out", tmp_path / "loads.csv", "--store", ws)
    assert "loads: 2 (times in UTC)" in r.output and "Order 9" in r.output and "wrote 2 loads" in r.output
    log = pd.read_csv(tmp_path / "loads.csv", dtype=str)
    sha = hashlib.sha256(calls.read_bytes()).hexdigest()
    assert log["records_new"].tolist() == ["4", "0"]
    assert [json.loads(o)["file_sha256"] for o in log["options"]] == [[sha], [sha]]


def test_status_sums_up_many_files_per_folder_and_lists_each_on_request(tmp_path, small_case):
    from netinv.cli import STATUS_FILES
    from netinv.store import EmbeddedStore

    ws = f"embedded:{tmp_path / 'w.duckdb'}"
    run("load-case", small_case.path, "--store", ws)
    files = sorted(p for p in small_case.path.rglob("*") if p.is_file() and p.name not in
                   ("manifest.json", "ground_truth.json"))
    statements = [p for p in files if p.parent.name == "bank"]
    assert len(files) > STATUS_FILES and len(statements) > 1
    with EmbeddedStore(tmp_path / "w.duckdb", read_only=True) as st:
        sources, folders = st.sources(), st.sources_by_folder()
    assert len(sources) == len(files)
    # one row per folder, kind, profile and authority; nothing lost in the sums
    bank = folders[folders["kind"] == "transfers"].iloc[0]
    assert bank["folder"] == str(statements[0].parent) and bank["files"] == len(statements)
    assert folders["files"].sum() == len(files) and folders["rows"].sum() == sources["rows"].sum()
    assert (folders["first_loaded"] <= folders["last_loaded"]).all()

    r = run("status", "--store", ws)
    assert f"files loaded: {len(files)} in {len(folders)} group(s)" in r.output
    assert statements[0].name not in r.output and "netinv status --files" in r.output
    r = run("status", "--store", ws, "--files", "--out", tmp_path / "files.csv")
    assert f"wrote {len(files)} files to" in r.output
    listed = pd.read_csv(tmp_path / "files.csv")
    assert list(listed.columns[:2]) == ["path", "file_sha256"]
    assert sorted(listed["path"]) == sorted(str(p) for p in files)
    assert listed["file_sha256"].str.fullmatch(r"[0-9a-f]{64}").all()
    # --files: a row for each file (its SHA-256 prefix; rich folds long paths across lines)
    assert all(sha[:12] in r.output for sha in listed["file_sha256"])


def test_analysis_commands_write_ranked_csv(tmp_path, small_case):
    import pandas as pd

    ws = f"embedded:{tmp_path / 'w.duckdb'}"
    run("load-case", small_case.path, "--store", ws)
    seeds = small_case.truth["arrested_retailers"][:2]
    seed_args = [a for s in seeds for a in ("--from", s)]
    cases = {
        "centrality": ["centrality"], "communities": ["communities", "--runs", "3"], "brokers": ["brokers"],
        "hierarchy": ["hierarchy"], "upstream": ["upstream", *seed_args],
        "routes": ["routes", *seed_args, "--k", "3"],
        "expand": ["expand", *[a for s in seeds for a in ("--seed", s)]], "hubs": ["hubs"],
    }
    for name, args in cases.items():
        out_csv = tmp_path / f"{name}.csv"
        r = run(*args, "--store", ws, "--out", out_csv)
        df = pd.read_csv(out_csv)
        assert df.columns[0] == "id", name
        assert len(df) > 0, name
        if "rank" in df:
            assert df["rank"].tolist() == sorted(df["rank"].tolist()), name
    groups = pd.read_csv(tmp_path / "communities.csv")["community"].tolist()
    assert groups[0] == 1 and groups == sorted(groups, key=lambda c: (c == 0, c))  # the left out (0) last
    assert "left out" in run("expand", "--seed", seeds[0], "--store", ws).output
    # a seed's phone as an analyst types it (national format, spaces) is its holder, and a note says so
    person = next(p for p in small_case.truth["persons"] if p["person_id"] == seeds[0])
    national = person["phones"][0].removeprefix("+86")
    typed = f"{national[:3]} {national[3:7]} {national[7:]}"
    by_phone = run("expand", "--seed", typed, "--store", ws, "--out", tmp_path / "by_phone.csv")
    assert f"note: {typed} is person:{seeds[0]} ({person['name']})" in by_phone.output
    run("expand", "--seed", seeds[0], "--store", ws, "--out", tmp_path / "by_id.csv")
    assert pd.read_csv(tmp_path / "by_phone.csv").equals(pd.read_csv(tmp_path / "by_id.csv"))
    twice = run("expand", "--seed", seeds[0], "--seed", typed, "--store", ws)
    assert f"note: {seeds[0]} and {typed} are the same node (person:{seeds[0]}): counted once" in twice.output
    alone = run("upstream", "--from", seeds[0], "--level", "phone", "--store", ws)
    assert f"note: {seeds[0]} has no contacts in the phone-level network" in alone.output
    assert "give those, or use --level person" in alone.output
    # times in tables are on the case's clock, offset written out, as in the source records
    r = run("routes", *seed_args, "--k", "1", "--store", ws)
    assert re.search(r"20\d\d-\d\d-\d\d \d\d:\d\d \+08:00", r.output), r.output
    # a day in --since is a day in the case's time zone (the carriers' exports are Beijing time)
    r = run("centrality", "--since", "2024-03-01", "--store", ws)
    assert "note: --since/--until read in Asia/Shanghai (the time zone the records were loaded in" in r.output
    assert "window [2024-02-29T16:00:00+00:00, +inf)" in r.output
    # successors --phone reads numbers the same way
    old = small_case.truth["replacements"][0]["old"]
    run("successors", "--phone", f"0086 {old[3:]}", "--store", ws, "--out", tmp_path / "succ.csv")
    succ = pd.read_csv(tmp_path / "succ.csv", dtype=str)
    assert len(succ) > 0 and set(succ["id"]) == {old}
    # in a window: only its calls count; a window that ends on the switch day has no successor
    change = small_case.truth["replacements"][0]
    start = pd.Timestamp(small_case.truth["start"])
    switch = (start + pd.Timedelta(days=change["switch_day"])).strftime("%Y-%m-%d")
    for since, until, found in ((None, None, True), (None, switch, False), (start.strftime("%Y-%m-%d"), None, True)):
        bounds = [x for flag, v in (("--since", since), ("--until", until)) if v for x in (flag, v)]
        run("successors", "--phone", old, *bounds, "--store", ws, "--out", tmp_path / "w.csv")
        rows = pd.read_csv(tmp_path / "w.csv", dtype=str)
        assert ((rows["candidate"] == change["new"]) & (rows["rank"] == "1")).any() == found, (since, until)
    r = run("upstream", "--from", "nobody", "--store", ws, ok=False)
    assert r.exit_code == 1 and "not found" in r.output
    r = run("centrality", "--samples", "4", "--store", ws, ok=False)
    assert r.exit_code == 2 and "--samples" in r.output
    # the split is the best of 10 runs on a case this small, or the one run asked for
    assert "best of 10 runs from seed 0" in run("communities", "--runs", "0", "--store", ws).output
    assert "resolution 2.0, seed 4)" in run("communities", "--runs", "0", "--tries", "1", "--seed", "4",
                                            "--store", ws).output
    r = run("upstream", *seed_args, "--store", ws)
    assert "calls run up (the callee is above the caller): the payer placed more of the calls" in r.output
    r = run("hierarchy", "--call-direction", "down", "--store", ws)
    assert "calls run down (the caller is above the callee), as asked" in r.output
    r = run("expand", "--seed", seeds[0], "--call-direction", "sideways", "--store", ws, ok=False)
    assert r.exit_code == 1 and "unknown call direction 'sideways'" in r.output
    # counts below their minimum are refused before any work, naming the option
    for args in (["upstream", *seed_args, "--hops", "0"], ["upstream", *seed_args, "--top", "-3"],
                 ["routes", *seed_args, "--k", "0"], ["expand", "--seed", seeds[0], "--hops", "-1"],
                 ["expand", "--seed", seeds[0], "--max-degree", "0"], ["communities", "--runs", "-1"],
                 ["communities", "--tries", "0"]):
        r = run(*args, "--store", ws, ok=False)
        assert r.exit_code == 2 and args[-2] in r.output, args
    # a window without records is an error, not a table of zeros
    r = run("centrality", "--since", "2099-01-01", "--store", ws, ok=False)
    assert r.exit_code == 1 and "no records in the layers calls, money, co_arrest from 2099-01-01" in r.output
    # a file that cannot be written, or a gap that is not a duration: one line, exit 1, no traceback
    (tmp_path / "a-file").write_text("not a folder")
    r = run("hubs", "--out", tmp_path / "a-file" / "hubs.csv", "--store", ws, ok=False)
    assert r.exit_code == 1 and "a-file" in r.output and "Traceback" not in r.output, r.output
    # a folder that does not exist yet is made, as for the report and views
    run("hubs", "--out", tmp_path / "new" / "hubs.csv", "--store", ws)
    assert (tmp_path / "new" / "hubs.csv").read_text(encoding="utf-8").startswith("id,")
    r = run("routes", *seed_args, "--time-respecting", "--max-gap", "soon", "--store", ws, ok=False)
    assert r.exit_code == 1 and "max_gap: cannot read 'soon' as a duration" in r.output
    # a bare number would be nanoseconds to pandas, and a bound written day first is refused, not guessed
    r = run("routes", *seed_args, "--time-respecting", "--max-gap", "7", "--store", ws, ok=False)
    assert r.exit_code == 1 and "max_gap: '7' has no unit" in r.output
    r = run("centrality", "--since", "03/01/2024", "--store", ws, ok=False)
    assert r.exit_code == 1 and "write it year first" in r.output
    # a number held by someone on record is part of that person above phone level: deciding it
    # public says so (a person is never left out)
    r = run("decide-number", person["phones"][0], "--public", "--store", ws)
    assert f"note: phone:{person['phones'][0]} is held by {seeds[0]} on record" in r.output
    assert "the decision applies at phone level" in r.output
    assert "is held by" not in run("decide-number", person["phones"][0], "--not-public", "--store", ws).output


def test_seeds_from_the_arrests(tmp_path, small_case):
    """--arrested starts upstream, expand and routes from the retail arrests, as the report does."""
    import pandas as pd

    from netinv.store import EmbeddedStore

    ws = f"embedded:{tmp_path / 'w.duckdb'}"
    run("load-case", small_case.path, "--store", ws)
    truth = small_case.truth
    # the generator's arrested courier holds kilograms; the retail dealers and customers arrested hold grams
    retail = sorted(set(truth["arrested"]) - set(truth["couriers"]))
    assert set(truth["arrested"]) - set(retail), "the case should also hold an arrest with more than retail grams"
    with EmbeddedStore(tmp_path / "w.duckdb") as st:
        person, phone = st.network(level="person"), st.network(level="phone")
    assert sorted(person.retail_arrests()) == [f"person:{p}" for p in retail]
    held = {f"{kind}:{v}" for p in truth["persons"] if p["person_id"] in retail
            for kind, vals in (("phone", p["phones"]), ("account", p["accounts"])) for v in vals}
    at_phone = phone.retail_arrests()
    assert at_phone and set(at_phone) <= held
    # everyone arrested when the threshold leaves nobody
    assert sorted(person.retail_arrests(max_g=0)) == sorted(f"person:{p}" for p in truth["arrested"])

    r = run("upstream", "--arrested", "--store", ws, "--out", tmp_path / "arrested.csv")
    assert f"note: --arrested: {len(retail)} seed(s) from the arrests: person:" in r.output
    run("upstream", *[a for s in retail for a in ("--from", s)], "--store", ws, "--out", tmp_path / "given.csv")
    assert pd.read_csv(tmp_path / "arrested.csv").equals(pd.read_csv(tmp_path / "given.csv"))
    # given seeds and --arrested together: each node once
    r = run("upstream", "--from", retail[0], "--arrested", "--store", ws, "--out", tmp_path / "both.csv")
    assert pd.read_csv(tmp_path / "both.csv").equals(pd.read_csv(tmp_path / "given.csv"))
    r = run("expand", "--arrested", "--level", "phone", "--store", ws)
    assert f"note: --arrested: {len(at_phone)} seed(s) from the arrests" in r.output
    r = run("routes", "--arrested", "--k", "2", "--store", ws)
    assert "2 route(s)" in r.output
    r = run("view", "--arrested", "--hops", "1", "--out", tmp_path / "arrested.html", "--store", ws)
    assert f"note: --arrested: {len(retail)} seed(s) from the arrests" in r.output
    html = (tmp_path / "arrested.html").read_text(encoding="utf-8")
    assert all(f"person:{p}" in html for p in retail)
    for cmd, option in (("upstream", "--from"), ("expand", "--seed"), ("routes", "--from")):
        r = run(cmd, "--store", ws, ok=False)
        assert r.exit_code == 1 and f"no seeds: give {option} ID (repeatable) or --arrested" in r.output, cmd


def test_analysis_counts_are_checked_in_the_library(tmp_path, small_case):
    from functools import partial

    from netinv import analysis as an
    from netinv.errors import NetinvError
    from netinv.store import EmbeddedStore
    from netinv.workflow import load_generated

    with EmbeddedStore(tmp_path / "w.duckdb") as st:
        load_generated(small_case.path, st)
        net = st.network(level="person")
    seeds = ["person:" + p for p in small_case.truth["arrested_retailers"][:2]]
    calls = [("top", partial(an.upstream, net, seeds, top=-3)), ("hops", partial(an.upstream, net, seeds, hops=0)),
             ("hops", partial(an.expand, net, seeds, hops=1.5)),
             ("max_degree", partial(an.expand, net, seeds, max_degree=0)), ("k", partial(an.routes, net, seeds, k=0))]
    for name, call in calls:
        with pytest.raises(NetinvError, match=f"^{name} must be a whole number of at least 1"):
            call()
    assert len(an.upstream(net, seeds, top=3)) == 3


def _commands(group, path=()):
    """Every command of the CLI with its path: (("load", "calls"), command), ..."""
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):  # a group (typer brings its own click)
            yield from _commands(cmd, (*path, name))
        else:
            yield (*path, name), cmd


def test_every_command_has_an_example_that_its_options_accept():
    # each command's --help ends with examples; they must name options that exist, with values of
    # the right type, and every required argument and option (click parses them without running)
    import shlex

    import typer

    root = typer.main.get_command(app)
    seen = 0
    for path, cmd in _commands(root):
        doc = cmd.help or ""
        assert "Example:" in doc, f"netinv {' '.join(path)} --help gives no example"
        examples = [ln.strip() for ln in doc.split("Example:", 1)[1].splitlines() if ln.strip()]
        prefix = f"netinv {' '.join(path)}"
        assert examples and all(e == prefix or e.startswith(prefix + " ") for e in examples), examples
        for e in examples:
            args = shlex.split(e)[1 + len(path):]
            cmd.make_context(" ".join(path), args)  # raises a UsageError on an unknown option or bad value
            seen += 1
    assert seen >= 30


def test_identity_commands_say_what_a_workspace_lacks(tmp_path):
    # a bank-statement case: no calls, no people, no cases.  Each identity command says why its
    # table is empty, and the hierarchy that call direction plays no part
    ws = f"embedded:{tmp_path / 'ws.duckdb'}"
    t = write_csv(tmp_path / "t.csv", "payer_account,payee_account,amount,currency,time\n"
                                      "6222001,6222002,100.50,CNY,2024-01-01T10:00:00+08:00\n"
                                      "6222002,6222003,90,CNY,2024-01-02T10:00:00+08:00\n")
    run("load", "transfers", t, "--raw-ids", "--store", ws)
    assert "no call records in the workspace" in run("successors", "--store", ws).output
    assert "no person ids in the holder and arrest records" in run("resolve", "--store", ws).output
    assert "no case in the workspace's arrest records" in run("link-cases", "--store", ws).output
    assert "no calls in the network: call direction plays no part" in run("hierarchy", "--store", ws).output


def test_dossier_of_an_arrested_dealer(tmp_path, small_case):
    # the dossier of an arrested dealer (as the case file names him): his phone's contacts, the
    # supplier among them, his tower and handset, and his account's money; --out writes every table
    ws = f"embedded:{tmp_path / 'w.duckdb'}"
    run("load-case", small_case.path, "--store", ws)
    truth = small_case.truth
    dealer = truth["arrested_retailers"][0]
    r = run("dossier", dealer, "--top", "3", "--out", tmp_path / "d", "--store", ws)
    assert f"dossier of person:{dealer}: phones +86" in r.output
    for section in ("people: 1 row(s)", "arrests: ", "contacts: ", "cells: ", "handsets: ", "money: ",
                    "successors: "):
        assert section in r.output, section
    tables = {p.stem: pd.read_csv(p, dtype=str) for p in (tmp_path / "d").glob("*.csv")}
    assert sorted(tables) == ["arrests", "cells", "contacts", "handsets", "money", "people", "successors"]
    assert tables["people"]["person_id"].tolist() == [dealer] and len(tables["arrests"]) >= 1
    contacts = tables["contacts"]
    assert len(contacts) > 3 and contacts["calls"].astype(int).is_monotonic_decreasing
    assert (contacts["calls"].astype(int) == contacts["calls_out"].astype(int) + contacts["calls_in"].astype(int)).all()
    # a distributor (the level above retail in the true chain) holds one of his contacts
    held = " ".join(contacts["held_by"].dropna())
    assert any(f"({p})" in held for p in truth["distributors"]), held
    r = run("dossier", "999 9999 9999", "--store", ws, ok=False)
    assert r.exit_code == 1 and "999 9999 9999" in r.output
    # a phone its holder replaced: the new number, at rank 1, with the evidence, from either number
    change = truth["replacements"][0]
    for ref in (change["old"], change["new"]):
        r = run("dossier", ref, "--out", tmp_path / "r", "--store", ws)
        found = pd.read_csv(tmp_path / "r" / "successors.csv", dtype=str)
        top = found[found["old"] == change["old"]].iloc[0]
        assert (top["candidate"], top["rank"]) == (change["new"], "1"), found
        assert "contacts" in top["reasons"] and "successors: " in r.output
        assert {"old_held_by", "candidate_held_by"} <= set(found.columns)
    r = run("dossier", change["old"], "--no-successors", "--store", ws)
    assert "successors: none" in r.output and "successors: not searched" in r.output


def test_a_dossier_page_shows_the_records_words_as_text(tmp_path):
    # names and aliases come from seized records: the page shows them escaped, with its notes
    ws = f"embedded:{tmp_path / 'w.duckdb'}"
    evil = "<script>alert(1)</script>"
    run("load", "holders", write_csv(tmp_path / "h.csv", f"person_id,name,phone\nP1,\"{evil}\",A\n"),
        "--raw-ids", "--store", ws)
    run("load", "calls", write_csv(tmp_path / "c.csv", "caller,callee,start,duration_s\n"
                                                       "A,B,2024-01-01T10:00:00Z,60\nB,A,2024-01-02T10:00:00Z,30\n"),
        "--raw-ids", "--store", ws)
    r = run("dossier", "A", "--html", tmp_path / "out" / "a.html", "--no-successors", "--store", ws)
    assert f"wrote {tmp_path / 'out' / 'a.html'}" in r.output
    page = (tmp_path / "out" / "a.html").read_text(encoding="utf-8")
    assert evil not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<li>successors: not searched</li>" in page and "h.csv" in page and "c.csv" in page
    assert "The successor search read" not in page
    assert "<script" not in page and "script-src 'none'" in page  # tables only: no script, none allowed
    for heading in ("Who holds it", "Contacts", "Cell towers", "Handsets", "Money", "Replacement phones"):
        assert f"<h2>{heading}" in page, heading


def test_store_neo4j_alone_is_the_server_never_a_file(tmp_path, monkeypatch):
    # --store neo4j once made a workspace file called "neo4j" and loaded into it: the word alone
    # names the server NETINV_NEO4J_URI names, and without one the command stops
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NETINV_NEO4J_URI", raising=False)
    calls = write_csv(tmp_path / "c.csv", "caller,callee,start,duration_s\nA,B,2024-01-01T10:00:00Z,60\n")
    for word in ("neo4j", "bolt", " Neo4j "):
        r = run("load", "calls", calls, "--raw-ids", "--store", word, ok=False)
        assert r.exit_code == 1 and "is the Neo4j server NETINV_NEO4J_URI names, and it is not set" in r.output
        assert f"embedded:{word.strip()}" in " ".join(r.output.split())
    monkeypatch.setenv("NETINV_NEO4J_URI", "neo4j")
    assert "that is 'neo4j', no server URI" in run("status", "--store", "neo4j", ok=False).output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv"]  # no workspace made
    # a workspace file of that name is still one to name
    run("load", "calls", calls, "--raw-ids", "--store", "embedded:neo4j")
    assert (tmp_path / "neo4j").exists()
