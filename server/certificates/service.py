from __future__ import annotations

import secrets
import string
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import clock
from server.assistance.rules import mask_name
from server.audit.service import Actor, record
from server.certificates import keys, token
from server.certificates.models import Certificate
from server.certificates.pdf import Content, cjk_font_path, render
from server.certificates.seal import draw_seal
from server.files import write_private
from server.regions.models import Region
from server.settings import Settings
from server.web import PlainError

VALID_DAYS = 180
CODE_ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits if c not in "O0I1")


class CertificateError(PlainError):
    pass


def verdict(cert: Certificate | None, today: date) -> str:
    """Pure: what a verifier is told."""
    if cert is None or cert.status not in ("issued", "revoked"):
        return "unknown"
    if cert.status == "revoked":
        return "revoked"
    if cert.valid_until and today > cert.valid_until:
        return "expired"
    return "valid"


def city_of(code: str) -> str:
    return code[:4] + "00"


async def request_certificate(session: AsyncSession, actor: Actor, citizen, *, community: str, address: str,
                              since: date, purpose: str) -> Certificate:  # fmt: skip
    if not citizen.verified_at or not citizen.id_hash:
        raise CertificateError("certificate.real_name", 403)
    region = await session.get(Region, community)
    if region is None or region.level != "community":
        raise CertificateError("form.choose", 422)
    if not address.strip() or not purpose.strip():
        raise CertificateError("form.required", 422)
    if since > clock.today():
        raise CertificateError("certificate.since", 422)
    cert = Certificate(serial=secrets.token_urlsafe(12), code="".join(secrets.choice(CODE_ALPHABET) for _ in range(8)),
                       citizen_id=citizen.id, holder_name=citizen.name, id_hash=citizen.id_hash, id_masked=citizen.id_masked,
                       region_code=community, address=address.strip()[:200], resident_since=since, purpose=purpose.strip()[:100])  # fmt: skip
    session.add(cert)
    await session.flush()
    await record(session, actor, "certificate.request", "certificate", cert.serial, region_code=community,
                 after={"purpose": cert.purpose})  # fmt: skip
    return cert


def may_issue(staff_region: str, cert: Certificate) -> bool:
    """City-wide service: a community worker anywhere in the city may issue for any resident of it."""
    return staff_region[:4] == cert.region_code[:4]


async def issue(session: AsyncSession, actor: Actor, settings: Settings, cert: Certificate, evidence: str, today: date,
                base_url: str) -> Certificate:  # fmt: skip
    if cert.status != "requested":
        raise CertificateError("certificate.not_requested")
    if not evidence.strip():
        raise CertificateError("certificate.evidence", 422)
    community = await session.get(Region, cert.region_code)
    city = await session.get(Region, city_of(cert.region_code))
    token_key, kid = await keys.token_key(session, settings.secret_key, city.code)
    cert.valid_until = today + timedelta(days=VALID_DAYS)
    payload = {"s": cert.serial, "h": mask_name(cert.holder_name), "c": community.code, "n": community.name,
               "i": today.isoformat(), "u": cert.valid_until.isoformat(), "k": kid}  # fmt: skip
    cert.token = token.sign(payload, token_key)
    content = Content(holder=cert.holder_name, id_masked=cert.id_masked, address=cert.address, resident_since=cert.resident_since,
                      purpose=cert.purpose, issued_on=today, valid_until=cert.valid_until, serial=cert.serial, code=cert.code,
                      community=community.name, city=city.name, qr_text=f"{base_url}/v/{cert.serial}?t={cert.token}")  # fmt: skip
    unsigned = render(content, draw_seal(community.name, "居住证明专用章", cjk_font_path()))
    signer = keys.load_signer(settings.secret_key)
    signed = await signer.sign_pdf(session, unsigned, community.code, community.name, city.code, city.name)
    cert.pdf_name = f"{cert.serial}.pdf"
    path = settings.var_dir / "certificates" / cert.pdf_name
    write_private(path, signed)
    from server.db import utcnow

    cert.status, cert.evidence, cert.issued_at = "issued", evidence.strip(), utcnow()
    cert.issued_by, cert.issued_at_region = actor.name, actor.region_code
    await session.flush()
    await record(session, actor, "certificate.issue", "certificate", cert.serial, region_code=cert.region_code,
                 after={"issued_at_counter": actor.region_code, "valid_until": cert.valid_until.isoformat(),
                        "seal_of": cert.region_code}, opinion=evidence.strip())  # fmt: skip
    return cert


async def reject(session: AsyncSession, actor: Actor, cert: Certificate, reason: str) -> None:
    if cert.status != "requested":
        raise CertificateError("certificate.not_requested")
    if not reason.strip():
        raise CertificateError("enrolment.reason", 422)
    cert.status, cert.revoke_reason = "rejected", reason.strip()
    await record(
        session,
        actor,
        "certificate.reject",
        "certificate",
        cert.serial,
        region_code=cert.region_code,
        opinion=reason,
    )


async def revoke(session: AsyncSession, actor: Actor, cert: Certificate, reason: str) -> None:
    from server.db import utcnow

    if cert.status != "issued":
        raise CertificateError("certificate.not_issued")
    if not reason.strip():
        raise CertificateError("enrolment.reason", 422)
    if actor.region_code != cert.issued_at_region and actor.region_code != cert.region_code:
        raise CertificateError("certificate.not_issuer", 403)
    cert.status, cert.revoked_at, cert.revoke_reason = "revoked", utcnow(), reason.strip()
    await record(session, actor, "certificate.revoke", "certificate", cert.serial, region_code=cert.region_code,
                 before={"status": "issued"}, after={"status": "revoked"}, opinion=reason.strip())  # fmt: skip


async def reissue(
    session: AsyncSession, actor: Actor, settings: Settings, old: Certificate, today: date, base_url: str
) -> Certificate:
    if old.status == "issued":
        await revoke(session, actor, old, "重新出具")
    new = Certificate(serial=secrets.token_urlsafe(12), code="".join(secrets.choice(CODE_ALPHABET) for _ in range(8)),
                      citizen_id=old.citizen_id, holder_name=old.holder_name, id_hash=old.id_hash, id_masked=old.id_masked,
                      region_code=old.region_code, address=old.address, resident_since=old.resident_since, purpose=old.purpose,
                      replaces_id=old.id)  # fmt: skip
    session.add(new)
    await session.flush()
    return await issue(session, actor, settings, new, old.evidence or "重新出具", today, base_url)


async def find(session: AsyncSession, serial: str) -> Certificate | None:
    return (
        await session.scalar(select(Certificate).where(Certificate.serial == serial))
        if len(serial) <= 24
        else None
    )
