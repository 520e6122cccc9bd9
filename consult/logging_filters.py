"""Keeping the sealed and assisted routes out of access logs (DESIGN.md §6).

A line saying that someone opened the sealed channel at 14:02 from a given address is
exactly what this product must not write. Werkzeug's development server logs every request
with the client's address; :class:`PrivateAccessFilter` drops its lines for the sealed and
assisted routes and blanks the address of the others. ``gunicorn.conf.py`` applies the same
rule in production through :func:`is_private_path`.

Both also cut the secret out of single-use links (:func:`redact_links`): invitations to
answer, to join an organisation and to reset a password. Their tokens are stored hashed so
that a reader of the database cannot use them; a reader of the logs must not either.
"""

from __future__ import annotations

import logging
import re

#: Path parts whose requests no access log may mention.
PRIVATE_PARTS = ("/sealed", "/assisted", "/kiosk")
ACCESS_LOGGER = "werkzeug"
#: The token of a single-use link: ``/<lang>/c/<slug>/i/<token>``, ``/admin/join/<token>``,
#: ``/admin/password/reset/<token>``.
_LINK_TOKEN = re.compile(r"(/c/[^/\s]+/i/|/admin/join/|/admin/password/reset/)[^/?#\s\"]+")
#: The start of Werkzeug's access line: ``<address> - - [<time>] "GET /path HTTP/1.1" …``.
_ADDRESS = re.compile(r"^\S+ - - ")


def redact_links(text: str) -> str:
    """``text`` (a path or a request line) with the tokens of single-use links replaced."""
    return _LINK_TOKEN.sub(r"\1[token]", text)


def is_private_path(path: str) -> bool:
    """Whether requests to ``path`` must stay out of access logs."""
    return any(part in path for part in PRIVATE_PARTS)


class PrivateAccessFilter(logging.Filter):
    """Drop Werkzeug's access lines for private routes; blank the address in the others."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # not a line of Werkzeug's; leave it to the handlers
        if not _ADDRESS.match(message):
            return True  # not about a request (start-up lines and the like)
        if is_private_path(message):
            return False
        record.msg, record.args = redact_links(_ADDRESS.sub("- - - ", message, count=1)), ()
        return True


def install() -> None:
    """Put the filter on Werkzeug's logger (once, however many apps are created)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, PrivateAccessFilter) for f in logger.filters):
        logger.addFilter(PrivateAccessFilter())
