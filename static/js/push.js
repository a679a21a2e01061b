/* Web Push: a button to allow messages on this phone (shown only where the browser supports it). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("push-enable");
    var status = document.getElementById("push-status");
    if (!button || !("serviceWorker" in navigator) || !("PushManager" in window)) return;
    button.hidden = false;
    var token = (document.body.getAttribute("hx-headers") || "").match(/"x-csrftoken": "([0-9a-f]+)"/);
    function b64(s) {
      var pad = "=".repeat((4 - s.length % 4) % 4), raw = atob((s + pad).replace(/-/g, "+").replace(/_/g, "/"));
      return Uint8Array.from(raw, function (c) { return c.charCodeAt(0); });
    }
    button.addEventListener("click", function () {
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") { status.textContent = button.getAttribute("data-denied") || "未开启"; return; }
        return Promise.all([navigator.serviceWorker.ready, fetch("/push/key").then(function (r) { return r.json(); })])
          .then(function (both) {
            return both[0].pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64(both[1].publicKey) });
          })
          .then(function (subscription) {
            return fetch("/push/subscribe", { method: "POST", credentials: "same-origin",
              headers: { "content-type": "application/json", "x-csrftoken": token ? token[1] : "" },
              body: JSON.stringify(subscription) });
          })
          .then(function (r) { status.textContent = r && r.ok ? "✓" : "×"; });
      }).catch(function () { status.textContent = "×"; });
    });
  });
})();
