"""identity binding: claims waiting for a face match or a worker, disputes, how far a citizen's
bound identity is proven, and what a survival challenge was issued for

Existing bindings were never checked. One whose account already passed a survival check of the
register person with that ID (the face matched the reference) stays verified; every other one
becomes "declared": it may still apply, but no longer sees a register person's records or
certifies until it is proven (face match, or a community worker in person).

Revision ID: 0903
Revises: 0904
Create Date: 2026-12-04 18:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0903'
down_revision = '0904'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('citizens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identity_level', sa.String(length=16), nullable=True))
    with op.batch_alter_table('survival_challenges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purpose', sa.String(length=16), server_default='survival', nullable=False))
    op.create_table(
        'identity_claims',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('citizen_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('id_masked', sa.String(length=18), nullable=False),
        sa.Column('id_cipher', sa.Text(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('region_code', sa.String(length=12), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('method', sa.String(length=16), nullable=True),
        sa.Column('face_attempts', sa.Integer(), nullable=False),
        sa.Column('face_reasons', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], ),
        sa.ForeignKeyConstraint(['decided_by'], ['staff.id'], ),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id'], ),
        sa.ForeignKeyConstraint(['region_code'], ['regions.code'], ),
        sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('identity_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_claims_citizen_id'), ['citizen_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identity_claims_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_identity_claims_id_hash'), ['id_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_identity_claims_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identity_claims_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_identity_claims_status'), ['status'], unique=False)
    op.create_table(
        'identity_disputes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('citizen_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('id_masked', sa.String(length=18), nullable=False),
        sa.Column('id_cipher', sa.Text(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('region_code', sa.String(length=12), nullable=False),
        sa.Column('holder_id', sa.Integer(), nullable=True),
        sa.Column('statement', sa.Text(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], ),
        sa.ForeignKeyConstraint(['decided_by'], ['staff.id'], ),
        sa.ForeignKeyConstraint(['holder_id'], ['citizens.id'], ),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id'], ),
        sa.ForeignKeyConstraint(['region_code'], ['regions.code'], ),
        sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('identity_disputes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_disputes_citizen_id'), ['citizen_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identity_disputes_id_hash'), ['id_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_identity_disputes_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_identity_disputes_status'), ['status'], unique=False)
    # existing bindings: verified only where this account's face already matched the person's reference
    op.execute(
        "UPDATE citizens SET identity_level = CASE WHEN EXISTS ("
        " SELECT 1 FROM survival_checks c JOIN persons p ON p.id = c.person_id"
        " WHERE c.citizen_id = citizens.id AND p.id_hash = citizens.id_hash"
        " AND c.status IN ('passed', 'confirmed') AND c.assisted = false"
        ") THEN 'verified' ELSE 'declared' END WHERE id_hash IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table('identity_disputes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_disputes_status'))
        batch_op.drop_index(batch_op.f('ix_identity_disputes_region_code'))
        batch_op.drop_index(batch_op.f('ix_identity_disputes_id_hash'))
        batch_op.drop_index(batch_op.f('ix_identity_disputes_citizen_id'))
    op.drop_table('identity_disputes')
    with op.batch_alter_table('identity_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_claims_status'))
        batch_op.drop_index(batch_op.f('ix_identity_claims_region_code'))
        batch_op.drop_index(batch_op.f('ix_identity_claims_person_id'))
        batch_op.drop_index(batch_op.f('ix_identity_claims_id_hash'))
        batch_op.drop_index(batch_op.f('ix_identity_claims_created_at'))
        batch_op.drop_index(batch_op.f('ix_identity_claims_citizen_id'))
    op.drop_table('identity_claims')
    with op.batch_alter_table('survival_challenges', schema=None) as batch_op:
        batch_op.drop_column('purpose')
    with op.batch_alter_table('citizens', schema=None) as batch_op:
        batch_op.drop_column('identity_level')
