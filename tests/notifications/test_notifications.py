"""Citizens hear about their case: messages in the PWA, and Web Push to a subscribed phone, sent
VAPID-signed and encrypted (RFC 8291) to the push service, which a local endpoint plays here."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from server.notifications.service import send_pending
from tests.assistance.support import apply_fully
from tests.support import in_db, sql


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class PushService:
    """A stand-in for the browser vendor's push service: records what it receives."""

    def __init__(self, status: int = 201):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["content-length"]))
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/push/abc"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_status_changes_reach_the_messages_page_and_the_phone(client, demo):
    phone_key = ec.generate_private_key(ec.SECP256R1())
    auth = b"0123456789abcdef"
    public = phone_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    push = PushService()
    reference = apply_fully(client, demo)
    key = client.get("/push/key").json()["publicKey"]
    assert len(base64.urlsafe_b64decode(key + "==")) == 65
    token = client.cookies.get("huimin_csrf")
    subscribed = client.post(
        "/push/subscribe",
        json={"endpoint": push.url, "keys": {"p256dh": b64(public), "auth": b64(auth)}},
        headers={"x-csrftoken": token},
    )
    assert subscribed.status_code == 201
    messages = client.get("/me/messages")
    assert f"申请已提交：{reference}" in messages.text and 'class="unread"' in messages.text

    assert in_db(demo, lambda s: send_pending(s, demo)) == 1
    headers, body = push.received[0]
    assert headers["content-encoding"] == "aes128gcm" and headers["authorization"].startswith("vapid t=")
    payload = json.loads(http_ece.decrypt(body, private_key=phone_key, auth_secret=auth, version="aes128gcm"))
    assert payload == {
        "title": f"申请已提交：{reference}",
        "body": payload["body"],
        "url": f"/apply/{reference}",
    }
    assert in_db(demo, lambda s: send_pending(s, demo)) == 0, "each message is pushed once"


def test_a_gone_subscription_is_removed(client, demo):
    push = PushService(status=410)
    apply_fully(client, demo)
    phone_key = ec.generate_private_key(ec.SECP256R1())
    public = phone_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    client.post(
        "/push/subscribe",
        json={"endpoint": push.url, "keys": {"p256dh": b64(public), "auth": b64(b"x" * 16)}},
        headers={"x-csrftoken": client.cookies.get("huimin_csrf")},
    )
    in_db(demo, lambda s: send_pending(s, demo))
    assert sql(demo, "SELECT count(*) FROM push_subscriptions")[0][0] == 0


def test_subscribing_needs_sign_in_and_a_real_endpoint(client, demo):
    token = client.get("/login") and client.cookies.get("huimin_csrf")
    anon = client.post(
        "/push/subscribe",
        json={"endpoint": "https://push.example/x", "keys": {"p256dh": "a", "auth": "b"}},
        headers={"x-csrftoken": token},
    )
    assert anon.status_code in (401, 302, 303)
    apply_fully(client, demo)
    bad = client.post(
        "/push/subscribe",
        json={"endpoint": "javascript:alert(1)", "keys": {"p256dh": "a", "auth": "b"}},
        headers={"x-csrftoken": client.cookies.get("huimin_csrf")},
    )
    assert bad.status_code == 422
