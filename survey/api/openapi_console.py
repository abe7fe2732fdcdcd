"""The responses list, exclusions and the survey's state in the OpenAPI document
(`survey.api.console`)."""

from __future__ import annotations

from typing import Any

from survey.api.openapi_coding import NOT_BLANK
from survey.exclusion import REASON_LIMIT
from survey.models import SOURCES, STATUSES
from survey.response_list import MOST_PER_PAGE, PAGE_SIZE, SEARCH_LIMIT, SORTS


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _ok(description: str, schema: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {"Cache-Control": {"schema": {"type": "string", "const": "no-store"}}},
        "content": {"application/json": {"schema": _ref(schema)}},
    }


MOMENT = {"type": "string", "format": "date-time", "examples": ["2026-11-24T12:00:00Z"]}
NULLABLE_MOMENT = {"type": ["string", "null"], "format": "date-time"}

SCHEMAS: dict[str, Any] = {
    "ListedResponse": {
        "type": "object",
        "required": [
            "response_id",
            "language",
            "status",
            "started_at",
            "submitted_at",
            "answered",
            "source",
            "excluded_reason",
        ],
        "properties": {
            "response_id": {"type": "string", "description": "The response's public id."},
            "language": {"type": "string", "description": "The language it was answered in."},
            "status": {
                "type": "string",
                "enum": list(STATUSES),
                "description": (
                    "draft: in progress; submitted: counted; excluded: submitted, then left "
                    "out of every figure and export by an admin."
                ),
            },
            "started_at": {**MOMENT, "description": "UTC."},
            "submitted_at": {**NULLABLE_MOMENT, "description": "UTC; null for a draft."},
            "answered": {
                "type": "integer",
                "minimum": 0,
                "description": "Questions answered (follow-ups count as questions).",
            },
            "source": {"type": "string", "enum": list(SOURCES)},
            "excluded_reason": {
                "type": ["string", "null"],
                "description": "Why an admin excluded it; null unless excluded.",
            },
        },
    },
    "ResponsePage": {
        "type": "object",
        "required": ["responses", "next"],
        "properties": {
            "responses": {"type": "array", "items": _ref("ListedResponse")},
            "next": {
                "type": ["string", "null"],
                "description": "Pass as `after` for the next page; null on the last one.",
            },
        },
    },
    "Exclusion": {
        "type": "object",
        "required": ["reason"],
        "additionalProperties": False,
        "properties": {
            "reason": {
                "type": "string",
                "maxLength": REASON_LIMIT,
                "pattern": NOT_BLANK,
                "description": "Why (a test answer, a duplicate, spam); kept and audit-logged.",
            }
        },
    },
    "SurveyState": {
        "type": "object",
        "required": ["state", "opens_at", "closes_at"],
        "properties": {
            "state": {
                "type": "string",
                "enum": ["open", "closed"],
                "description": (
                    "Whether respondents can start and submit now: the admins' switch and "
                    "the times together."
                ),
            },
            "opens_at": {**NULLABLE_MOMENT, "description": "UTC; null: no opening time."},
            "closes_at": {**NULLABLE_MOMENT, "description": "UTC; null: no closing time."},
        },
    },
    "SurveyChange": {
        "type": "object",
        "minProperties": 1,
        "additionalProperties": False,
        "properties": {
            "state": {
                "type": "string",
                "enum": ["open", "closed"],
                "description": (
                    "open: opens it now (an opening time still ahead and a closing time "
                    "already past are cleared unless given too); closed: closes it whatever "
                    "the times say."
                ),
            },
            "opens_at": {
                **NULLABLE_MOMENT,
                "description": "With its offset from UTC; null clears it. Before closes_at.",
            },
            "closes_at": {
                **NULLABLE_MOMENT,
                "description": "With its offset from UTC; null clears it.",
            },
        },
    },
}

RESPONSE_ID = {
    "name": "response_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "maxLength": 36},
    "description": "The response's public id.",
}


