"""The citizens' installable app shell: home page, manifest, service worker, preferences."""

from server.pwa.routes import PwaController
from server.web import DomainPlugin

plugin = DomainPlugin("pwa", controllers=(PwaController,))
