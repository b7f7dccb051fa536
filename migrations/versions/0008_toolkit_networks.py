"""The networks a toolkit belongs to: only their coordinators (and admins) edit, publish or delete it

Existing toolkits get the networks their creator coordinates today; one whose creator is gone or coordinates none
is left to admins.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 18:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('toolkit_network',
    sa.Column('toolkit_id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], name=op.f('fk_toolkit_network_network_id_network'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['toolkit_id'], ['toolkit.id'], name=op.f('fk_toolkit_network_toolkit_id_toolkit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('toolkit_id', 'network_id', name=op.f('pk_toolkit_network'))
    )
    toolkit = sa.table('toolkit', sa.column('id'), sa.column('created_by_id'))
    member = sa.table('network_member', sa.column('user_id'), sa.column('network_id'),
                      sa.column('coordinator', sa.Boolean))
    link = sa.table('toolkit_network', sa.column('toolkit_id'), sa.column('network_id'))
    op.execute(link.insert().from_select(
        ['toolkit_id', 'network_id'],
        sa.select(toolkit.c.id, member.c.network_id)
        .join(member, member.c.user_id == toolkit.c.created_by_id)
        .where(member.c.coordinator.is_(sa.true()))))


def downgrade():
    op.drop_table('toolkit_network')
