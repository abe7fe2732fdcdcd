"""users.session_generation and users.disabled_at: staff sessions that can be ended

Revision ID: cb114baccf51
Revises: d9255924322a
Create Date: 2026-12-04 18:30:00

A signed-in session carries its account's session generation; signing out, a new password,
another role or disabling the account increments it, which ends every session signed in
before. A disabled account cannot sign in and its API tokens are refused.
"""
from alembic import op
import sqlalchemy as sa


revision = "cb114baccf51"
down_revision = "d9255924322a"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE on SQLite too: a batch rebuild of `users` would delete every API
    # token through ON DELETE CASCADE.
    op.add_column(
        "users",
        sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column("users", sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column("users", "disabled_at")
    op.drop_column("users", "session_generation")
