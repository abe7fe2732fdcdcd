"""responses.counted: submissions are counted into the live results when the results are read

Revision ID: e7a1c4d2b9f0
Revises: c3d9e8f1a2b4
Create Date: 2026-11-24 17:00:00

Until this revision every submission added itself to `result_counts` at once, so every
submitted response is counted already.
"""
from alembic import op
import sqlalchemy as sa


revision = "e7a1c4d2b9f0"
down_revision = "c3d9e8f1a2b4"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "responses",
        sa.Column("counted", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.execute(sa.text("UPDATE responses SET counted = (status = 'submitted')"))
    # Partial on PostgreSQL, whose planner otherwise scans the table for the few rows in it.
    op.create_index(
        "ix_responses_new_submissions",
        "responses",
        ["status", "counted"],
        postgresql_where=sa.text("status = 'submitted' AND NOT counted"),
    )


def downgrade():
    # Responses submitted but not counted yet stay out of the counters: the previous revision
    # notices (its counters hold fewer responses than are submitted), counts from the answers
    # and logs that `flask --app survey rebuild-result-counts` puts it right.
    op.drop_index("ix_responses_new_submissions", table_name="responses")
    # A plain ALTER TABLE (SQLite 3.35+): batch mode would copy and drop `responses`, and
    # dropping it deletes every answer through the foreign key's ON DELETE CASCADE.
    op.drop_column("responses", "counted")
