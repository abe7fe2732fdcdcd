"""The OpenAPI 3.1 document of the JSON API, built from the questionnaire definition.

Every question is described by its type (`Question.result_schema`, `filter_schema`), so a
new question or type appears here without a change to this module.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import current_app

from survey.api import openapi_coding, openapi_console
from survey.questionnaire import Questionnaire, current_questionnaire
from survey.selection import LANGUAGE, SUBMITTED_FROM, SUBMITTED_TO

FILTER_DESCRIPTION = (
    "Filter: only respondents who chose one of these options ({kind}). Several values of "
    "one question are OR-ed (repeat the parameter or separate with commas); different "
    "questions are AND-ed."
)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _filter_parameters(
    questionnaire: Questionnaire, languages: tuple[str, ...]
) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = [
        {
            "name": LANGUAGE,
            "in": "query",
            "required": False,
            "description": "Filter: only respondents who answered in this language.",
            "schema": {"type": "string", "enum": list(languages)},
        }
    ]
    for q in questionnaire.where("filterable"):
        item, kind = q.filter_schema()
        parameters.append(
            {
                "name": q.code,
                "in": "query",
                "required": False,
                "description": FILTER_DESCRIPTION.format(kind=kind),
                "schema": {"type": "array", "items": item},
                "style": "form",
                "explode": True,
            }
        )
    return parameters


def _locale_parameter(languages: tuple[str, ...]) -> dict[str, Any]:
    return {
        "name": "locale",
        "in": "query",
        "required": False,
        "description": "Language of the labels (English by default).",
        "schema": {"type": "string", "enum": list(languages), "default": languages[0]},
    }


RECODED_PARAMETER = {
    "name": "recoded",
    "in": "query",
    "required": False,
    "description": (
        '1: figures as recoded: "other" answers the working group recoded into one of the '
        'question\'s options count as that option (the body then says `"figures": '
        '"recoded"`). Left out or 0: figures as the respondents gave them.'
    ),
    "schema": {"type": "string", "enum": ["0", "1"]},
}


def _compare_parameter(questionnaire: Questionnaire) -> dict[str, Any]:
    from survey.aggregation import comparable_questions

    return {
        "name": "compare",
        "in": "query",
        "required": False,
        "description": (
            "Compare segments side by side: `lang` (respondent's language), a single-choice, "
            "yes/no or country question, or `CODE.OPTION` for one option of a multiple-choice "
            "question (segments `yes`: chose it, `no`: answered without choosing it). "
            "Respondents who declined the compared question are in no segment. The response "
            "is then a `Comparison`."
        ),
        "schema": {"type": "string", "enum": comparable_questions(questionnaire)},
    }


GROUP_BELOW_PARAMETER = {
    "name": "group_below",
    "in": "query",
    "required": False,
    "description": (
        "With `compare=q3` (country): countries with fewer respondents than this are one "
        "segment, value `*`, labelled “Other countries”, its countries in `grouped`. 0 or "
        "left out: every country is a segment."
    ),
    "schema": {"type": "string", "pattern": "^[0-9]+$"},
}


def _date_parameters() -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": (
                f"Filter: only responses submitted {when} this day (inclusive; a UTC "
                "calendar day, YYYY-MM-DD)."
            ),
            "schema": {"type": "string", "format": "date"},
        }
        for name, when in ((SUBMITTED_FROM, "on or after"), (SUBMITTED_TO, "on or before"))
    ]


BASE_SCHEMAS: dict[str, Any] = {
    "Job": {
        "type": "object",
        "required": [
            "id",
            "kind",
            "status",
            "percent",
            "done",
            "total",
            "download_url",
            "expires_at",
            "error",
        ],
        "properties": {
            "id": {"type": "string"},
            "kind": {"type": "string", "examples": ["responses.xlsx"]},
            "status": {
                "type": "string",
                "enum": ["queued", "running", "done", "failed", "expired"],
            },
            "percent": {"type": "integer", "minimum": 0, "maximum": 100},
            "done": {"type": "integer", "minimum": 0, "description": "Responses written so far."},
            "total": {"type": "integer", "minimum": 0},
            "download_url": {
                "type": ["string", "null"],
                "description": "Where the finished file is (same authentication); null until done.",
            },
            "expires_at": {
                "type": ["string", "null"],
                "description": "When the file is deleted (ISO 8601, UTC).",
            },
            "error": {"type": ["string", "null"], "description": "Why it failed."},
        },
    },
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "examples": ["bad_request", "unauthorized"]},
            "message": {"type": "string"},
        },
    },
    "Version": {
        "type": "object",
        "required": ["version", "total", "excluded"],
        "properties": {
            "version": {
                "type": "string",
                "description": (
                    "Changes whenever a response is started, submitted, excluded, restored or "
                    "removed, or the coding changes."
                ),
            },
            "total": {"type": "integer", "description": "Submitted responses."},
            "in_progress": {"type": "integer", "description": "Drafts not yet submitted."},
            "excluded": {
                "type": "integer",
                "description": "Responses an admin excluded (in no figure and no export).",
            },
        },
    },
    "RankTest": {
        "type": "object",
        "required": ["test", "statistic", "p", "reliable"],
        "properties": {
            "test": {"type": "string", "enum": ["mann_whitney_u", "kruskal_wallis"]},
            "statistic": {"type": "number", "description": "U, or H."},
            "p": {"type": "number"},
            "reliable": {
                "type": "boolean",
                "description": "False when a segment has fewer than 5 respondents who ranked "
                "the item.",
            },
        },
    },
    "ChiSquare": {
        "type": "object",
        "required": ["chi2", "dof", "p", "reliable"],
        "properties": {
            "chi2": {"type": "number"},
            "dof": {"type": "integer"},
            "p": {"type": "number"},
            "reliable": {
                "type": "boolean",
                "description": "False when any expected count is below 5 (Cochran's rule).",
            },
        },
    },
}


def _question_schema(types: list[str]) -> dict[str, Any]:
    """What every question's entry holds, whatever its type."""
    return {
        "type": "object",
        "required": ["type", "answered", "declined"],
        "properties": {
            "type": {"type": "string", "enum": types},
            "text": {"type": "string", "description": "The question, in the locale."},
            "answered": {"type": "integer"},
            "declined": {"type": "integer", "description": "base − answered."},
            "base": {
                "type": "integer",
                "description": (
                    "Submitted responses matching the filters; for follow-ups those eligible "
                    "(asked because of an earlier answer: see `condition`)."
                ),
            },
            "condition": {
                "type": "object",
                "description": (
                    "For follow-ups: the answer that makes a respondent eligible (`option` "
                    "null: any option chosen in that question)."
                ),
                "properties": {
                    "question": {"type": "string"},
                    "option": {"type": ["string", "null"]},
                },
            },
        },
    }


