"""Form data that is not valid UTF-8 reaches the forms as a control character.

Werkzeug decodes percent-escapes that are not UTF-8 (`A%ED%A0%80B`, a lone surrogate) back
into the literal text `%ED%A0%80`, and multipart fields into U+FFFD: either way the bytes
a client sent were silently changed, and stored as if the respondent had typed them. Here
every such byte sequence becomes NUL, which every text check already refuses with the
message for characters that cannot be stored (and no option code contains), so the page is
shown again with that message and nothing is saved.
"""

from __future__ import annotations

import codecs
import typing as t
from urllib.parse import parse_qsl

from flask import Request
from werkzeug.formparser import FormDataParser, MultiPartParser

INVALID_AS_NUL = "survey.invalid_utf8_as_nul"
_CODEC = "survey_utf8_invalid_as_nul"


def _invalid_as_nul(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return "\x00", error.end


def _find_codec(name: str) -> codecs.CodecInfo | None:
    if name != _CODEC:
        return None
    utf8 = codecs.lookup("utf-8")
    return codecs.CodecInfo(
        name=_CODEC,
        encode=utf8.encode,
        # Whatever errors= the caller asks for (multipart asks for "replace").
        decode=lambda data, errors="strict": codecs.utf_8_decode(data, INVALID_AS_NUL, True),
    )


codecs.register_error(INVALID_AS_NUL, _invalid_as_nul)
codecs.register(_find_codec)


class _MultiPartParser(MultiPartParser):
    def get_part_charset(self, headers) -> str:
        charset = super().get_part_charset(headers)
        return _CODEC if charset == "utf-8" else charset


class StrictFormDataParser(FormDataParser):
    def _parse_urlencoded(self, stream, mimetype, content_length, options) -> t.Any:
        items = parse_qsl(
            stream.read().decode("utf-8", INVALID_AS_NUL),
            keep_blank_values=True,
            errors=INVALID_AS_NUL,
        )
        return stream, self.cls(items), self.cls()

    def _parse_multipart(self, stream, mimetype, content_length, options) -> t.Any:
        parser = _MultiPartParser(
            stream_factory=self.stream_factory,
            max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts,
            cls=self.cls,
        )
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files


class SurveyRequest(Request):
    form_data_parser_class = StrictFormDataParser
