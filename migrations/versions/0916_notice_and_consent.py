"""notice and consent: the privacy notice version read with each application, discovery report and
certificate request; who must consent to an application's household check, and the consents given
(self, paper form, guardian), withdrawn in place

Revision ID: 0916
Revises: 0917
Create Date: 2026-12-05 01:40:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0916'
down_revision = '0917'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assistance_applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_version', sa.String(length=16), nullable=True))
    with op.batch_alter_table('discovery_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_version', sa.String(length=16), nullable=True))
    with op.batch_alter_table('residence_certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_version', sa.String(length=16), nullable=True))

    op.create_table('privacy_consent_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=True),
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('id_masked', sa.String(length=18), nullable=False),
    sa.Column('birth', sa.Date(), nullable=True),
    sa.Column('relationship', sa.String(length=16), nullable=False),
    sa.Column('applicant', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['assistance_applications.id'], name=op.f('fk_privacy_consent_requests_application_id_assistance_applications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_consent_requests')),
    sa.UniqueConstraint('application_id', 'id_hash', name=op.f('uq_privacy_consent_requests_application_id'))
    )
    with op.batch_alter_table('privacy_consent_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_consent_requests_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_privacy_consent_requests_id_hash'), ['id_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_privacy_consent_requests_region_code'), ['region_code'], unique=False)

    op.create_table('privacy_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('basis', sa.String(length=12), nullable=False),
    sa.Column('notice_version', sa.String(length=16), nullable=False),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('given_by', sa.String(length=100), nullable=True),
    sa.Column('citizen_id', sa.Integer(), nullable=True),
    sa.Column('paper_name', sa.String(length=80), nullable=True),
    sa.Column('paper_sha256', sa.String(length=64), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by', sa.String(length=100), nullable=True),
    sa.Column('withdrawal_basis', sa.String(length=12), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['assistance_applications.id'], name=op.f('fk_privacy_consents_application_id_assistance_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_privacy_consents_citizen_id_citizens')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_consents'))
    )
    with op.batch_alter_table('privacy_consents', schema=None) as batch_op:
        batch_op.create_index('ix_privacy_consents_application_person', ['application_id', 'id_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_privacy_consents_id_hash'), ['id_hash'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('privacy_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_consents_id_hash'))
        batch_op.drop_index('ix_privacy_consents_application_person')
    op.drop_table('privacy_consents')
    with op.batch_alter_table('privacy_consent_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_consent_requests_region_code'))
        batch_op.drop_index(batch_op.f('ix_privacy_consent_requests_id_hash'))
        batch_op.drop_index(batch_op.f('ix_privacy_consent_requests_application_id'))
    op.drop_table('privacy_consent_requests')
    with op.batch_alter_table('residence_certificates', schema=None) as batch_op:
        batch_op.drop_column('notice_version')
    with op.batch_alter_table('discovery_reports', schema=None) as batch_op:
        batch_op.drop_column('notice_version')
    with op.batch_alter_table('assistance_applications', schema=None) as batch_op:
        batch_op.drop_column('notice_version')
