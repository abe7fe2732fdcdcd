"""responses.unsaved: what was typed on a page left with "Back" while it had errors

Revision ID: a3f9c2d7e5b1
Revises: cb114baccf51
Create Date: 2026-12-04 18:30:00

The page's values as typed, kept without validating until the respondent comes back to
the page; never part of the answers, the results or the exports.
"""
from alembic import op
import sqlalchemy as sa


revision = "a3f9c2d7e5b1"
down_revision = "cb114baccf51"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("responses", sa.Column("unsaved", sa.Text(), nullable=True))


def downgrade():
    # A plain ALTER TABLE (SQLite 3.35+): batch mode would copy and drop `responses`, and
    # dropping it deletes every answer through the foreign key's ON DELETE CASCADE.
    op.drop_column("responses", "unsaved")
