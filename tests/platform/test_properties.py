"""Property-based tests (hypothesis) of the foundation's pure rules: whatever the input, the
rules answer with a defined result or a named error, never a crash or a wrong acceptance."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from server.accounts import otp
from server.audit.chain import ChainWalker, record_hash, verify
from server.people import idcard
from server.regions.codes import RegionCodeError, in_subtree, level_of, parent_code

births = st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31))
regions = st.sampled_from(["110101", "331102", "331121", "440305", "650102"])
sequences = st.integers(min_value=0, max_value=999)


def make_id(region: str, birth: date, seq: int) -> str:
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + idcard.check_char(first17)


@given(regions, births, sequences)
def test_every_valid_number_parses_to_its_own_parts(region, birth, seq):
    number = make_id(region, birth, seq)
    rid = idcard.parse(number.lower())
    assert rid.number == number and rid.birth == birth and rid.male == (seq % 2 == 1)
    assert rid.masked.startswith(region) and rid.masked.endswith(number[-4:]) and "*" * 8 in rid.masked


@given(
    regions, births, sequences, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9)
)
def test_any_single_digit_change_is_caught(region, birth, seq, position, delta):
    number = make_id(region, birth, seq)
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    try:
        rid = idcard.parse(changed)
    except idcard.IdNumberError as e:
        assert e.code in {"id.check_digit", "id.birth_date", "id.region"}
    else:  # pragma: no cover - the check digit catches every single-digit error
        raise AssertionError(f"{changed} accepted as {rid}")


@given(st.text(max_size=30))
def test_arbitrary_text_is_refused_with_a_named_reason(text):
    try:
        idcard.parse(text)
    except idcard.IdNumberError as e:
        assert e.code.startswith("id.")


@given(regions, st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)), sequences)
def test_legacy_15_digit_numbers_upgrade_to_the_same_person(region, birth, seq):
    legacy = f"{region}{birth:%y%m%d}{seq:03d}"
    assert idcard.parse(legacy).number == make_id(region, birth, seq)


@given(st.text(alphabet="0123456789", min_size=1, max_size=14))
def test_region_codes_have_a_level_or_a_named_error(code):
    try:
        level = level_of(code)
    except RegionCodeError:
        return
    parent = parent_code(code)
    if level == "city":
        assert parent is None
    else:
        assert parent is not None and in_subtree(parent, code) and level_of(parent) != level


@given(st.integers(0, 30), st.integers(0, 100), st.one_of(st.none(), st.integers(0, 7200)))
def test_a_code_is_sent_only_within_every_limit(phone_hour, address_hour, seconds_ago):
    now = datetime(2026, 11, 25, tzinfo=UTC)
    last = None if seconds_ago is None else now - timedelta(seconds=seconds_ago)
    refusal = otp.send_refusal(otp.SendHistory(phone_hour, address_hour, last), now)
    within = (
        (last is None or now - last >= otp.RESEND_AFTER)
        and phone_hour < otp.PER_PHONE_PER_HOUR
        and address_hour < otp.PER_ADDRESS_PER_HOUR
    )
    assert (refusal is None) == within


@given(
    st.lists(
        st.dictionaries(st.sampled_from(["action", "opinion", "object_id"]), st.text(max_size=20)),
        min_size=1,
        max_size=12,
    ),
    st.data(),
)
def test_a_chain_breaks_exactly_where_a_record_was_changed(bodies, data):
    rows, prev = [], "0" * 64
    for i, body in enumerate(bodies, start=1):
        row = {"seq": i, **body, "prev_hash": prev}
        row["hash"] = prev = record_hash(prev, row)
        rows.append(row)
    assert verify(rows, "0" * 64).intact
    victim = data.draw(st.integers(0, len(rows) - 1))
    tampered = [dict(r) for r in rows]
    tampered[victim]["opinion"] = (tampered[victim].get("opinion") or "") + "!"
    report = verify(tampered, "0" * 64)
    assert report.broken_seq == victim + 1
    walker = ChainWalker("0" * 64)
    assert all(walker.feed(r) for r in rows[:victim])
