// Citizen PWA: register the service worker and show when the device is offline.
(function () {
  "use strict";
  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    });
  }
  function showOnline() {
    var banner = document.getElementById("offline-banner");
    if (banner) banner.hidden = navigator.onLine;
  }
  window.addEventListener("online", showOnline);
  window.addEventListener("offline", showOnline);
  document.addEventListener("DOMContentLoaded", showOnline);
  // sign-out: nothing of this person stays on the phone (the server also answers with
  // Clear-Site-Data; this covers browsers that ignore it): drafts, the offline queue, cached pages
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-signout]")) return;
    try {
      Object.keys(localStorage).forEach(function (k) { if (k.indexOf("huimin-") === 0) localStorage.removeItem(k); });
      sessionStorage.clear();
    } catch (e) { /* storage blocked: nothing to clear */ }
    if (window.caches) caches.keys().then(function (keys) { keys.forEach(function (k) { caches.delete(k); }); });
  }, true);
  // a form that came back with errors: move focus to its summary so it is read first
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  });
})();
