"""Baseline HTTP security headers on every response, and the names of the cookies."""

from __future__ import annotations

from flask import Flask, Response

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

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if production:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=63072000; includeSubDomains"
            )
        return response
