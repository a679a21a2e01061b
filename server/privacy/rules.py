"""Who must consent to the household economic-status check, and when it may run. Plain functions
over plain values: no web, no database.

The law (PIPL arts. 14, 29, 31): the check reads other departments' sensitive data about each member,
so each member consents separately; a member under 14 through a guardian; a member of 14-17 consents
themself, with a guardian. A paper form signed by the member (and guardian) and recorded by a
community worker counts for every consent the member owes. A withdrawn consent counts for nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Role(StrEnum):
    """What a consent stands for."""

    SELF = "self"  # the member's own consent
    GUARDIAN = "guardian"  # a guardian's consent for a minor


class Basis(StrEnum):
    """How the consent was given."""

    SELF = "self"  # from the member's own signed-in account (bound identity)
    PAPER = "paper"  # a signed paper form, scanned and recorded by a community worker
    GUARDIAN = "guardian"  # the applicant, as the minor's guardian, from their account


class State(StrEnum):
    GIVEN = "given"
    WITHDRAWN = "withdrawn"


class Move(StrEnum):
    GIVE = "give"
    WITHDRAW = "withdraw"


# a consent record's life: given once, withdrawn once; a new consent is a new record
TRANSITIONS: dict[tuple[State | None, Move], State] = {
    (None, Move.GIVE): State.GIVEN,
    (State.GIVEN, Move.WITHDRAW): State.WITHDRAWN,
}

ADULT_AGE = 18
OWN_CONSENT_AGE = 14  # from 14 a minor consents themself (with a guardian); below, the guardian alone
# relationships to the applicant for which the applicant may consent as the guardian; any other minor
# needs a paper form signed by their guardian
GUARDIAN_OF = frozenset({"child", "grandchild"})

ROLE_LABELS = {Role.SELF: "本人同意", Role.GUARDIAN: "监护人同意"}
BASIS_LABELS = {Basis.SELF: "本人在线确认", Basis.PAPER: "纸质授权书", Basis.GUARDIAN: "申请人作为监护人确认"}


@dataclass(frozen=True)
class Member:
    """One person the check reads: the applicant or a listed household member."""

    id_hash: str
    name: str
    id_masked: str
    birth: date | None
    relationship: str  # "applicant" for the applicant
    applicant: bool = False


@dataclass(frozen=True)
class Given:
    """A consent on record that has not been withdrawn."""

    id_hash: str
    role: str
    basis: str


def age_on(birth: date | None, day: date) -> int:
    """Whole years on ``day``; an unknown birth date counts as adult (the ID number always gives one)."""
    if birth is None:
        return ADULT_AGE
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def needed(age: int) -> frozenset[Role]:
    """The consents a member of this age owes."""
    if age >= ADULT_AGE:
        return frozenset({Role.SELF})
    if age >= OWN_CONSENT_AGE:
        return frozenset({Role.SELF, Role.GUARDIAN})
    return frozenset({Role.GUARDIAN})


def satisfies(basis: str, role: Role) -> bool:
    """A paper form (signed by the member and, for a minor, the guardian) stands for every role."""
    if basis == Basis.PAPER:
        return True
    return (basis == Basis.SELF and role == Role.SELF) or (basis == Basis.GUARDIAN and role == Role.GUARDIAN)


def missing(members: Iterable[Member], given: Iterable[Given], today: date) -> list[tuple[Member, Role]]:
    """Every (member, role) still owed, in the members' order."""
    held = list(given)
    out = []
    for m in members:
        for role in sorted(needed(age_on(m.birth, today))):
            if not any(g.id_hash == m.id_hash and satisfies(g.basis, role) for g in held):
                out.append((m, role))
    return out


def check_may_run(members: Iterable[Member], given: Iterable[Given], today: date) -> bool:
    """The household check (and the community step) may go on only with every consent present, and
    never for an application that names nobody."""
    people = list(members)
    return bool(people) and not missing(people, given, today)


def applicant_may_be_guardian(applicant: Member | None, member: Member, today: date) -> bool:
    """The applicant consents for a minor as guardian when the applicant is an adult and the minor is
    their child or grandchild; anyone else is recorded from a signed paper form."""
    return (
        applicant is not None
        and age_on(applicant.birth, today) >= ADULT_AGE
        and age_on(member.birth, today) < ADULT_AGE
        and member.relationship in GUARDIAN_OF
    )


def may_move(state: State | None, move: Move) -> State | None:
    return TRANSITIONS.get((state, move))


def members_of(answers: dict | None) -> list[Member]:
    """The people an application's household check reads: the applicant and each listed member,
    as the answers hold them (identity hash, masked number, birth date from the ID number)."""
    answers = answers or {}
    people = [({**answers["applicant"], "relationship": "applicant"})] if answers.get("applicant") else []
    people += answers.get("members", [])
    return [
        Member(
            id_hash=p["id_hash"],
            name=p.get("name", ""),
            id_masked=p.get("id_masked", ""),
            birth=date.fromisoformat(p["birth"]) if p.get("birth") else None,
            relationship=p.get("relationship", "other"),
            applicant=p.get("relationship") == "applicant",
        )
        for p in people
        if p.get("id_hash")
    ]
