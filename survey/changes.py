"""Change counters (table `change_counters`): how many times something the results show
changed, so that the data version (`survey.aggregation.data_state`) changes with it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, update

from survey.extensions import db
from survey.models import ChangeCounter

#: Moves with every exclusion and restoration of a response (`survey.exclusion`).
EXCLUSIONS = "exclusions"


def bump_change_counter(name: str) -> None:
    """Count one more change of `name` (in the caller's write transaction)."""
    changed: Any = db.session.execute(
        update(ChangeCounter)
        .where(ChangeCounter.name == name)
        .values(value=ChangeCounter.value + 1)
    )
    if not changed.rowcount:
        db.session.execute(insert(ChangeCounter).values(name=name, value=1))
