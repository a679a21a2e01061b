"""the audit chain is keyed (HMAC-SHA256 with a key outside the database) from the next record on;
the head row remembers where, so that older records are still checked as plain SHA-256

Revision ID: 0905
Revises: 0901
Create Date: 2026-12-04 18:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0905'
down_revision = '0901'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('keyed_from', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                                      server_default='1', nullable=False))
    # records already written keep their plain SHA-256; the next one is the first keyed record
    op.execute("UPDATE audit_head SET keyed_from = seq + 1")


def downgrade() -> None:
    # a keyed chain cannot be turned back into a plain one: after a downgrade, `huimin audit
    # verify` of an older release reports the first keyed record as altered
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.drop_column('keyed_from')
