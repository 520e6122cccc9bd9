"""The form parser: NUL characters taken out of URL-encoded and multipart forms alike."""

from __future__ import annotations

import pytest
from flask import Flask, request

URLENCODED = "application/x-www-form-urlencoded"


def form_of(app: Flask, body: bytes, content_type: str = URLENCODED) -> list[tuple[str, str]]:
    with app.test_request_context("/", method="POST", data=body, content_type=content_type):
        return list(request.form.items(multi=True))


@pytest.mark.parametrize(
    "body",
    [b"na%00me=Ami%00na&other=1", b"na\x00me=Ami\x00na&other=1", b"na%00me=Ami\x00na&other=1"],
)
def test_nul_is_taken_out_of_names_and_values(app: Flask, body: bytes) -> None:
    assert form_of(app, body) == [("name", "Amina"), ("other", "1")]


def test_a_form_without_nul_is_read_as_sent(app: Flask) -> None:
    body = b"a=1&a=2&b=%C3%A9t%C3%A9&c=&q-rank-x=3&%25=%2500"
    assert form_of(app, body) == [
        ("a", "1"),
        ("a", "2"),
        ("b", "été"),
        ("c", ""),
        ("q-rank-x", "3"),
        ("%", "%00"),  # an encoded percent sign followed by 00 is no NUL
    ]


def test_multipart_parts_lose_nul_and_unnamed_parts(app: Flask) -> None:
    body = (
        b'--zz\r\nContent-Disposition: form-data; name="na\x00me"\r\n\r\nAmi\x00na\r\n'
        b"--zz\r\nContent-Disposition: form-data\r\n\r\nlost\r\n"
        b"--zz--\r\n"
    )
    assert form_of(app, body, "multipart/form-data; boundary=zz") == [("name", "Amina")]
