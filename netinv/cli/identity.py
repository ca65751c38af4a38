"""Identity and case-linkage commands: resolve, decide, decide-number, undo, decisions, successors, link-cases,
dossier."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import pandas as pd
import typer

from ..errors import NetinvError
from ..exports import write_csv
from .common import (INCLUDE_HUBS, KEEP, SINCE, STORE, UNTIL, case_window, err, frame_table, handle_errors, high_volume,
                     open_case, out, progress)

__all__ = ["register"]

BY = typer.Option(None, "--by", help="Who decides (kept in the log).")
NOTE = typer.Option(None, "--note", help="Why (kept in the log).")


#: the columns of a dossier table shown on screen, where not all
_SHOWN = {"successors": ["old", "candidate", "rank", "score", "how", "reasons"]}


def _no_handset_note(calls: pd.DataFrame) -> None:
    """Name the IMEI values of ``calls`` (either end) that name no handset, if any."""
    from ..normalize import no_handset_note
    from ..store.base import call_ends

    note = no_handset_note(call_ends(calls, "imei"))
    if note:
        err.print(f"note: {note}", markup=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    @app.command()
    @handle_errors
    def resolve(
        threshold: float = typer.Option(0.95, "--threshold", help="Merge pairs at least this likely automatically."),
        review_threshold: float = typer.Option(0.5, "--review-threshold", help="Pairs from here up go to review."),
        out_file: Optional[Path] = typer.Option(None, "--out", "-o", help="Write every scored pair to this CSV."),
        store: Optional[str] = STORE,
    ):
        """Person resolution: which person ids are the same person (merged, and to review), with reasons.

        Example:

        netinv resolve --threshold 0.95 --out pairs.csv
        """
        from .analyse import _write_csv

        with progress("resolving"), open_case(store) as st:
            res = st.resolution(threshold=threshold, review_threshold=review_threshold)
        groups = res.groups()
        out.print(frame_table(groups, title=f"{len(groups)} merged group(s) (threshold {threshold})"))
        rev = res.review[["a", "b", "probability", "reasons"]]
        out.print(frame_table(rev, title=f"{len(rev)} pair(s) to review: decide with netinv decide A B "
                                          "--same / --different"))
        for n in res.notes:
            out.print(f"note: {n}", markup=False)
        if out_file is not None:
            _write_csv(res.pairs.rename(columns={"a": "id"}), out_file)

    @app.command()
    @handle_errors
    def decide(
        a: str = typer.Argument(..., help="A person id, or a phone (phone:NUMBER) for two phones."),
        b: str = typer.Argument(..., help="Another person id, or the other phone (phone:NUMBER)."),
        same: bool = typer.Option(..., "--same/--different",
                                  help="The same person (for two phones: one user, the newer phone replacing the "
                                       "older), or not."),
        by: Optional[str] = BY, note: Optional[str] = NOTE,
        store: Optional[str] = STORE,
    ):
        """Record an analyst's decision on two person ids, or two phones; every later resolution respects it.

        For two phones (netinv successors lists candidates) --same merges them at --level resolved,
        --different keeps a pair found automatically apart.

        Example:

        netinv decide P0012 P0031 --same --by 'DS Li' --note 'same ID card photo'

        netinv decide phone:+8613800138000 phone:+8613900139000 --same
        """
        phones = [x.strip().startswith("phone:") for x in (a, b)]
        with open_case(store) as st:
            if any(phones):
                if not all(phones):
                    raise NetinvError("a decision is on two person ids or on two phones (phone:NUMBER), "
                                      "not one of each")
                net = st.network(layers=("calls",), level="phone")
                a, b = net.resolve([a])[0], net.resolve([b])[0]
                if a == b:
                    raise NetinvError(f"{a} is one phone: a decision is on two")
            else:
                known = set(st.persons()["person_id"])
                missing = [x for x in (a, b) if x not in known]
                if missing:
                    raise NetinvError(f"no person id {', '.join(missing)} in the workspace")
            did = st.record_decision(a, b, same, by=by, note=note)
        if all(phones):
            what = "one user's (merged at --level resolved)" if same else "not one user's (never merged)"
        else:
            what = "the same person" if same else "different people"
        out.print(f"recorded {did}: {a} and {b} are {what}", markup=False)

    @app.command("decide-number")
    @handle_errors
    def decide_number(
        number: str = typer.Argument(..., help="A phone number or account, as the records have it or as typed "
                                               "(phone:..., account:..., or the bare number)."),
        public: bool = typer.Option(..., "--public/--not-public",
                                    help="A public number (a taxi firm, a hotline: the analyses leave it out), or "
                                         "not (a member whom many call: never left out as high-volume)."),
        by: Optional[str] = BY, note: Optional[str] = NOTE,
        store: Optional[str] = STORE,
    ):
        """Record whether a number is a public one; every later analysis and report respects it.

        Example:

        netinv decide-number phone:CN:95588 --public --note 'bank hotline'

        netinv decide-number 13800138000 --not-public --by 'DS Li'
        """
        with progress("finding the number"), open_case(store) as st:
            net = st.network(layers=("calls", "money"), level="phone")
            nid = net.resolve([number])[0]
            if not nid.startswith(("phone:", "account:")):
                raise NetinvError(f"{number} is {nid}, not a phone number or account")
            before = st.number_decisions()
            before = before[before["number"] == nid]
            did = st.record_number_decision(nid, public, by=by, note=note)
            h = st.holdings()
            kind, value = nid.split(":", 1)
            holders = sorted(set(h.loc[(h["kind"] == kind) & (h["value"] == value), "person_id"])) if len(h) else []
        if number.strip() != nid:
            out.print(f"{number.strip()} is {nid}", markup=False)
        what = "a public number: the analyses leave it out" if public else \
            "not a public number: the analyses never leave it out as high-volume"
        out.print(f"recorded {did}: {nid} is {what}", markup=False)
        for r in before.tail(1).itertuples(index=False):
            out.print(f"it overrides {r.decision_id} ({'public' if r.public else 'not public'}); "
                      f"netinv undo {did} goes back to that one", markup=False)
        if public and len(holders) == 1:
            err.print(f"note: {nid} is held by {', '.join(holders)} on record: at person and resolved level it is "
                      "part of that person, who is never left out; the decision applies at phone level",
                      markup=False, soft_wrap=True)

    @app.command()
    @handle_errors
    def undo(decision_id: str = typer.Argument(..., help="The decision to withdraw (netinv decisions)."),
             store: Optional[str] = STORE):
        """Withdraw a decision (a merge, a separation, or one on a number); the log keeps it, marked undone.

        Example:

        netinv undo D20240301101500-a1b2c3
        """
        with open_case(store) as st:
            st.undo_decision(decision_id)
        out.print(f"undone {decision_id}", markup=False)

    @app.command()
    @handle_errors
    def decisions(all_: bool = typer.Option(False, "--all", help="Include undone decisions."),
                  store: Optional[str] = STORE):
        """The log of the analysts' decisions: on identity (netinv decide) and on numbers (netinv decide-number).

        Example:

        netinv decisions --all
        """
        with open_case(store) as st:
            df = st.decisions(active=not all_)
            nums = st.number_decisions(active=not all_)
        for frame, what, how in ((df, "identity", "netinv decide A B --same/--different"),
                                 (nums, "numbers", "netinv decide-number ID --public/--not-public")):
            if len(frame):
                out.print(frame_table(frame, title=f"decisions on {what}"))
            else:
                out.print(f"no {'' if all_ else 'active '}decisions on {what} ({how})", markup=False)

    @app.command()
    @handle_errors
    def successors(
        phone: List[str] = typer.Option([], "--phone", help="Only for these old numbers (repeatable)."),
        top: int = typer.Option(3, "--top", min=1, help="Candidates per old number."),
        handover: bool = typer.Option(True, "--handover/--quiet-only",
                                      help="Also numbers that still make a call now and then but whose contacts "
                                           "moved to a newer number (--quiet-only: only numbers that went quiet)."),
        include_hubs: bool = INCLUDE_HUBS, keep: List[str] = KEEP,
        since: Optional[str] = SINCE, until: Optional[str] = UNTIL,
        out_file: Optional[Path] = typer.Option(None, "--out", "-o", help="Also write the table to this CSV."),
        store: Optional[str] = STORE,
    ):
        """Replacement phones: likely successors of numbers that went quiet or handed over, with the evidence.

        With --since/--until only the window's calls count (quiet: a week before the window's last call).

        Example:

        netinv successors --phone 13800138000 --top 3

        netinv successors --since 2024-03-01 --until 2024-06-01 --out successors.csv
        """
        from ..linkage import successors as find
        from .analyse import _left_out, _write_csv

        from ..linkage import holder_arrests, quiet_on_arrest

        with progress("successors"), open_case(store) as st:
            window = case_window(st, since, until)
            calls = st.records("calls", window)
            net = st.network(layers=("calls",), level="phone", window=window)
            held = holder_arrests(st.holdings(), st.records("arrests"))
        hubs = high_volume(net, include_hubs, keep)
        # numbers as written (national format, spaces) are read as the loads read them
        wanted = [nid.split(":", 1)[1] for nid in net.resolve(phone)] if phone else None
        df = find(calls, phones=wanted, top=top, exclude=[h.split(":", 1)[1] for h in hubs], handover=handover)
        out.print(frame_table(df[["old", "candidate", "rank", "score", "how", "reasons"]], title="successors"))
        if calls.empty:
            where = f"in {window}" if window.since is not None or window.until is not None else "in the workspace"
            err.print(f"note: no call records {where}: replacement phones are found in call records "
                      "(netinv load calls)", markup=False, soft_wrap=True)
        on_arrest = quiet_on_arrest(df[df["rank"] == 1], held) if len(df) else {}
        if on_arrest:
            which = [f"{old} ({p} arrested {pd.Timestamp(d).date()})" for old, (p, d) in on_arrest.items()]
            err.print("note: went quiet when its holder was arrested, so the newer number is most likely someone "
                      "else's (--level resolved does not merge it): " + ", ".join(which), markup=False, soft_wrap=True)
        if hubs:
            err.print(f"note: {_left_out(hubs)}; they count neither as contacts nor as replacements here",
                      markup=False, soft_wrap=True)
        _no_handset_note(calls)
        if out_file is not None:
            _write_csv(df.rename(columns={"old": "id"}), out_file)

    @app.command("dossier")
    @handle_errors
    def dossier_cmd(
        ref: str = typer.Argument(..., help="A phone, account or person: typed (phone:..., person:P0012) or as "
                                            "written (138 0013 8000)."),
        top: int = typer.Option(10, "--top", min=1, help="Rows shown of each table (--out writes them all)."),
        since: Optional[str] = SINCE, until: Optional[str] = UNTIL,
        out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Write every table in full to this folder "
                                                                        "(people.csv, contacts.csv, ...)."),
        html: Optional[Path] = typer.Option(None, "--html", help="Write the dossier as one offline HTML page to hand "
                                                                 "on: a wheel of its counterparts, its tables, notes, "
                                                                 "the files behind its records (SHA-256, authority) "
                                                                 "and a manifest."),
        with_successors: bool = typer.Option(True, "--successors/--no-successors",
                                             help="Search the window's calls for the phones that replaced its phones "
                                                  "or that they replaced, as netinv successors does (seconds on "
                                                  "millions of calls; --no-successors skips it)."),
        store: Optional[str] = STORE,
    ):
        """One phone, account or person (号码画像): holders, arrests, contacts, towers, handsets, money, successors.

        Towers and handsets at either end of the calls; the numbers that replaced its phones (换号).

        Example:

        netinv dossier 13800138000 --since 2024-03-01 --out dossier-138

        netinv dossier P0012 --html dossier-P0012.html
        """
        from ..dossier import SECTIONS, dossier, write_dossier

        with progress("dossier"), open_case(store) as st:
            d = dossier(st, ref, case_window(st, since, until), successors=with_successors)
            if html is not None:
                write_dossier(st, d, html)
        what = ", ".join(x for x in (f"phones {', '.join(d.phones)}" if d.phones else "",
                                      f"accounts {', '.join(d.accounts)}" if d.accounts else "") if x)
        out.print(f"dossier of {d.id}" + (f": {what}" if what else ""), markup=False)
        for name in SECTIONS:
            df = getattr(d, name)
            if df.empty:
                out.print(f"{name}: none", markup=False)
                continue
            more = f" (the first {top})" if len(df) > top else ""
            shown = df[_SHOWN[name]] if name in _SHOWN else df  # the reasons hold the rest (--out: every column)
            out.print(frame_table(shown, title=f"{name}: {len(df):,} row(s){more}", limit=top))
        for note in d.notes:
            err.print(f"note: {note}", markup=False, soft_wrap=True)
        if out_dir is not None:
            for name, df in d.tables().items():
                write_csv(df, out_dir / f"{name}.csv")
            out.print(f"wrote {len(SECTIONS)} tables to {out_dir}", markup=False)
        if html is not None:
            out.print(f"wrote {html}", markup=False)

    @app.command("link-cases")
    @handle_errors
    def link_cases_cmd(
        hops: int = typer.Option(3, "--hops", min=0, help="Cases whose people are this close in the network are linked "
                                                   "(0: only shared identifiers)."),
        out_file: Optional[Path] = typer.Option(None, "--out", "-o", help="Write every link to this CSV."),
        store: Optional[str] = STORE,
    ):
        """Linked case groups (串并): cases sharing people, phones, accounts, handsets, contacts or a path.

        Example:

        netinv link-cases --hops 1 --out linked-cases.csv
        """
        from .. import analysis as an
        from ..linkage import link_cases

        with progress("linking cases"), open_case(store) as st:
            res = st.resolution()
            net = st.network(level="resolved", resolution=res)
            hubs = an.hub_ids(net)
            arrests = st.records("arrests")
            n_cases = arrests["case_id"].nunique() if len(arrests) else 0
            calls = st.records("calls")
            groups = link_cases(arrests, calls, res.entities,
                                exclude=[h.split(":", 1)[1] for h in hubs], network=net if hops else None,
                                hops=hops, network_exclude=hubs)
        out.print(frame_table(groups, title=f"{len(groups)} linked case group(s)"))
        _no_handset_note(calls)
        if n_cases < 2:
            err.print(f"note: {'no case' if n_cases == 0 else 'one case'} in the workspace's arrest records: linking "
                      "takes two or more (netinv load arrests)", markup=False, soft_wrap=True)
        if out_file is not None:
            links = groups.attrs["links"].rename(columns={"case_a": "id"})
            write_csv(links, out_file)
            out.print(f"wrote {len(links):,} links to {out_file}", markup=False)
