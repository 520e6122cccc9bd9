"""PDF rendering shared by paper questionnaires and reports: WeasyPrint, tagged, fenced in.

Callers render their HTML (inside an explicit UI locale) and hand it here. WeasyPrint fetches
resources only through :class:`StaticFetcher`, which serves the app's own static files and
refuses everything else (no ``file://``, no ``data:``, no network), so text a respondent or an
organiser wrote can never make the renderer read a local file or call an address. Its loggers
stay at ERROR because their messages can quote page text. Rendered PDFs are kept in small
in-memory caches, one per kind of document.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

for _name in ("weasyprint", "weasyprint.progress", "fontTools"):
    # Their warnings and progress lines can quote the text of the page (answers, questions
    # about detention, testimony): keep them to real errors.
    logging.getLogger(_name).setLevel(logging.ERROR)

#: The address rendered HTML pretends to come from. ``.invalid`` never resolves, and the
#: fetcher below never opens a connection anyway: it maps this origin's ``/static/`` to disk.
ORIGIN = "https://consult.invalid"
STATIC_PREFIX = "/static/"
#: What templates may load: stylesheets and images, nothing executable.
SERVED_TYPES = frozenset({"text/css", "image/svg+xml", "image/png", "image/jpeg"})


class URLRefused(ValueError):
    """The renderer asked for something other than one of the app's static files."""


class StaticFetcher(URLFetcher):
    """A WeasyPrint fetcher that serves the app's static files and refuses everything else.

    ``https://consult.invalid/static/css/paper.css`` (``/static/css/paper.css`` relative to
    :data:`ORIGIN`) is read from ``static_root/css/paper.css``; paths that leave
    ``static_root`` (``..``, encoded or not, or a symbolic link pointing out), other origins,
    ``file:``, ``data:`` and every other scheme raise :class:`URLRefused`.
    """

    def __init__(self, static_root: Path, origin: str = ORIGIN) -> None:
        super().__init__(allow_redirects=False, fail_on_errors=False)
        self.static_root = static_root.resolve()
        self.origin = urlsplit(origin)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        path = self.local_path(url)
        content_type = mimetypes.guess_type(path.name)[0] or ""
        if content_type not in SERVED_TYPES:
            raise URLRefused("not a stylesheet or an image")
        if content_type == "text/css":
            content_type += "; charset=utf-8"
        return URLFetcherResponse(url, path.read_bytes(), headers={"Content-Type": content_type})

    def local_path(self, url: str) -> Path:
        """The file under ``static_root`` that ``url`` names; :class:`URLRefused` otherwise."""
        try:
            parts = urlsplit(url)
        except ValueError:
            raise URLRefused("malformed address") from None
        if (parts.scheme, parts.netloc) != (self.origin.scheme, self.origin.netloc):
            raise URLRefused("only the app's own static files are served")
        path = unquote(parts.path)
        if not path.startswith(STATIC_PREFIX) or "\x00" in path or "\\" in path:
            raise URLRefused("only the app's own static files are served")
        candidate = (self.static_root / path.removeprefix(STATIC_PREFIX)).resolve()
        if not candidate.is_relative_to(self.static_root) or not candidate.is_file():
            raise URLRefused("no such static file")
        return candidate


def html_to_pdf(html: str, static_root: Path) -> bytes:
    """A tagged PDF/UA-1 of ``html``; resources come from ``static_root`` only."""
    document = HTML(string=html, base_url=f"{ORIGIN}/", url_fetcher=StaticFetcher(static_root))
    pdf = document.write_pdf(pdf_variant="pdf/ua-1")
    assert pdf is not None  # no target given: the PDF comes back as bytes
    return bytes(pdf)


_lock = threading.Lock()


def cached(
    cache: OrderedDict[Any, bytes], key: Hashable, render: Callable[[], bytes], size: int
) -> bytes:
    """``cache[key]``, or ``render()`` stored there; the least recently used beyond ``size``
    go. Two requests may render the same PDF at once: both results are the same."""
    with _lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    pdf = render()
    with _lock:
        cache[key] = pdf
        while len(cache) > size:
            cache.popitem(last=False)
    return pdf


def stored(folder: Path, name: str, render: Callable[[], bytes]) -> bytes:
    """The PDF kept in ``folder/name``, or ``render()`` written there first.

    On disk rather than in memory, so that every worker process, and the next start, serve a
    PDF rendered once (by a reader's request or a background job). Written to a temporary
    file and renamed, so a reader never gets half a file; two processes rendering the same
    PDF at once write the same bytes.
    """
    path = folder / name
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    pdf = render()
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{name}.{os.getpid()}.{threading.get_ident()}"
    partial.write_bytes(pdf)
    os.replace(partial, path)
    return pdf


def discard(folder: Path, prefix: str) -> None:
    """Delete the stored PDFs whose names start with ``prefix``."""
    for path in folder.glob(f"{prefix}*.pdf"):
        path.unlink(missing_ok=True)
