"""bulk exports of personal data asked for, approved by a second person, downloaded a few times

Revision ID: 0913
Revises: 0910
Create Date: 2026-12-05 02:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0913'
down_revision = '0910'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('export_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('requested_by_name', sa.String(length=100), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_by_name', sa.String(length=100), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opinion', sa.Text(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('downloads', sa.Integer(), nullable=False),
    sa.Column('max_downloads', sa.Integer(), nullable=False),
    sa.Column('last_download_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_requests'))
    )
    with op.batch_alter_table('export_requests', schema=None) as batch_op:
        batch_op.create_index('ix_export_requests_status_region', ['status', 'region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_requests_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_requests_requested_by'), ['requested_by'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('export_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_requests_requested_by'))
        batch_op.drop_index(batch_op.f('ix_export_requests_region_code'))
        batch_op.drop_index('ix_export_requests_status_region')
    op.drop_table('export_requests')
