"""gunicorn settings for production: ``gunicorn wsgi:app`` reads this file from the top folder.

Access logs say what the operator needs (time, request, status, size) and never who asked:
no client address, no user agent, no referrer, no request header. Requests to the sealed and
assisted routes are not logged at all (DESIGN.md §6).
"""

from __future__ import annotations

import os
from typing import Any

from gunicorn.glogging import Logger

from consult.logging_filters import is_private_path, redact_links

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
#: Seconds a request may take before its worker is restarted. Unsealing runs in the trustees'
#: request: 100,000 envelopes take about 30 s on 2 cores (bench/opening.py), past gunicorn's
#: default of 30. Larger consultations unseal with ``flask consult unseal`` (no timeout).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "180"))
accesslog = "-"
errorlog = "-"
#: Without ``%(h)s`` (the client's address), ``%(a)s`` (user agent) and ``%(f)s`` (referrer).
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'


class PrivateAccessLogger(Logger):
    """gunicorn's logger, without the sealed and assisted routes nor anyone's address."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if is_private_path(environ.get("PATH_INFO") or "") or is_private_path(
            environ.get("RAW_URI") or ""
        ):
            return
        super().access(resp, req, environ, request_time)

    def atoms(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any
    ) -> dict[str, Any]:
        """The usual atoms with the address, browser and referrer blanked, headers left out,
        and the tokens of single-use links cut out of the request line and the path."""
        atoms = super().atoms(resp, req, environ, request_time)
        kept = {name: value for name, value in atoms.items() if not name.startswith("{")}
        links = {name: redact_links(kept[name]) for name in ("r", "U") if name in kept}
        return {**kept, **links, "h": "-", "a": "-", "f": "-"}


logger_class = PrivateAccessLogger
