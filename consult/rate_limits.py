"""Abuse limits (DESIGN.md §6): Flask-Limiter keyed by a daily fingerprint of the address.

What is limited, and why so:

- **Respondent routes are never closed to an address.** A prison kiosk, a shelter or a mobile
  network's shared address (carrier-grade NAT) serves many people, and whoever floods the
  channel must not be able to shut it for them. The sealed channel, kiosks and assisted entry
  have no limit at all: past a number of envelopes per address and day, the sealed channel
  *holds* envelopes for review (:mod:`consult.sealed.rate`), never refuses them. The open and
  invited channels have a limit only on what they write (``POST``), so high
  (:data:`RESPONDENT_FLOOD`) that no crowd of people answering reaches it: it stops a script.
- **The API** is read-only JSON read by programs: :data:`API_LIMIT` per address.
- **Organiser POSTs** other than signing in (the login throttle, :mod:`consult.accounts.throttle`,
  already counts those): :data:`ORGANISER_LIMIT` per signed-in member, so colleagues behind one
  office address never share a count, and :data:`SIGNED_OUT_LIMIT` per address for the few
  forms used signed out (forgotten password, reset, joining; the first sends mail). Other
  signed-out POSTs to the organiser area are sent to the sign-in page, and cost nothing.

Every count is keyed by :func:`mark`: an HMAC of the client address (as seen through the
trusted proxies, ``CONSULT_TRUSTED_PROXIES``) under a key that changes every day, never the
address itself; nothing here is written to the database or the logs. The day's key
(:func:`daily_key`) is the same in every worker: with Redis (``CONSULT_REDIS_URL``) it is
random, kept there for two days and then gone, so once it has expired nobody, the operator
included, can link a mark to an address; without Redis it is derived with HKDF from the app
secret and the date (:mod:`consult.accounts.keys`, as the login throttle's), so workers agree
without talking to each other. The counts live in the limiter's storage: Redis when
configured (shared by all workers), else each process's memory.

A refusal is a translated 429 page (JSON under ``/api/``) with ``Retry-After``. If Redis stops
answering, requests go on, limited in memory: a broken counter must never close the site.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
import time
from datetime import date, timedelta
from typing import cast

from flask import Blueprint, Flask, current_app, make_response, request
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user
from limits.storage import MemoryStorage

from consult.accounts import keys
from consult.db import utcnow
from consult.errors import error_response
from consult.settings import current_settings

log = logging.getLogger(__name__)

EXTENSION = "consult.rate_limits"
#: Open and invited answers written from one address: a script, not a crowd.
RESPONDENT_FLOOD = "1200 per minute"
#: Requests to the JSON API from one address.
API_LIMIT = "120 per minute"
#: Organiser form submissions per signed-in member: far more than a person clicks.
ORGANISER_LIMIT = "300 per minute"
#: The organiser forms used signed out, from one address (an office may share one).
SIGNED_OUT_LIMIT = "20 per minute; 200 per day"
#: Those forms.
SIGNED_OUT_ENDPOINTS = frozenset(
    {"accounts.forgot_password", "accounts.reset_password", "accounts.join"}
)
#: Blueprints whose ``POST`` requests are respondents' answers.
RESPONDENT_BLUEPRINTS = ("respond", "invited")
#: Where the organiser area lives.
ORGANISER_PREFIXES = ("/admin", "/account")
#: Organiser blueprints without limits: assisted entry keys in answers for many people.
UNLIMITED_ORGANISER_BLUEPRINTS = frozenset({"visits"})
#: Sign-in steps, which the login throttle counts per account and per address.
SIGN_IN_ENDPOINTS = frozenset({"accounts.login", "accounts.login_code"})
#: How long a day's random key stays in Redis: the day, and a margin for clocks.
KEY_LIFETIME = timedelta(days=2)
REDIS_KEY = "consult:address-key:{day}"


# Marks: the daily keyed fingerprint of an address -------------------------------------------


class _DailyKeys:
    """This process's copy of the day's key, so Redis is asked once a day, not per request."""

    def __init__(self, redis_url: str) -> None:
        self.redis_url = redis_url
        self._lock = threading.Lock()
        self._day: date | None = None
        self._key = b""

    def key(self, day: date, secret: str) -> bytes:
        with self._lock:
            if day != self._day:
                self._key, self._day = self._fetch(day, secret), day
            return self._key

    def _fetch(self, day: date, secret: str) -> bytes:
        if self.redis_url:
            try:
                return _shared_random_key(self.redis_url, day)
            except Exception:  # Redis down: derive, so the limits still work
                log.warning("Redis unreachable: today's address key is derived instead")
        return keys.daily_key(keys.derive(secret, "address-mark/v1"), day)


def _shared_random_key(redis_url: str, day: date) -> bytes:
    """The day's random key, set by whichever worker asks first (``SET NX``)."""
    from redis import Redis

    client = Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
    name = REDIS_KEY.format(day=day.isoformat())
    ttl = int(KEY_LIFETIME.total_seconds())
    client.set(name, secrets.token_bytes(32), nx=True, ex=ttl)
    found = client.get(name)
    if not isinstance(found, bytes) or len(found) != 32:
        raise RuntimeError("no address key in Redis")
    return found