def _schemas(questionnaire: Questionnaire) -> dict[str, Any]:
    """The components: one schema per question (its type's entry), the results, segments."""
    types = sorted({q.type for q in questionnaire.questions})
    schemas: dict[str, Any] = {**BASE_SCHEMAS, "Question": _question_schema(types)}
    for q in questionnaire.questions:
        schemas[f"Question_{q.code}"] = {
            "description": f"{q.code}: {q.text}",
            "allOf": [_ref("Question"), {"type": "object", "properties": q.result_schema()}],
        }
    schemas["Results"] = {
        "type": "object",
        "required": ["total", "in_progress", "languages", "questions"],
        "properties": {
            "total": {"type": "integer", "description": "Submitted responses matching."},
            "figures": {
                "type": "string",
                "enum": ["recoded"],
                "description": "Present when the figures are as recoded (`?recoded=1`).",
            },
            "in_progress": {
                "type": "integer",
                "description": "Drafts (started, not submitted) matching; not in any other count.",
            },
            "languages": {
                "type": "object",
                "additionalProperties": {"type": "integer"},
                "description": "Submitted responses per respondent language.",
            },
            "questions": {
                "type": "object",
                "description": "Keyed by question code, in no particular order.",
                "required": [q.code for q in questionnaire.questions],
                "properties": {q.code: _ref(f"Question_{q.code}") for q in questionnaire.questions},
            },
        },
    }
    schemas["Segment"] = {
        "allOf": [
            _ref("Results"),
            {
                "type": "object",
                "required": ["value", "label"],
                "properties": {
                    "value": {"type": "string"},
                    "label": {"type": "string"},
                    "grouped": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "The values grouped into this segment (value `*`).",
                    },
                },
            },
        ]
    }
    schemas["Comparison"] = {
        "type": "object",
        "required": ["segments", "tests"],
        "properties": {
            "compare": {"type": "string"},
            "label": {
                "type": "string",
                "description": (
                    "The compared question in a few words, in the locale (“Association "
                    "member”): a segment's column reads “label: segment label”."
                ),
            },
            "figures": {"type": "string", "enum": ["recoded"]},
            "group_below": {
                "type": "integer",
                "description": "The threshold of `?group_below` when segments were grouped.",
            },
            "segments": {"type": "array", "items": _ref("Segment")},
            "tests": {
                "type": "object",
                "additionalProperties": _ref("ChiSquare"),
                "description": (
                    "Chi-square test of independence (scipy.stats.chi2_contingency) between "
                    "segment and each single-choice / yes-no question, after dropping all-zero "
                    "rows and columns; questions with fewer than 2 segments or options left "
                    "are omitted."
                ),
            },
            "rank_tests": {
                "type": "object",
                "description": (
                    "Per ranking question, per item: do the segments rank it differently? "
                    "Mann-Whitney U for two segments, Kruskal-Wallis H for more (SciPy), over "
                    "the ranks given by those who ranked the item; segments where nobody did "
                    "are left out, and items left with fewer than 2 segments are omitted."
                ),
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": _ref("RankTest"),
                },
            },
            "option_tests": {
                "type": "object",
                "description": (
                    "Per multiple-choice question, per option: a chi-square test "
                    "(scipy.stats.chi2_contingency) of segment × (chose the option, answered "
                    "without choosing it); options everybody or nobody chose are omitted."
                ),
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": _ref("ChiSquare"),
                },
            },
        },
    }
    return schemas


