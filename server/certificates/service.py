from __future__ import annotations

import secrets
import string
from datetime import date, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from server import clock
from server.assistance.rules import mask_name
from server.audit.service import Actor, record
from server.certificates import keys, rules, token
from server.certificates.models import Certificate
from server.certificates.pdf import Content, cjk_font_path, render
from server.certificates.seal import draw_seal
from server.db import utcnow
from server.errors import DomainError, Kind
from server.files import write_private
from server.regions.models import Region
from server.regions.scope import RegionScope
from server.settings import Settings

VALID_DAYS = rules.VALID_DAYS
CODE_ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits if c not in "O0I1")


class CertificateError(DomainError):
    pass


def verdict(cert: Certificate | None, today: date) -> str:
    """Pure: what a verifier is told."""
    return rules.verdict(cert.status if cert else None, cert.valid_until if cert else None, today)


def city_of(code: str) -> str:
    return code[:4] + "00"


def record_fields(cert: Certificate, community_name: str) -> dict[str, str]:
    """The fields the QR token signs, as the record has them."""
    return rules.signed_fields(
        serial=cert.serial,
        code=cert.code,
        holder_masked=mask_name(cert.holder_name),
        id_masked=cert.id_masked,
        community_code=cert.region_code,
        community_name=community_name,
        address=cert.address,
        purpose=cert.purpose,
        resident_since=cert.resident_since,
        valid_until=cert.valid_until,
    )


async def request_certificate(
    session: AsyncSession,
    actor: Actor,
    citizen,
    *,
    community: str,
    address: str,
    since: date,
    purpose: str,
    notice_version: str | None = None,
) -> Certificate:
    if not citizen.verified_at or not citizen.id_hash:
        raise CertificateError("certificate.real_name", Kind.FORBIDDEN)
    region = await session.get(Region, community)
    if region is None or region.level != "community":
        raise CertificateError("form.choose", Kind.INVALID)
    if not address.strip() or not purpose.strip():
        raise CertificateError("form.required", Kind.INVALID)
    if since > clock.today():
        raise CertificateError("certificate.since", Kind.INVALID)
    cert = Certificate(
        serial=secrets.token_urlsafe(12),
        code="".join(secrets.choice(CODE_ALPHABET) for _ in range(8)),
        citizen_id=citizen.id,
        holder_name=citizen.name,
        id_hash=citizen.id_hash,
        id_masked=citizen.id_masked,
        region_code=community,
        address=address.strip()[:200],
        resident_since=since,
        purpose=purpose.strip()[:100],
        notice_version=notice_version,  # the privacy notice the request page showed (server/privacy)
    )
    session.add(cert)
    await session.flush()
    await record(
        session,
        actor,
        "certificate.request",
        "certificate",
        cert.serial,
        region_code=community,
        after={"purpose": cert.purpose, "notice_version": notice_version},
    )
    return cert


def may_issue(staff_region: str, cert: Certificate) -> bool:
    """City-wide service: a community worker anywhere in the city may issue for any resident of it."""
    return staff_region[:4] == cert.region_code[:4]


