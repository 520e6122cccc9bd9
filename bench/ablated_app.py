"""The real app with some of its layers taken out, to measure what each one costs.

    BENCH_WITHOUT=csrf,hooks gunicorn -c gunicorn.conf.py --pythonpath bench ablated_app:app

Only ``bench/ablation.py`` serves this: it tells how far the submission benchmark's ratio
could rise without each layer, never something to deploy. ``BENCH_WITHOUT`` names the layers:

``csrf``
    no CSRF check, and no session cookie read or written (the session holds the token);
``hooks``
    no after-request hook: security headers, rate-limit headers, session saving, the sealed
    channel's ``Clear-Site-Data``;
``limiter``
    no rate limiter (the limiter's before-request check, its counts and its hooks);
``holding``
    no hold count read before and written after a sealed envelope;
``checking``
    each distinct form checked once, then its checked submission reused (the validation of
    the questionnaire's answers, against its questions, conditions and profile rules).
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

import consult.respond.flow as flows
import consult.respond.views as respond_views
import consult.sealed.rate as rate
from wsgi import app

LAYERS = ("csrf", "hooks", "limiter", "holding", "checking")
WITHOUT = [name for name in os.environ.get("BENCH_WITHOUT", "").split(",") if name]
if unknown := set(WITHOUT) - set(LAYERS):
    raise SystemExit(f"unknown layers: {', '.join(sorted(unknown))}; known: {', '.join(LAYERS)}")


class NoSession(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession:
        return SecureCookieSession()

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        return None


if "csrf" in WITHOUT:
    respond_views._csrf_valid = lambda: True
    app.session_interface = NoSession()
if "hooks" in WITHOUT:
    app.after_request_funcs.clear()
if "limiter" in WITHOUT:
    for extension in app.extensions.values():
        if type(extension).__name__ == "Limiter":
            extension.enabled = False
    for functions in (app.before_request_funcs, app.after_request_funcs):
        for key, hooks in functions.items():
            functions[key] = [hook for hook in hooks if "Limiter" not in repr(hook)]
if "holding" in WITHOUT:
    rate.should_hold = lambda consultation, address: False
    rate.count = lambda consultation, address: None
if "checking" in WITHOUT:
    checked: dict[tuple[tuple[str, str], ...], Any] = {}
    check = flows.Flow.submission
    unique = ("submission_key", "csrf_token")

    def submission(self: flows.Flow) -> Any:
        form = tuple((n, v) for n, v in self.form.items(multi=True) if n not in unique)
        if form not in checked:
            checked[form] = check(self)
        return checked[form]

    flows.Flow.submission = submission  # type: ignore[method-assign]
