"""Who may do what in the back office: named permissions and the one role -> permission table.

Every office route declares the permission it needs (``opt={"permission": P.X}``) and
``staff_guard`` refuses a route that declares none: nothing is allowed by default. Region
limits are a separate door (``RegionScope``): a permission says *what* a role may do, the
scope says *where*. Pure data and functions: no web, no database.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    COMMUNITY_WORKER = "community_worker"
    STREET_REVIEWER = "street_reviewer"
    DISTRICT_APPROVER = "district_approver"
    CITY_SUPERVISOR = "city_supervisor"
    VERIFICATION_OFFICER = "verification_officer"
    FUNERAL_OPERATOR = "funeral_operator"
    # three administrators (三权分立), none of whom holds business data:
    SYSTEM_ADMIN = "system_admin"  # configuration only (the working-day calendar)
    SECURITY_ADMIN = "security_admin"  # staff accounts, roles, unlocks, second-factor resets
    AUDIT_ADMIN = "audit_admin"  # reads and verifies the audit trail, nothing else


class P(StrEnum):
    """Permissions, named ``<domain>.<what>``."""

    OFFICE_USE = "office.use"  # the dashboard, the region tree, one's own account
    STAFF_MANAGE = "staff.manage"
    CALENDAR_MANAGE = "calendar.manage"
    AUDIT_READ = "audit.read"
    AUDIT_VERIFY = "audit.verify"
    IDENTITY_VIEW = "accounts.binding.view"  # citizens' identity claims and disputes of the region
    IDENTITY_CONFIRM = "accounts.binding.confirm"  # in person, at the community counter or a visit
    IDENTITY_DISPUTE_RESOLVE = "accounts.dispute.resolve"

    ASSISTANCE_READ = "assistance.read"
    ASSISTANCE_DOCUMENTS = "assistance.documents.read"  # uploaded hukou, income proofs...
    ASSISTANCE_ACT = "assistance.act"  # any step; the step itself needs one of the three below
    ASSISTANCE_ACT_COMMUNITY = "assistance.act.community"
    ASSISTANCE_ACT_STREET = "assistance.act.street"
    ASSISTANCE_ACT_DISTRICT = "assistance.act.district"
    ASSISTANCE_OBJECTION = "assistance.objection"  # record an objection during the public notice
    HOUSEHOLDS_READ = "assistance.households.read"
    HOUSEHOLDS_CHANGE = "assistance.households.change"
    HOUSEHOLDS_STATUS = "assistance.households.status"  # suspend, resume, stop
    PAYMENTS_READ = "assistance.payments.read"
    PAYMENTS_GENERATE = "assistance.payments.generate"
    PAYMENTS_APPROVE = "assistance.payments.approve"  # any level; each level needs one of the two below
    PAYMENTS_APPROVE_DISTRICT = "assistance.payments.approve.district"
    PAYMENTS_APPROVE_CITY = "assistance.payments.approve.city"
    PAYMENTS_EXPORT = "assistance.payments.export"
    POLICY_MANAGE = "assistance.policy.manage"

    CERTIFICATES_READ = "certificates.read"
    CERTIFICATES_DECIDE = "certificates.decide"  # issue or reject a request
    CERTIFICATES_REVOKE = "certificates.revoke"
    CERTIFICATES_REISSUE = "certificates.reissue"

    DISCOVERY_READ = "discovery.read"
    DISCOVERY_ASSIGN = "discovery.assign"
    DISCOVERY_VISIT = "discovery.visit"
    DISCOVERY_SPAM = "discovery.spam"

    FUNERAL_READ = "funeral.read"  # the calendar and bookings of the facilities one may see
    FUNERAL_OPERATE = "funeral.operate"
    FUNERAL_SUBSIDY_DECIDE = "funeral.subsidy.decide"

    SURVIVAL_READ = "survival.read"
    SURVIVAL_REFERENCE = "survival.reference"  # take or replace a reference face
    SURVIVAL_ASSIST = "survival.assist"  # run an assisted check on a worker's phone
    SURVIVAL_REVIEW = "survival.review"

    VERIFICATION_READ = "verification.read"  # overview, the data standard and its schemas
    VERIFICATION_IMPORT = "verification.import"  # upload, error files, rollback
    VERIFICATION_IMPORTS_READ = "verification.imports.read"  # import metadata
    VERIFICATION_MATCHES = "verification.matches.decide"
    VERIFICATION_WARNING_READ = "verification.warning.read"
    VERIFICATION_WARNING_DECIDE = "verification.warning.decide"
    VERIFICATION_REPORT_READ = "verification.report.read"  # tax, property, vehicles of a household
    VERIFICATION_REPORT_ATTACH = "verification.report.attach"
    VERIFICATION_REVIEW_READ = "verification.review.read"
    VERIFICATION_REVIEW_RUN = "verification.review.run"

    # a second person before money stops (#23): one proposes, a district approver decides
    STATUS_PROPOSE = "people.status.propose"  # propose suspending, stopping or recording a death
    STATUS_APPROVE = "people.status.approve"  # approve or reject another person's proposal
    SURVIVAL_LAPSE_CONFIRM = "survival.lapse.confirm"  # confirm (or lift) a lapse's suspension
    SURVIVAL_IN_PERSON = "survival.in_person"  # record an in-person proof of life (no face)
    CONSENT_RECORD = "people.consent.record"  # record a member's signed paper consent form
    EXPORTS_APPROVE = "exports.approve"  # approve another person's bulk export of personal data
    PRIVACY_REQUESTS_READ = "privacy.requests.read"  # citizens' data-rights requests of the region
    PRIVACY_REQUESTS_HANDLE = "privacy.requests.handle"  # answer them (correct, delete, explain)


_R = Role
_CASEWORK = {_R.COMMUNITY_WORKER, _R.STREET_REVIEWER, _R.DISTRICT_APPROVER}
_ASSISTANCE_STAFF = _CASEWORK | {_R.CITY_SUPERVISOR}
ADMINISTRATORS = frozenset({_R.SYSTEM_ADMIN, _R.SECURITY_ADMIN, _R.AUDIT_ADMIN})

# permission -> the roles that hold it. Read down a column to see a role: ``permissions_of``.
GRANTS: dict[P, frozenset[Role]] = {
    P.OFFICE_USE: frozenset(Role),
    P.STAFF_MANAGE: frozenset({_R.SECURITY_ADMIN}),
    P.CALENDAR_MANAGE: frozenset({_R.SYSTEM_ADMIN, _R.CITY_SUPERVISOR}),
    # the audit trail is read by the audit administrator only (a case page's own history is not it)
    P.AUDIT_READ: frozenset({_R.AUDIT_ADMIN}),
    P.AUDIT_VERIFY: frozenset({_R.AUDIT_ADMIN}),
    P.IDENTITY_VIEW: frozenset(_ASSISTANCE_STAFF),
    P.IDENTITY_CONFIRM: frozenset({_R.COMMUNITY_WORKER}),
    P.IDENTITY_DISPUTE_RESOLVE: frozenset(_ASSISTANCE_STAFF),
    P.ASSISTANCE_READ: frozenset(_ASSISTANCE_STAFF),
    P.ASSISTANCE_DOCUMENTS: frozenset(_CASEWORK),
    P.ASSISTANCE_ACT: frozenset(_CASEWORK),
    P.ASSISTANCE_ACT_COMMUNITY: frozenset({_R.COMMUNITY_WORKER}),
    P.ASSISTANCE_ACT_STREET: frozenset({_R.STREET_REVIEWER}),
    P.ASSISTANCE_ACT_DISTRICT: frozenset({_R.DISTRICT_APPROVER}),
    P.ASSISTANCE_OBJECTION: frozenset({_R.COMMUNITY_WORKER, _R.STREET_REVIEWER}),
    P.HOUSEHOLDS_READ: frozenset(_ASSISTANCE_STAFF),
    P.HOUSEHOLDS_CHANGE: frozenset({_R.COMMUNITY_WORKER, _R.STREET_REVIEWER}),
    P.HOUSEHOLDS_STATUS: frozenset({_R.STREET_REVIEWER, _R.DISTRICT_APPROVER}),
    P.PAYMENTS_READ: frozenset({_R.DISTRICT_APPROVER, _R.CITY_SUPERVISOR}),
    P.PAYMENTS_GENERATE: frozenset({_R.DISTRICT_APPROVER}),
    P.PAYMENTS_APPROVE: frozenset({_R.DISTRICT_APPROVER, _R.CITY_SUPERVISOR}),
    P.PAYMENTS_APPROVE_DISTRICT: frozenset({_R.DISTRICT_APPROVER}),
    P.PAYMENTS_APPROVE_CITY: frozenset({_R.CITY_SUPERVISOR}),
    P.PAYMENTS_EXPORT: frozenset({_R.DISTRICT_APPROVER, _R.CITY_SUPERVISOR}),
    P.POLICY_MANAGE: frozenset({_R.CITY_SUPERVISOR}),
    P.CERTIFICATES_READ: frozenset(_ASSISTANCE_STAFF),
    P.CERTIFICATES_DECIDE: frozenset({_R.COMMUNITY_WORKER}),
    P.CERTIFICATES_REVOKE: frozenset({_R.COMMUNITY_WORKER}),
    P.CERTIFICATES_REISSUE: frozenset({_R.COMMUNITY_WORKER}),
    P.DISCOVERY_READ: frozenset(_ASSISTANCE_STAFF),
    P.DISCOVERY_ASSIGN: frozenset(_CASEWORK),
    P.DISCOVERY_VISIT: frozenset(_CASEWORK),
    P.DISCOVERY_SPAM: frozenset(_CASEWORK),
    P.FUNERAL_READ: frozenset({_R.FUNERAL_OPERATOR, _R.DISTRICT_APPROVER, _R.CITY_SUPERVISOR}),
    P.FUNERAL_OPERATE: frozenset({_R.FUNERAL_OPERATOR}),
    P.FUNERAL_SUBSIDY_DECIDE: frozenset({_R.DISTRICT_APPROVER, _R.CITY_SUPERVISOR}),
    P.SURVIVAL_READ: frozenset(_ASSISTANCE_STAFF),
    P.SURVIVAL_REFERENCE: frozenset(_CASEWORK),
    P.SURVIVAL_ASSIST: frozenset(_CASEWORK),
    P.SURVIVAL_REVIEW: frozenset({_R.STREET_REVIEWER, _R.DISTRICT_APPROVER}),
    P.VERIFICATION_READ: frozenset(_ASSISTANCE_STAFF | {_R.VERIFICATION_OFFICER}),
    P.VERIFICATION_IMPORT: frozenset({_R.VERIFICATION_OFFICER}),
    P.VERIFICATION_IMPORTS_READ: frozenset({_R.VERIFICATION_OFFICER, _R.CITY_SUPERVISOR}),
    P.VERIFICATION_MATCHES: frozenset({_R.VERIFICATION_OFFICER}),
    P.VERIFICATION_WARNING_READ: frozenset(_ASSISTANCE_STAFF | {_R.VERIFICATION_OFFICER}),
    P.VERIFICATION_WARNING_DECIDE: frozenset(
        {_R.VERIFICATION_OFFICER, _R.STREET_REVIEWER, _R.DISTRICT_APPROVER}
    ),
    P.VERIFICATION_REPORT_READ: frozenset(
        {_R.VERIFICATION_OFFICER, _R.STREET_REVIEWER, _R.DISTRICT_APPROVER, _R.CITY_SUPERVISOR}
    ),
    P.VERIFICATION_REPORT_ATTACH: frozenset({_R.STREET_REVIEWER, _R.DISTRICT_APPROVER}),
    P.VERIFICATION_REVIEW_READ: frozenset(
        {_R.VERIFICATION_OFFICER, _R.CITY_SUPERVISOR, _R.DISTRICT_APPROVER}
    ),
    P.VERIFICATION_REVIEW_RUN: frozenset({_R.VERIFICATION_OFFICER, _R.CITY_SUPERVISOR, _R.DISTRICT_APPROVER}),
    P.STATUS_PROPOSE: frozenset(
        {_R.COMMUNITY_WORKER, _R.STREET_REVIEWER, _R.DISTRICT_APPROVER, _R.VERIFICATION_OFFICER}
    ),
    P.STATUS_APPROVE: frozenset({_R.DISTRICT_APPROVER}),
    P.SURVIVAL_LAPSE_CONFIRM: frozenset({_R.STREET_REVIEWER}),
    P.SURVIVAL_IN_PERSON: frozenset({_R.COMMUNITY_WORKER, _R.STREET_REVIEWER}),
    P.CONSENT_RECORD: frozenset({_R.COMMUNITY_WORKER}),
    P.EXPORTS_APPROVE: frozenset({_R.DISTRICT_APPROVER, _R.CITY_SUPERVISOR}),
    P.PRIVACY_REQUESTS_READ: frozenset(_ASSISTANCE_STAFF),
    P.PRIVACY_REQUESTS_HANDLE: frozenset({_R.STREET_REVIEWER, _R.DISTRICT_APPROVER}),
}


def allows(role: str | None, permission: str | P) -> bool:
    """Does ``role`` hold ``permission``? Unknown roles and unknown permissions hold nothing."""
    try:
        return Role(role) in GRANTS[P(permission)]
    except (ValueError, KeyError):
        return False


def permissions_of(role: str | None) -> frozenset[P]:
    return frozenset(p for p in P if allows(role, p))
