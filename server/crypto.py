"""Keys derived from the one secret: keyed hashes for look-ups, Fernet for data at rest."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import os
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


# ------------------------------------------------------------------ files encrypted at rest
#
# A file is a header (magic and a random file id) and records of at most CHUNK plaintext bytes,
# each AES-256-GCM with its own nonce; the file id, the record's number and whether it is the
# last are authenticated with it, so records cannot be swapped, reordered, dropped or cut off
# unnoticed. Fixed-size records make the file seekable without decrypting it all (openpyxl and
# zipfile seek in an .xlsx): plaintext never touches the disk.

FILE_MAGIC = b"HUIMIN-ENC1\n"
FILE_CHUNK = 64 * 1024
_NONCE, _TAG, _FILE_ID = 12, 16, 16
_RECORD = FILE_CHUNK + _NONCE + _TAG
_HEAD = len(FILE_MAGIC) + _FILE_ID


def _aead(secret: str, purpose: str):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(derive_key(secret, "file:" + purpose))


def _aad(file_id: bytes, index: int, last: bool) -> bytes:
    return file_id + index.to_bytes(8, "big") + (b"\x01" if last else b"\x00")


class EncryptedWriter(io.RawIOBase):
    """A binary file object that encrypts what is written to it, chunk by chunk (open with
    ``encrypted_writer``)."""

    def __init__(self, fh, secret: str, purpose: str):
        super().__init__()
        self._fh, self._aead, self._index, self._buffer = fh, _aead(secret, purpose), 0, bytearray()
        self._file_id = os.urandom(_FILE_ID)
        fh.write(FILE_MAGIC + self._file_id)

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
        self._fh, self._aead = fh, _aead(secret, purpose)
        head = fh.read(_HEAD)
        if len(head) != _HEAD or not head.startswith(FILE_MAGIC):
            raise ValueError("not an encrypted file")
        self._file_id = head[len(FILE_MAGIC) :]
        body = os.fstat(fh.fileno()).st_size - _HEAD
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
            self._fh.seek(_HEAD + index * _RECORD)
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
