"""the working group's console: excluded responses, the survey's state, invitations, token names

Revision ID: e4b8d1c6a2f7
Revises: a7c3e5f1b2d9
Create Date: 2026-12-04 21:00:00

- responses: a third status, `excluded` (left out of every figure and export, nothing
  deleted), with when, by whom and why; indexes for paging the responses list by start and
  submission time;
- survey_state: one row, whether the survey is open and its optional opening and closing
  times (no row: open);
- users: a one-time password that must be changed, a pending invitation, the last sign-in;
- api_tokens: a name its owner gives it.

Every change is a plain ALTER TABLE or CREATE on SQLite: a batch rebuild of `responses` or
`users` would delete their answers or tokens through ON DELETE CASCADE.
"""
from alembic import op
import sqlalchemy as sa


revision = "e4b8d1c6a2f7"
down_revision = "a7c3e5f1b2d9"
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('draft', 'submitted')"
NEW_STATUSES = "status IN ('draft', 'submitted', 'excluded')"


def _replace_status_check(old: str, new: str) -> None:
    """Widen (or narrow) the allowed statuses.

    SQLite cannot alter a CHECK constraint; the table's stored definition is edited instead
    (https://www.sqlite.org/lang_altertable.html, "Making Other Kinds Of Table Schema
    Changes"), which is safe for a constraint that changes nothing stored.
    """
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint("ck_responses_status", "responses", type_="check")
        op.create_check_constraint("ck_responses_status", "responses", new)
        return
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    try:
        changed = bind.execute(
            sa.text(
                "UPDATE sqlite_master SET sql = replace(sql, :old, :new) "
                "WHERE type = 'table' AND name = 'responses' AND instr(sql, :old) > 0"
            ),
            {"old": old, "new": new},
        ).rowcount
        if changed != 1:
            raise RuntimeError(f"responses: constraint {old!r} not found in its definition")
        bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def upgrade():
    _replace_status_check(OLD_STATUSES, NEW_STATUSES)
    op.add_column("responses", sa.Column("excluded_at", sa.DateTime(timezone=True)))
    # SQLite cannot drop a column named in a foreign key (the downgrade), nor add the key
    # later: there the column is a plain integer (accounts are disabled, never deleted).
    keys = []
    if op.get_bind().dialect.name != "sqlite":
        keys.append(sa.ForeignKey("users.id", ondelete="SET NULL", name="fk_responses_excluded_by"))
    op.add_column("responses", sa.Column("excluded_by_id", sa.Integer(), *keys))
    op.add_column("responses", sa.Column("excluded_reason", sa.Text()))
    op.create_index("ix_responses_started_at_id", "responses", ["started_at", "id"])
    op.create_index("ix_responses_submitted_at_id", "responses", ["submitted_at", "id"])

    op.create_table(
        "survey_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True)),
        sa.Column("closes_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("changed_at", sa.DateTime(timezone=True)),
        sa.Column("changed_by_id", sa.Integer()),
        sa.CheckConstraint("id = 1", name="ck_survey_state_one_row"),
        sa.ForeignKeyConstraint(["changed_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )

    op.add_column(
        "users",
        sa.Column(
            "password_change_required", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
    )
    op.add_column("users", sa.Column("invitation_hash", sa.String(64)))
    op.add_column("users", sa.Column("invitation_expires_at", sa.DateTime(timezone=True)))
    op.add_column("users", sa.Column("signed_in_at", sa.DateTime(timezone=True)))
    op.create_index("ix_users_invitation_hash", "users", ["invitation_hash"], unique=True)
    op.add_column(
        "api_tokens", sa.Column("name", sa.String(100), server_default="", nullable=False)
    )


def downgrade():
    op.drop_column("api_tokens", "name")
    op.drop_index("ix_users_invitation_hash", "users")
    for column in ("signed_in_at", "invitation_expires_at", "invitation_hash"):
        op.drop_column("users", column)
    op.drop_column("users", "password_change_required")
    op.drop_table("survey_state")
    op.drop_index("ix_responses_submitted_at_id", "responses")
    op.drop_index("ix_responses_started_at_id", "responses")
    # Excluded responses count again: nothing was deleted, so nothing is lost going back.
    op.execute(
        sa.text(
            "UPDATE responses SET status = 'submitted', counted = false "
            "WHERE status = 'excluded'"
        )
    )
    for column in ("excluded_reason", "excluded_by_id", "excluded_at"):
        op.drop_column("responses", column)
    _replace_status_check(NEW_STATUSES, OLD_STATUSES)
