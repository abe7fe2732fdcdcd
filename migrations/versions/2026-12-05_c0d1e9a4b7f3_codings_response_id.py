"""codings: the response of the coded answer, so that coded figures are counted per respondent
without looking up every coded answer

Revision ID: c0d1e9a4b7f3
Revises: 5b0e3c9a71d4
Create Date: 2026-12-05 00:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c0d1e9a4b7f3"
down_revision = "5b0e3c9a71d4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("codings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("response_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE codings SET response_id = "
        "(SELECT answers.response_id FROM answers WHERE answers.id = codings.answer_id)"
    )
    with op.batch_alter_table("codings", schema=None) as batch_op:
        batch_op.alter_column("response_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            "fk_codings_response_id_responses",
            "responses",
            ["response_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index("ix_codings_response_id", ["response_id"], unique=False)


def downgrade():
    with op.batch_alter_table("codings", schema=None) as batch_op:
        batch_op.drop_index("ix_codings_response_id")
        batch_op.drop_constraint("fk_codings_response_id_responses", type_="foreignkey")
        batch_op.drop_column("response_id")
