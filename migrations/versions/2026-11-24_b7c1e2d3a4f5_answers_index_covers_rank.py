"""answers index covers rank, so ranking counts read the index alone

Revision ID: b7c1e2d3a4f5
Revises: f68598f79a66
Create Date: 2026-11-24 13:30:00

"""
from alembic import op

revision = "b7c1e2d3a4f5"
down_revision = "f68598f79a66"
branch_labels = None
depends_on = None

INDEX = "ix_answers_question_option_response"


def upgrade():
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.create_index(INDEX, ["question", "option", "response_id", "rank"], unique=False)


def downgrade():
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.create_index(INDEX, ["question", "option", "response_id"], unique=False)
