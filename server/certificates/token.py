"""The QR's signed token, as plain functions: ECDSA P-256 over a canonical JSON payload, signature
in the raw r||s form WebCrypto verifies. ``<base64url payload>.<base64url signature>``."""

from __future__ import annotations

import base64
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(payload: dict, key: ec.EllipticCurvePrivateKey) -> str:
    body = canonical(payload)
    r, s = decode_dss_signature(key.sign(body, ec.ECDSA(hashes.SHA256())))
    return b64(body) + "." + b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def verify(token: str, public_key: ec.EllipticCurvePublicKey) -> dict | None:
    """The payload if the signature holds, else None."""
    try:
        body_part, sig_part = token.split(".")
        body, sig = unb64(body_part), unb64(sig_part)
        if len(sig) != 64:
            return None
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
        public_key.verify(der, body, ec.ECDSA(hashes.SHA256()))
        return json.loads(body)
    except (ValueError, InvalidSignature, json.JSONDecodeError):
        return None


def jwk(public_key: ec.EllipticCurvePublicKey, kid: str) -> dict:
    numbers = public_key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "kid": kid,
        "use": "sig",
        "alg": "ES256",
        "x": b64(numbers.x.to_bytes(32, "big")),
        "y": b64(numbers.y.to_bytes(32, "big")),
    }
