"""Accounts: staff (password, TOTP, roles, region) and citizens (mobile one-time code, real name)."""
