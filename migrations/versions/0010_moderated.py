"""Moderated mode per workshop (issue #17): cards wait in the facilitator's inbox until accepted

Revision ID: 0010_moderated
Revises: 0009_lang
Create Date: 2026-12-02 01:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010_moderated'
down_revision = '0010_trials'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moderated', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.drop_column('pending')
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_column('moderated')
