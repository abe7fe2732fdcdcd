"""Schemathesis hooks for the API test (loaded through SCHEMATHESIS_HOOKS).

CPython 3.11.7, the Python of these machines, can fail `ast.parse` deep in a call stack with
"SystemError: AST constructor recursion depth mismatch" (python/cpython#106905, fixed in
3.11.8). Hypothesis parses source code only to describe a filter's lambda in a strategy's
repr; when that parse fails here, the lambda is described plainly instead, and the fuzzing
goes on unchanged.
"""

from __future__ import annotations

from hypothesis.internal import lambda_sources

_describe = lambda_sources.lambda_description


def lambda_description(f) -> str:
    try:
        return _describe(f)
    except SystemError:
        return "lambda"


lambda_sources.lambda_description = lambda_description


import schemathesis  # noqa: E402


@schemathesis.hook
def filter_query(context, query) -> bool:
    """A first submission day after the last is refused with 400 (the user is told why), a
    rule the OpenAPI document cannot state; requests that break it are not schema-valid
    requests wrongly rejected, so they are not generated as such."""
    if not isinstance(query, dict):
        return True
    first, last = query.get("submitted_from"), query.get("submitted_to")
    if isinstance(first, str) and isinstance(last, str):
        return first <= last
    return True
