"""responses: index of the counted responses that are no longer submitted; the results' rows

Revision ID: 5b8e1f0c7a92
Revises: 5a7e0c3b9d21
Create Date: 2026-12-04 20:20:00

The results' table of one row per response (survey/aggregation/by_response.py) holds every
response counted into the results; a request leaves out those that no longer count (an
excluded response). This partial index holds just those few, so finding them reads no table.

The table itself is derived from the questionnaire the app runs, so the app makes it: here
for the responses already counted (`by_response.rebuild_rows`, about a minute per 100,000 on
PostgreSQL), later `rebuild-result-counts` when the questionnaire changes. Responses
submitted but not counted yet get their rows when the results next count them.
"""
from alembic import op
import sqlalchemy as sa
from flask import has_app_context


revision = "5b8e1f0c7a92"
down_revision = "5a7e0c3b9d21"
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
    if has_app_context():  # `flask db upgrade` or the app's own migration on start
        from survey.aggregation import by_response

        by_response.rebuild_rows(op.get_bind())


def downgrade():
    bind = op.get_bind()
    for name in sa.inspect(bind).get_table_names():
        if name.startswith("result_rows_"):
            op.drop_table(name)
    op.execute(sa.text("DELETE FROM change_counters WHERE name LIKE 'result\\_rows\\_%' ESCAPE '\\'"))
    op.drop_index("ix_responses_counted_not_submitted", table_name="responses")
