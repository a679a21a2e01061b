"""Keys derived from the one secret: keyed hashes for look-ups, Fernet for data at rest."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


@lru_cache(maxsize=32)
def derive_key(secret: str, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"huimin", info=purpose.encode()).derive(
        secret.encode()
    )


def keyed_hash(secret: str, purpose: str, value: str) -> str:
    return hmac.new(derive_key(secret, purpose), value.encode(), hashlib.sha256).hexdigest()


def _fernet(secret: str, purpose: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derive_key(secret, "fernet:" + purpose)))


def encrypt(secret: str, purpose: str, value: str) -> str:
    return _fernet(secret, purpose).encrypt(value.encode()).decode()


def decrypt(secret: str, purpose: str, token: str) -> str:
    return _fernet(secret, purpose).decrypt(token.encode()).decode()
