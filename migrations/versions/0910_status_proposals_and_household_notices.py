"""a second person before money stops (#23): proposals to suspend or stop a benefit or to record a
death, decided by another person, and the notices the household was sent when one was approved

Revision ID: 0910
Revises: 0912
Create Date: 2026-12-05 01:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0910'
down_revision = '0912'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('status_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('proposed_by', sa.String(length=100), nullable=False),
    sa.Column('proposed_by_id', sa.String(length=64), nullable=True),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_by_id', sa.String(length=64), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opinion', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_status_proposals_enrolment_id_enrolments')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_status_proposals_household_id_households')),
    sa.ForeignKeyConstraint(['member_id'], ['household_members.id'], name=op.f('fk_status_proposals_member_id_household_members')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_status_proposals_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_proposals'))
    )
    with op.batch_alter_table('status_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_proposals_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index('ix_status_proposals_status_region', ['status', 'region_code'], unique=False)

    op.create_table('household_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('printed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('printed_by', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_household_notices_household_id_households')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_household_notices_person_id_persons')),
    sa.ForeignKeyConstraint(['proposal_id'], ['status_proposals.id'], name=op.f('fk_household_notices_proposal_id_status_proposals')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_household_notices_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household_notices'))
    )
    with op.batch_alter_table('household_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_notices_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_notices_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_notices_region_code'), ['region_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('household_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_notices_region_code'))
        batch_op.drop_index(batch_op.f('ix_household_notices_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_household_notices_household_id'))

    op.drop_table('household_notices')
    with op.batch_alter_table('status_proposals', schema=None) as batch_op:
        batch_op.drop_index('ix_status_proposals_status_region')
        batch_op.drop_index(batch_op.f('ix_status_proposals_enrolment_id'))

    op.drop_table('status_proposals')
