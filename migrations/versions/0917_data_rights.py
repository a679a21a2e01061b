"""the citizen's rights: data-rights requests (correction, deletion, explanation, copy) with their
legal deadline, and account cancellation (citizens.cancelled_at)

Revision ID: 0917
Revises: 0911
Create Date: 2026-12-05 01:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0917'
down_revision = '0911'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rights_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=True),
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('about', sa.String(length=40), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('handled_by', sa.String(length=100), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_rights_requests_citizen_id_citizens')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_rights_requests_person_id_persons')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_rights_requests_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rights_requests')),
    sa.UniqueConstraint('reference', name=op.f('uq_rights_requests_reference'))
    )
    with op.batch_alter_table('rights_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rights_requests_citizen_id'), ['citizen_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rights_requests_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rights_requests_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_rights_requests_due_on'), ['due_on'], unique=False)
        batch_op.create_index('ix_rights_requests_status_region', ['status', 'region_code'], unique=False)

    with op.batch_alter_table('citizens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('citizens', schema=None) as batch_op:
        batch_op.drop_column('cancelled_at')
    with op.batch_alter_table('rights_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_rights_requests_status_region')
        batch_op.drop_index(batch_op.f('ix_rights_requests_due_on'))
        batch_op.drop_index(batch_op.f('ix_rights_requests_region_code'))
        batch_op.drop_index(batch_op.f('ix_rights_requests_person_id'))
        batch_op.drop_index(batch_op.f('ix_rights_requests_citizen_id'))
    op.drop_table('rights_requests')
