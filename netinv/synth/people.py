"""The cast of a synthetic case: who is who, their phones, handsets and accounts.

Everyone who can appear in a record is a *party*: network members (source supplier, money
handler, couriers, wholesalers, distributors, retail dealers, customers), relatives who lend
their bank cards, ordinary background callers, and organisations with high-volume numbers
(a taxi firm, a bank hotline).  Parties are rows of a DataFrame; phones and accounts are rows of
their own tables, so that everything stays vectorised at millions of records.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..normalize import valid_cn_id

__all__ = ["Cast", "ROLE_LEVEL", "make_cast", "cn_id_number", "chinese_name"]

#: hierarchy level of each role (0 = top of the chain)
ROLE_LEVEL = {
    "source": 0, "money_handler": 1, "courier": 1, "wholesaler": 1, "distributor": 2, "retailer": 3,
    "customer": 4, "relative": None, "background": None, "hub": None,
}
MEMBER_ROLES = ("source", "money_handler", "courier", "wholesaler", "distributor", "retailer", "customer")

_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
                 "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷"
                 "侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建国红"
              "飞斌波宇浩凯健俊帆帅旭宁龙林欣雪琳晨阳亮成峰新梅文云东海")
#: mobile prefixes of two carriers (A: China Mobile-like, B: China Unicom-like)
_PREFIX_A = ("134", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159",
             "182", "183", "187", "188")
_PREFIX_B = ("130", "131", "132", "155", "156", "185", "186")
_LOCAL_AREAS = ("440303", "440304", "440305", "440306")  # home province (Guangdong, Shenzhen districts)
_FAR_AREAS = ("530102", "530103", "532502")  # out of province (Yunnan)


def chinese_name(rng: np.random.Generator) -> str:
    n = 1 if rng.random() < 0.35 else 2
    return _SURNAMES[rng.integers(len(_SURNAMES))] + "".join(_GIVEN[i] for i in rng.integers(len(_GIVEN), size=n))


def cn_id_number(area: str, birth: pd.Timestamp, seq: int) -> str:
    """A well-formed 18-digit PRC resident ID number (valid check digit)."""
    body = f"{area}{birth:%Y%m%d}{seq % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
    out = body + check
    assert valid_cn_id(out)
    return out


@dataclass
class Cast:
    """Parties, phones (with their active days) and accounts of one scenario."""

    parties: pd.DataFrame   # party, person_id, name, id_number, role, level, group, boss, far
    phones: pd.DataFrame    # phone, number, party, carrier, from_day, to_day, imei, tower
    accounts: pd.DataFrame  # account, number, party (holder), user (who really uses it), bank


def _role_counts(people: int) -> dict[str, int]:
    wholesalers = max(2, round(people / 40))
    distributors = wholesalers * 2
    retailers = distributors * 3
    couriers = 1 + people // 100
    top = 1 + 1 + couriers + wholesalers + distributors + retailers
    customers = max(retailers, people - top)
    return {"source": 1, "money_handler": 1, "courier": couriers, "wholesaler": wholesalers,
            "distributor": distributors, "retailer": retailers, "customer": customers}


def make_cast(rng: np.random.Generator, people: int, background: int, days: int,
              start: pd.Timestamp, replace_rate: float = 0.25) -> Cast:
    counts = _role_counts(people)
    rows = []

    def add(role, group, boss=-1, far=False):
        rows.append({"role": role, "group": group, "boss": boss, "far": far})
        return len(rows) - 1

    source = add("source", "supply", far=True)
    money = add("money_handler", "supply")
    couriers = [add("courier", "supply") for _ in range(counts["courier"])]
    wholesalers = [add("wholesaler", f"branch-{b + 1}", boss=source) for b in range(counts["wholesaler"])]
    rows[money]["boss"] = source
    for c in couriers:
        rows[c]["boss"] = source
    distributors = []
    for b, w in enumerate(wholesalers):
        for _ in range(counts["distributor"] // counts["wholesaler"]):
            distributors.append(add("distributor", f"branch-{b + 1}", boss=w))
    retailers = []
    for d in distributors:
        for _ in range(3):
            retailers.append(add("retailer", rows[d]["group"], boss=d))
    for i in range(counts["customer"]):
        r = retailers[i % len(retailers)] if i < len(retailers) else retailers[int(rng.integers(len(retailers)))]
        add("customer", rows[r]["group"], boss=r)
    n_members = len(rows)
    # the source supplier receives money on a relative's bank card
    relative = add("relative", "none", boss=source)
    for _ in range(background):
        add("background", "none")
    taxi = add("hub", "none")
    hotline = add("hub", "none")
    parties = pd.DataFrame(rows)
    n = len(parties)
    parties.insert(0, "party", np.arange(n))
    parties["level"] = parties["role"].map(ROLE_LEVEL).astype("Int64")
    names, ids = [], []
    used_names: set[str] = set()
    for i in range(n):
        role = parties.at[i, "role"]
        if role == "hub":
            names.append("深圳市鹏城出租汽车有限公司" if i == taxi else "中国工商银行客服中心")
            ids.append(None)
            continue
        nm = chinese_name(rng)
        while nm in used_names and len(used_names) < 200_000:
            nm = chinese_name(rng)
        used_names.add(nm)
        names.append(nm)
        far = bool(parties.at[i, "far"])
        area = (_FAR_AREAS if far else _LOCAL_AREAS)[int(rng.integers(3 if far else 4))]
        birth = start - pd.Timedelta(days=int(rng.integers(19 * 365, 55 * 365)))
        ids.append(cn_id_number(area, birth, int(rng.integers(1000))))
    parties["name"] = names
    parties["id_number"] = ids
    width = max(4, len(str(n)))
    parties["person_id"] = [f"P{i + 1:0{width}d}" if r != "hub" else None for i, r in enumerate(parties["role"])]
    # the relative shares the source's surname
    parties.at[relative, "name"] = parties.at[source, "name"][0] + parties.at[relative, "name"][1:]

    # phones: one each; some members replace theirs part way through the case
    phone_rows = []
    numbers: set[str] = set()

    def new_number(carrier: str) -> str:
        prefixes = _PREFIX_A if carrier == "A" else _PREFIX_B
        while True:
            num = prefixes[int(rng.integers(len(prefixes)))] + f"{int(rng.integers(10**8)):08d}"
            if num not in numbers:
                numbers.add(num)
                return num

    def new_imei() -> str:
        body = f"86{int(rng.integers(10**12)):012d}"
        digits = [int(c) for c in body]
        total = 0
        for k, dgt in enumerate(digits):
            if k % 2 == 1:
                dgt *= 2
                dgt = dgt - 9 if dgt > 9 else dgt
            total += dgt
        return body + str((10 - total % 10) % 10)

    for i in range(n):
        role = parties.at[i, "role"]
        far = bool(parties.at[i, "far"])
        tower = f"{'5' if far else '2'}{int(rng.integers(1000, 9999))}-{int(rng.integers(1, 999))}"
        if role == "hub":
            number = "075586001234" if i == taxi else "95588"
            phone_rows.append({"number": number, "party": i, "carrier": "L", "from_day": 0, "to_day": days,
                               "imei": None, "tower": None})
            continue
        carrier = "A" if rng.random() < 0.7 else "B"
        imei = new_imei()
        replaces = role in MEMBER_ROLES and role != "customer" and rng.random() < replace_rate
        if replaces:
            switch = int(rng.integers(days // 4, 3 * days // 4))
            gap = int(rng.integers(0, 4))
            phone_rows.append({"number": new_number(carrier), "party": i, "carrier": carrier, "from_day": 0,
                               "to_day": switch, "imei": imei, "tower": tower})
            carrier2 = "A" if rng.random() < 0.7 else "B"
            imei2 = imei if rng.random() < 0.5 else new_imei()
            phone_rows.append({"number": new_number(carrier2), "party": i, "carrier": carrier2,
                               "from_day": switch + gap, "to_day": days, "imei": imei2, "tower": tower})
        else:
            phone_rows.append({"number": new_number(carrier), "party": i, "carrier": carrier, "from_day": 0,
                               "to_day": days, "imei": imei, "tower": tower})
    phones = pd.DataFrame(phone_rows)
    phones.insert(0, "phone", np.arange(len(phones)))

    # accounts: bank cards for everyone but hubs; the source's money goes to the relative's card
    acct_rows = []
    banks = ("工商银行", "建设银行", "农业银行", "招商银行")
    acct_numbers: set[str] = set()
    for i in range(n):
        if parties.at[i, "role"] in ("hub",) or i == source:
            continue
        while True:
            num = "6222" + f"{int(rng.integers(10**15)):015d}"
            if num not in acct_numbers:
                acct_numbers.add(num)
                break
        user = source if i == relative else i
        acct_rows.append({"number": num, "party": i, "user": user, "bank": banks[int(rng.integers(len(banks)))]})
    accounts = pd.DataFrame(acct_rows)
    accounts.insert(0, "account", np.arange(len(accounts)))
    parties.attrs["n_members"] = n_members
    parties.attrs["taxi"] = taxi
    parties.attrs["hotline"] = hotline
    parties.attrs["relative"] = relative
    return Cast(parties, phones, accounts)
