"""Case-insensitive "contains" in SQL, the same on SQLite and PostgreSQL.

PostgreSQL's `lower()` folds Cyrillic as well as Latin letters; SQLite's folds ASCII only,
so "Библиотека" would not be found by "библиотека" there. On SQLite the application registers
Python's `str.lower` as the SQL function `survey_lower` on every connection
(`survey.database`), and `lowered` compiles to it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

#: The SQL function SQLite connections get (`str.lower`).
SQLITE_LOWER = "survey_lower"


class lowered(FunctionElement[str]):  # noqa: N801 - an SQL function, named like one
    """lower(text) that folds every script's letters."""

    type = String()
    inherit_cache = True


@compiles(lowered)
def _lowered_default(element: lowered, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(lowered, "sqlite")
def _lowered_sqlite(element: lowered, compiler: Any, **kw: Any) -> str:
    return f"{SQLITE_LOWER}({compiler.process(element.clauses, **kw)})"


def sqlite_lower(value: str | None) -> str | None:
    """The Python side of `survey_lower` (NULL stays NULL)."""
    return value.lower() if isinstance(value, str) else value


def like_escaped(text: str) -> str:
    """`text` as a LIKE pattern that matches it literally (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_text(column: Any, needle: str) -> ColumnElement[bool]:
    """`column` contains `needle`, ignoring case (surrounding space in `needle` ignored)."""
    pattern = f"%{like_escaped(needle.strip().lower())}%"
    return lowered(column).like(pattern, escape="\\")
