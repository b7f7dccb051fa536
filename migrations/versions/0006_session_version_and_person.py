"""Limits that cannot be got round: a person behind each board seat, and login sessions that can be ended

`participant.person` ties the seats one person took under several names (same socket or device), so that dot
budgets count per person; `user_account.session_version` is part of the id kept in login sessions, bumped on
logout and when an account is disabled, which ends its sessions server-side.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 18:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_participant_workshop_person', ['workshop_id', 'person'], unique=False)
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_version')
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_index('ix_participant_workshop_person')
        batch_op.drop_column('person')
