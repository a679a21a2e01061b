"""keep less: an import counts the department rows of strangers it dropped after matching

Revision ID: 0915
Revises: 0916
Create Date: 2026-12-05 02:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0915'
down_revision = '0916'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('verification_imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('strangers_dropped', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('verification_imports', schema=None) as batch_op:
        batch_op.drop_column('strangers_dropped')
