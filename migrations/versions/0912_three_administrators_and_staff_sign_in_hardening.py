"""three administrators instead of one (三权分立): every ``admin`` account becomes a security
administrator; staff sign-in hardening: when a password was set and whether an administrator set
it (changed before any work), when an account was last switched on and why it was switched off
(dormant accounts, by the worker)

Revision ID: 0912
Revises: 0915
Create Date: 2026-12-05 02:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0912'
down_revision = '0915'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('password_must_change', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('enabled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('disabled_reason', sa.String(length=16), nullable=True))
    # the one administrator held accounts, the calendar and the audit trail; what it kept is the
    # accounts (a system and an audit administrator are created by a security administrator).
    # Passwords of today count from today: privileged roles change them within 90 days.
    op.execute("UPDATE staff SET role = 'security_admin' WHERE role = 'admin'")
    op.execute("UPDATE staff SET password_changed_at = CURRENT_TIMESTAMP, session_version = session_version + 1")


def downgrade() -> None:
    op.execute("UPDATE staff SET role = 'admin' WHERE role IN ('security_admin', 'system_admin', 'audit_admin')")
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('disabled_reason')
        batch_op.drop_column('enabled_at')
        batch_op.drop_column('password_must_change')
        batch_op.drop_column('password_changed_at')
