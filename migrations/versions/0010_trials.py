"""Practices tried in the field (issue #16 §3): a member's "nous l'avons essayée", moderated by coordinators.

Revision ID: 0010_trials
Revises: 0009_lang
Create Date: 2026-12-02 01:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010_trials'
down_revision = '0009_lang'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('practice_trial',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.Column('tried_on', sa.Date(), nullable=False),
    sa.Column('with_whom', sa.String(length=200), nullable=False),
    sa.Column('changes', sa.Text(), nullable=False),
    sa.Column('adaptations', sa.Text(), nullable=False),
    sa.Column('recommend', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('refusal', sa.String(length=500), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=120), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_practice_trial_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_practice_trial_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_practice_trial_practice_id_practice'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['structure_id'], ['structure.id'], name=op.f('fk_practice_trial_structure_id_structure'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_trial'))
    )
    op.create_index('ix_practice_trial_status_practice', 'practice_trial', ['status', 'practice_id'], unique=False)
    op.create_index(op.f('ix_practice_trial_structure_id'), 'practice_trial', ['structure_id'], unique=False)
    op.create_index(op.f('ix_practice_trial_author_id'), 'practice_trial', ['author_id'], unique=False)


def downgrade():
    op.drop_table('practice_trial')