def daily_key(day: date | None = None) -> bytes:
    """The key that fingerprints addresses on ``day`` (today by default)."""
    state: _DailyKeys = current_app.extensions[EXTENSION + ".keys"]
    return state.key(day or utcnow().date(), current_settings().secret_key)


def mark(address: str, day: date | None = None) -> str:
    """The keyed fingerprint of ``address`` on ``day``: the same in every worker that day,
    unrelated to the next day's."""
    return keys.keyed_hash(daily_key(day), address)


def client_address() -> str:
    """The client's address, through the trusted proxies only (``ProxyFix``)."""
    return request.remote_addr or ""


def client_mark() -> str:
    """The limiter's key: the mark of the client's address, never the address."""
    return mark(client_address())


def _organiser_key() -> str:
    if current_user.is_authenticated:
        return mark(f"member|{current_user.get_id()}")
    return client_mark()


def _organiser_limit() -> str:
    return ORGANISER_LIMIT if current_user.is_authenticated else SIGNED_OUT_LIMIT


def _organiser_exempt() -> bool:
    """Signing in (throttled on its own), and signed-out POSTs the sign-in page turns away."""
    if request.endpoint in SIGN_IN_ENDPOINTS:
        return True
    return not current_user.is_authenticated and request.endpoint not in SIGNED_OUT_ENDPOINTS


# The limiter -------------------------------------------------------------------------------


class ProcessMemoryStorage(MemoryStorage):
    """The limits library's memory storage, expiring old counts on the requests' own thread.

    ``MemoryStorage`` starts a timer thread after every count that comes more than 10 ms
    after the last one: on a server answering one request at a time per worker, a thread
    started and ended for nearly every answer, a sixth of the time a submission took under
    load (``bench/submission.py``, profiled). Here a count sweeps expired keys itself, at
    most once a second; counts and windows are otherwise the library's own.
    """

    STORAGE_SCHEME = ["consult-memory"]  # noqa: RUF012 - the library's own declaration
    #: Seconds between two sweeps of expired counts.
    SWEEP_EVERY = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        super().__init__(uri, wrap_exceptions, **options)
        self._next_sweep = 0.0
        self._sweep_lock = threading.Lock()

    # Replaces the library's private method of that name (``self.__schedule_expiry()``).
    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now < self._next_sweep or not self._sweep_lock.acquire(blocking=False):
            return
        try:
            self._next_sweep = now + self.SWEEP_EVERY
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]
        finally:
            self._sweep_lock.release()


def init_app(app: Flask) -> None:
    """Create the app's limiter and put the limits on the blueprints (registered already).

    One limiter per application rather than one module-wide: Flask-Limiter keeps its storage
    and its limits on the instance, and tests run several applications side by side.
    """
    settings = app.config["CONSULT"]
    app.extensions[EXTENSION + ".keys"] = _DailyKeys(settings.redis_url)
    app.config.setdefault("RATELIMIT_STORAGE_URI", settings.redis_url or "consult-memory://")
    limiter = Limiter(
        key_func=client_mark,
        key_prefix="consult",
        strategy="fixed-window",
        swallow_errors=True,
        in_memory_fallback_enabled=True,
    )
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter
    _apply(app, limiter)
    app.register_error_handler(RateLimitExceeded, _too_many)


def _apply(app: Flask, limiter: Limiter) -> None:
    # Lambdas, so the values are read at each request (and can be changed in one place).
    respondents = limiter.shared_limit(
        lambda: RESPONDENT_FLOOD, scope="respondents", methods=["POST"]
    )
    organisers = limiter.shared_limit(
        _organiser_limit,
        scope="organisers",
        methods=["POST"],
        key_func=_organiser_key,
        exempt_when=_organiser_exempt,
    )
    limited_posts = set()
    for name, found in app.blueprints.items():
        blueprint = cast(Blueprint, found)  # registered from flask.Blueprint objects
        if name in RESPONDENT_BLUEPRINTS:
            respondents(blueprint)
            limited_posts.add(name)
        elif name == "api":
            limiter.limit(lambda: API_LIMIT)(blueprint)
        elif _is_organiser(blueprint) and name not in UNLIMITED_ORGANISER_BLUEPRINTS:
            organisers(blueprint)
            limited_posts.add(name)

    @limiter.request_filter
    def unlimited() -> bool:
        """Requests no limit above applies to (the sealed channel, kiosks, every page read
        outside the API), let through before the limiter looks their limits up: most of
        the site, and half the time a sealed answer spent in the limiter."""
        name = request.blueprint
        if name == "api":
            return False
        return name not in limited_posts or request.method != "POST"


def _is_organiser(blueprint: Blueprint) -> bool:
    prefix = blueprint.url_prefix or ""
    return any(prefix == p or prefix.startswith(p + "/") for p in ORGANISER_PREFIXES)


def limiter() -> Limiter:
    """The running application's limiter."""
    found: Limiter = current_app.extensions[EXTENSION]
    return found


def reset(app: Flask) -> None:
    """Forget every count (tests run many requests from one address in one minute)."""
    app.extensions[EXTENSION].reset()


def _too_many(error: RateLimitExceeded) -> ResponseReturnValue:
    """The translated 429 page (JSON under ``/api/``), saying when to come back."""
    response = make_response(error_response(429))
    response.headers["Retry-After"] = str(_retry_after())
    return response


def _retry_after() -> int:
    current = limiter().current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))
