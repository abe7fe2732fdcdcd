"""Fixtures shared by the results tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def viewer_token(app, make_user, make_token) -> str:
    """An API token of a working-group member with the viewer role."""
    user = make_user("viewer@example.org", "viewer")
    # The CLI runner pushes no application context of its own.
    with app.app_context():
        return make_token(user)
