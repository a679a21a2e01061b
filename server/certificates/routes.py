"""Citizens request and keep certificates; staff issue them at any counter of the city; anyone
verifies them from the QR code, online or with the offline verifier."""

from __future__ import annotations

import time
from datetime import date

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import ratelimit
from server.accounts.auth import citizen_guard, provide_citizen, staff_guard
from server.accounts.models import Citizen
from server.accounts.permissions import P
from server.assistance.rules import mask_name
from server.audit.service import Actor
from server.certificates import keys, rules, service, token
from server.certificates.models import Certificate, SigningKey
from server.errors import DomainError, Kind
from server.people import idcard
from server.people.service import id_hash
from server.regions.models import Region
from server.regions.scope import RegionScope
from server.settings import Settings
from server.web import (
    Form,
    client_ip,
    page,
)

VERIFY_LIMIT = 60  # lookups per minute per address (all server processes: counted in the database)
VERIFY = ratelimit.Limit("certificates.verify", VERIFY_LIMIT, 60)


COUNTER_MINUTES = 30  # how long an ID-number lookup at the counter opens another community's certificates
TOKEN_MAX = 4096
LIST_HOURS = 24  # the revocation list's next update


class CitizenCertificateController(Controller):
    path = "/certificates"
    guards = [citizen_guard]
    dependencies = {"citizen": Provide(provide_citizen)}

    @get("/")
    async def index(self, request: Request, db_session: AsyncSession, citizen: Citizen) -> Template:
        mine = list(
            await db_session.scalars(
                select(Certificate)
                .where(Certificate.citizen_id == citizen.id)
                .order_by(Certificate.id.desc())
            )
        )
        communities = list(
            await db_session.scalars(select(Region).where(Region.level == "community").order_by(Region.code))
        )
        return page(
            request, "certificates/mine.html", mine=mine, communities=communities, citizen=citizen, error=None
        )

    @post("/")
    async def request_one(
        self, request: Request, data: Form, db_session: AsyncSession, citizen: Citizen, actor: Actor
    ) -> Redirect:
        try:
            since = date.fromisoformat(str(data.get("since", "")))
        except ValueError:
            raise DomainError("certificate.since", Kind.INVALID) from None
        cert = await service.request_certificate(
            db_session,
            actor,
            citizen,
            community=str(data.get("community", "")),
            address=str(data.get("address", "")),
            since=since,
            purpose=str(data.get("purpose", "")),
        )
        return Redirect(f"/certificates/{cert.serial}", status_code=303)

    @get("/{serial:str}")
    async def show(
        self, request: Request, serial: str, db_session: AsyncSession, citizen: Citizen, today: date
    ) -> Template:
        cert = await service.find(db_session, serial)
        if cert is None or cert.citizen_id != citizen.id:
            raise NotFoundException(detail="error.not_found")
        region = await db_session.get(Region, cert.region_code)
        return page(
            request, "certificates/show.html", cert=cert, region=region, verdict=service.verdict(cert, today)
        )

    @get("/{serial:str}/pdf")
    async def pdf(
        self, serial: str, db_session: AsyncSession, citizen: Citizen, settings: Settings
    ) -> Response:
        cert = await service.find(db_session, serial)
        if cert is None or cert.citizen_id != citizen.id or not cert.pdf_name:
            raise NotFoundException(detail="error.not_found")
        return Response(
            (settings.var_dir / "certificates" / cert.pdf_name).read_bytes(),
            media_type="application/pdf",
            headers={
                "content-disposition": f'inline; filename="residence-{serial}.pdf"',
                "cache-control": "private, max-age=31536000",
            },
        )


