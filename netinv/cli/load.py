"""``netinv load calls|transfers|holders|arrests FILE...``"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import pandas as pd
import typer

from ..profiles import parse_map, parse_where
from ..schema import RECORD_KINDS
from ..store import open_store
from ..workflow import load_files
from .common import STORE, err, frame_table, handle_errors, out, progress

app = typer.Typer(help="Load records into the workspace (one transaction per command).", no_args_is_help=True)

_EXAMPLES = {
    "calls": "netinv load calls cdr.csv --profile cdr-cn\n\n"
             "netinv load calls carrier_a.csv carrier_b.csv --profile cdr-cn --same-call-within 2 "
             "--incoming 呼叫类型=被叫\n\n"
             "netinv load calls cdr.csv --map caller=From --map callee=To --map start=Datetime "
             "--map duration_s='Duration(seconds)' --time-format '%Y%m%d %H%M' --tz UTC --raw-ids",
    "transfers": "netinv load transfers statements/*.csv --profile bank-cn --authority 'Order 2024-17'\n\n"
                 "netinv load transfers statements/*.csv --profile bank-cn --where 交易状态=成功",
    "holders": "netinv load holders subscribers.xlsx --profile holders-cn",
    "arrests": "netinv load arrests arrests.csv --profile case-cn\n\n"
               "netinv load arrests persons.csv --profile case-cn --where 人员类别=犯罪嫌疑人",
}


def _make(kind: str):
    rk = RECORD_KINDS[kind]
    fields = ", ".join(f"{f.name}{'' if f.required else '?'}" for f in rk.fields)

    @handle_errors
    def command(
        files: List[Path] = typer.Argument(..., show_default=False,
                                           help="Input files: CSV (any encoding the profile allows), Excel "
                                                "or Parquet."),
        profile: Optional[str] = typer.Option(None, "--profile", "-p",
                                              help="Built-in profile (netinv profiles lists them) or a .toml file. "
                                                   "Default: generic (columns named as the fields)."),
        map_: List[str] = typer.Option([], "--map", "-m",
                                       help="field=Column: read a field from a column of another name (repeatable)."),
        constant: List[str] = typer.Option([], "--constant",
                                           help="field=VALUE: the value of a field where the file has no such "
                                                "column or leaves it empty, e.g. currency=USD (repeatable)."),
        region: Optional[str] = typer.Option(None, "--region",
                                             help="Default region for national phone numbers, e.g. CN."),
        raw_ids: Optional[bool] = typer.Option(None, "--raw-ids/--no-raw-ids",
                                               help="Identifiers are anonymised (integers, hashes): "
                                                    "keep them as they are."),
        tz: Optional[str] = typer.Option(None, "--tz", help="Time zone of timestamps written without one, "
                                                            "e.g. Asia/Shanghai, UTC, +08:00."),
        time_format: Optional[str] = typer.Option(None, "--time-format",
                                                  help="strptime format of the timestamps (e.g. '%Y%m%d %H%M'), "
                                                       "or epoch / epoch_ms."),
        encoding: Optional[str] = typer.Option(None, "--encoding", help="Text encoding of CSV files, e.g. utf-8, gbk."),
        delimiter: Optional[str] = typer.Option(None, "--delimiter", help="CSV field separator (default: detected)."),
        where: List[str] = typer.Option([], "--where",
                                        help="COLUMN=VALUE: read only the rows holding VALUE in COLUMN (a header of "
                                             "the file), e.g. a statement's 交易状态=成功; repeat a column for "
                                             "more values. The other rows are left out, counted and named by value, "
                                             "never rejected."),
        incoming: List[str] = typer.Option(
            [], "--incoming", metavar="COLUMN=VALUE", hidden=kind != "calls",
            help="Rows holding VALUE in COLUMN are the callee's carrier's record of a call (e.g. 呼叫类型=被叫): "
                 "their cell and handset are read as the callee's (callee_cell_id, callee_imei; columns mapped to "
                 "those, the other end's, as the caller's), counted in the notes. Repeatable."),
        sheet: Optional[str] = typer.Option(None, "--sheet", help="Excel sheet to read (default: the workbook's "
                                                                  "only sheet with data)."),
        quarantine: Optional[Path] = typer.Option(None, "--quarantine", "-q",
                                                  help="Write rejected rows (file, row, reason, raw values) "
                                                       "to this CSV and load the rest."),
        keep_invalid: List[str] = typer.Option([], "--keep-invalid",
                                               help="Keep rows whose only problem is this field, with the value "
                                                    "cleared and reported (repeatable; one of: "
                                                    f"{', '.join(rk.clearable)})."),
        same_call_within: Optional[float] = typer.Option(
            None, "--same-call-within", metavar="SECONDS", hidden=kind != "calls",
            help="A row within this many seconds (start and duration) of a call between the same "
                 "phones in another file or in the workspace is that call as the other phone's records show it: "
                 "load it as that call, its row added to the call's provenance. Without it, such rows within "
                 "2 s are named in the notes."),
        authority: Optional[str] = typer.Option(None, "--authority",
                                                help="The warrant or order under which the records were obtained "
                                                     "(kept with their provenance)."),
        store: Optional[str] = STORE,
    ):
        total = len(files)
        with progress(f"reading {kind}", total=total) as step:
            with open_store(store) as st:
                result, batch = load_files(
                    st, kind, files, profile=profile, quarantine=quarantine, authority=authority,
                    progress=lambda f: step(Path(f).name),
                    mapping=parse_map(map_), constants=parse_map(constant, "--constant", "VALUE"),
                    region=region, raw_ids=raw_ids, tz=tz, time_format=time_format,
                    encoding=encoding, delimiter=delimiter, sheet=sheet, keep_invalid=keep_invalid,
                    where=parse_where(where) or None, same_call_within=same_call_within,
                    incoming=parse_where(incoming, "--incoming") or None,
                )
                uri = st.uri
        files_df = pd.DataFrame([{
            "file": s.path, "encoding": s.encoding, "rows": s.rows, "accepted": s.accepted, "rejected": s.rejected,
            **({"left out": s.left_out} if batch.left_out else {}),
        } for s in batch.sources])
        out.print(frame_table(files_df, title=f"{kind}: {len(batch.sources)} file(s) read"))
        out.print(f"{result.records_new:,} new {kind} record(s), {result.records_existing:,} already in the workspace, "
                  f"{result.provenance_new:,} new provenance entries -> {uri}", markup=False)
        if result.rejected:
            reasons = ", ".join(f"{n} {r}" for r, n in sorted(result.reasons.items(), key=lambda x: -x[1]))
            out.print(f"{result.rejected:,} row(s) rejected ({reasons}); written to {quarantine}", markup=False)
        if batch.left_out:
            out.print(f"{batch.left_out:,} row(s) left out by --where (each file's values in the notes below)",
                      markup=False)
        for note in result.notes:  # the reading's and call matching's notes, and the store's
            err.print(f"note: {note}", markup=False, soft_wrap=True)

    command.__doc__ = (
        f"Load {rk.doc}.\n\nFields ({'?' + ' = optional'}): {fields}.\n\n"
        f"Loading the same records again changes nothing. Any bad row stops the load with file, row and reason, "
        f"unless --quarantine is given.\n\nExample:\n\n{_EXAMPLES[kind]}"
    )
    return command


for _kind in RECORD_KINDS:
    app.command(_kind)(_make(_kind))
