"""Peer group invitations by e-mail (issue #15): the invitation, the opt-out, the session's hours

Revision ID: 0011_groupinvites
Revises: 0010_moderated
Create Date: 2026-12-02 05:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011_groupinvites'
down_revision = '0010_moderated'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'peer_group_invitation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=True),
        sa.Column('invited_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['group_id'], ['peer_group.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invited_by_id'], ['user_account.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('group_id', 'email'),
        sa.UniqueConstraint('token_hash'),
    )
    with op.batch_alter_table('peer_group_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_peer_group_invitation_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_peer_group_invitation_email'), ['email'], unique=False)
    op.create_table(
        'invitation_opt_out',
        sa.Column('email_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.PrimaryKeyConstraint('email_hash'),
    )
    with op.batch_alter_table('peer_group_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('starts_at', sa.Time(), nullable=True))
        batch_op.add_column(sa.Column('ends_at', sa.Time(), nullable=True))


def downgrade():
    with op.batch_alter_table('peer_group_session', schema=None) as batch_op:
        batch_op.drop_column('ends_at')
        batch_op.drop_column('starts_at')
    op.drop_table('invitation_opt_out')
    with op.batch_alter_table('peer_group_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_peer_group_invitation_email'))
        batch_op.drop_index(batch_op.f('ix_peer_group_invitation_group_id'))
    op.drop_table('peer_group_invitation')
