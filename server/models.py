"""Every domain's models, imported once so the metadata is complete (Alembic, tests)."""

from server.accounts.models import Citizen, OtpChallenge, SmsOutbox, Staff  # noqa: F401
from server.audit.models import AuditHead, AuditRecord  # noqa: F401
from server.db import Base
from server.people.models import Enrolment, Household, HouseholdMember, Person  # noqa: F401
from server.regions.models import Region  # noqa: F401

metadata = Base.metadata
