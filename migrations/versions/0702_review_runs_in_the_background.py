"""verification reviews run in the background: a running review can fail, and says why

Revision ID: 0702
Revises: 0801
Create Date: 2026-12-01 21:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0702'
down_revision = '0801'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('verification_reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failure', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('verification_reviews', schema=None) as batch_op:
        batch_op.drop_column('failure')
