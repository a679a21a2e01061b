"""What the push-subscription request carries (the browser's PushSubscription as JSON)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PushSubscriptionBody:
    endpoint: str = ""
    keys: dict[str, str] = field(default_factory=dict)  # p256dh and auth
