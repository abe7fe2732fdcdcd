"""Fixtures of the report tests: the 2013 survey rebuilt from its report, imported and coded."""

from __future__ import annotations

import pytest

from tests.report import report_2013


@pytest.fixture
def analyst_token(app, make_user, make_token) -> str:
    user = make_user("analyst@example.org", "analyst")
    with app.app_context():
        return make_token(user)


@pytest.fixture
def survey_2013(app, client, runner, analyst_token, tmp_path):
    """The 290 questionnaires of `report_2013`, imported with `flask import-csv`, their open
    answers coded into the 2013 analysts' categories (created through the coding API)."""
    headers = {"Authorization": f"Bearer {analyst_token}"}
    for field, found in report_2013.categories().items():
        for code, english, russian, _count in found:
            created = client.post(
                f"/api/coding/{field}/categories",
                json={"code": code, "name": {"en": english, "ru": russian}},
                headers=headers,
            )
            assert created.status_code == 201, created.get_json()
    path = tmp_path / "survey-2013.csv"
    path.write_text(report_2013.wide_csv(), encoding="utf-8")
    imported = runner.invoke(args=["import-csv", str(path)])
    assert imported.exit_code == 0, imported.output
    return report_2013
