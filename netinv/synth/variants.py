"""The same person recorded differently: case-local ids, pinyin spellings, typos, missing ID numbers.

With ``variants=True`` the generator writes what real systems produce: each case file numbers its
own suspects (``A2024-0103-1``), a second investigation unit keeps its own attribution sheet with
its own ids, and names come in Chinese, in pinyin, or with a wrong character.  The ground truth
records, for every person id written anywhere, the true person behind it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["pinyin_name", "vary_name", "case_local_ids", "unit_b_holders"]

_SIMILAR = dict(zip("王张刘陈杨黄赵吴周李", "汪章柳程扬皇肖伍邹里"))


def pinyin_name(name: str) -> str:
    """``魏英`` -> ``Wei Ying`` (surname, then the given name as one word)."""
    from pypinyin import Style, lazy_pinyin  # on first use: its dictionaries take 0.3 s to load

    parts = lazy_pinyin(name, style=Style.NORMAL)
    if not parts:
        return name
    return " ".join([parts[0].capitalize(), "".join(parts[1:]).capitalize()]).strip()


def vary_name(name: str, rng: np.random.Generator, p_pinyin: float = 0.3, p_typo: float = 0.15) -> str:
    r = rng.random()
    if r < p_pinyin:
        return pinyin_name(name)
    if r < p_pinyin + p_typo and name and name[0] in _SIMILAR:
        return _SIMILAR[name[0]] + name[1:]
    return name


def case_local_ids(arrests: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, dict[str, str]]:
    """Give each arrested person a case-local id and a recorded name; returns (rows, id -> true id)."""
    out = arrests.copy()
    truth: dict[str, str] = {}
    new_ids, names, ids = [], [], []
    counter: dict[str, int] = {}
    for case, pid, name, idn in zip(out["案件编号"], out["人员编号"], out["姓名"], out["身份证号"]):
        counter[case] = counter.get(case, 0) + 1
        local = f"{case}-{counter[case]}"
        truth[local] = pid
        new_ids.append(local)
        names.append(vary_name(name, rng))
        ids.append(idn if rng.random() < 0.8 else None)
    out["人员编号"], out["姓名"], out["身份证号"] = new_ids, names, ids
    return out, truth


def unit_b_holders(holders: pd.DataFrame, rng: np.random.Generator, share: float = 0.3
                   ) -> tuple[pd.DataFrame, dict[str, str]]:
    """A second unit's attribution sheet for some of the same people, with its own ids and spellings."""
    people = sorted(holders["人员编号"].unique())
    chosen = [p for p in people if rng.random() < share]
    rows, truth = [], {}
    for k, p in enumerate(chosen, start=1):
        mine = holders[holders["人员编号"] == p]
        bid = f"B-{k:04d}"
        truth[bid] = p
        name = vary_name(mine["姓名"].iloc[0], rng)
        idn = mine["身份证号"].iloc[0] if rng.random() < 0.6 else None
        for _, r in mine.iterrows():
            if rng.random() < 0.8:
                rows.append({"人员编号": bid, "姓名": name, "身份证号": idn, "手机号码": r["手机号码"],
                             "银行账号": r["银行账号"]})
    return pd.DataFrame(rows, columns=["人员编号", "姓名", "身份证号", "手机号码", "银行账号"]), truth
