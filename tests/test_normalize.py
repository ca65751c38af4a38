"""Field parsers: phone numbers, accounts, ID numbers, times, durations, amounts."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, strategies as st

from netinv import normalize as nz
from netinv.errors import ProfileError


def s(*values):
    return pd.Series(list(values), dtype="string")


class TestPhones:
    def test_e164_from_national_and_international_forms(self):
        v, e = nz.phones(s("138 0013 8000", "+86 138-0013-8000", "008613800138000", "8613800138000"), region="CN")
        assert v.tolist() == ["+8613800138000"] * 4
        assert e.isna().all()

    def test_landline_and_foreign(self):
        v, _ = nz.phones(s("0755-86001234", "+1 415 555 2671"), region="CN")
        assert v.tolist() == ["+8675586001234", "+14155552671"]

    def test_short_service_numbers_are_kept_with_their_region(self):
        v, e = nz.phones(s("95588", "10086"), region="CN")
        assert v.tolist() == ["CN:95588", "CN:10086"]
        assert e.isna().all()

    def test_garbage_is_reported_not_guessed(self):
        v, e = nz.phones(s("12", "abc"), region="CN")
        assert v.isna().all()
        assert e.tolist()[0] == "not a phone number for region CN: '12'"

    def test_national_number_without_region_asks_for_one(self):
        _, e = nz.phones(s("13800138000"), region=None)
        assert "--region" in e.iloc[0]

    def test_raw_ids_are_kept_as_written(self):
        v, e = nz.phones(s(" 17 ", "a9f3"), raw_ids=True)
        assert v.tolist() == ["17", "a9f3"]
        assert e.isna().all()

    def test_empty_cells_are_missing_not_errors(self):
        v, e = nz.phones(s("", "  ", None), region="CN")
        assert v.isna().all() and e.isna().all()


class TestAccounts:
    def test_card_numbers_lose_spaces_and_hyphens(self):
        v, _ = nz.accounts(s("6222 0212 3456 7890 123", "6222-0212-3456"))
        assert v.tolist() == ["6222021234567890123", "62220212 3456".replace(" ", "")]

    def test_iban_upper_and_email_lower(self):
        v, _ = nz.accounts(s("de89 3704 0044 0532 0130 00", "Zhang.Wei@163.COM"))
        assert v.tolist() == ["DE89370400440532013000", "zhang.wei@163.com"]

    def test_rejects_junk(self):
        _, e = nz.accounts(s("6222<script>"))
        assert "not an account identifier" in e.iloc[0]


class TestResidentId:
    @pytest.mark.parametrize("good", ["11010519491231002X", "440524188001010014", "110105491231002"])
    def test_valid(self, good):
        assert nz.valid_cn_id(good)

    @pytest.mark.parametrize("bad", ["110105194912310021", "11010519491331002X", "1234", "11010519491231002Y"])
    def test_invalid(self, bad):
        assert not nz.valid_cn_id(bad)

    def test_flag_keeps_value_as_written(self):
        v, ok = nz.id_numbers(s("11010519491231002x", "110105194912310021", None))
        assert v.tolist()[:2] == ["11010519491231002X", "110105194912310021"]
        assert ok.tolist()[:2] == [True, False]

    @given(st.integers(min_value=0, max_value=10**17 - 1))
    def test_exactly_one_check_character_is_valid(self, body):
        body17 = f"{body:017d}"
        body17 = "110105" + "19800101" + body17[-3:]
        valid = [c for c in "0123456789X" if nz.valid_cn_id(body17 + c)]
        assert len(valid) == 1


class TestTimes:
    def test_naive_times_are_read_in_the_given_zone(self):
        v, e, first_naive = nz.times(s("2024-03-05 14:03:22", "2024/03/05 14:03", "20240305140322"), tz="Asia/Shanghai")
        assert first_naive is None and e.isna().all()
        assert v.iloc[0] == pd.Timestamp("2024-03-05 06:03:22", tz="UTC")
        assert v.iloc[2] == v.iloc[0]

    def test_offsets_in_the_data_win(self):
        v, _, _ = nz.times(s("2024-03-05T14:03:22+08:00", "2024-03-05T06:03:22Z"), tz="Europe/Berlin")
        assert v.iloc[0] == v.iloc[1] == pd.Timestamp("2024-03-05 06:03:22", tz="UTC")

    def test_naive_without_zone_is_flagged(self):
        _, _, first_naive = nz.times(s("", "2024-03-05 14:03:22"))
        assert first_naive == 1

    def test_explicit_format_and_epoch(self):
        v, e, _ = nz.times(s("20060601 0008"), time_format="%Y%m%d %H%M", tz="UTC")
        assert v.iloc[0] == pd.Timestamp("2006-06-01 00:08", tz="UTC")
        v, e, _ = nz.times(s("1709618602"), time_format="epoch")
        assert v.iloc[0] == pd.Timestamp("2024-03-05 06:03:22", tz="UTC")

    def test_day_first_dates_are_never_guessed(self):
        _, e, _ = nz.times(s("05/03/2024 14:03"), tz="UTC")
        assert "cannot read time" in e.iloc[0]

    def test_a_date_alone_is_named_with_the_format_that_reads_it(self):
        # a statement with dates only: the error says so and how to read them, instead of asking for
        # "an unambiguous year-first format" that the value already is
        v, e, _ = nz.times(s("2024-01-01", "2024年1月2日", "01/02/2024", "2024-01-01 10:00"), tz="UTC")
        assert e.iloc[0] == ("cannot read time '2024-01-01': a date without a time of day (where the records give "
                             "dates only, --time-format '%Y-%m-%d' reads them as midnight)")
        assert "--time-format '%Y年%m月%d日'" in e.iloc[1]
        assert "year-first" in e.iloc[2] and pd.isna(e.iloc[3])
        v, e, _ = nz.times(s("2024-01-01"), time_format="%Y-%m-%d", tz="UTC")
        assert e.isna().all() and v.iloc[0] == pd.Timestamp("2024-01-01", tz="UTC")

    def test_impossible_dates_and_dst_gaps(self):
        _, e, _ = nz.times(s("2024-02-30 10:00:00"), tz="UTC")
        assert "cannot read time" in e.iloc[0]
        _, e, _ = nz.times(s("2024-03-31 02:30:00"), tz="Europe/Berlin")
        assert "does not exist or is ambiguous" in e.iloc[0]

    def test_unknown_zone(self):
        with pytest.raises(ProfileError, match="unknown time zone"):
            nz.zone("Mars/Olympus")

    def test_fixed_offset_zone(self):
        v, _, _ = nz.times(s("2024-03-05 14:03:22"), tz="+08:00")
        assert v.iloc[0] == pd.Timestamp("2024-03-05 06:03:22", tz="UTC")


class TestNumbers:
    def test_durations(self):
        v, e = nz.durations(s("75", "75.0", "1:15", "00:01:15", "1分15秒", "2小时", "x", "1:75", "1.5"))
        assert v.tolist()[:6] == [75, 75, 75, 75, 75, 7200]
        assert e.notna().tolist() == [False] * 6 + [True] * 3

    def test_negative_durations_parse_so_validation_can_name_them(self):
        v, e = nz.durations(s("-2", "-0:01:00"))
        assert v.tolist() == [-2, -60] and e.isna().all()

    def test_amounts(self):
        v, e = nz.amounts(s("1,234.50", "¥1234.5", "RMB 20", "(12.00)", "abc"))
        assert v.tolist()[:4] == [1234.5, 1234.5, 20.0, -12.0]
        assert e.notna().tolist() == [False] * 4 + [True]

    def test_decimal_comma(self):
        v, _ = nz.amounts(s("1.234,50"), decimal=",", thousands=".")
        assert v.iloc[0] == 1234.5

    @given(st.floats(min_value=0, max_value=1e12, allow_nan=False).map(lambda x: round(x, 2)))
    def test_formatted_amounts_round_trip(self, x):
        v, e = nz.amounts(s(f"{x:,.2f}"))
        assert e.isna().all() and v.iloc[0] == pytest.approx(x, abs=0.005)


def test_handset_keys_and_the_values_that_name_none():
    from netinv.normalize import handset_keys, no_handset_note

    values = pd.Series(["356938035643809", "35693803564380 0", "3569380356438001", "35-693803-564380",
                        "a0000012345678", "000000000000000", "FFFFFFFFFFFFFF", "00000000123456",
                        "3569380356", "unknown", "", None], dtype="string")
    keys = handset_keys(values)
    assert keys.tolist()[:5] == ["35693803564380"] * 4 + ["A0000012345678"]
    assert keys.iloc[5:].isna().all()
    assert no_handset_note(values) == (
        "the IMEIs of 5 call end(s) name no handset and are not compared ('000000000000000' ×1, "
        "'00000000123456' ×1, '3569380356' ×1 and 2 other value(s)): not 14-16 digits, one digit "
        "repeated, or a test IMEI")
    assert no_handset_note(values.iloc[:5]) is None and no_handset_note(pd.Series([], dtype="string")) is None
    # the same keys as integer codes: one per handset, -1 where a value names none
    codes = nz.handset_codes(values)
    assert codes.tolist() == [0, 0, 0, 0, 1] + [-1] * 7
    twice = pd.concat([values, values.iloc[::-1]], ignore_index=True)
    assert (nz.handset_codes(twice) == pd.factorize(handset_keys(twice))[0]).all()


def _handset_key_by_the_rules(value):
    """The handset key of one value, the rules written out one by one (the reference for the
    column-wise :func:`handset_keys`)."""
    if value is None:
        return None
    v = value.strip().strip("\u3000\ufeff").upper()
    v = "".join(c for c in v if c not in " \t\n\r\f\v-./")
    digits = 14 <= len(v) <= 16 and all(c in "0123456789" for c in v)
    meid = len(v) == 14 and all(c in "0123456789ABCDEF" for c in v)
    if not (digits or meid):
        return None
    key = v[:14]
    return None if len(set(key)) == 1 or key.startswith("00000000") else key


@given(st.lists(st.one_of(
    st.none(),
    st.text(alphabet="0123456789", min_size=12, max_size=18),
    st.text(alphabet="0123456789abcdefABCDEF", min_size=13, max_size=15),
    st.text(alphabet="01 -./\u3000\ufeff\t8F", max_size=20),
    st.sampled_from(["0" * 15, "F" * 14, "00000000123456", "00000001234567", "356938035643809", "1" * 14 + "2"]),
), max_size=30))
def test_handset_keys_follow_the_rules_value_by_value(values):
    keys = nz.handset_keys(pd.Series(values, dtype="string"))
    assert [None if pd.isna(k) else k for k in keys] == [_handset_key_by_the_rules(v) for v in values]
