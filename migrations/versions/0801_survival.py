"""survival check: reference faces, schedules, challenges, checks and their frames

Revision ID: 0801
Revises: 0602
Create Date: 2026-11-25 10:48:10.109848
"""
from alembic import op
import sqlalchemy as sa

revision = '0801'
down_revision = '0701'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('survival_challenges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nonce_hash', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('actions', sa.JSON(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_survival_challenges_citizen_id_citizens')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_survival_challenges_person_id_persons')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_survival_challenges_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survival_challenges')),
    sa.UniqueConstraint('nonce_hash', name=op.f('uq_survival_challenges_nonce_hash'))
    )
    with op.batch_alter_table('survival_challenges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survival_challenges_person_id'), ['person_id'], unique=False)

    op.create_table('survival_references',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('encoding', sa.LargeBinary(), nullable=False),
    sa.Column('photo', sa.LargeBinary(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['staff.id'], name=op.f('fk_survival_references_created_by_staff')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_survival_references_person_id_persons')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_survival_references_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survival_references')),
    sa.UniqueConstraint('person_id', name=op.f('uq_survival_references_person_id'))
    )
    with op.batch_alter_table('survival_references', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survival_references_region_code'), ['region_code'], unique=False)

    op.create_table('survival_schedules',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('interval_months', sa.Integer(), nullable=False),
    sa.Column('next_due', sa.Date(), nullable=False),
    sa.Column('last_passed_on', sa.Date(), nullable=True),
    sa.Column('reminded_on', sa.Date(), nullable=True),
    sa.Column('overdue_notified_on', sa.Date(), nullable=True),
    sa.Column('suspended_on', sa.Date(), nullable=True),
    sa.Column('suspended_enrolments', sa.JSON(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_survival_schedules_person_id_persons')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_survival_schedules_region_code_regions')),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_survival_schedules'))
    )
    with op.batch_alter_table('survival_schedules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survival_schedules_next_due'), ['next_due'], unique=False)
        batch_op.create_index(batch_op.f('ix_survival_schedules_region_code'), ['region_code'], unique=False)

    op.create_table('survival_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=True),
    sa.Column('actions', sa.JSON(), nullable=False),
    sa.Column('assisted', sa.Boolean(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('citizen_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decision', sa.String(length=8), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('frame_count', sa.Integer(), nullable=False),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('frames_purged_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['challenge_id'], ['survival_challenges.id'], name=op.f('fk_survival_checks_challenge_id_survival_challenges')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_survival_checks_citizen_id_citizens')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_survival_checks_person_id_persons')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_survival_checks_region_code_regions')),
    sa.ForeignKeyConstraint(['reviewed_by'], ['staff.id'], name=op.f('fk_survival_checks_reviewed_by_staff')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_survival_checks_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survival_checks'))
    )
    with op.batch_alter_table('survival_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survival_checks_challenge_id'), ['challenge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survival_checks_closed_at'), ['closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_survival_checks_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_survival_checks_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survival_checks_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_survival_checks_status'), ['status'], unique=False)

    op.create_table('survival_frames',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['check_id'], ['survival_checks.id'], name=op.f('fk_survival_frames_check_id_survival_checks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survival_frames'))
    )
    with op.batch_alter_table('survival_frames', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survival_frames_check_id'), ['check_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('survival_frames', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survival_frames_check_id'))

    op.drop_table('survival_frames')
    with op.batch_alter_table('survival_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survival_checks_status'))
        batch_op.drop_index(batch_op.f('ix_survival_checks_region_code'))
        batch_op.drop_index(batch_op.f('ix_survival_checks_person_id'))
        batch_op.drop_index(batch_op.f('ix_survival_checks_created_at'))
        batch_op.drop_index(batch_op.f('ix_survival_checks_closed_at'))
        batch_op.drop_index(batch_op.f('ix_survival_checks_challenge_id'))

    op.drop_table('survival_checks')
    with op.batch_alter_table('survival_schedules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survival_schedules_region_code'))
        batch_op.drop_index(batch_op.f('ix_survival_schedules_next_due'))

    op.drop_table('survival_schedules')
    with op.batch_alter_table('survival_references', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survival_references_region_code'))

    op.drop_table('survival_references')
    with op.batch_alter_table('survival_challenges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survival_challenges_person_id'))

    op.drop_table('survival_challenges')
