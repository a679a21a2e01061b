"""Citizens request and keep certificates; staff issue them at any counter of the city; anyone
verifies them from the QR code, online or with the offline verifier."""

from __future__ import annotations

import base64
import time
from datetime import date, timedelta

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server import ratelimit
from server.accounts.auth import citizen_guard, provide_citizen, staff_guard
from server.accounts.models import Citizen
from server.accounts.permissions import P
from server.assistance.rules import mask_name
from server.audit.service import Actor
from server.certificates import forms, keys, queries, rules, service, token
from server.certificates.forms import IssueForm, ReasonForm, RequestForm
from server.certificates.models import Certificate
from server.certificates.pdf import cjk_font_path
from server.certificates.seal import draw_seal
from server.db import utcnow
from server.errors import DomainError, Kind
from server.people import idcard
from server.people.queries import id_hash
from server.privacy import notice as privacy_notice
from server.regions import queries as regions
from server.regions.scope import RegionScope
from server.settings import Settings
from server.web import FormOf, client_ip, page, status_of

VERIFY_LIMIT = 60  # lookups per minute per address (all server processes: counted in the database)
VERIFY = ratelimit.Limit("certificates.verify", VERIFY_LIMIT, 60)


COUNTER_MINUTES = 30  # how long an ID-number lookup at the counter opens another community's certificates
TOKEN_MAX = 4096
LIST_HOURS = 24  # the revocation list's next update


class CitizenCertificateController(Controller):
    path = "/certificates"
    guards = [citizen_guard]
    dependencies = {"citizen": Provide(provide_citizen)}

    @get("/", name="certificates:mine")
    async def index(self, request: Request, db_session: AsyncSession, citizen: Citizen) -> Template:
        return await _mine(request, db_session, citizen, {}, {})

    @post("/", name="certificates:request")
    async def request_one(
        self,
        request: Request,
        data: FormOf[RequestForm],
        db_session: AsyncSession,
        citizen: Citizen,
        actor: Actor,
    ) -> Template | Redirect:
        try:
            cert = await service.request_certificate(
                db_session,
                actor,
                citizen,
                community=data.community,
                address=data.address,
                since=data.since_date(),
                purpose=data.purpose,
                notice_version=privacy_notice.read_version(data.notice),
            )
        except DomainError as e:
            if e.kind != Kind.INVALID:
                raise
            await db_session.rollback()
            await db_session.refresh(citizen)
            return await _mine(
                request, db_session, citizen, data.values(), {e.field or "": e.code}, status_of(e)
            )
        return Redirect(request.app.route_reverse("certificates:show", serial=cert.serial), status_code=303)

    @get("/{serial:str}", name="certificates:show")
    async def show(
        self, request: Request, serial: str, db_session: AsyncSession, citizen: Citizen, today: date
    ) -> Template:
        cert = await queries.find(db_session, serial)
        if cert is None or cert.citizen_id != citizen.id:
            raise NotFoundException(detail="error.not_found")
        return page(
            request,
            "certificates/show.html",
            cert=cert,
            region_name=await _region_name(db_session, cert.region_code),
            verdict=service.verdict(cert, today),
        )

    @get("/{serial:str}/pdf", name="certificates:pdf")
    async def pdf(
        self, serial: str, db_session: AsyncSession, citizen: Citizen, settings: Settings
    ) -> Response:
        cert = await queries.find(db_session, serial)
        if cert is None or cert.citizen_id != citizen.id or not cert.pdf_name:
            raise NotFoundException(detail="error.not_found")
        return Response(
            service.pdf_bytes(settings, cert),
            media_type="application/pdf",
            headers={
                "content-disposition": f'inline; filename="residence-{serial}.pdf"',
                "cache-control": "private, no-store",
            },
        )


async def _mine(
    request: Request,
    session: AsyncSession,
    citizen: Citizen,
    values: dict,
    errors: dict,
    status_code: int = 200,
) -> Template:
    """A citizen's certificates and the request form (again with what was typed, after an error)."""
    communities = {r.code: r.name for r in await regions.regions(session, level="community")}
    return Template(
        "certificates/mine.html",
        context=dict(
            mine=await queries.of_citizen(session, citizen.id),
            citizen=citizen,
            fields=forms.REQUEST_FIELDS,
            choices={"community": communities},
            values=values,
            errors=errors,
            notice=privacy_notice,
        ),
        status_code=status_code,
    )


async def _region_name(session: AsyncSession, code: str | None) -> str | None:
    return (await regions.names(session, [code])).get(code) if code else None


