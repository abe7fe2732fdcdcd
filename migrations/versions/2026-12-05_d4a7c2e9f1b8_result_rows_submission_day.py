"""results' rows: the submission day of each response, so that the timeline and the date
filters are counted from them

Revision ID: d4a7c2e9f1b8
Revises: c0d1e9a4b7f3
Create Date: 2026-12-05 04:10:00

The table of one row per response (survey/aggregation/by_response.py) gains a `day` column,
which gives it a new name (its layout is in its name): the app builds it here from the
responses already counted and drops the old one (`by_response.rebuild_rows`, about a minute
per 100,000 on PostgreSQL). Downgrading drops the rows: the earlier code then counts from the
answers until `flask --app survey rebuild-result-counts` builds its own.
"""

import sqlalchemy as sa
from alembic import op
from flask import has_app_context

revision = "d4a7c2e9f1b8"
down_revision = "c0d1e9a4b7f3"
branch_labels = None
depends_on = None


def upgrade():
    if has_app_context():  # `flask db upgrade` or the app's own migration on start
        from survey.aggregation import by_response

        by_response.rebuild_rows(op.get_bind())


def downgrade():
    bind = op.get_bind()
    for name in sa.inspect(bind).get_table_names():
        if name.startswith("result_rows_"):
            op.drop_table(name)
    op.execute(sa.text("DELETE FROM change_counters WHERE name LIKE 'result\\_rows\\_%' ESCAPE '\\'"))
