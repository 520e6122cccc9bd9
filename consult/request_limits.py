"""How much one request may send: bytes, and fields of a form.

Werkzeug limits the size of a body (``MAX_CONTENT_LENGTH``) and the number of parts of a
multipart body (``MAX_FORM_PARTS``), but a URL-encoded body is parsed whole, however many
fields it holds. :class:`ConsultRequest` applies the same field limit to both, so that every
form is refused with the translated 413 page (see :mod:`consult.errors`) before a flood of
fields is built in memory.

It also drops multipart parts that have no name: Werkzeug keeps them under the key ``None``
(``Content-Disposition: form-data`` with a broken or missing ``name``), and views that read
every field name, such as the respondent forms' step-by-step carrying, would fail on it.
And it takes NUL characters out of field names and values: nobody types one, PostgreSQL
refuses them in text (a 500 where the same form on SQLite was stored), and a sealed answer
holding one would stop its unsealing.
"""

from __future__ import annotations

import io
import typing as t

from flask import Flask, Request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

from consult.config import Settings

URLENCODED = "application/x-www-form-urlencoded"


class FieldLimitedParser(FormDataParser):
    """A form parser that refuses URL-encoded bodies of more than ``max_form_parts`` fields."""

    def parse(
        self,
        stream: t.IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str] | None = None,
    ) -> tuple[t.IO[bytes], t.Any, t.Any]:
        """As :meth:`FormDataParser.parse`; raises ``RequestEntityTooLarge`` past the limit."""
        if mimetype == URLENCODED and self.max_form_parts is not None:
            body = stream.read()  # the stream is limited to MAX_CONTENT_LENGTH already
            if body.count(b"&") >= self.max_form_parts:
                raise RequestEntityTooLarge()
            stream = io.BytesIO(body)
            if b"%00" not in body and b"\x00" not in body:  # no NUL, and every field named
                return super().parse(stream, mimetype, content_length, options)
        stream, form, files = super().parse(stream, mimetype, content_length, options)
        return stream, self._clean(form), self._clean(files)

    def _clean(self, fields: t.Any) -> t.Any:
        """``fields`` without unnamed parts, and without NUL in names and text values."""
        pairs = list(fields.items(multi=True))
        if None not in fields and not any(
            "\x00" in k or (isinstance(v, str) and "\x00" in v) for k, v in pairs
        ):
            return fields
        return self.cls(
            [(k.replace("\x00", ""), _without_nul(v)) for k, v in pairs if k is not None]
        )


def _without_nul(value: t.Any) -> t.Any:
    return value.replace("\x00", "") if isinstance(value, str) else value


class ConsultRequest(Request):
    form_data_parser_class = FieldLimitedParser


def init_app(app: Flask, settings: Settings) -> None:
    """Set the request limits of ``settings`` on ``app``."""
    app.request_class = ConsultRequest
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        MAX_FORM_MEMORY_SIZE=settings.max_request_bytes,
        MAX_FORM_PARTS=settings.max_form_fields,
    )
