"""staff sessions follow the account: a version bumped on every change a session relies on

Revision ID: 0901
Revises: 0802
Create Date: 2026-12-04 18:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0901'
down_revision = '0802'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('session_version')
