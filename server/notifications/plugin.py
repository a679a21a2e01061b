"""Messages to citizens (in the PWA and by push)."""

from server.notifications.routes import NotificationController
from server.web import DomainPlugin

plugin = DomainPlugin("notifications", controllers=(NotificationController,))
