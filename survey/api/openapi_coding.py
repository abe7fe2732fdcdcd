"""The coding part of the OpenAPI document (`survey.api.coding`)."""

from __future__ import annotations

from typing import Any

from survey.open_answers.coding import DESCRIPTION_LIMIT, NAME_LIMIT
from survey.questionnaire import Questionnaire


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


# What the server stores: no control characters (tabs and line breaks are fine) ...
STORABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
# ... and, for a name, something left once the surrounding space is trimmed.
NOT_BLANK = (
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*"
    r"[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
    r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
)


def schemas(languages: tuple[str, ...]) -> dict[str, Any]:
    """The coding schemas; a category's names are keyed by the configured languages."""
    name = {"type": "string", "maxLength": NAME_LIMIT, "pattern": STORABLE}
    names = {
        "type": "object",
        "description": (
            "The category's name in each language it has one in: at least one. "
            "An empty name leaves the category without a name in that language."
        ),
        "properties": {language: name for language in languages},
        "additionalProperties": False,
        "anyOf": [
            {"required": [language], "properties": {language: {"pattern": NOT_BLANK}}}
            for language in languages
        ],
        "examples": [{"en": "Financing", "ru": "Финансирование"}],
    }
    return {"CategoryNames": names, **SCHEMAS}


CODE = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"}
DESCRIPTION = {"type": "string", "maxLength": DESCRIPTION_LIMIT, "pattern": STORABLE}
SCHEMAS: dict[str, Any] = {
    "Category": {
        "type": "object",
        "required": ["code", "name", "description", "retired", "count"],
        "properties": {
            "code": {"type": "string", "description": "Stable; never given to another category."},
            "name": _ref("CategoryNames"),
            "description": {"type": "string"},
            "retired": {"type": "boolean", "description": "No longer given to answers."},
            "count": {"type": "integer", "minimum": 0, "description": "Answers coded into it."},
        },
    },
    "CategoryList": {
        "type": "object",
        "required": ["field", "categories"],
        "properties": {
            "field": {"type": "string"},
            "categories": {"type": "array", "items": _ref("Category")},
        },
    },
    "NewCategory": {
        "type": "object",
        "required": ["name"],
        "properties": {
            "code": {**CODE, "description": "Made from the name when left out."},
            "name": _ref("CategoryNames"),
            "description": DESCRIPTION,
        },
    },
    "CategoryChange": {
        "type": "object",
        "properties": {
            "name": _ref("CategoryNames"),
            "description": DESCRIPTION,
            "retired": {"type": "boolean"},
        },
    },
    "Merge": {
        "type": "object",
        "required": ["into"],
        "properties": {"into": CODE},
    },
    "Merged": {
        "type": "object",
        "required": ["moved", "into"],
        "properties": {"moved": {"type": "integer"}, "into": _ref("Category")},
    },
    "AnswerToCode": {
        "type": "object",
        "required": ["response_id", "text", "language", "translations", "categories"],
        "properties": {
            "response_id": {"type": "string"},
            "text": {"type": "string"},
            "language": {"type": "string"},
            "translations": {"type": "object", "additionalProperties": {"type": "string"}},
            "categories": {"type": "array", "items": {"type": "string"}},
        },
    },
    "AnswerList": {
        "type": "object",
        "required": ["field", "total", "answers"],
        "properties": {
            "field": {"type": "string"},
            "total": {"type": "integer"},
            "answers": {"type": "array", "items": _ref("AnswerToCode")},
        },
    },
    "Codings": {
        "type": "object",
        "required": ["categories"],
        "properties": {"categories": {"type": "array", "items": CODE}},
    },
    "AnswerCodings": {
        "type": "object",
        "required": ["response_id", "categories"],
        "properties": {
            "response_id": {"type": "string"},
            "categories": {"type": "array", "items": {"type": "string"}},
        },
    },
}

