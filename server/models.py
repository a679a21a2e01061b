"""Every domain's models, imported once so the metadata is complete (Alembic, tests)."""

from server.accounts.models import (  # noqa: F401
    Citizen,
    IdentityClaim,
    IdentityDispute,
    OtpChallenge,
    SmsOutbox,
    Staff,
)
from server.assistance.models import (  # noqa: F401
    Application,
    Document,
    Event,
    HouseholdFacts,
    MemberFacts,
    PaymentLine,
    PaymentRoll,
    Policy,
    Recalculation,
    Receipt,
)
from server.audit.models import AuditHead, AuditRecord  # noqa: F401
from server.calendar.models import CalendarDay  # noqa: F401
from server.certificates.models import Certificate, SigningKey  # noqa: F401
from server.db import Base
from server.discovery.models import Alert, CommunityArea, Report  # noqa: F401
from server.exports.models import ExportRequest  # noqa: F401
from server.funeral.models import (  # noqa: F401
    AccountBookings,
    Booking,
    BookingSlot,
    Complaint,
    Device,
    Facility,
    OpenService,
    Operator,
    Plot,
    Position,
    ServiceItem,
    Slot,
    Subsidy,
)
from server.notifications.models import Notification, PushSubscription  # noqa: F401
from server.people.models import (  # noqa: F401
    Enrolment,
    Household,
    HouseholdMember,
    HouseholdNotice,
    Person,
    StatusProposal,
)
from server.privacy.models import Consent, ConsentRequest  # noqa: F401
from server.ratelimit import RateCounter  # noqa: F401
from server.regions.models import Region  # noqa: F401
from server.rights.models import RightsRequest  # noqa: F401
from server.survival.models import (  # noqa: F401
    Challenge,
    Check,
    CheckFrame,
    FaceConsent,
    InPersonProof,
    Reference,
    ReviewRequest,
    Schedule,
)
from server.verification.models import (  # noqa: F401
    ApiClient,
    DataImport,
    PossibleMatch,
    ReviewCampaign,
    ReviewItem,
    SourceRecord,
    VerificationWarning,
)

metadata = Base.metadata
