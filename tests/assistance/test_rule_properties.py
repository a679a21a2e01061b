"""Property-based tests (hypothesis) of the services' pure rules: amounts, dates, routing,
quotes, tokens. Whatever the input, each rule keeps its promises."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from server.assistance import calc, rules
from server.calendar.days import Calendar
from server.certificates import token
from server.discovery import rules as discovery
from server.funeral import rules as funeral

money = st.integers(min_value=0, max_value=2_000_000)
members = st.lists(
    st.builds(
        calc.Member, st.just("x"), st.integers(0, 100), st.sampled_from([None, 1, 2, 3, 4]), st.booleans()
    ),
    min_size=1,
    max_size=8,
)
policies = st.builds(
    calc.PolicyTerms,
    st.integers(50_000, 300_000),
    st.integers(0, 10_000_000),
    st.fixed_dictionaries({g: st.integers(0, 50) for g in calc.GROUPS}),
    st.integers(100, 200),
    st.integers(0, 50_000),
)


@given(
    members,
    st.dictionaries(st.sampled_from(list(calc.INCOME_KINDS)), money, max_size=5),
    policies,
    st.booleans(),
)
def test_dibao_is_never_negative_and_never_below_the_floor_when_eligible(people, income, policy, single):
    household = calc.Household(members=tuple(people), income_cents=income, single_parent=single)
    result = calc.calculate("dibao", household, policy)
    assert result.amount_cents >= 0
    if result.eligible:
        assert result.amount_cents >= policy.floor_cents * len(people)
        assert result.amount_cents >= policy.standard_cents * len(people) - sum(income.values())
        assert result.lines[-1].amount_cents == result.amount_cents
    else:
        assert result.amount_cents == 0 and result.reasons


@given(members, st.integers(0, 100_000), policies)
def test_more_income_never_means_more_money(people, extra, policy):
    base = calc.calculate(
        "dibao", calc.Household(members=tuple(people), income_cents={"wages": 10_000}), policy
    )
    richer = calc.calculate(
        "dibao", calc.Household(members=tuple(people), income_cents={"wages": 10_000 + extra}), policy
    )
    assert richer.amount_cents <= base.amount_cents


@given(
    st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    st.integers(0, 60),
    st.sets(st.dates(date(2020, 1, 1), date(2031, 6, 30)), max_size=30),
)
def test_adding_working_days_lands_on_a_working_day_exactly_n_later(start, n, holidays):
    cal = Calendar(holidays=frozenset(holidays))
    end = cal.add_working_days(start, n)
    assert end >= start and cal.working_days_between(start, end) == n
    if n:
        assert cal.is_working_day(end)


@given(st.text(min_size=0, max_size=8))
def test_masked_names_keep_the_length_and_hide_the_middle(name):
    masked = rules.mask_name(name)
    assert len(masked) == len(name)
    if len(name) >= 3:
        assert masked[0] == name[0] and masked[-1] == name[-1] and set(masked[1:-1]) == {"*"}


@given(st.floats(28.0, 29.0), st.floats(119.5, 120.5))
def test_a_point_inside_an_outline_routes_to_it(lat, lon):
    area = discovery.Area(
        "A",
        (lat, lon),
        (
            (lat - 0.01, lon - 0.01),
            (lat - 0.01, lon + 0.01),
            (lat + 0.01, lon + 0.01),
            (lat + 0.01, lon - 0.01),
        ),
    )
    far = discovery.Area(
        "B",
        (lat + 1, lon + 1),
        (
            (lat + 0.99, lon + 0.99),
            (lat + 0.99, lon + 1.01),
            (lat + 1.01, lon + 1.01),
            (lat + 1.01, lon + 0.99),
        ),
    )
    assert discovery.route((lat, lon), [far, area]) == ("A", "outline")


@given(st.text(max_size=6), st.integers(0, 110), st.floats(28, 29), st.floats(119, 120))
def test_a_report_is_always_a_duplicate_of_itself_and_never_of_one_8_days_older(name, age, lat, lon):
    now = datetime(2026, 11, 25, tzinfo=UTC)
    a = discovery.Sighting(name or None, age, (lat, lon), None, now)
    assert discovery.same_person_and_place(a, a)
    assert not discovery.same_person_and_place(
        a, discovery.Sighting(name or None, age, (lat, lon), None, now - timedelta(days=8))
    )


@given(
    st.lists(
        st.builds(funeral.Item, st.just("i"), st.integers(0, 1_000_000), st.booleans(), st.integers(1, 5)),
        max_size=10,
    ),
    st.booleans(),
)
def test_a_quote_adds_up_and_waives_only_basic_services(items, eligible):
    q = funeral.quote(items, eligible)
    assert q["total_cents"] == sum(i.price_cents * i.quantity for i in items)
    assert q["payable_cents"] + q["waived_cents"] == q["total_cents"]
    basic = sum(i.price_cents * i.quantity for i in items if i.basic)
    assert q["waived_cents"] == (basic if eligible else 0)


KEY = ec.generate_private_key(ec.SECP256R1())


@settings(max_examples=30, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["s", "h", "c", "u"]), st.text(max_size=20), min_size=1),
    st.integers(0, 200),
)
def test_any_changed_character_breaks_the_token(payload, position):
    signed = token.sign(payload, KEY)
    assert token.verify(signed, KEY.public_key()) == payload
    i = position % len(signed)
    changed = signed[:i] + ("A" if signed[i] != "A" else "B") + signed[i + 1 :]
    if token.verify(changed, KEY.public_key()) == payload:
        # only possible when the change hit the unused bits of the last base64 character
        assert [token.unb64(p) for p in changed.split(".")] == [token.unb64(p) for p in signed.split(".")]
