"""Cards keep the language they were written in (issue #18): existing cards were all written in French

Revision ID: 0009_lang
Revises: 0008
Create Date: 2026-12-01 22:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009_lang'
down_revision = '0009_showcase'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), server_default='fr', nullable=False))


def downgrade():
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.drop_column('language')