class VerificationController(Controller):
    """Public: no sign-in."""

    path = "/"

    @get("/v/{serial:str}", name="certificates:verify")
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
        cert = await queries.find(db_session, serial)
        region_name = await _region_name(db_session, cert.region_code) if cert else None
        verdict = service.verdict(cert, today)
        known = cert is not None and region_name is not None and verdict != rules.Verdict.UNKNOWN
        paper = rules.Paper.UNCHECKED
        if known and t:
            paper = await _paper(db_session, settings, cert, region_name, serial, t)
        seal = _seal(region_name) if known and rules.shows_seal(verdict, paper) else None
        return Template(
            "certificates/verify.html",
            context=dict(
                cert=cert if verdict != rules.Verdict.UNKNOWN else None,
                region_name=region_name,
                verdict=verdict,
                paper=paper,
                mask=mask_name,
                seal=seal,
            ),
            status_code=404 if verdict == rules.Verdict.UNKNOWN else 200,
        )

    @get("/verify", name="certificates:verifier")
    async def offline_verifier(self, request: Request) -> Template:
        return page(request, "certificates/verifier.html")

    @get("/.well-known/huimin-certificate-keys.json", cache=False, name="certificates:keys")
    async def key_set(self, db_session: AsyncSession, settings: Settings) -> Response:
        city = await queries.city(db_session)
        keysets = []
        if city:
            key, kid = await keys.token_key(db_session, settings.secret_key, city.code)
            keysets.append(token.jwk(key.public_key(), kid))
        return Response({"keys": keysets}, headers={"cache-control": "no-cache"})

    @get("/certificates-revoked.json", cache=False, name="certificates:revoked")
    async def revocations(self, db_session: AsyncSession, settings: Settings) -> Response:
        """Signed like the QR tokens (ECDSA P-256, the key set above): ``{"list": "<body>.<signature>"}``
        whose body lists serials and reason codes only, with its issue time and next update."""
        city = await queries.city(db_session)
        if city is None:
            raise NotFoundException(detail="error.not_found")
        key, kid = await keys.token_key(db_session, settings.secret_key, city.code)
        now = utcnow().replace(microsecond=0)
        body = rules.revocation_list(
            await queries.revoked(db_session),
            now.isoformat(),
            (now + timedelta(hours=LIST_HOURS)).isoformat(),
            kid,
            city.code,
        )
        return Response({"list": token.sign(body, key)}, headers={"cache-control": "no-cache"})

    @get("/.well-known/huimin-ca.pem", cache=False, name="certificates:root")
    async def root_ca(self, db_session: AsyncSession, settings: Settings) -> Response:
        """The city's root CA certificate: the trust anchor for the certificates' PDF signatures."""
        city = await queries.city(db_session)
        if city is None:
            raise NotFoundException(detail="error.not_found")
        _, cert = await keys.root(db_session, settings.secret_key, city.code, city.name)
        return Response(
            keys.pem(cert), media_type="application/x-pem-file", headers={"cache-control": "no-cache"}
        )

    @get("/.well-known/huimin-signers/{name:str}", cache=False, name="certificates:signer")
    async def signer_chain(self, name: str, db_session: AsyncSession) -> Response:
        """A community's signing certificate followed by the root (``<community code>.pem``), for
        communities that have signed a certificate."""
        code = name.removesuffix(".pem")
        if not (name.endswith(".pem") and len(code) == 12 and code.isascii() and code.isdigit()):
            raise NotFoundException(detail="error.not_found")
        chain = await queries.signer_chain(db_session, code, service.city_of(code))
        if chain is None:
            raise NotFoundException(detail="error.not_found")
        return Response(chain, media_type="application/x-pem-file", headers={"cache-control": "no-cache"})


async def _paper(
    session: AsyncSession, settings: Settings, cert: Certificate, region_name: str, serial: str, t: str
) -> rules.Paper:
    """The QR token against the record: its signature, then every signed field."""
    key, kid = await keys.token_key(session, settings.secret_key, service.city_of(cert.region_code))
    payload = token.verify(t, key.public_key()) if len(t) <= TOKEN_MAX else None
    return rules.compare(payload, {**service.record_fields(cert, region_name), "k": kid}, serial)


def _seal(region_name: str) -> str:
    """The community's seal as an inline image."""
    png = draw_seal(region_name, "居住证明专用章", cjk_font_path(), 160)
    return "data:image/png;base64," + base64.b64encode(png).decode()


