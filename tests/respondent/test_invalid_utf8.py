"""Bytes that are not UTF-8 are refused like any other control input, never stored.

An attack run posted `q8=A%ED%A0%80B` (a lone surrogate, not valid UTF-8): Werkzeug turned
the bytes back into the literal text `%ED%A0%80`, and the answer was stored as if the
respondent had typed it. It now gets the message a NUL byte gets.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Answer

CANNOT_BE_STORED = "This answer contains characters that cannot be stored. Please retype it."


def post_raw(respondent, number: int, body: str, content_type: str):
    return respondent.client.post(
        f"/{respondent.lang}/page/{number}", data=body.encode("ascii"), content_type=content_type
    )


def answers_stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Answer))


@pytest.mark.parametrize(
    ("number", "field_and_value"),
    [
        (4, "q8=A%ED%A0%80B"),  # a lone surrogate, UTF-8-encoded
        (4, "q9=%C0%AF"),  # an overlong slash
        (4, "q10=ok%FF"),  # a byte that is never UTF-8
        (1, "q1=other&q1_other=Coll%E8ge"),  # Latin-1, not UTF-8
    ],
)
def test_invalid_utf8_in_an_answer_gets_the_control_character_message(
    app, respondent, number, field_and_value
):
    respondent.start()
    respondent.open(number)

    page = post_raw(
        respondent,
        number,
        f"csrf_token={respondent.token}&action=next&{field_and_value}",
        "application/x-www-form-urlencoded",
    )

    assert page.status_code == 200
    assert CANNOT_BE_STORED in page.get_data(as_text=True)
    assert answers_stored(app) == 0


def test_the_message_is_the_one_a_nul_byte_gets(app, respondent):
    respondent.start()
    respondent.open(4)
    nul = post_raw(
        respondent,
        4,
        f"csrf_token={respondent.token}&action=next&q8=A%00B",
        "application/x-www-form-urlencoded",
    )
    assert CANNOT_BE_STORED in nul.get_data(as_text=True)


def test_an_invalid_choice_code_is_refused_too(app, respondent):
    respondent.start()
    respondent.open(1)

    page = post_raw(
        respondent,
        1,
        f"csrf_token={respondent.token}&action=next&q2=yes%FF",
        "application/x-www-form-urlencoded",
    )

    assert page.status_code == 200
    assert answers_stored(app) == 0


def test_a_multipart_form_with_invalid_utf8_is_refused_alike(app, respondent):
    respondent.start()
    respondent.open(4)
    boundary = "survey-boundary"
    parts = [("csrf_token", respondent.token.encode()), ("action", b"next")]
    parts.append(("q8", b"A\xed\xa0\x80B"))
    body = (
        b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value
            + b"\r\n"
            for name, value in parts
        )
        + f"--{boundary}--\r\n".encode()
    )

    page = respondent.client.post(
        "/en/page/4", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )

    assert page.status_code == 200
    assert CANNOT_BE_STORED in page.get_data(as_text=True)
    assert answers_stored(app) == 0


def test_valid_utf8_still_arrives_whole(app, respondent):
    respondent.start()
    respondent.open(4)
    page = post_raw(
        respondent,
        4,
        f"csrf_token={respondent.token}&action=next&q8=%D0%91%D0%B8%D0%B1%D0%BB%D0%B8%D0%BE+%E2%80%94+ok",
        "application/x-www-form-urlencoded",
    )
    assert page.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Answer.text)) == "Библио — ok"