async def _move(session: AsyncSession, actor: Actor, cert: Certificate, action: str, **values) -> str:
    """One state change by the table in rules.TRANSITIONS, taken by a conditional UPDATE: of two
    simultaneous requests only one moves the certificate; the other is refused."""
    to = rules.transition(cert.status, action, actor.role)
    before = cert.status
    done = await session.execute(
        update(Certificate)
        .where(Certificate.id == cert.id, Certificate.status == before)
        .values(status=to, **values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise CertificateError(rules.ACTION_ERRORS[action])
    await session.refresh(cert)
    return before


async def issue(
    session: AsyncSession, actor: Actor, settings: Settings, cert: Certificate, evidence: str, today: date
) -> Certificate:
    if not evidence.strip():
        raise CertificateError("certificate.evidence", Kind.INVALID)
    valid_until = today + timedelta(days=VALID_DAYS)
    await _move(
        session,
        actor,
        cert,
        rules.Action.ISSUE,
        evidence=evidence.strip(),
        issued_at=utcnow(),
        issued_by=actor.name,
        issued_at_region=actor.region_code,
        valid_until=valid_until,
    )
    community = await session.get(Region, cert.region_code)
    city = await session.get(Region, city_of(cert.region_code))
    token_key, kid = await keys.token_key(session, settings.secret_key, city.code)
    payload = {**record_fields(cert, community.name), "k": kid, "v": 2}
    cert.token = token.sign(payload, token_key)
    content = Content(
        holder=cert.holder_name,
        id_masked=cert.id_masked,
        address=cert.address,
        resident_since=cert.resident_since,
        purpose=cert.purpose,
        issued_on=rules.issued_on(valid_until),
        valid_until=valid_until,
        serial=cert.serial,
        code=cert.code,
        community=community.name,
        city=city.name,
        qr_text=f"{settings.public_url}/v/{cert.serial}?t={cert.token}",
    )
    unsigned = render(content, draw_seal(community.name, "居住证明专用章", cjk_font_path()))
    signer = keys.load_signer(settings.secret_key)
    signed = await signer.sign_pdf(session, unsigned, community.code, community.name, city.code, city.name)
    cert.pdf_name = f"{cert.serial}.pdf"
    path = settings.var_dir / "certificates" / cert.pdf_name
    write_private(path, signed)
    await session.flush()
    await record(
        session,
        actor,
        "certificate.issue",
        "certificate",
        cert.serial,
        region_code=cert.region_code,
        after={
            "issued_at_counter": actor.region_code,
            "valid_until": valid_until.isoformat(),
            "seal_of": cert.region_code,
            "replaces": cert.replaces_id,
        },
        opinion=cert.evidence,
    )
    return cert


async def reject(session: AsyncSession, actor: Actor, cert: Certificate, reason: str) -> None:
    if not reason.strip():
        raise CertificateError("enrolment.reason", Kind.INVALID)
    await _move(session, actor, cert, rules.Action.REJECT, revoke_reason=reason.strip())
    await record(
        session,
        actor,
        "certificate.reject",
        "certificate",
        cert.serial,
        region_code=cert.region_code,
        opinion=reason.strip(),
    )


def _may_withdraw(actor: Actor, cert: Certificate) -> bool:
    return actor.region_code in (cert.issued_at_region, cert.region_code)


async def revoke(session: AsyncSession, actor: Actor, cert: Certificate, reason: str) -> None:
    if cert.status != rules.Status.ISSUED:
        raise CertificateError("certificate.not_issued")
    if not reason.strip():
        raise CertificateError("enrolment.reason", Kind.INVALID)
    if not _may_withdraw(actor, cert):
        raise CertificateError("certificate.not_issuer", Kind.FORBIDDEN)
    await _move(session, actor, cert, rules.Action.REVOKE, revoked_at=utcnow(), revoke_reason=reason.strip())
    await record(
        session,
        actor,
        "certificate.revoke",
        "certificate",
        cert.serial,
        region_code=cert.region_code,
        before={"status": rules.Status.ISSUED},
        after={"status": rules.Status.REVOKED},
        opinion=reason.strip(),
    )


async def reissue(
    session: AsyncSession, actor: Actor, settings: Settings, old: Certificate, reason: str, today: date
) -> Certificate:
    """A new certificate for the same facts, from an issued one only, with its own reason; the old one
    is marked replaced in the same transaction. Only counters of the district of the certificate's
    seal (its community of residence) may do it."""
    if old.status != rules.Status.ISSUED:
        raise CertificateError("certificate.reissue_not_issued")
    if not reason.strip():
        raise CertificateError("certificate.reissue_reason", Kind.INVALID)
    if not RegionScope(rules.district_of(old.region_code)).contains(actor.region_code):
        raise CertificateError("certificate.reissue_district", Kind.FORBIDDEN)
    reason = reason.strip()
    await _move(
        session, actor, old, rules.Action.REISSUE, revoked_at=utcnow(), revoke_reason=f"重新出具：{reason}"
    )
    new = Certificate(
        serial=secrets.token_urlsafe(12),
        code="".join(secrets.choice(CODE_ALPHABET) for _ in range(8)),
        citizen_id=old.citizen_id,
        holder_name=old.holder_name,
        id_hash=old.id_hash,
        id_masked=old.id_masked,
        region_code=old.region_code,
        address=old.address,
        resident_since=old.resident_since,
        purpose=old.purpose,
        replaces_id=old.id,
    )
    session.add(new)
    await session.flush()
    await record(
        session,
        actor,
        "certificate.reissue",
        "certificate",
        old.serial,
        region_code=old.region_code,
        before={"status": rules.Status.ISSUED},
        after={"status": rules.Status.REPLACED, "replaced_by": new.serial},
        opinion=reason,
    )
    return await issue(
        session, actor, settings, new, f"重新出具（{reason}）；原核实依据：{old.evidence or ''}", today
    )


def pdf_bytes(settings: Settings, cert: Certificate) -> bytes:
    """The signed PDF as it was issued."""
    return (settings.var_dir / "certificates" / (cert.pdf_name or "")).read_bytes()
