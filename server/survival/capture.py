"""The capture page's web helpers, shared with the account's face match (``server.accounts``): the
challenge as the page's script reads it, and the frames of an upload."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request

from server.errors import DomainError, Kind
from server.i18n import translate
from server.survival import i18n as texts
from server.survival import rules
from server.web import lang_of


def challenge_json(request: Request, nonce: str, actions: list[str]) -> dict[str, Any]:
    lang = lang_of(request)
    return {
        "nonce": nonce,
        "actions": actions,
        "expires_in": rules.CHALLENGE_SECONDS,
        "labels": [translate(lang, texts.ACTION_LABELS[a]) for a in actions],
        "steps": [[translate(lang, s) for s in texts.ACTION_STEPS[a]] for a in actions],
        "plan": list(rules.CAPTURE_PLAN),
    }


async def frames_of(data: Any) -> tuple[str, list[bytes]]:
    """The nonce and the frames (fields ``frame0`` .. ``frameN``, in that order) of a capture upload:
    a ``forms.CaptureUpload``, or the plain multipart dict."""
    items = data.items() if isinstance(data, Mapping) else vars(data).items()
    nonce, files = "", []
    for key, value in items:
        if key == "nonce" and isinstance(value, str):
            nonce = value
        elif key.startswith("frame") and key[5:].isdigit() and hasattr(value, "read"):
            files.append((int(key[5:]), await value.read()))
    if len(files) > rules.MAX_FRAMES * 2:
        raise DomainError("survival.frame_unreadable", Kind.TOO_LARGE)
    return nonce, [raw for _, raw in sorted(files)]
