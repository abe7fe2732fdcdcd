"""The storage operations behind the respondent's pages, outside any request."""

from __future__ import annotations

from sqlalchemy import text

from survey.extensions import db
from survey.questionnaire import AnswerRow
from survey.responses import Draft, find_by_resume_token, save_answers


def test_a_page_saved_from_a_stale_tab_after_submitting_changes_nothing(app, respondent):
    """Tab A submits while tab B, opened before, still holds the response as a draft."""
    respondent.complete({"q1": "public", "q3": "KE"})
    with app.app_context():
        response_id = db.session.scalar(text("SELECT id FROM responses"))
        stale = Draft(id=response_id, status="draft", language="en", last_page=6)

        result = save_answers(stale, {"q1": [AnswerRow("q1", "school")]}, "en", 1)
        db.session.commit()

        stored = db.session.scalars(text("SELECT option FROM answers WHERE question = 'q1'"))
        assert list(stored) == ["public"]
        assert db.session.scalar(text("SELECT status FROM responses")) == "submitted"
    assert result is None


def test_an_unknown_resume_token_finds_no_response(app):
    with app.app_context():
        assert find_by_resume_token("no-such-token") is None
        assert find_by_resume_token(None) is None
