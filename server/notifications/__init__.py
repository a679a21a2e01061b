"""Telling citizens what happened: a message list in the PWA and, for those who allow it, Web Push
(VAPID keys created at setup under the var folder, or given by HUIMIN_VAPID_PRIVATE_KEY)."""
