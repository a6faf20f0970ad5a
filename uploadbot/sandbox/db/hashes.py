"""Password hashes the servers store, made here so the plain password never reaches them.

A server logs a failed statement with its text; creating the account from a
hash means even such a log line holds no password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

#: PostgreSQL's default iteration count for SCRAM-SHA-256 (``scram_iterations``).
SCRAM_ITERATIONS = 4096


def new_password() -> str:
    """A random password made of letters, digits, ``-`` and ``_`` (safe in both files)."""
    return secrets.token_urlsafe(24)


def mysql_native(password: str) -> str:
    """``mysql_native_password``'s stored form: ``*`` and SHA1(SHA1(password)) in hex."""
    inner = hashlib.sha1(password.encode()).digest()
    return '*' + hashlib.sha1(inner).hexdigest().upper()


def scram_sha_256(password: str, *, salt: bytes | None = None, iterations: int = SCRAM_ITERATIONS) -> str:
    """PostgreSQL's SCRAM-SHA-256 verifier (RFC 7677), as ``pg_authid`` stores it.

    ``SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>``, all base64.
    The password is ASCII here, so SASLprep leaves it as it is.
    """
    salt = salt if salt is not None else secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac('sha256', password.encode(), salt, iterations)
    client_key = hmac.digest(salted, b'Client Key', 'sha256')
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.digest(salted, b'Server Key', 'sha256')

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    return f'SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}'
