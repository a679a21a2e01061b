"""The platform's cryptography, behind one interface.

* ``keyring(settings)``: the data keys (``HUIMIN_DATA_KEYS``, newest first; by default one key ``k0``,
  the secret key) and the backend (``HUIMIN_CRYPTO``): ``standard`` (AES-256-GCM, HMAC-SHA256,
  Ed25519) or ``sm``, the national algorithms for a deployment assessed under GB/T 39786 (SM4-GCM,
  HMAC-SM3, SM2 signatures; SM3 and SM4 from ``cryptography``, SM2 from ``gmalg``).
* ``Keyring.seal(purpose, plaintext, aad)`` / ``Keyring.open(...)``: authenticated encryption bound to
  its row. ``aad`` names where the ciphertext lives (``table:column:row-key``, see ``aad``), so a
  ciphertext copied into another row does not decrypt. Every ciphertext starts with its version, its
  algorithm and its key id (``HM2:aes:k0:`` + nonce + ciphertext; the text form ``v2:aes:k0:`` +
  base64), so a new key is used for new data while the old keys still decrypt, and ``huimin keys
  rotate`` re-encrypts under the newest key.
* ``encrypt`` / ``decrypt`` (text, by purpose, for ID numbers, bank numbers, TOTP seeds, signing
  keys): the same sealed tokens (no row binding); Fernet tokens made before still decrypt.
* ``keyed_hash``: the HMAC used for look-ups (``id_hash``). It is keyed by the secret key alone and
  never rotates: changing ``HUIMIN_CRYPTO`` changes every keyed hash (HMAC-SHA256 or HMAC-SM3), so the
  backend is chosen once, for a new deployment; a running one keeps its backend (sealed data of the
  other algorithm still decrypts, only the look-up hashes would no longer match).
* ``sign`` / ``public_key`` / ``verify``: signatures with a key derived from the secret per purpose
  (Ed25519, or SM2 with the default user id of GB/T 35276).
* Files encrypted at rest in records (``encrypted_writer`` / ``open_encrypted``), for department files.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import os
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

if TYPE_CHECKING:
    from server.settings import Settings


class SealError(ValueError):
    """A ciphertext that does not open: changed, moved to another row, or under an unknown key."""


@lru_cache(maxsize=32)
def derive_key(secret: str, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"huimin", info=purpose.encode()).derive(
        secret.encode()
    )


# ------------------------------------------------------------------ backends

_NONCE = 12
SM2_UID = b"1234567812345678"  # the default signer id of GB/T 35276 (SM2 signatures)
_SM2_N = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)


class _SM4GCM:
    """SM4 in GCM mode (RFC 8998), with AESGCM's interface: ``encrypt`` returns ciphertext + tag."""

    def __init__(self, key: bytes):
        self._key = key

    def encrypt(self, nonce: bytes, data: bytes, aad: bytes | None) -> bytes:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        enc = Cipher(algorithms.SM4(self._key), modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(aad or b"")
        return enc.update(data) + enc.finalize() + enc.tag

    def decrypt(self, nonce: bytes, data: bytes, aad: bytes | None) -> bytes:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        if len(data) < 16:
            raise InvalidTag()
        dec = Cipher(algorithms.SM4(self._key), modes.GCM(nonce, data[-16:])).decryptor()
        dec.authenticate_additional_data(aad or b"")
        return dec.update(data[:-16]) + dec.finalize()


@dataclass(frozen=True)
class Backend:
    """One family of algorithms: ``cipher`` names the AEAD in every ciphertext it makes."""

    name: str  # standard | sm
    cipher: str  # aes | sm4
    signature: str  # ed25519 | sm2

    def _hash(self) -> hashes.HashAlgorithm:
        return hashes.SHA256() if self.cipher == "aes" else hashes.SM3()

    def kdf(self, secret: bytes, info: str, length: int = 32) -> bytes:
        return HKDF(algorithm=self._hash(), length=length, salt=b"huimin", info=info.encode()).derive(secret)

    def mac(self, key: bytes, data: bytes) -> bytes:
        if self.cipher == "aes":
            return hmac.new(key, data, hashlib.sha256).digest()
        from cryptography.hazmat.primitives import hmac as chmac

        h = chmac.HMAC(key, hashes.SM3())
        h.update(data)
        return h.finalize()

    def aead(self, secret: bytes, info: str):
        if self.cipher == "aes":
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            return AESGCM(self.kdf(secret, info, 32))
        return _SM4GCM(self.kdf(secret, info, 16))


STANDARD = Backend("standard", "aes", "ed25519")
SM = Backend("sm", "sm4", "sm2")
BACKENDS = {"standard": STANDARD, "sm": SM}
_BY_CIPHER = {b.cipher: b for b in BACKENDS.values()}
KID = re.compile(r"^[a-z0-9_-]{1,16}$")  # lower case: LIKE ignores case on SQLite


def parse_data_keys(raw: str) -> tuple[tuple[str, str], ...]:
    """``kid1:secret1,kid2:secret2`` (newest first) as pairs; raises ValueError when malformed."""
    keys = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        kid, sep, secret = item.partition(":")
        if not sep or not KID.match(kid) or not secret:
            raise ValueError("HUIMIN_DATA_KEYS must be kid:secret pairs separated by commas")
        if kid in {k for k, _ in keys}:
            raise ValueError(f"HUIMIN_DATA_KEYS names key {kid} twice")
        keys.append((kid, secret))
    return tuple(keys)


# ------------------------------------------------------------------ the keyring


def aad(table: str, column: str, row_key: object) -> bytes:
    """What binds a ciphertext to its place: the table, the column and the row's key."""
    return f"{table}:{column}:{row_key}".encode()


class Keyring:
    """The data keys, newest first, and the backend new data is sealed with. ``secret`` is the
    secret key: the key of Fernet tokens made before, of keyed hashes and of signatures."""

    def __init__(self, secret: str, backend: Backend = STANDARD, keys: tuple[tuple[str, str], ...] = ()):
        self.secret, self.backend = secret, backend
        self.keys = keys or (("k0", secret),)
        self.current = self.keys[0][0]
        self._secrets = {kid: s.encode() for kid, s in self.keys}

    # the header of what the newest key seals: rows not starting with it are rotated
    def prefix(self, text: bool) -> bytes | str:
        head = f"{self.backend.cipher}:{self.current}:"
        return "v2:" + head if text else b"HM2:" + head.encode()

    @lru_cache(maxsize=64)  # noqa: B019 (keyrings live as long as the process)
    def _aead(self, cipher: str, kid: str, purpose: str):
        if kid not in self._secrets:
            raise SealError(f"unknown data key {kid}")
        return _BY_CIPHER[cipher].aead(self._secrets[kid], f"seal:{purpose}")

    def seal(self, purpose: str, plaintext: bytes, aad: bytes = b"") -> bytes:
        header = self.prefix(text=False)
        nonce = os.urandom(_NONCE)
        aead = self._aead(self.backend.cipher, self.current, purpose)
        return header + nonce + aead.encrypt(nonce, plaintext, header + aad)

    def open(self, purpose: str, sealed: bytes, aad: bytes = b"") -> bytes:
        parts = sealed.split(b":", 3)
        if len(parts) != 4 or parts[0] != b"HM2" or parts[1].decode(errors="replace") not in _BY_CIPHER:
            raise SealError("not a sealed value")
        header = b":".join(parts[:3]) + b":"
        body = parts[3]
        aead = self._aead(parts[1].decode(), parts[2].decode(errors="replace"), purpose)
        try:
            return aead.decrypt(body[:_NONCE], body[_NONCE:], header + aad)
        except InvalidTag:
            raise SealError("sealed value changed, moved, or under another key") from None

    def seal_text(self, purpose: str, plaintext: str, aad: bytes = b"") -> str:
        sealed = self.seal(purpose, plaintext.encode(), aad)
        head = len(self.prefix(text=False))
        return self.prefix(text=True) + base64.urlsafe_b64encode(sealed[head:]).decode()

    def open_text(self, purpose: str, token: str, aad: bytes = b"") -> str:
        if token.startswith("v2:"):
            _, cipher, kid, body = (token.split(":", 3) + ["", "", ""])[:4]
            try:
                raw = base64.urlsafe_b64decode(body.encode())
            except ValueError:
                raise SealError("not a sealed value") from None
            return self.open(purpose, f"HM2:{cipher}:{kid}:".encode() + raw, aad).decode()
        try:  # a Fernet token, made before keys had ids
            return _fernet(self.secret, purpose).decrypt(token.encode()).decode()
        except (InvalidToken, ValueError):
            raise SealError("not a sealed value") from None

    def is_current(self, sealed: bytes | str) -> bool:
        prefix = self.prefix(text=isinstance(sealed, str))
        return sealed.startswith(prefix)  # type: ignore[arg-type]

    # keyed hashes and signatures use the secret key: they do not rotate
    def keyed_hash(self, purpose: str, value: str) -> str:
        if self.backend is STANDARD:  # as it always was: ids hashed before stay found
            return hmac.new(derive_key(self.secret, purpose), value.encode(), hashlib.sha256).hexdigest()
        return self.backend.mac(self.backend.kdf(self.secret.encode(), purpose), value.encode()).hex()

    def _signing_seed(self, purpose: str) -> bytes:
        return self.backend.kdf(self.secret.encode(), f"sign:{self.backend.signature}:{purpose}")

    def sign(self, purpose: str, data: bytes) -> bytes:
        """A signature of ``data`` (64 bytes: Ed25519, or SM2's r and s) with the purpose's key."""
        seed = self._signing_seed(purpose)
        if self.backend.signature == "ed25519":
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

            return Ed25519PrivateKey.from_private_bytes(seed).sign(data)
        from gmalg import SM2

        r, s = SM2(sk=_sm2_scalar(seed), uid=SM2_UID).sign(data)
        return r.rjust(32, b"\0") + s.rjust(32, b"\0")

    def public_key(self, purpose: str) -> bytes:
        """The purpose's public key: raw Ed25519 (32 bytes) or an uncompressed SM2 point (65)."""
        seed = self._signing_seed(purpose)
        if self.backend.signature == "ed25519":
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
            from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

            key = Ed25519PrivateKey.from_private_bytes(seed).public_key()
            return key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        from gmalg import SM2

        sk = _sm2_scalar(seed)
        return SM2().generate_pk(sk)


def _sm2_scalar(seed: bytes) -> bytes:
    return (int.from_bytes(seed, "big") % (_SM2_N - 1) + 1).to_bytes(32, "big")


def verify(algorithm: str, public: bytes, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` (from ``Keyring.sign``) is ``data`` signed by the key ``public``."""
    if algorithm == "ed25519":
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            Ed25519PublicKey.from_public_bytes(public).verify(signature, data)
            return True
        except (InvalidSignature, ValueError):
            return False
    if algorithm == "sm2":
        from gmalg import SM2

        if len(signature) != 64:
            return False
        try:
            return SM2(pk=public, uid=SM2_UID).verify(data, signature[:32], signature[32:])
        except Exception:  # a malformed point
            return False
    raise ValueError(f"unknown signature algorithm {algorithm}")


_rings: dict[str, Keyring] = {}
_rings_lock = threading.Lock()
_current: Keyring | None = None


@lru_cache(maxsize=16)
def _build(secret: str, backend: str, keys: tuple[tuple[str, str], ...]) -> Keyring:
    return Keyring(secret, BACKENDS[backend], keys)


def keyring(settings: Settings) -> Keyring:
    """These settings' keyring. The process remembers it for its secret key: ``encrypt``,
    ``decrypt`` and ``keyed_hash``, which are given the secret key, use it."""
    global _current
    ring = _build(settings.secret_key, settings.crypto, settings.data_keys)
    with _rings_lock:
        _rings[settings.secret_key] = ring
        _current = ring
    return ring


def current() -> Keyring:
    """The keyring of the settings this process loaded last (the app's, the worker's)."""
    with _rings_lock:
        found = _current
    if found is None:
        from server.settings import load_settings

        return keyring(load_settings())
    return found


def is_sealed(data: bytes) -> bool:
    """Whether ``data`` is a sealed value (else plaintext stored before encryption at rest)."""
    return data.startswith(b"HM2:")


def _ring(secret: str) -> Keyring:
    with _rings_lock:
        found = _rings.get(secret)
    return found or _build(secret, "standard", ())


def keyed_hash(secret: str, purpose: str, value: str) -> str:
    return _ring(secret).keyed_hash(purpose, value)


def hash_backend(secret: str) -> Backend:
    """The backend whose keyed hash ``keyed_hash(secret, ...)`` computes (for code that computes
    HMAC-SHA256 itself, in bulk)."""
    return _ring(secret).backend


def _fernet(secret: str, purpose: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derive_key(secret, "fernet:" + purpose)))


def encrypt(secret: str, purpose: str, value: str) -> str:
    """``value`` sealed under the newest data key (a ``v2:`` token)."""
    return _ring(secret).seal_text(purpose, value)


def decrypt(secret: str, purpose: str, token: str) -> str:
    """The value of a ``v2:`` token or of a Fernet token made before; raises SealError."""
    return _ring(secret).open_text(purpose, token)


# ------------------------------------------------------------------ files encrypted at rest
#
# A file is a header (magic, the algorithm and key id, a random file id) and records of at most
# CHUNK plaintext bytes, each AEAD (AES-256-GCM or SM4-GCM, under the newest data key) with its own
# nonce; the file id, the record's number and whether it is the last are authenticated with it, so
# records cannot be swapped, reordered, dropped or cut off unnoticed. Fixed-size records make the
# file seekable without decrypting it all (openpyxl and zipfile seek in an .xlsx): plaintext never
# touches the disk. Files of the first format (ENC1: AES under a key derived from the secret key,
# no key id) still open.

FILE_MAGIC = b"HUIMIN-ENC2\n"
FILE_MAGIC_V1 = b"HUIMIN-ENC1\n"
FILE_MAGICS = (FILE_MAGIC, FILE_MAGIC_V1)
FILE_CHUNK = 64 * 1024
_TAG, _FILE_ID = 16, 16
_RECORD = FILE_CHUNK + _NONCE + _TAG


def _aad(file_id: bytes, index: int, last: bool) -> bytes:
    return file_id + index.to_bytes(8, "big") + (b"\x01" if last else b"\x00")


class EncryptedWriter(io.RawIOBase):
    """A binary file object that encrypts what is written to it, chunk by chunk (open with
    ``encrypted_writer``)."""

    def __init__(self, fh, secret: str, purpose: str):
        super().__init__()
        ring = _ring(secret)
        cipher, kid = ring.backend.cipher, ring.current
        self._fh, self._index, self._buffer = fh, 0, bytearray()
        self._aead = ring._aead(cipher, kid, "file:" + purpose)
        self._file_id = os.urandom(_FILE_ID)
        label = f"{cipher}:{kid}".encode()
        fh.write(FILE_MAGIC + bytes([len(label)]) + label + self._file_id)

    def writable(self) -> bool:
        return True

    def _record(self, data: bytes, last: bool) -> None:
        nonce = os.urandom(_NONCE)
        self._fh.write(nonce + self._aead.encrypt(nonce, data, _aad(self._file_id, self._index, last)))
        self._index += 1

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) > FILE_CHUNK:  # keep at least one byte back: the last record closes the file
            self._record(bytes(self._buffer[:FILE_CHUNK]), False)
            del self._buffer[:FILE_CHUNK]
        return len(data)

    def close(self) -> None:
        if not self.closed:
            try:
                self._record(bytes(self._buffer), True)
                self._fh.close()
            finally:
                super().close()


class DecryptingReader(io.RawIOBase):
    """A seekable binary file object reading the plaintext of an encrypted file."""

    def __init__(self, fh, secret: str, purpose: str):
        super().__init__()
        self._fh = fh
        magic = fh.read(len(FILE_MAGIC))
        if magic == FILE_MAGIC_V1:
            self._aead = _aead_v1(secret, purpose)
        elif magic == FILE_MAGIC:
            size = fh.read(1)
            label = fh.read(size[0] if size else 0).decode(errors="replace")
            cipher, _, kid = label.partition(":")
            if cipher not in _BY_CIPHER:
                raise ValueError("not an encrypted file")
            try:
                self._aead = _ring(secret)._aead(cipher, kid, "file:" + purpose)
            except SealError:
                raise ValueError(f"encrypted under data key {kid}, not listed") from None
        else:
            raise ValueError("not an encrypted file")
        self._file_id = fh.read(_FILE_ID)
        self._head = fh.tell()
        if len(self._file_id) != _FILE_ID:
            raise ValueError("encrypted file cut short")
        body = os.fstat(fh.fileno()).st_size - self._head
        self._records = max(1, -(-body // _RECORD))
        last = body - (self._records - 1) * _RECORD
        if last < _NONCE + _TAG:
            raise ValueError("encrypted file cut short")
        self.size = (self._records - 1) * FILE_CHUNK + last - _NONCE - _TAG
        self._pos, self._cached = 0, (-1, b"")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def _chunk(self, index: int) -> bytes:
        if self._cached[0] != index:
            self._fh.seek(self._head + index * _RECORD)
            record = self._fh.read(_RECORD)
            last = index == self._records - 1
            plain = self._aead.decrypt(record[:_NONCE], record[_NONCE:], _aad(self._file_id, index, last))
            self._cached = (index, plain)
        return self._cached[1]

    def readinto(self, buffer) -> int:
        if self._pos >= self.size:
            return 0
        index, skip = divmod(self._pos, FILE_CHUNK)
        data = self._chunk(index)[skip : skip + len(buffer)]
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._fh.close()
            super().close()


def _aead_v1(secret: str, purpose: str):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(derive_key(secret, "file:" + purpose))


def encrypted_writer(secret: str, purpose: str, path) -> io.BufferedWriter:
    """A new owner-only file at ``path`` holding what is written, encrypted."""
    from server.files import open_private

    return io.BufferedWriter(EncryptedWriter(open_private(path, "wb"), secret, purpose), FILE_CHUNK)


def open_encrypted(secret: str, purpose: str, path) -> io.BufferedReader:
    """The plaintext of an encrypted file, as a seekable buffered reader (``.raw.size`` its length).
    Raises ``ValueError`` for a file that is not one, ``cryptography.exceptions.InvalidTag`` for
    one changed or cut."""
    fh = open(path, "rb")
    try:
        return io.BufferedReader(DecryptingReader(fh, secret, purpose), FILE_CHUNK)
    except BaseException:
        fh.close()
        raise
