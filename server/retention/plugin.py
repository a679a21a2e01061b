"""Keeping less: the retention table and its enforcement (no pages: ``huimin retention`` and the
worker round); registered for its English."""

from server.retention import i18n
from server.web import DomainPlugin

plugin = DomainPlugin("retention", en=i18n.EN)
