"""who looked at a person's data: one row per person per sensitive read, beside its audit record

Revision ID: 0908
Revises: 0907
Create Date: 2026-12-05 01:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0908'
down_revision = '0907'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('person_accesses',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor_name', sa.String(length=100), nullable=True),
    sa.Column('role', sa.String(length=32), nullable=True),
    sa.Column('region_code', sa.String(length=12), nullable=True),
    sa.Column('what', sa.String(length=40), nullable=False),
    sa.Column('object_type', sa.String(length=64), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=True),
    sa.Column('audit_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_accesses'))
    )
    with op.batch_alter_table('person_accesses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_accesses_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_accesses_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('person_accesses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_accesses_at'))
        batch_op.drop_index(batch_op.f('ix_person_accesses_person_id'))
    op.drop_table('person_accesses')
