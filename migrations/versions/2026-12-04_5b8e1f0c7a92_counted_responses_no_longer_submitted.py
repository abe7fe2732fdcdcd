"""responses: index of the counted responses that are no longer submitted

Revision ID: 5b8e1f0c7a92
Revises: a7c3e5f1b2d9
Create Date: 2026-12-04 20:20:00

The results' table of one row per response (survey/aggregation/by_response.py) holds every
response counted into the results; a request leaves out those that no longer count (an
excluded response). This partial index holds just those few, so finding them reads no table.
The table itself is made by the app from the questionnaire (`rebuild-result-counts`, or the
next read of the results while a survey has at most 20,000 responses), not here.
"""
from alembic import op
import sqlalchemy as sa


revision = "5b8e1f0c7a92"
down_revision = "a7c3e5f1b2d9"
branch_labels = None
depends_on = None

CONDITION = "counted AND status <> 'submitted'"


def upgrade():
    op.create_index(
        "ix_responses_counted_not_submitted",
        "responses",
        ["id"],
        postgresql_where=sa.text(CONDITION),
        sqlite_where=sa.text(CONDITION),
    )


def downgrade():
    op.drop_index("ix_responses_counted_not_submitted", table_name="responses")
