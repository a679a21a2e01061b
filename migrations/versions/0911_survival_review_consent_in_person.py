"""survival: a person reviews a failed check at the recipient's request (survival_review_requests),
in-person proofs of life without a face (survival_in_person), and the recorded consent or legal
basis a reference face is taken on (survival_consents)

Revision ID: 0911
Revises: 0908
Create Date: 2026-12-05 01:27:44
"""
from alembic import op
import sqlalchemy as sa

revision = '0911'
down_revision = '0908'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('survival_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('basis', sa.String(length=12), nullable=False),
    sa.Column('notice_version', sa.String(length=16), nullable=False),
    sa.Column('guardian', sa.String(length=50), nullable=True),
    sa.Column('document', sa.Text(), nullable=True),
    sa.Column('citizen_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_survival_consents_citizen_id_citizens')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_survival_consents_person_id_persons')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_survival_consents_region_code_regions')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_survival_consents_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survival_consents'))
    )
    with op.batch_alter_table('survival_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survival_consents_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survival_consents_region_code'), ['region_code'], unique=False)

    op.create_table('survival_in_person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('proved_on', sa.Date(), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('witness', sa.String(length=50), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_survival_in_person_person_id_persons')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_survival_in_person_region_code_regions')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_survival_in_person_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survival_in_person'))
    )
    with op.batch_alter_table('survival_in_person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survival_in_person_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survival_in_person_region_code'), ['region_code'], unique=False)

    op.create_table('survival_review_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['check_id'], ['survival_checks.id'], name=op.f('fk_survival_review_requests_check_id_survival_checks')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_survival_review_requests_citizen_id_citizens')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_survival_review_requests_person_id_persons')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_survival_review_requests_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survival_review_requests')),
    sa.UniqueConstraint('check_id', name=op.f('uq_survival_review_requests_check_id'))
    )
    with op.batch_alter_table('survival_review_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survival_review_requests_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survival_review_requests_region_code'), ['region_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('survival_review_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survival_review_requests_region_code'))
        batch_op.drop_index(batch_op.f('ix_survival_review_requests_person_id'))

    op.drop_table('survival_review_requests')
    with op.batch_alter_table('survival_in_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survival_in_person_region_code'))
        batch_op.drop_index(batch_op.f('ix_survival_in_person_person_id'))

    op.drop_table('survival_in_person')
    with op.batch_alter_table('survival_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survival_consents_region_code'))
        batch_op.drop_index(batch_op.f('ix_survival_consents_person_id'))

    op.drop_table('survival_consents')
