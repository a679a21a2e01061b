from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template

from server.i18n import LANGS
from server.settings import ROOT
from server.web import FormOf, page, session_of

PWA_DIR = ROOT / "pwa"
ASSET_DIRS = (ROOT / "static", PWA_DIR)
YEAR = 365 * 24 * 3600


@lru_cache(maxsize=1)
def asset_version() -> str:
    """A digest of every static and PWA file: a new release gets new cache names."""
    digest = hashlib.sha256()
    for folder in ASSET_DIRS:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@dataclass
class PrefsForm:
    """A preference button: the language or the text size, and the page to go back to."""

    lang: str = ""
    text: str = ""
    next: str = ""


def _back(data: PrefsForm) -> str:
    target = data.next or "/"
    return target if target.startswith("/") and not target.startswith("//") else "/"


class PwaController(Controller):
    path = "/"
    tags = ["pwa"]

    @get("/")
    async def home(self, request: Request) -> Template:
        signed_in = session_of(request).get("kind") == "citizen"
        return page(request, "pwa/home.html", signed_in=signed_in)

    @get("/offline")
    async def offline(self, request: Request) -> Template:
        return page(request, "pwa/offline.html")

    @get("/manifest.webmanifest", media_type="application/manifest+json")
    async def manifest(self) -> Response:
        return Response(
            (PWA_DIR / "manifest.webmanifest").read_bytes(),
            media_type="application/manifest+json",
            headers={"cache-control": "no-cache"},
        )

    @get("/sw.js", media_type="text/javascript")
    async def service_worker(self) -> Response:
        body = (PWA_DIR / "sw.js").read_text().replace("__VERSION__", asset_version())
        return Response(
            body,
            media_type="text/javascript",
            headers={"cache-control": "no-cache", "service-worker-allowed": "/"},
        )

    @post("/prefs/lang")
    async def set_lang(self, data: FormOf[PrefsForm]) -> Redirect:
        lang = data.lang if data.lang in LANGS else "zh"
        return Redirect(
            _back(data),
            status_code=303,
            cookies=[Cookie(key="lang", value=lang, max_age=YEAR, samesite="lax", httponly=True)],
        )

    @post("/prefs/text")
    async def set_text(self, data: FormOf[PrefsForm]) -> Redirect:
        size = "large" if data.text == "large" else "normal"
        return Redirect(
            _back(data),
            status_code=303,
            cookies=[Cookie(key="text", value=size, max_age=YEAR, samesite="lax", httponly=True)],
        )