def _list_parameters(filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "name": "status",
            "in": "query",
            "required": False,
            "description": "Only responses in this state (all when left out).",
            "schema": {"type": "string", "enum": list(STATUSES)},
        },
        {
            "name": "q",
            "in": "query",
            "required": False,
            "description": (
                "Only responses with an open answer (or its translation) containing this "
                "text, ignoring case."
            ),
            "schema": {"type": "string", "maxLength": SEARCH_LIMIT, "pattern": NOT_BLANK},
        },
        {
            "name": "source",
            "in": "query",
            "required": False,
            "description": "Only responses from the web form, an import or demo data.",
            "schema": {"type": "string", "enum": list(SOURCES)},
        },
        *filters,
        {
            "name": "sort",
            "in": "query",
            "required": False,
            "description": (
                "-started (newest started first, the default), started, -submitted, "
                "submitted (drafts, which have no submission time, come last)."
            ),
            "schema": {"type": "string", "enum": list(SORTS)},
        },
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "description": f"Responses per page (default {PAGE_SIZE}).",
            "schema": {"type": "integer", "minimum": 1, "maximum": MOST_PER_PAGE},
        },
        {
            "name": "after",
            "in": "query",
            "required": False,
            "description": (
                "The `next` of the previous page (for the same sort). Any other value is "
                "refused with 400."
            ),
            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$", "maxLength": 200},
        },
    ]


def paths(filters: list[dict[str, Any]]) -> dict[str, Any]:
    """The paths, with the dashboard's filter parameters (`filters`) on the list."""
    admin_only = _error("The admin role is needed.")
    unknown = _error("There is no response with this id.")
    unauthorized = _error("No session and no valid bearer token.")
    return {
        "/api/responses": {
            "get": {
                "operationId": "listResponses",
                "summary": "Every response, filtered and searched, a page at a time (keyset).",
                "parameters": _list_parameters(filters),
                "responses": {
                    "200": _ok("A page of responses and the cursor of the next.", "ResponsePage"),
                    "400": _error("A bad filter, status, order, limit or cursor."),
                    "401": unauthorized,
                },
            }
        },
        "/api/responses/{response_id}/exclusion": {
            "parameters": [RESPONSE_ID],
            "post": {
                "operationId": "excludeResponse",
                "summary": (
                    "Exclude a submitted response from every figure and export (admin). "
                    "Sending the same reason again changes nothing."
                ),
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("Exclusion")}},
                },
                "responses": {
                    "200": _ok("The response, now excluded.", "ListedResponse"),
                    "400": _error('No reason, or a body that is not {"reason": "…"}.'),
                    "401": unauthorized,
                    "403": admin_only,
                    "404": unknown,
                    "409": _error("A draft, or excluded already for another reason."),
                },
            },
            "delete": {
                "operationId": "restoreResponse",
                "summary": "Restore an excluded response: it counts again (admin).",
                "responses": {
                    "200": _ok("The response, now submitted (and counted).", "ListedResponse"),
                    "401": unauthorized,
                    "403": admin_only,
                    "404": unknown,
                    "409": _error("A draft: it was never excluded."),
                },
            },
        },
        "/api/survey": {
            "get": {
                "operationId": "getSurveyState",
                "summary": "Whether the survey takes responses, and its times.",
                "responses": {
                    "200": _ok("The survey's state.", "SurveyState"),
                    "401": unauthorized,
                },
            },
            "patch": {
                "operationId": "changeSurveyState",
                "summary": "Open or close the survey and set its times (admin).",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("SurveyChange")}},
                },
                "responses": {
                    "200": _ok("The survey's state after the change.", "SurveyState"),
                    "400": _error(
                        "Not such an object, a time without its offset or outside the years "
                        "2000–9998, or a closing time not after the opening time."
                    ),
                    "401": unauthorized,
                    "403": admin_only,
                },
            },
        },
    }