class VerificationController(Controller):
    """Public: no sign-in."""

    path = "/"

    @get("/v/{serial:str}")
    async def verify_online(
        self,
        request: Request,
        serial: str,
        db_session: AsyncSession,
        settings: Settings,
        today: date,
        t: str = "",
    ) -> Template:
        """The record, and when the QR's token comes along (``?t=``), whether the paper in hand is the
        one the record describes: the signature is checked and every signed field compared."""
        if await ratelimit.hit(db_session, VERIFY, ratelimit.address(client_ip(request))) > VERIFY.per:
            raise DomainError("error.too_many", Kind.TOO_MANY)
        cert = await service.find(db_session, serial)
        region = await db_session.get(Region, cert.region_code) if cert else None
        verdict = service.verdict(cert, today)
        paper = "unchecked"
        if cert is not None and region is not None and verdict != "unknown" and t:
            key, kid = await keys.token_key(
                db_session, settings.secret_key, service.city_of(cert.region_code)
            )
            payload = token.verify(t, key.public_key()) if len(t) <= TOKEN_MAX else None
            paper = rules.compare(payload, {**service.record_fields(cert, region.name), "k": kid}, serial)
        seal = None
        if region is not None and verdict != "unknown" and paper in ("match", "legacy", "unchecked"):
            import base64

            from server.certificates.pdf import cjk_font_path
            from server.certificates.seal import draw_seal

            seal = (
                "data:image/png;base64,"
                + base64.b64encode(draw_seal(region.name, "居住证明专用章", cjk_font_path(), 160)).decode()
            )
        return Template(
            "certificates/verify.html",
            context=dict(
                cert=cert if verdict != "unknown" else None,
                region=region,
                verdict=verdict,
                paper=paper,
                mask=mask_name,
                seal=seal,
            ),
            status_code=404 if verdict == "unknown" else 200,
        )

    @get("/verify")
    async def offline_verifier(self, request: Request) -> Template:
        return page(request, "certificates/verifier.html")

    @get("/.well-known/huimin-certificate-keys.json", cache=False)
    async def key_set(self, db_session: AsyncSession, settings: Settings) -> Response:
        city = await _city(db_session)
        keysets = []
        if city:
            key, kid = await keys.token_key(db_session, settings.secret_key, city.code)
            keysets.append(token.jwk(key.public_key(), kid))
        return Response({"keys": keysets}, headers={"cache-control": "no-cache"})

    @get("/certificates-revoked.json", cache=False)
    async def revocations(self, db_session: AsyncSession, settings: Settings) -> Response:
        """Signed like the QR tokens (ECDSA P-256, the key set above): ``{"list": "<body>.<signature>"}``
        whose body lists serials and reason codes only, with its issue time and next update."""
        from datetime import timedelta

        from server.db import utcnow

        city = await _city(db_session)
        if city is None:
            raise NotFoundException(detail="error.not_found")
        key, kid = await keys.token_key(db_session, settings.secret_key, city.code)
        rows = await db_session.execute(
            select(Certificate.serial, Certificate.status)
            .where(Certificate.status.in_(tuple(rules.REASON_CODES)))
            .order_by(Certificate.id)
        )
        now = utcnow().replace(microsecond=0)
        body = rules.revocation_list(
            [(s, st) for s, st in rows],
            now.isoformat(),
            (now + timedelta(hours=LIST_HOURS)).isoformat(),
            kid,
            city.code,
        )
        return Response({"list": token.sign(body, key)}, headers={"cache-control": "no-cache"})

    @get("/.well-known/huimin-ca.pem", cache=False)
    async def root_ca(self, db_session: AsyncSession, settings: Settings) -> Response:
        """The city's root CA certificate: the trust anchor for the certificates' PDF signatures."""
        city = await _city(db_session)
        if city is None:
            raise NotFoundException(detail="error.not_found")
        _, cert = await keys.root(db_session, settings.secret_key, city.code, city.name)
        return Response(
            keys.pem(cert), media_type="application/x-pem-file", headers={"cache-control": "no-cache"}
        )

    @get("/.well-known/huimin-signers/{name:str}", cache=False)
    async def signer_chain(self, name: str, db_session: AsyncSession) -> Response:
        """A community's signing certificate followed by the root (``<community code>.pem``), for
        communities that have signed a certificate."""
        code = name.removesuffix(".pem")
        if not (name.endswith(".pem") and len(code) == 12 and code.isascii() and code.isdigit()):
            raise NotFoundException(detail="error.not_found")
        row = await db_session.scalar(select(SigningKey).where(SigningKey.owner == f"community:{code}"))
        root_row = await db_session.scalar(
            select(SigningKey).where(SigningKey.owner == f"root:{service.city_of(code)}")
        )
        if row is None or root_row is None or not row.cert_pem:
            raise NotFoundException(detail="error.not_found")
        return Response(
            row.cert_pem + root_row.cert_pem,
            media_type="application/x-pem-file",
            headers={"cache-control": "no-cache"},
        )


async def _city(session: AsyncSession) -> Region | None:
    return await session.scalar(select(Region).where(Region.level == "city").order_by(Region.code).limit(1))


