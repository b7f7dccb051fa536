"""Frameworks catalogue texts; programmes with their time plan, time entries, budget lines and coordinators

Revision ID: 0009_programme
Revises: 0008
Create Date: 2026-12-01 22:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009_programme'
down_revision = '0009_groups'
branch_labels = None
depends_on = None

TEXT_COLUMNS = ('purpose', 'purpose_en', 'operators', 'operators_en', 'eligibility', 'eligibility_en', 'contact')


def upgrade():
    with op.batch_alter_table('practice_framework') as batch:
        for name in TEXT_COLUMNS:
            batch.add_column(sa.Column(name, sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('url', sa.String(length=300), nullable=False, server_default=''))
    with op.batch_alter_table('practice_framework') as batch:
        for name in (*TEXT_COLUMNS, 'url'):
            batch.alter_column(name, server_default=None)
    op.create_table('programme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('aims', sa.Text(), nullable=False),
    sa.Column('cities', sa.JSON(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('planned_meetings', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_programme_period_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme'))
    )
    op.create_table('programme_coordinator',
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_programme_coordinator_programme_id_programme'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_programme_coordinator_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('programme_id', 'user_id', name=op.f('pk_programme_coordinator'))
    )
    op.create_index(op.f('ix_programme_coordinator_user_id'), 'programme_coordinator', ['user_id'], unique=False)
    op.create_table('programme_time_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('hours', sa.Numeric(precision=9, scale=2), nullable=False),
    sa.CheckConstraint('hours >= 0', name=op.f('ck_programme_time_plan_hours_positive')),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], name=op.f('fk_programme_time_plan_network_id_network'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_programme_time_plan_programme_id_programme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_time_plan')),
    sa.UniqueConstraint('programme_id', 'network_id', 'kind', name=op.f('uq_programme_time_plan_programme_id_network_id_kind'))
    )
    op.create_index(op.f('ix_programme_time_plan_programme_id'), 'programme_time_plan', ['programme_id'], unique=False)
    op.create_table('programme_time_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('worked_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('person', sa.String(length=120), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('hours > 0', name=op.f('ck_programme_time_entry_hours_positive')),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], name=op.f('fk_programme_time_entry_network_id_network'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_programme_time_entry_programme_id_programme'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_programme_time_entry_recorded_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_time_entry'))
    )
    op.create_index(op.f('ix_programme_time_entry_programme_id'), 'programme_time_entry', ['programme_id'], unique=False)
    op.create_index(op.f('ix_programme_time_entry_recorded_by_id'), 'programme_time_entry', ['recorded_by_id'], unique=False)
    op.create_table('programme_budget_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=True),
    sa.Column('planned', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('committed', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('spent', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], name=op.f('fk_programme_budget_line_network_id_network'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_programme_budget_line_programme_id_programme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_budget_line'))
    )
    op.create_index(op.f('ix_programme_budget_line_programme_id'), 'programme_budget_line', ['programme_id'], unique=False)


def downgrade():
    op.drop_table('programme_budget_line')
    op.drop_table('programme_time_entry')
    op.drop_table('programme_time_plan')
    op.drop_table('programme_coordinator')
    op.drop_table('programme')
    with op.batch_alter_table('practice_framework') as batch:
        for name in (*TEXT_COLUMNS, 'url'):
            batch.drop_column(name)
