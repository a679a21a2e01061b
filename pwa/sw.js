// Huimin service worker. __VERSION__ is replaced by a digest of the static files, so every
// release gets fresh cache names and old caches are dropped on activation.
const VERSION = "__VERSION__";
const SHELL = "huimin-shell-" + VERSION;
const STATIC = "huimin-static-" + VERSION;
const SHELL_URLS = ["/", "/offline", "/verify"];
const STATIC_URLS = [
  "/static/css/huimin.css",
  "/static/js/pwa.js",
  "/static/vendor/htmx-2.0.11.min.js",
  "/static/js/certificates.js",
  "/static/vendor/jsQR-1.4.0.js",
  "/manifest.webmanifest",
  "/pwa/icons/icon-192.png",
  "/pwa/icons/icon-512.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    Promise.all([
      caches.open(SHELL).then((c) => c.addAll(SHELL_URLS)),
      caches.open(STATIC).then((c) => c.addAll(STATIC_URLS)),
    ]).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("huimin-") && k !== SHELL && k !== STATIC).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/office") || url.pathname.startsWith("/api/")) return;

  if (url.pathname.startsWith("/static/") || url.pathname.startsWith("/pwa/")) {
    // Static assets: cache first, then network (and keep what we fetched).
    event.respondWith(
      caches.match(request).then((hit) => hit || fetch(request).then((response) => {
        if (response.ok) caches.open(STATIC).then((c) => c.put(request, response.clone()));
        return response;
      }))
    );
    return;
  }
  if (url.pathname === "/.well-known/huimin-certificate-keys.json" || url.pathname === "/certificates-revoked.json") {
    // The verifier's key set and revocation list: fresh when online, the last copy when offline.
    event.respondWith(
      fetch(request).then((response) => {
        if (response.ok) { const copy = response.clone(); caches.open(SHELL).then((c) => c.put(url.pathname, copy)); }
        return response;
      }).catch(() => caches.match(url.pathname))
    );
    return;
  }
  if (request.mode === "navigate") {
    // Pages: network first; offline, the cached copy, else the offline page.
    event.respondWith(
      fetch(request).then((response) => {
        // only the public shell: a personal page (a case, a certificate, the account) is never cached
        if (response.ok && SHELL_URLS.includes(url.pathname)) {
          const copy = response.clone();
          caches.open(SHELL).then((c) => c.put(request, copy));
        }
        return response;
      }).catch(() => caches.match(request).then((hit) => hit || caches.match("/offline")))
    );
  }
});

// Web Push: show the message; a tap opens the page it is about.
self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: "惠民", body: event.data.text() }; }
  event.waitUntil(self.registration.showNotification(data.title || "惠民", {
    body: data.body || "", icon: "/pwa/icons/icon-192.png", data: { url: data.url || "/me/messages" },
  }));
});
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data.url));
});
