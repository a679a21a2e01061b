/* Social-assistance forms on a weak network.
   - A form marked data-offline="queue" that is submitted while the phone is offline is kept on
     the device (localStorage) and sent as soon as the network returns; the server applies each
     step once (the form carries an idempotency key), so a replay never duplicates anything.
   - What is typed is kept on the device as it is typed, and put back if the page is reopened; it is
     removed once the server has taken the form, and at sign-out (static/js/pwa.js).
   - Photos are scaled down on the phone before upload. */
(function () {
  "use strict";
  var OUTBOX = "huimin-outbox";
  var DRAFT = "huimin-draft:";

  function load() {
    try { return JSON.parse(localStorage.getItem(OUTBOX) || "[]"); } catch (e) { return []; }
  }
  function store(queue) { localStorage.setItem(OUTBOX, JSON.stringify(queue)); }

  var flushing = false;
  function flush() {
    var queue = load();
    if (flushing || !queue.length || !navigator.onLine) return;
    flushing = true;
    var item = queue[0];
    // the CSRF token of the page open now: the session's token is new after a sign-in
    var token = (document.body.getAttribute("hx-headers") || "").match(/"x-csrftoken": "([0-9a-f]+)"/);
    var headers = { "content-type": "application/x-www-form-urlencoded" };
    if (token) headers["x-csrftoken"] = token[1];
    fetch(item.action, {
      method: "POST", body: item.body, credentials: "same-origin", redirect: "follow", headers: headers
    }).then(function (res) {
      flushing = false;
      if (res.status >= 500) return;  // keep it for the next try
      queue = load();
      queue.shift();
      store(queue);
      localStorage.removeItem(DRAFT + item.action);
      if (queue.length) { flush(); return; }
      if (item.page === location.pathname) location.assign(res.ok ? res.url : location.href);
    }).catch(function () { flushing = false; });
  }

  // sent online: the page that answers says whether it was taken (no error summary); then the draft
  // typed on the phone has done its work and is removed from it
  var SENT = "huimin-sent";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-offline=queue]") && navigator.onLine) {
      sessionStorage.setItem(SENT, form.action);
    }
  });
  function forgetSent() {
    var sent = sessionStorage.getItem(SENT);
    if (!sent) return;
    sessionStorage.removeItem(SENT);
    if (!document.querySelector("[data-error-summary]")) localStorage.removeItem(DRAFT + sent);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-offline=queue]") || navigator.onLine) return;
    event.preventDefault();
    var queue = load();
    queue.push({ action: form.action, body: new URLSearchParams(new FormData(form)).toString(), page: location.pathname });
    store(queue);
    var note = document.getElementById("offline-note");
    if (note) { note.hidden = false; note.focus && note.setAttribute("tabindex", "-1"); }
  }, true);

  function remember(form) {
    var values = {};
    new FormData(form).forEach(function (value, name) {
      if (name !== "_csrf_token" && name !== "idem" && typeof value === "string") values[name] = value;
    });
    localStorage.setItem(DRAFT + form.action, JSON.stringify(values));
  }
  function restore(form) {
    var saved;
    try { saved = JSON.parse(localStorage.getItem(DRAFT + form.action) || "null"); } catch (e) { saved = null; }
    if (!saved) return;
    Object.keys(saved).forEach(function (name) {
      var field = form.elements[name];
      if (field && field.type !== "checkbox" && field.type !== "hidden" && !field.value) field.value = saved[name];
    });
  }

  function downscale(input) {
    var file = input.files && input.files[0];
    var max = parseInt(input.getAttribute("data-downscale"), 10) || 1600;
    if (!file || !/^image\//.test(file.type) || !window.createImageBitmap || !window.DataTransfer) return;
    var buttons = input.form ? input.form.querySelectorAll("button[type=submit]") : [];
    function busy(on) { Array.prototype.forEach.call(buttons, function (b) { b.disabled = on; }); }
    busy(true);
    createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, max / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.size < 1500000) { busy(false); return; }
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) {
        var smaller = new DataTransfer();
        smaller.items.add(new File([blob], file.name.replace(/\.\w+$/, "") + ".jpg", { type: "image/jpeg" }));
        input.files = smaller.files;
        busy(false);
      }, "image/jpeg", 0.85);
    }).catch(function () { busy(false); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    forgetSent();
    Array.prototype.forEach.call(document.querySelectorAll("form[data-offline=queue]"), function (form) {
      restore(form);
      form.addEventListener("input", function () { remember(form); });
    });
    Array.prototype.forEach.call(document.querySelectorAll("input[type=file][data-downscale]"), function (input) {
      input.addEventListener("change", function () { downscale(input); });
    });
    flush();
  });
  window.addEventListener("online", flush);
})();
