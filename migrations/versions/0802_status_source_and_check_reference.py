"""enrolments remember what made their last status change; a survival check remembers the
reference photo it was compared with

Revision ID: 0802
Revises: 0702
Create Date: 2026-12-01 22:10:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0802'
down_revision = '0702'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_source', sa.String(length=64), nullable=True))
    with op.batch_alter_table('survival_checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference_sha256', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('survival_checks', schema=None) as batch_op:
        batch_op.drop_column('reference_sha256')
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_column('status_source')
