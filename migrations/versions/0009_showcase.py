"""Showcase with the consent of both networks: each network's confirmation of a link between two networks'
structures, and the reports ("Signaler") of cards, sheets, structures and links with their moderation.

Revision ID: 0009_showcase
Revises: 0008
Create Date: 2026-12-01 22:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009_showcase'
down_revision = '0009_programme'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('link_consent',
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('user_name', sa.String(length=120), nullable=False),
    sa.Column('at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['structure_link.id'], name=op.f('fk_link_consent_link_id_structure_link'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], name=op.f('fk_link_consent_network_id_network'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_link_consent_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('link_id', 'network_id', name=op.f('pk_link_consent'))
    )
    op.create_table('content_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_kind', sa.String(length=20), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('details', sa.String(length=500), nullable=False),
    sa.Column('excerpt', sa.String(length=200), nullable=False),
    sa.Column('reporter_user_id', sa.Integer(), nullable=True),
    sa.Column('reporter_participant_id', sa.Integer(), nullable=True),
    sa.Column('reporter_name', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_name', sa.String(length=120), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_content_report_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reporter_participant_id'], ['participant.id'], name=op.f('fk_content_report_reporter_participant_id_participant'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reporter_user_id'], ['user_account.id'], name=op.f('fk_content_report_reporter_user_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_content_report_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_report'))
    )
    op.create_index('ix_content_report_status_target', 'content_report', ['status', 'target_kind', 'target_id'], unique=False)
    op.create_index(op.f('ix_content_report_workshop_id'), 'content_report', ['workshop_id'], unique=False)
    op.create_index(op.f('ix_content_report_reporter_user_id'), 'content_report', ['reporter_user_id'], unique=False)
    op.create_index(op.f('ix_content_report_reporter_participant_id'), 'content_report', ['reporter_participant_id'], unique=False)


def downgrade():
    op.drop_table('content_report')
    op.drop_table('link_consent')
