"""Saved views: a member names the dashboard's filters and comparison; the whole working group
sees the list.

A plain module (no request objects); the caller commits (after `begin_write()` on SQLite).
Saving and deleting are changes to what everyone sees, so they need a role that may change
things (analyst or admin, `User.may_annotate`); a viewer reads the list and opens the views.
Only the member who saved a view, or an admin, deletes it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask_babel import _
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from survey.extensions import db
from survey.models import SavedView, User
from survey.questionnaire import is_storable
from survey.results import dashboard
from survey.selection import DEFAULT_GROUP_BELOW, GROUP_BELOW

NAME_LIMIT = 100


class SavedViewError(ValueError):
    """A view that cannot be saved; the message is for the user."""


def saved_views() -> list[SavedView]:
    """Every saved view, by name."""
    return list(db.session.scalars(select(SavedView).order_by(func.lower(SavedView.name))))


def view_query(args: MultiDict) -> str:
    """The dashboard's query that a view keeps: its filters, comparison and figures, checked
    and in a canonical order (FilterError-free: what cannot be applied is refused)."""
    state = dashboard.read_state(args)
    if state.error:
        raise SavedViewError(state.error)
    pairs = state.filters.to_args()
    if state.compare:
        pairs.append(("compare", state.compare))
        grouped = dashboard.groups_small_segments(state.compare)
        if grouped and state.group_below != DEFAULT_GROUP_BELOW:
            pairs.append((GROUP_BELOW, str(state.group_below)))
    if state.recoded:
        pairs.append(("recoded", "1"))
    return urlencode(pairs)


def save_view(name: str, args: MultiDict, user: User) -> SavedView:
    """A new view named `name` of the dashboard as `args` show it."""
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise SavedViewError(_("Give the view a name."))
    if not is_storable(cleaned):
        raise SavedViewError(_("The name contains characters that cannot be stored."))
    if len(cleaned) > NAME_LIMIT:
        raise SavedViewError(
            _("Please shorten the name to %(num)d characters or fewer.", num=NAME_LIMIT)
        )
    taken = db.session.scalar(
        select(SavedView.id).where(func.lower(SavedView.name) == cleaned.lower())
    )
    if taken is not None:
        raise SavedViewError(_("There is already a view called “%(name)s”.", name=cleaned))
    view = SavedView(name=cleaned, query=view_query(args), created_by_id=user.id)
    db.session.add(view)
    db.session.flush()
    return view


def may_delete(view: SavedView, user: User) -> bool:
    return user.is_admin or (user.may_annotate and view.created_by_id == user.id)


def delete_view(view_id: int, user: User) -> None:
    """Delete a view; LookupError if there is none, PermissionError if `user` may not."""
    view = db.session.get(SavedView, view_id)
    if view is None:
        raise LookupError(view_id)
    if not may_delete(view, user):
        raise PermissionError(view_id)
    db.session.delete(view)
