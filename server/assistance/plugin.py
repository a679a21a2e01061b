"""Social assistance: applications, households on the register, payment rolls and standards."""

from server.accounts.permissions import P
from server.assistance import i18n
from server.assistance.citizen_routes import ApplyController, NoticeController
from server.assistance.office_routes import (
    AssistanceOfficeController,
    HouseholdController,
    PaymentController,
    PolicyController,
)
from server.assistance.proposal_routes import ProposalController
from server.web import DomainPlugin, NavItem, ServiceTile

plugin = DomainPlugin(
    "assistance",
    controllers=(
        ApplyController,
        NoticeController,
        AssistanceOfficeController,
        PolicyController,
        HouseholdController,
        PaymentController,
        ProposalController,
    ),
    office_nav=(
        NavItem("/office/assistance", "社会救助", P.ASSISTANCE_READ, order=10),
        NavItem("/office/assistance/households", "救助对象", P.HOUSEHOLDS_READ, order=11),
        NavItem(
            "/office/proposals",
            "待审批变更",
            P.HOUSEHOLDS_READ,
            order=14,
            count_href="/office/proposals/count",
        ),
        NavItem("/office/assistance/payments", "资金发放", P.PAYMENTS_READ, order=12),
        NavItem("/office/assistance/policies", "救助标准", P.POLICY_MANAGE, order=13),
    ),
    pwa_services=(
        ServiceTile("/apply", "社会救助", "申请低保、特困、临时救助和医疗救助，查看办理进度", order=10),
    ),
    codes=i18n.CODES,
    en=i18n.EN,
)
