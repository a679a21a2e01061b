"""Funeral services (殡葬服务): a public directory with live availability, grave lookup, bookings
that take capacity atomically, fee waivers by rule, operators' calendars, hearse positions,
ratings and complaints, and burial subsidies."""
