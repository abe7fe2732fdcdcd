"""Protocol details the attack run found missing: `Allow` on 405."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [
        ("POST", "/en/thanks", {"GET", "HEAD", "OPTIONS"}),
        ("GET", "/en/new", {"POST", "OPTIONS"}),
        ("PUT", "/results/translations", {"GET", "HEAD", "OPTIONS", "POST"}),
        ("DELETE", "/api/results", {"GET", "HEAD", "OPTIONS"}),
        ("POST", "/export/responses.csv", {"GET", "HEAD", "OPTIONS"}),
    ],
)
def test_a_method_not_allowed_says_which_are(client, method, url, allowed):
    response = client.open(url, method=method)

    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == allowed
