"""rate limits counted in the database for every process; funeral bookings: one open booking per
service kind per deceased, at most 3 open bookings per account, the 惠民殡葬 waiver checked at the
counter when the records do not show the death

Revision ID: 0907
Revises: 0903
Create Date: 2026-12-04 18:10:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0907'
down_revision = '0903'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_counters',
    sa.Column('scope', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'subject', 'window_start', name=op.f('pk_rate_counters'))
    )
    with op.batch_alter_table('rate_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_counters_expires_at'), ['expires_at'], unique=False)

    with op.batch_alter_table('funeral_bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waiver', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('waiver_checked_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('waiver_checked_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table('funeral_open_services',
    sa.Column('deceased_id_hash', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['funeral_bookings.id'], name=op.f('fk_funeral_open_services_booking_id_funeral_bookings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('deceased_id_hash', 'kind', name=op.f('pk_funeral_open_services'))
    )
    with op.batch_alter_table('funeral_open_services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funeral_open_services_booking_id'), ['booking_id'], unique=False)

    op.create_table('funeral_account_bookings',
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('open_bookings', sa.Integer(), nullable=False),
    sa.CheckConstraint('open_bookings >= 0', name=op.f('ck_funeral_account_bookings_not_negative')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_funeral_account_bookings_citizen_id_citizens')),
    sa.PrimaryKeyConstraint('citizen_id', name=op.f('pk_funeral_account_bookings'))
    )
    # the bookings open today count: an account over the limit books again once below it; when one
    # deceased already has two open bookings of a kind, the older holds the kind
    op.execute("INSERT INTO funeral_account_bookings (citizen_id, open_bookings) "
               "SELECT citizen_id, count(*) FROM funeral_bookings WHERE status = 'booked' GROUP BY citizen_id")
    op.execute("INSERT INTO funeral_open_services (deceased_id_hash, kind, booking_id) "
               "SELECT b.deceased_id_hash, s.kind, min(b.id) FROM funeral_bookings b "
               "JOIN funeral_booking_slots bs ON bs.booking_id = b.id JOIN funeral_slots s ON s.id = bs.slot_id "
               "WHERE b.status = 'booked' GROUP BY b.deceased_id_hash, s.kind")


def downgrade() -> None:
    op.drop_table('funeral_account_bookings')
    with op.batch_alter_table('funeral_open_services', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funeral_open_services_booking_id'))
    op.drop_table('funeral_open_services')
    with op.batch_alter_table('funeral_bookings', schema=None) as batch_op:
        batch_op.drop_column('waiver_checked_at')
        batch_op.drop_column('waiver_checked_by')
        batch_op.drop_column('waiver')
    with op.batch_alter_table('rate_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_counters_expires_at'))
    op.drop_table('rate_counters')
