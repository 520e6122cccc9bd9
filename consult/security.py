"""HTTP security headers on every response (error pages included), and the cookies' names.

Every response carries the same strict policy (:data:`HEADERS`): scripts only from this
origin and none inline, no framing, no MIME sniffing, a same-origin referrer. Pages where
someone answers or an organiser works are never stored by a browser or a proxy
(:func:`keeps_nothing`), so a shared computer or a seized one shows no answers in its cache.
HSTS is sent in production only: a development server on plain HTTP would otherwise teach the
browser to refuse ``http://127.0.0.1``. ``tests/test_security.py`` walks every route.
"""

from __future__ import annotations

from flask import Flask, Response, request

#: Everything comes from this origin; no third party is ever asked for anything.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Not no-referrer: Flask-WTF's CSRF check over HTTPS needs a same-origin Referer.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


#: Endpoints where respondents answer, or whole blueprints (ending in a dot): the open,
#: invited and sealed channels and the kiosk. Their pages hold answers in hidden fields.
RESPONDENT_ENDPOINTS = (
    "respond.respond",
    "respond.preview",
    "respond.thanks",
    "invited.",
    "sealed.",
    "kiosk.",
)
#: Everything under this path is the organiser area (sign-in, accounts, visits included).
ORGANISER_PREFIX = "/admin/"
NO_STORE = "no-store"
HSTS = "max-age=63072000; includeSubDomains"


def keeps_nothing(endpoint: str | None, path: str) -> bool:
    """Whether the response to a request of ``endpoint`` at ``path`` must not be cached."""
    if path.startswith(ORGANISER_PREFIX):
        return True
    return endpoint is not None and any(
        endpoint == name or (name.endswith(".") and endpoint.startswith(name))
        for name in RESPONDENT_ENDPOINTS
    )


#: Browsers accept a cookie named with this prefix only if it is Secure, has ``Path=/`` and
#: no ``Domain``: neither a sibling subdomain nor a plain-HTTP page can set or shadow it.
HOST_PREFIX = "__Host-"


def host_only_cookies(app: Flask) -> None:
    """Prefix the session cookie (which also holds the CSRF secret) with ``__Host-`` where it
    is Secure; in development over plain HTTP the prefix would be refused, so names stay."""
    if not app.config["SESSION_COOKIE_SECURE"]:
        return
    app.config.update(
        SESSION_COOKIE_NAME=HOST_PREFIX
        + app.config["SESSION_COOKIE_NAME"].removeprefix(HOST_PREFIX),
        SESSION_COOKIE_PATH="/",
        SESSION_COOKIE_DOMAIN=None,
        # Flask-Login's "remember me" cookie: unused, but named safely should it ever be.
        REMEMBER_COOKIE_NAME=HOST_PREFIX + "consult_remember",
        REMEMBER_COOKIE_SECURE=True,
        REMEMBER_COOKIE_PATH="/",
        REMEMBER_COOKIE_DOMAIN=None,
    )


def init_app(app: Flask) -> None:
    production = app.config["CONSULT"].is_production
    host_only_cookies(app)

    everywhere = {**HEADERS, **({"Strict-Transport-Security": HSTS} if production else {})}

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        # One pass over the response's headers, not one per header set (every response).
        headers = response.headers
        present = {name.lower() for name in headers.keys()}  # noqa: SIM118 - Headers
        headers.extend((n, v) for n, v in everywhere.items() if n.lower() not in present)
        if keeps_nothing(request.endpoint, request.path) and NO_STORE not in (
            headers.get("Cache-Control") or ""
        ):
            headers["Cache-Control"] = NO_STORE
        return response
