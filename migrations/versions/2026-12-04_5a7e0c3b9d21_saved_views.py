"""saved_views: named dashboard views (filters and comparison) shared by the working group

Revision ID: 5a7e0c3b9d21
Revises: e4b8d1c6a2f7
Create Date: 2026-12-04 20:00:00

A new table only; nothing else changes.
"""
from alembic import op
import sqlalchemy as sa


revision = "5a7e0c3b9d21"
down_revision = "e4b8d1c6a2f7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", name="uq_saved_views_name"),
    )


def downgrade():
    op.drop_table("saved_views")
