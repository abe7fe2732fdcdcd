"""users.role: a third role, analyst, who may translate and code open answers

Revision ID: d9255924322a
Revises: e7a1c4d2b9f0
Create Date: 2026-12-04 18:00:00

Viewers stay read-only; analysts may also change translations and codings; admins may do
everything. Only the check constraint changes.
"""
from alembic import op
import sqlalchemy as sa


revision = "d9255924322a"
down_revision = "e7a1c4d2b9f0"
branch_labels = None
depends_on = None

OLD = "role IN ('viewer', 'admin')"
NEW = "role IN ('viewer', 'analyst', 'admin')"


def _replace_check(old: str, new: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint("ck_users_role", "users", type_="check")
        op.create_check_constraint("ck_users_role", "users", new)
        return
    # SQLite cannot alter a CHECK constraint, and rebuilding `users` (batch mode) would drop
    # it, which with foreign keys on deletes every API token through ON DELETE CASCADE (and
    # PRAGMA foreign_keys cannot be turned off inside the migration's transaction). The
    # table's stored definition is edited instead, as https://www.sqlite.org/lang_altertable.html
    # ("Making Other Kinds Of Table Schema Changes") describes for changes to constraints that
    # do not touch what is stored: this only widens or narrows the list of allowed values.
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    try:
        changed = bind.execute(
            sa.text(
                "UPDATE sqlite_master SET sql = replace(sql, :old, :new) "
                "WHERE type = 'table' AND name = 'users' AND instr(sql, :old) > 0"
            ),
            {"old": old, "new": new},
        ).rowcount
        if changed != 1:
            raise RuntimeError(f"users: constraint {old!r} not found in the table's definition")
        bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def upgrade():
    _replace_check(OLD, NEW)


def downgrade():
    # Analysts become viewers: read-only is the safe side of losing the role.
    op.execute(sa.text("UPDATE users SET role = 'viewer' WHERE role = 'analyst'"))
    _replace_check(NEW, OLD)
