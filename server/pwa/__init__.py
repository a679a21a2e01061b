"""The citizen PWA shell: home, manifest, service worker, offline page, device preferences."""
