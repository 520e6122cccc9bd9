"""Single-use secrets (invitations, reset links, session ids): random, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """A fresh URL-safe token and the digest to store in its place."""
    token = secrets.token_urlsafe(32)
    return token, digest(token)


def digest(token: str) -> str:
    """SHA-256 of a token, hex: what the database keeps, so a leaked table opens nothing."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
