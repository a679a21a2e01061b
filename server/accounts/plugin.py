"""Accounts: citizen sign-in and identity, staff sign-in, accounts and identity review."""

from server.accounts import i18n
from server.accounts.citizen_routes import CitizenAccountController
from server.accounts.office_routes import (
    AccountController,
    IdentityOfficeController,
    StaffAdminController,
    StaffLoginController,
)
from server.accounts.permissions import P
from server.web import DomainPlugin, NavItem

plugin = DomainPlugin(
    "accounts",
    controllers=(
        CitizenAccountController,
        StaffLoginController,
        AccountController,
        StaffAdminController,
        IdentityOfficeController,
    ),
    office_nav=(
        NavItem("/office/identity", "实名核实", P.IDENTITY_VIEW, order=35),
        NavItem("/office/users", "人员管理", P.STAFF_MANAGE, order=95),
        NavItem("/office/account", "我的账号", order=99),
    ),
    codes=i18n.CODES,
    en=i18n.EN,
)
