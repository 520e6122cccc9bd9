"""Keys derived from the app secret for the account secrets the database must not reveal.

Pure: no Flask, no database; the app secret is passed in.

Threat: the database or one of its backups is read by someone who does not hold the app
secret (kept in the environment, not in the database). Such a reader must not be able to
compute anyone's TOTP codes, use or guess recovery codes offline, or tell from the login
throttle which e-mail addresses or client addresses tried to sign in.

Each use gets its own key, derived with HKDF-SHA256 from the secret and a purpose label, so
the key that signs cookies is never used for anything else, and one use leaking says nothing
about another. Changing the app secret makes TOTP secrets and recovery codes unreadable: the
members concerned set up two-factor authentication again (say so when rotating the secret).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import date

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12


class SecretUnreadable(Exception):
    """A stored secret does not decrypt: the app secret changed, or the row was tampered."""


def derive(app_secret: str, purpose: str) -> bytes:
    """A 32-byte key for ``purpose`` (a fixed label such as ``"totp-secret/v1"``)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"consult/{purpose}".encode()
    ).derive(app_secret.encode())


def encrypt(key: bytes, plaintext: bytes, context: str) -> bytes:
    """AES-256-GCM under ``key``; ``context`` (e.g. ``user:7``) binds the result to its row.

    AES-GCM rather than Fernet: the same library, a 256-bit key, and associated data, so a
    ciphertext copied onto another account does not decrypt there.
    """
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, context.encode())


def decrypt(key: bytes, blob: bytes, context: str) -> bytes:
    """The plaintext of :func:`encrypt`; raises :class:`SecretUnreadable`."""
    try:
        return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode())
    except (InvalidTag, ValueError):
        raise SecretUnreadable() from None


def keyed_hash(key: bytes, message: str) -> str:
    """HMAC-SHA256 of ``message`` under ``key``, hex."""
    return hmac.new(key, message.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def daily_key(key: bytes, day: date) -> bytes:
    """A key of its own for each day, from ``key``: marks of two days cannot be linked."""
    return hmac.new(key, f"day|{day.isoformat()}".encode(), hashlib.sha256).digest()