class CertificateOfficeController(Controller):
    """Staff browse the certificates of their own region. A community counter serves a resident of
    another community of the city (全市通办) only after looking the resident up by ID number: the
    lookup opens that resident's certificates for COUNTER_MINUTES, nothing else is reachable."""

    path = "/office/certificates"
    guards = [staff_guard]

    @get("/", opt={"permission": P.CERTIFICATES_READ}, name="certificates:office")
    async def index(
        self,
        request: Request,
        db_session: AsyncSession,
        region_scope: RegionScope,
        settings: Settings,
        q: str = "",
    ) -> Template:
        counter: list[Certificate] = []
        if q.strip():  # a counter looks a resident up by ID anywhere in the city (全市通办)
            try:
                digest = id_hash(settings.secret_key, idcard.parse(q).number)
            except idcard.IdNumberError as e:
                return _office_list(request, [], [], q, {"q": e.code})
            counter = await queries.of_resident(db_session, region_scope, digest)
            if len(region_scope.code) == 12:
                _open_counter(request, digest)
        return _office_list(request, await queries.of_region(db_session, region_scope), counter, q, {})

    @get("/{cert_id:int}", opt={"permission": P.CERTIFICATES_READ}, name="certificates:detail")
    async def detail(
        self, request: Request, cert_id: int, db_session: AsyncSession, region_scope: RegionScope, today: date
    ) -> Template:
        cert = await _reachable(request, db_session, region_scope, cert_id)
        return page(
            request,
            "certificates/office/detail.html",
            cert=cert,
            region_name=await _region_name(db_session, cert.region_code),
            verdict=service.verdict(cert, today),
            cross_city=not region_scope.contains(cert.region_code),
            may_reissue=RegionScope(rules.district_of(cert.region_code)).contains(region_scope.code),
            forms=forms,
        )

    @post("/{cert_id:int}/issue", opt={"permission": P.CERTIFICATES_DECIDE}, name="certificates:issue")
    async def issue(
        self,
        request: Request,
        cert_id: int,
        data: FormOf[IssueForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        settings: Settings,
        today: date,
    ) -> Redirect:
        cert = await _reachable(request, db_session, region_scope, cert_id)
        await service.issue(db_session, actor, settings, cert, data.evidence, today)
        return _to_detail(request, cert.id)

    @post("/{cert_id:int}/reject", opt={"permission": P.CERTIFICATES_DECIDE}, name="certificates:reject")
    async def reject(
        self,
        request: Request,
        cert_id: int,
        data: FormOf[ReasonForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Redirect:
        cert = await _reachable(request, db_session, region_scope, cert_id)
        await service.reject(db_session, actor, cert, data.reason)
        return _to_detail(request, cert.id)

    @post("/{cert_id:int}/revoke", opt={"permission": P.CERTIFICATES_REVOKE}, name="certificates:revoke")
    async def revoke(
        self,
        request: Request,
        cert_id: int,
        data: FormOf[ReasonForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
    ) -> Redirect:
        cert = await _reachable(request, db_session, region_scope, cert_id)
        await service.revoke(db_session, actor, cert, data.reason)
        return _to_detail(request, cert.id)

    @post("/{cert_id:int}/reissue", opt={"permission": P.CERTIFICATES_REISSUE}, name="certificates:reissue")
    async def reissue(
        self,
        request: Request,
        cert_id: int,
        data: FormOf[ReasonForm],
        db_session: AsyncSession,
        region_scope: RegionScope,
        actor: Actor,
        settings: Settings,
        today: date,
    ) -> Redirect:
        cert = await _reachable(request, db_session, region_scope, cert_id)
        new = await service.reissue(db_session, actor, settings, cert, data.reason, today)
        return _to_detail(request, new.id)

    @get("/{cert_id:int}/pdf", opt={"permission": P.CERTIFICATES_READ}, name="certificates:office_pdf")
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
            service.pdf_bytes(settings, cert),
            media_type="application/pdf",
            headers={"cache-control": "private, no-store"},
        )


def _office_list(request: Request, rows: list, counter: list, q: str, errors: dict) -> Template:
    return page(
        request,
        "certificates/office/list.html",
        rows=rows,
        counter=counter,
        q=q,
        values={"q": q},
        errors=errors,
        lookup=forms.LOOKUP,
    )


def _to_detail(request: Request, cert_id: int) -> Redirect:
    return Redirect(request.app.route_reverse("certificates:detail", cert_id=cert_id), status_code=303)


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
    cert = await queries.by_id(session, cert_id)
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
