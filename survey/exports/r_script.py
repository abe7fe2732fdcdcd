"""The R script that reads the wide CSV with the right types (as LimeSurvey offers one).

Codes become factors labelled in the chosen language (declined = NA), 0/1 flags and ranks
integers (`na`, not ranked, is NA too: the raw column tells declined from not ranked), times
POSIXct in UTC; everything else stays text, and only an empty cell is missing, so Namibia's
code "NA" and an answer "N/A" are read as written. Non-ASCII text is written as \\u escapes,
so the script reads the same in any R locale.
"""

from __future__ import annotations

from collections.abc import Sequence

from survey.questionnaire.columns import INTEGER, TIMESTAMP, Column

SEPARATOR_CHARACTERS = {"comma": ",", "semicolon": ";", "tab": "\\t"}


def r_string(text: str) -> str:
    """A double-quoted R string literal, ASCII only."""
    out = []
    for character in text:
        if character in '"\\':
            out.append("\\" + character)
        elif character == "\n":
            out.append("\\n")
        elif 32 <= ord(character) < 127:
            out.append(character)
        elif ord(character) <= 0xFFFF:
            out.append(f"\\u{ord(character):04x}")
        else:
            out.append(f"\\U{ord(character):08x}")
    return '"' + "".join(out) + '"'


def _vector(values: Sequence[str]) -> str:
    return "c(" + ", ".join(r_string(value) for value in values) + ")"


def _conversion(column: Column, language: str) -> str | None:
    variable = f"d[[{r_string(column.name)}]]"
    if column.numeric_cells:
        return f'{variable} <- as.integer(ifelse({variable} == "na", NA, {variable}))'
    if column.stat_storage == TIMESTAMP:
        return f'{variable} <- as.POSIXct({variable}, format = "%Y-%m-%dT%H:%M:%SZ", tz = "UTC")'
    if column.stat_storage == INTEGER:
        labels = column.value_labels(language)
        return (
            f"{variable} <- factor({variable}, levels = {_vector(list(labels))}, "
            f"labels = {_vector(list(labels.values()))})"
        )
    return None


def render(columns: Sequence[Column], language: str, separator: str) -> str:
    lines = [
        "# Reads responses.csv as exported by the library advocacy survey (codes, not labels).",
        '# Usage: source("responses.R"); responses <- read_responses("responses.csv")',
        "# Only an empty cell is missing: NA (Namibia) and N/A typed by a respondent stay text.",
        "# Codes are factors with labels; ranks and 0/1 are integers (na = not ranked -> NA);",
        "# started_at and submitted_at are POSIXct in UTC. Variable labels are in",
        '# attr(x, "label"), as haven and labelled read them.',
        'read_responses <- function(path = "responses.csv") {',
        (
            "  d <- read.csv(path, sep = "
            f'"{SEPARATOR_CHARACTERS.get(separator, ",")}", na.strings = "", '
            'colClasses = "character", fileEncoding = "UTF-8-BOM", check.names = FALSE)'
        ),
    ]
    for column in columns:
        conversion = _conversion(column, language)
        name = r_string(column.name)
        body = []
        if conversion:
            body.append(conversion)
        body.append(f'attr(d[[{name}]], "label") <- {r_string(column.variable_label(language))}')
        lines.append(f"  if (!is.null(d[[{name}]])) {{")
        lines += [f"    {line}" for line in body]
        lines.append("  }")
    lines += ["  d", "}", ""]
    return "\n".join(lines)
