"""The OpenAPI 3.1 document of the JSON API, built from the questionnaire definition."""

from __future__ import annotations

from functools import cache
from typing import Any

from survey.aggregation import FILTER_TYPES, comparable_questions
from survey.i18n import country_codes
from survey.questionnaire import NOT_APPLICABLE, QUESTIONS, RankingQuestion

FILTER_DESCRIPTION = (
    "Filter: only respondents who chose one of these options ({kind}). Several values of "
    "one question are OR-ed (repeat the parameter or separate with commas); different "
    "questions are AND-ed."
)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _filter_parameters() -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = [
        {
            "name": "lang",
            "in": "query",
            "required": False,
            "description": "Filter: only respondents who answered in this language.",
            "schema": {"type": "string", "enum": ["en", "ru"]},
        }
    ]
    for q in QUESTIONS:
        if q.type not in FILTER_TYPES:
            continue
        if q.type == "country":
            item: dict[str, Any] = {
                "type": "string",
                "enum": [*sorted(country_codes()), NOT_APPLICABLE],
                "description": "ISO 3166-1 alpha-2 code, or `na` (prefer not to say).",
            }
            kind = "a country"
        elif isinstance(q, RankingQuestion):
            item = {"type": "string", "enum": list(q.item_codes)}
            kind = "for a ranking: ranked this item"
        else:
            item = {"type": "string", "enum": [option.code for option in q.options]}
            kind = f"{q.type} choice"
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


LOCALE_PARAMETER = {
    "name": "locale",
    "in": "query",
    "required": False,
    "description": "Language of the labels (English by default).",
    "schema": {"type": "string", "enum": ["en", "ru"], "default": "en"},
}


def _compare_parameter() -> dict[str, Any]:
    return {
        "name": "compare",
        "in": "query",
        "required": False,
        "description": (
            "Compare segments side by side: `lang` (respondent's language) or a single-choice, "
            "yes/no or country question. Respondents who declined the compared question are in "
            "no segment. The response is then a `Comparison`."
        ),
        "schema": {"type": "string", "enum": comparable_questions()},
    }


SCHEMAS: dict[str, Any] = {
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
        "required": ["version", "total"],
        "properties": {
            "version": {
                "type": "string",
                "description": "Changes whenever a response is started, submitted or removed.",
            },
            "total": {"type": "integer", "description": "Submitted responses."},
            "in_progress": {"type": "integer", "description": "Drafts not yet submitted."},
        },
    },
    "Option": {
        "type": "object",
        "required": ["code", "label", "count", "percent"],
        "properties": {
            "code": {"type": "string"},
            "label": {"type": "string"},
            "count": {"type": "integer", "minimum": 0},
            "percent": {
                "type": "number",
                "description": "count / answered × 100, one decimal (0 when nobody answered).",
            },
        },
    },
    "RankingItem": {
        "type": "object",
        "required": ["code", "label", "by_rank", "na", "mean", "first", "n"],
        "properties": {
            "code": {"type": "string"},
            "label": {"type": "string"},
            "by_rank": {
                "type": "array",
                "items": {"type": "integer", "minimum": 0},
                "minItems": 6,
                "maxItems": 6,
                "description": "Respondents who gave this item rank 1, 2, … 6.",
            },
            "na": {
                "type": "integer",
                "description": "Answered the ranking but did not rank this item.",
            },
            "mean": {
                "type": ["number", "null"],
                "description": (
                    "Mean rank over those who ranked the item, Σ rank × count / n, two "
                    "decimals (lower is better); null when nobody ranked it."
                ),
            },
            "first": {"type": "integer", "description": "Number of #1 placements."},
            "n": {"type": "integer", "description": "Respondents who ranked the item."},
        },
    },
    "Question": {
        "type": "object",
        "required": ["type", "answered", "declined"],
        "properties": {
            "type": {
                "type": "string",
                "enum": ["single", "yesno", "country", "multiple", "ranking", "text", "contact"],
            },
            "text": {"type": "string", "description": "The question, in the locale."},
            "answered": {"type": "integer"},
            "declined": {"type": "integer", "description": "base − answered."},
            "base": {
                "type": "integer",
                "description": (
                    "Submitted responses matching the filters; for follow-ups those eligible "
                    "(q2_role: q2 = yes, q5_budget: q5 = yes, q7: chose any partner in q6)."
                ),
            },
            "condition": {
                "type": "object",
                "description": "For follow-ups: the answer that makes a respondent eligible.",
                "properties": {
                    "question": {"type": "string"},
                    "option": {"type": ["string", "null"]},
                },
            },
            "percent_base": {
                "type": "string",
                "enum": ["answered", "respondents"],
                "description": (
                    "Percentages are of the respondents who answered; `respondents` (multiple "
                    "choice) means one respondent may choose several options."
                ),
            },
            "other_count": {
                "type": "integer",
                "description": "How many 'other' answers carry a text (texts are not here).",
            },
            "options": {"type": "array", "items": _ref("Option")},
            "items": {"type": "array", "items": _ref("RankingItem")},
        },
    },
    "Results": {
        "type": "object",
        "required": ["total", "in_progress", "languages", "questions"],
        "properties": {
            "total": {"type": "integer", "description": "Submitted responses matching."},
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
                "additionalProperties": _ref("Question"),
                "description": "Keyed by question code (q1 … q17, q2_role, q5_budget).",
            },
        },
    },
    "Segment": {
        "allOf": [
            _ref("Results"),
            {
                "type": "object",
                "required": ["value", "label"],
                "properties": {"value": {"type": "string"}, "label": {"type": "string"}},
            },
        ]
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
    "Comparison": {
        "type": "object",
        "required": ["segments", "tests"],
        "properties": {
            "compare": {"type": "string"},
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
        },
    },
}

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


@cache
def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Library advocacy survey: results API",
            "version": "1.0.0",
            "description": (
                "Aggregated results of the survey, counted over submitted responses only. "
                "Create a token with `flask --app survey create-token EMAIL` and send it as "
                "`Authorization: Bearer TOKEN`."
            ),
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
            "schemas": SCHEMAS,
        },
        "security": [{"bearer": []}, {"session": []}],
        "paths": {
            "/api/results": {
                "get": {
                    "operationId": "getResults",
                    "summary": "Totals and every question, optionally filtered and compared.",
                    "parameters": [
                        *_filter_parameters(),
                        _compare_parameter(),
                        LOCALE_PARAMETER,
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
            "/api/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This document.",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1 document."}},
                }
            },
        },
    }