ERROR_RESPONSES = {
    "400": {
        "description": "Unknown filter, option, comparison or locale.",
        "content": {"application/json": {"schema": _ref("Error")}},
    },
    "401": {
        "description": "No session and no valid bearer token.",
        "content": {"application/json": {"schema": _ref("Error")}},
    },
}


def openapi_document() -> dict[str, Any]:
    """The document for the running app's questionnaire and languages."""
    return _document(current_questionnaire(), tuple(current_app.config["LANGUAGES"]))


# Bounded: each change to the coding categories makes another questionnaire.
@lru_cache(maxsize=16)
def _document(questionnaire: Questionnaire, languages: tuple[str, ...]) -> dict[str, Any]:
    document = _operations(questionnaire, languages)
    for path_item in document["paths"].values():
        for method, operation in path_item.items():
            if method == "parameters":  # shared by the path's operations, not one of them
                continue
            if any(p.get("in") == "query" for p in operation.get("parameters", [])):
                operation["responses"].setdefault("414", URI_TOO_LONG)
    return document


#: What the server in front of the app answers to a URL longer than it accepts (gunicorn: a
#: request line over 4,094 bytes; nginx: over its header buffers), before the app sees it.
URI_TOO_LONG = {
    "description": "The URL is longer than the server accepts (too many or too long query "
    "values); the answer comes from the web server, not as JSON."
}


def _operations(questionnaire: Questionnaire, languages: tuple[str, ...]) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Library advocacy survey: results API",
            "version": "1.0.0",
            "description": (
                "Aggregated results of the survey, counted over submitted responses only "
                "(never drafts nor responses an admin excluded); the responses list; "
                "excluding and restoring responses, opening and closing the survey (admins). "
                "Create a token with `flask --app survey create-token EMAIL` and send it as "
                "`Authorization: Bearer TOKEN`."
            ),
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
            "schemas": {
                **_schemas(questionnaire),
                **openapi_coding.schemas(languages),
                **openapi_console.SCHEMAS,
            },
        },
        "security": [{"bearer": []}, {"session": []}],
        "paths": {
            "/api/results": {
                "get": {
                    "operationId": "getResults",
                    "summary": "Totals and every question, optionally filtered and compared.",
                    "parameters": [
                        *_filter_parameters(questionnaire, languages),
                        *_date_parameters(),
                        _compare_parameter(questionnaire),
                        GROUP_BELOW_PARAMETER,
                        _locale_parameter(languages),
                        RECODED_PARAMETER,
                    ],
                    "responses": {
                        "200": {
                            "description": "Results, or segments side by side with ?compare.",
                            "headers": {
                                "Cache-Control": {"schema": {"type": "string", "const": "no-store"}}
                            },
                            "content": {
                                "application/json": {
                                    "schema": {"oneOf": [_ref("Results"), _ref("Comparison")]},
                                    "example": {
                                        "total": 2,
                                        "in_progress": 1,
                                        "languages": {"en": 1, "ru": 1},
                                        "questions": {
                                            "q2": {
                                                "type": "yesno",
                                                "answered": 2,
                                                "declined": 0,
                                                "base": 2,
                                                "percent_base": "answered",
                                                "options": [
                                                    {
                                                        "code": "yes",
                                                        "label": "Yes",
                                                        "count": 1,
                                                        "percent": 50.0,
                                                    },
                                                    {
                                                        "code": "no",
                                                        "label": "No",
                                                        "count": 1,
                                                        "percent": 50.0,
                                                    },
                                                ],
                                            }
                                        },
                                    },
                                }
                            },
                        },
                        **ERROR_RESPONSES,
                    },
                }
            },
            "/api/version": {
                "get": {
                    "operationId": "getVersion",
                    "summary": "A cheap value that changes with every submission (for polling).",
                    "responses": {
                        "200": {
                            "description": "The current data version.",
                            "content": {"application/json": {"schema": _ref("Version")}},
                        },
                        "401": ERROR_RESPONSES["401"],
                    },
                }
            },
            "/api/jobs/{job_id}": {
                "get": {
                    "operationId": "getJob",
                    "summary": "A background job you started (an XLSX, SPSS or Stata export).",
                    "parameters": [
                        {
                            "name": "job_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                            "description": "The job's id, as POST /export/responses.xlsx gave it.",
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "Its status and progress; download_url once done.",
                            "headers": {
                                "Cache-Control": {"schema": {"type": "string", "const": "no-store"}}
                            },
                            "content": {"application/json": {"schema": _ref("Job")}},
                        },
                        "401": ERROR_RESPONSES["401"],
                        "404": {
                            "description": "No such job of yours.",
                            "content": {"application/json": {"schema": _ref("Error")}},
                        },
                    },
                }
            },
            "/api/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This document.",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1 document."}},
                }
            },
            **openapi_coding.paths(questionnaire, languages),
            **openapi_console.paths(_filter_parameters(questionnaire, languages)),
        },
    }
