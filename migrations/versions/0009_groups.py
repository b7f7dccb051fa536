"""Who is in the room and peer groups: a participant's profile and structure; peer groups, their members, cities,
networks, sessions, and the next steps each session reviews

Revision ID: 0009_groups
Revises: 0008
Create Date: 2026-12-01 22:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009_groups'
down_revision = '0009_meetings'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profile', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('structure_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_participant_structure_id'), ['structure_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_participant_structure_id_structure'), 'structure',
                                    ['structure_id'], ['id'], ondelete='SET NULL')
    op.create_table('peer_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('format_key', sa.String(length=40), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_peer_group_created_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peer_group'))
    )
    op.create_table('peer_group_network',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['peer_group.id'], name=op.f('fk_peer_group_network_group_id_peer_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], name=op.f('fk_peer_group_network_network_id_network'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'network_id', name=op.f('pk_peer_group_network'))
    )
    op.create_table('peer_group_city',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('city_insee', sa.String(length=5), nullable=False),
    sa.ForeignKeyConstraint(['city_insee'], ['city.insee'], name=op.f('fk_peer_group_city_city_insee_city'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['peer_group.id'], name=op.f('fk_peer_group_city_group_id_peer_group'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'city_insee', name=op.f('pk_peer_group_city'))
    )
    op.create_table('peer_group_member',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['peer_group.id'], name=op.f('fk_peer_group_member_group_id_peer_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_peer_group_member_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'user_id', name=op.f('pk_peer_group_member'))
    )
    with op.batch_alter_table('peer_group_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_peer_group_member_user_id'), ['user_id'], unique=False)
    op.create_table('peer_group_session',
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['peer_group.id'], name=op.f('fk_peer_group_session_group_id_peer_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_peer_group_session_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workshop_id', name=op.f('pk_peer_group_session')),
    sa.UniqueConstraint('group_id', 'number', name=op.f('uq_peer_group_session_group_id_number'))
    )
    with op.batch_alter_table('peer_group_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_peer_group_session_group_id'), ['group_id'], unique=False)
    op.create_table('carried_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['step_id'], ['next_step.id'], name=op.f('fk_carried_step_step_id_next_step'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_carried_step_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carried_step')),
    sa.UniqueConstraint('workshop_id', 'step_id', name=op.f('uq_carried_step_workshop_id_step_id'))
    )
    with op.batch_alter_table('carried_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_carried_step_step_id'), ['step_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_carried_step_workshop_id'), ['workshop_id'], unique=False)


def downgrade():
    op.drop_table('carried_step')
    op.drop_table('peer_group_session')
    op.drop_table('peer_group_member')
    op.drop_table('peer_group_city')
    op.drop_table('peer_group_network')
    op.drop_table('peer_group')
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_participant_structure_id_structure'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_participant_structure_id'))
        batch_op.drop_column('structure_id')
        batch_op.drop_column('profile')