READ_ERRORS = {
    "401": _error("No session and no valid bearer token."),
    "404": _error("No such open question."),
}
CHANGE_ERRORS = {
    "400": _error("The change cannot be stored (the message says why), or a missing CSRF token."),
    **READ_ERRORS,
    "403": _error("Changing the coding needs the analyst or admin role."),
    "409": _error(
        "The change clashes with the categories as they are now: a name or code is taken, "
        "or a category would be merged into itself."
    ),
}


def _body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(schema)}}}


def _ok(schema: str, status: str = "200", description: str = "Done.") -> dict[str, Any]:
    return {
        status: {
            "description": description,
            "content": {"application/json": {"schema": _ref(schema)}},
        }
    }


def paths(questionnaire: Questionnaire, languages: tuple[str, ...]) -> dict[str, Any]:
    fields = [field.field for field in questionnaire.open_fields]
    field = {
        "name": "field",
        "in": "path",
        "required": True,
        "description": "The open field: a text question or a choice question's other text.",
        "schema": {"type": "string", "enum": fields},
    }
    code = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
    response_id = {
        "name": "response_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
    }
    listing = [
        {"name": "uncoded", "in": "query", "schema": {"type": "string", "enum": ["0", "1"]},
         "description": "1: only answers not coded yet."},
        {"name": "category", "in": "query", "schema": {"type": "string"},
         "description": "Only answers coded into this category."},
        {"name": "lang", "in": "query", "schema": {"type": "string", "enum": list(languages)},
         "description": "Only answers written in this language."},
        {"name": "q", "in": "query", "schema": {"type": "string", "pattern": STORABLE},
         "description": "Only answers (or translations) containing this text."},
        {
            "name": "offset",
            "in": "query",
            "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
        },
        {"name": "limit", "in": "query",
         "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
    ]  # fmt: skip
    return {
        "/api/coding/{field}/categories": {
            "parameters": [field],
            "get": {
                "operationId": "listCategories",
                "summary": "The field's categories in the working group's order, with counts.",
                "responses": {**_ok("CategoryList"), **READ_ERRORS},
            },
            "post": {
                "operationId": "createCategory",
                "summary": "A new category (analyst or admin).",
                "requestBody": _body("NewCategory"),
                "responses": {**_ok("Category", "201", "Created."), **CHANGE_ERRORS},
            },
        },
        "/api/coding/{field}/categories/{code}": {
            "parameters": [field, code],
            "patch": {
                "operationId": "changeCategory",
                "summary": "Rename, describe, retire or restore a category (analyst or admin).",
                "requestBody": _body("CategoryChange"),
                "responses": {**_ok("Category"), **CHANGE_ERRORS},
            },
        },
        "/api/coding/{field}/categories/{code}/merge": {
            "parameters": [field, code],
            "post": {
                "operationId": "mergeCategory",
                "summary": "Move every coding to another category and delete this one.",
                "requestBody": _body("Merge"),
                "responses": {**_ok("Merged"), **CHANGE_ERRORS},
            },
        },
        "/api/coding/{field}/answers": {
            "parameters": [field],
            "get": {
                "operationId": "listAnswersToCode",
                "summary": "The field's answers with their translations and categories.",
                "parameters": listing,
                "responses": {
                    **_ok("AnswerList"),
                    "400": _error("A bad offset or limit, or control characters in the search."),
                    **READ_ERRORS,
                },
            },
        },
        "/api/coding/{field}/answers/{response_id}": {
            "parameters": [field, response_id],
            "put": {
                "operationId": "codeAnswer",
                "summary": "Set the categories of a response's answer (idempotent).",
                "requestBody": _body("Codings"),
                "responses": {
                    **_ok("AnswerCodings"),
                    **CHANGE_ERRORS,
                    "400": _error(
                        "An unknown or retired category (the message names it), "
                        "or a missing CSRF token."
                    ),
                    "404": _error("No such open question, or the response has no answer to it."),
                },
            },
        },
    }
