"""Excluding responses from every figure and export, and restoring them. Nothing is deleted.

An admin excludes a submitted response that should not count — a test answer, a duplicate,
spam — with a reason. Its status becomes `excluded`, and everything that counts, lists or
exports responses keeps only `submitted` ones (`selection.matching` and the status checks of
the counters), so it leaves the totals, the live counters, the chi-square tests, the open
answers, the coding and the exports with no condition of its own anywhere. Restoring makes it
submitted again.

In the same transaction as the status:
- the live result counters lose its figures (or get them back): `survey.aggregation.counters`;
- the change counter `exclusions` moves, so the data version changes and every worker's
  cached results, and every open dashboard polling `/api/version`, see it at once;
- the audit log records who, when and why, one entry per response.

A plain module (no request objects): the console pages, the API and the CLI call it inside
a write transaction (`begin_write`) and commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Connection, func, select, update

from survey.aggregation import counters
from survey.auth.audit import Actor, log
from survey.changes import EXCLUSIONS, bump_change_counter
from survey.extensions import db
from survey.models import EXCLUDED, RESPONSES, SUBMITTED, utcnow
from survey.questionnaire import is_storable
from survey.questionnaire.answers import SPACE
from survey.response_list import ListFilters

REASON_LIMIT = 500
#: Ids per statement (SQLite binds each one).
BATCH = 500


class ExclusionError(ValueError):
    """Refused: the message is for the user."""


class ExclusionConflict(ExclusionError):
    """The response is not in a state this change applies to."""


@dataclass(frozen=True)
class Changed:
    """The responses a change applied to, by public id."""

    uuids: list[str]

    def __len__(self) -> int:
        return len(self.uuids)


def checked_reason(reason: str | None) -> str:
    """The reason as stored (trimmed); ExclusionError when missing, too long or unstorable."""
    text = (reason or "").replace("\r\n", "\n").strip(SPACE)
    if not text:
        raise ExclusionError(_("Say why the response is excluded: the reason is required."))
    if not is_storable(text):
        raise ExclusionError(_("The reason contains characters that cannot be stored."))
    if len(text) > REASON_LIMIT:
        raise ExclusionError(
            ngettext(
                "Please shorten the reason to %(num)d character or fewer (it has %(length)d).",
                "Please shorten the reason to %(num)d characters or fewer (it has %(length)d).",
                REASON_LIMIT,
                length=len(text),
            )
        )
    return text


@dataclass(frozen=True)
class ExcludableIds:
    """Response ids given for exclusion, sorted out: the submitted ones (which would be
    excluded), those that are not submitted (drafts, excluded already) and unknown ones."""

    submitted: list[str]
    not_submitted: list[str]
    unknown: list[str]


def excludable_by_ids(uuids: Sequence[str]) -> ExcludableIds:
    found: dict[str, str] = {}
    wanted = list(dict.fromkeys(uuids))
    for start in range(0, len(wanted), BATCH):
        query = select(RESPONSES.c.uuid, RESPONSES.c.status).where(
            RESPONSES.c.uuid.in_(wanted[start : start + BATCH])
        )
        found.update({uuid: status for uuid, status in db.session.execute(query)})
    return ExcludableIds(
        submitted=[u for u in wanted if found.get(u) == SUBMITTED],
        not_submitted=[u for u in wanted if u in found and found[u] != SUBMITTED],
        unknown=[u for u in wanted if u not in found],
    )


def excludable_count(selection: ListFilters) -> int:
    """How many responses `exclude_matching` would exclude now (for the confirmation)."""
    conditions = selection.conditions(only=(SUBMITTED,))
    return int(db.session.scalar(select(func.count()).where(*conditions)) or 0)


def exclude(uuids: Sequence[str], reason: str, actor: Actor, note: str = "") -> Changed:
    """Exclude the submitted responses among `uuids` (others are left as they are)."""
    reason = checked_reason(reason)
    connection = db.session.connection()
    counters.lock_counting(connection)
    rows = _rows_by_uuid(connection, uuids, SUBMITTED)
    return _exclude(connection, rows, reason, actor, note)


def exclude_matching(selection: ListFilters, reason: str, actor: Actor) -> Changed:
    """Exclude every submitted response the list's filters select."""
    reason = checked_reason(reason)
    connection = db.session.connection()
    counters.lock_counting(connection)
    rows = sorted(_rows(connection, selection.conditions(only=(SUBMITTED,))))
    return _exclude(connection, rows, reason, actor, f"filters: {selection.describe()}")


def restore(uuids: Sequence[str], actor: Actor) -> Changed:
    """Make the excluded responses among `uuids` count again."""
    connection = db.session.connection()
    counters.lock_counting(connection)
    rows = _rows_by_uuid(connection, uuids, EXCLUDED)
    ids = [row_id for row_id, _uuid, _counted in rows]
    if not ids:
        return Changed([])
    for batch in _batches(ids):
        connection.execute(
            update(RESPONSES)
            .where(RESPONSES.c.id.in_(batch))
            .values(
                status=SUBMITTED,
                counted=True,
                excluded_at=None,
                excluded_by_id=None,
                excluded_reason=None,
                updated_at=RESPONSES.c.updated_at,  # the respondent's last save stays
            )
        )
    # Submitted again, so the counting statement takes them: added in this transaction.
    counters.count_again(connection, ids)
    bump_change_counter(EXCLUSIONS)
    for _id, uuid, _counted in rows:
        log(actor, "restore_response", f"response {uuid}")
    return Changed([uuid for _id, uuid, _counted in rows])


Row = tuple[int, str, bool]


def _rows(connection: Connection, conditions: list) -> list[Row]:
    """(id, uuid, counted) of the responses meeting the conditions, in id order."""
    query = select(RESPONSES.c.id, RESPONSES.c.uuid, RESPONSES.c.counted).where(*conditions)
    return [(row.id, row.uuid, row.counted) for row in connection.execute(query)]


def _rows_by_uuid(connection: Connection, uuids: Sequence[str], status: str) -> list[Row]:
    """(id, uuid, counted) of the responses among `uuids` that have `status`, in id order."""
    wanted = sorted(set(uuids))
    found: list[Row] = []
    for start in range(0, len(wanted), BATCH):
        batch = wanted[start : start + BATCH]
        found += _rows(connection, [RESPONSES.c.uuid.in_(batch), RESPONSES.c.status == status])
    return sorted(found)


def _exclude(
    connection: Connection,
    rows: list[Row],
    reason: str,
    actor: Actor,
    note: str,
) -> Changed:
    if not rows:
        return Changed([])
    # Out of the counters while still submitted (the counting statement only reads those);
    # responses submitted but not counted yet were never in them.
    counters.subtract_result_counts(
        connection, [row_id for row_id, _uuid, counted in rows if counted]
    )
    now = utcnow()
    for batch in _batches([row_id for row_id, _uuid, _counted in rows]):
        connection.execute(
            update(RESPONSES)
            .where(RESPONSES.c.id.in_(batch))
            .values(
                status=EXCLUDED,
                counted=False,
                excluded_at=now,
                excluded_by_id=actor.user_id,
                excluded_reason=reason,
                updated_at=RESPONSES.c.updated_at,
            )
        )
    bump_change_counter(EXCLUSIONS)
    suffix = f"; {note}" if note else ""
    for _id, uuid, _counted in rows:
        log(actor, "exclude_response", f"response {uuid}; reason: {reason}{suffix}")
    return Changed([uuid for _id, uuid, _counted in rows])


def _batches(ids: list[int]) -> list[list[int]]:
    return [ids[start : start + BATCH] for start in range(0, len(ids), BATCH)]
