"""The city civil-affairs root CA, a signing certificate per community, and the QR token key.
Private keys are stored encrypted (Fernet under the secret key). A deployment can hand signing to
an external signer or HSM by setting HUIMIN_CERT_SIGNER to ``module:Class`` (see ``Signer``)."""

from __future__ import annotations

import hashlib
import importlib
import os
from datetime import UTC, datetime, timedelta
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.certificates.models import SigningKey
from server.crypto import decrypt, encrypt

PURPOSE = "signing-key"
# id-kp-documentSigning (RFC 9336): the signer's certificate is for signing documents, not code.
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def for_documents(cert: x509.Certificate) -> bool:
    """A signer certificate fit for document signatures: digitalSignature and nonRepudiation
    (contentCommitment) key usage, and the document-signing extended key usage only."""
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        extended = list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return False
    return usage.digital_signature and usage.content_commitment and extended == [DOCUMENT_SIGNING]


def _name(common: str, unit: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, unit),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _pem_key(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def make_root(city_name: str, now: datetime) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(f"{city_name}民政局 电子印章根证书", f"{city_name}民政局")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * 20))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_community_cert(root_key, root_cert: x509.Certificate, community: str, city_name: str, now: datetime):
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{community} 电子印章", f"{city_name}民政局"))
        .issuer_name(root_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * 5))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False
        )
        .sign(root_key, hashes.SHA256())
    )
    return key, cert


async def _stored(session: AsyncSession, secret: str, owner: str):
    row = await session.scalar(select(SigningKey).where(SigningKey.owner == owner))
    if row is None:
        return None
    key = serialization.load_pem_private_key(decrypt(secret, PURPOSE, row.key_cipher).encode(), password=None)
    cert = x509.load_pem_x509_certificate(row.cert_pem.encode()) if row.cert_pem else None
    return key, cert


async def _store(session: AsyncSession, secret: str, owner: str, key, cert) -> None:
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode() if cert is not None else None
    session.add(
        SigningKey(
            owner=owner, key_cipher=encrypt(secret, PURPOSE, _pem_key(key).decode()), cert_pem=cert_pem
        )
    )
    await session.flush()


async def root(session: AsyncSession, secret: str, city_code: str, city_name: str):
    found = await _stored(session, secret, f"root:{city_code}")
    if found:
        return found
    key, cert = make_root(city_name, datetime.now(UTC))
    await _store(session, secret, f"root:{city_code}", key, cert)
    return key, cert


async def community(session: AsyncSession, secret: str, code: str, name: str, city_code: str, city_name: str):
    found = await _stored(session, secret, f"community:{code}")
    if found and found[1] is not None and for_documents(found[1]):
        return found
    root_key, root_cert = await root(session, secret, city_code, city_name)
    key, cert = make_community_cert(root_key, root_cert, name, city_name, datetime.now(UTC))
    if found:  # made before signer certificates were for documents (code signing): replaced
        row = await session.scalar(select(SigningKey).where(SigningKey.owner == f"community:{code}"))
        row.key_cipher, row.cert_pem = encrypt(secret, PURPOSE, _pem_key(key).decode()), pem(cert)
        await session.flush()
    else:
        await _store(session, secret, f"community:{code}", key, cert)
    return key, cert


async def token_key(
    session: AsyncSession, secret: str, city_code: str
) -> tuple[ec.EllipticCurvePrivateKey, str]:
    found = await _stored(session, secret, f"token:{city_code}")
    if found is None:
        key = ec.generate_private_key(ec.SECP256R1())
        await _store(session, secret, f"token:{city_code}", key, None)
    else:
        key = found[0]
    raw = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return key, hashlib.sha256(raw).hexdigest()[:16]


class Signer(Protocol):
    """Signs a PDF for a community. The built-in signer uses the stored keys; an HSM or a remote
    signing service implements the same method."""

    async def sign_pdf(
        self,
        session: AsyncSession,
        pdf: bytes,
        community_code: str,
        community_name: str,
        city_code: str,
        city_name: str,
    ) -> bytes: ...


class LocalSigner:
    def __init__(self, secret: str):
        self.secret = secret

    async def sign_pdf(self, session, pdf, community_code, community_name, city_code, city_name) -> bytes:
        from server.certificates.pdf import sign_pdf

        key, cert = await community(
            session, self.secret, community_code, community_name, city_code, city_name
        )
        _, root_cert = await root(session, self.secret, city_code, city_name)
        return await sign_pdf(pdf, key, cert, root_cert, f"{community_name}居住证明")


def load_signer(secret: str) -> Signer:
    spec = os.environ.get("HUIMIN_CERT_SIGNER")
    if not spec:
        return LocalSigner(secret)
    module, _, cls = spec.partition(":")
    return getattr(importlib.import_module(module), cls)()