class CertificateOfficeController(Controller):
    """Staff browse the certificates of their own region. A community counter serves a resident of
    another community of the city (全市通办) only after looking the resident up by ID number: the
    lookup opens that resident's certificates for COUNTER_MINUTES, nothing else is reachable."""

    path = "/office/certificates"
    guards = [staff_guard]

    @get("/", opt={"permission": P.CERTIFICATES_READ})
    async def index(
        self,
        request: Request,
        db_session: AsyncSession,
        region_scope: RegionScope,
        settings: Settings,
        q: str = "",
    ) -> Template:
        stmt = select(Certificate).where(region_scope.where(Certificate.region_code))
        counter = []
        if q.strip():  # a counter looks a resident up by ID anywhere in the city (全市通办)
            try:
                digest = id_hash(settings.secret_key, idcard.parse(q).number)
            except idcard.IdNumberError as e:
                return page(request, "certificates/office_list.html", rows=[], counter=[], q=q, error=e.code)
            # a community counter serves the whole city; the levels above look within their own region
            reach = (
                Certificate.region_code.like(region_scope.code[:4] + "%")
                if len(region_scope.code) == 12
                else region_scope.where(Certificate.region_code)
            )
            counter = list(
                await db_session.scalars(
                    select(Certificate)
                    .where(Certificate.id_hash == digest, reach)
                    .order_by(Certificate.id.desc())
                )
            )
            if len(region_scope.code) == 12:
                _open_counter(request, digest)
        rows = list(
            await db_session.scalars(
                stmt.order_by(Certificate.status != "requested", Certificate.id.desc()).limit(200)
            )
        )
        return page(request, "certificates/office_list.html", rows=rows, counter=counter, q=q, error=None)

    @get("/{cert_id:int}", opt={"permission": P.CERTIFICATES_READ})
    async def detail(
        self, request: Request, cert_id: int, db_session: AsyncSession, region_scope: RegionScope, today: date
    ) -> Template:
        cert = await _reachable(request, db_session, region_scope, cert_id)
        region = await db_session.get(Region, cert.region_code)
        return page(
            request,
            "certificates/office_detail.html",
            cert=cert,
            region=region,
            verdict=service.verdict(cert, today),
            cross_city=not region_scope.contains(cert.region_code),
            may_reissue=RegionScope(rules.district_of(cert.region_code)).contains(region_scope.code),
        )

    @post("/{cert_id:int}/issue", opt={"permission": P.CERTIFICATES_DECIDE})
    async def issue(
        self,
        request: Request,
        cert_id: int,
        data: Form,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        settings: Settings,
        today: date,
    ) -> Redirect:
        cert = await _reachable(request, db_session, region_scope, cert_id)
        await service.issue(db_session, actor, settings, cert, str(data.get("evidence", "")), today)
        return Redirect(f"/office/certificates/{cert.id}", status_code=303)

    @post("/{cert_id:int}/reject", opt={"permission": P.CERTIFICATES_DECIDE})
    async def reject(
        self,
        request: Request,
        cert_id: int,
        data: Form,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Redirect:
        cert = await _reachable(request, db_session, region_scope, cert_id)
        await service.reject(db_session, actor, cert, str(data.get("reason", "")))
        return Redirect(f"/office/certificates/{cert.id}", status_code=303)

    @post("/{cert_id:int}/revoke", opt={"permission": P.CERTIFICATES_REVOKE})
    async def revoke(
        self,
        request: Request,
        cert_id: int,
        data: Form,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Redirect:
        cert = await _reachable(request, db_session, region_scope, cert_id)
        await service.revoke(db_session, actor, cert, str(data.get("reason", "")))
        return Redirect(f"/office/certificates/{cert.id}", status_code=303)

    @post("/{cert_id:int}/reissue", opt={"permission": P.CERTIFICATES_REISSUE})
    async def reissue(
        self,
        request: Request,
        cert_id: int,
        data: Form,
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        settings: Settings,
        today: date,
    ) -> Redirect:
        cert = await _reachable(request, db_session, region_scope, cert_id)
        new = await service.reissue(db_session, actor, settings, cert, str(data.get("reason", "")), today)
        return Redirect(f"/office/certificates/{new.id}", status_code=303)

    @get("/{cert_id:int}/pdf", opt={"permission": P.CERTIFICATES_READ})
    async def pdf(
        self,
        request: Request,
        cert_id: int,
        db_session: AsyncSession,
        region_scope: RegionScope,
        settings: Settings,
    ) -> Response:
        cert = await _reachable(request, db_session, region_scope, cert_id)
        if not cert.pdf_name:
            raise NotFoundException(detail="error.not_found")
        return Response(
            (settings.var_dir / "certificates" / cert.pdf_name).read_bytes(),
            media_type="application/pdf",
            headers={"cache-control": "private, no-store"},
        )


def _open_counter(request: Request, digest: str) -> None:
    now = time.time()
    kept = [
        (d, t)
        for d, t in request.session.get("certificate_counter", [])
        if now - t < COUNTER_MINUTES * 60 and d != digest
    ]
    request.session["certificate_counter"] = [*kept[-4:], (digest, now)]


def _counter_open(request: Request, digest: str) -> bool:
    now = time.time()
    return any(
        d == digest and now - t < COUNTER_MINUTES * 60
        for d, t in request.session.get("certificate_counter", [])
    )


async def _reachable(
    request: Request, session: AsyncSession, region_scope: RegionScope, cert_id: int
) -> Certificate:
    """Staff of the residence region see it; a community counter elsewhere in the city only the
    certificates of the resident it has just looked up by ID number."""
    cert = await session.get(Certificate, cert_id) if 0 < cert_id < 2**63 else None
    if cert is None:
        raise NotFoundException(detail="error.not_found")
    if region_scope.contains(cert.region_code):
        return cert
    if (
        len(region_scope.code) == 12
        and service.may_issue(region_scope.code, cert)
        and _counter_open(request, cert.id_hash)
    ):
        return cert
    raise NotFoundException(detail="error.not_found")
