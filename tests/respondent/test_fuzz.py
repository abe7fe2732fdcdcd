"""Whatever a client posts to any questionnaire page, the answer is never a server error."""

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from survey.questionnaire.library_advocacy import QUESTIONS
from tests.conftest import csrf_token_from

settings.register_profile("fuzz", max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

FIELD_NAMES = sorted(
    {name for q in QUESTIONS for name in q.field_names()} | {"action", "csrf_token"}
)
VALUES = st.one_of(
    st.sampled_from(
        ["", "na", "1", "2", "7", "-1", "other", "yes", "RU", "next", "submit", "back"]
    ),
    st.sampled_from(["language:ru", "language:xx", "libraries", "x" * 6000, "=cmd|' /C calc'!A0"]),
    st.text(max_size=50),
    st.binary(max_size=20).map(lambda b: b.decode("latin-1")),
)
PAIRS = st.lists(
    st.tuples(st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=10)), VALUES), max_size=30
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    page=st.integers(min_value=0, max_value=7),
    pairs=PAIRS,
    valid_token=st.booleans(),
    lang=st.sampled_from(["en", "ru"]),
)
def test_no_form_data_ever_produces_a_server_error(app, page, pairs, valid_token, lang):
    client = app.test_client()
    client.post(
        f"/{lang}/",
        data={
            "csrf_token": csrf_token_from(client.get(f"/{lang}/").get_data(as_text=True)),
            "action": "next",
        },
    )
    url = f"/{lang}/" if page == 0 else f"/{lang}/page/{page}"
    token = csrf_token_from(client.get(f"/{lang}/page/1").get_data(as_text=True))
    data = MultiDict(pairs)
    if valid_token:
        data.setlist("csrf_token", [token])
    response = client.post(url, data=data)
    assert response.status_code < 500
    follow = client.get(url)
    assert follow.status_code < 500
