/* Offline verifier for residence certificates: read the QR (camera with BarcodeDetector, or a photo,
   decoded by BarcodeDetector or, where the browser lacks it, jsQR loaded on demand), check the
   token's ECDSA P-256 signature with WebCrypto against the published key set, and look the serial
   up in the revocation list (signed by the same keys; refused when its signature fails, a warning
   when past its next update). The key set and the list are kept on the device for use offline. */
(function () {
  "use strict";
  var KEYS_URL = "/.well-known/huimin-certificate-keys.json";
  var LIST_URL = "/certificates-revoked.json";

  function b64url(text) {
    var raw = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
    return Uint8Array.from(raw, function (c) { return c.charCodeAt(0); });
  }
  function keySet() {
    return fetch(KEYS_URL, { cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error("http");
      return r.json();
    }).then(function (data) {
      localStorage.setItem("huimin:" + KEYS_URL, JSON.stringify(data));
      return data;
    }).catch(function () {
      var kept = localStorage.getItem("huimin:" + KEYS_URL);
      if (!kept) throw new Error("offline and nothing kept");
      return JSON.parse(kept);
    });
  }
  // "<base64url body>.<base64url r||s>" signed by a key of the set: the body, or null.
  function opened(signed, keys) {
    var parts = (signed || "").split("."), body, payload;
    try {
      body = b64url(parts[0]);
      payload = JSON.parse(new TextDecoder().decode(body));
    } catch (e) { return Promise.resolve(null); }
    var jwk = keys.keys.filter(function (k) { return k.kid === payload.k; })[0];
    if (!jwk || parts.length !== 2) return Promise.resolve(null);
    return crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y }, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"])
      .then(function (key) { return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, b64url(parts[1]), body); })
      .then(function (ok) { return ok ? payload : null; }, function () { return null; });
  }
  // The revocation list is used only when its signature holds; a bad one is refused and the copy
  // already on the device kept.
  function keptList(keys) {
    return opened(localStorage.getItem("huimin:" + LIST_URL), keys);
  }
  function refreshList() {
    return keySet().then(function (keys) {
      return fetch(LIST_URL, { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (data) {
        return opened(data.list, keys).then(function (list) {
          if (!list) { listNote("badList"); return keptList(keys); }
          localStorage.setItem("huimin:" + LIST_URL, data.list);
          return list;
        });
      }, function () { return keptList(keys); });
    }).then(showListDate);
  }
  function stale(list) { return !list || new Date(list.next_update) < new Date(); }
  function listNote(which) {
    var el = document.getElementById("list-note");
    el.textContent = which ? document.getElementById("labels").dataset[which] : "";
    el.hidden = !which;
  }
  function showListDate(list) {
    var el = document.getElementById("list-date");
    if (el && list) el.textContent = el.getAttribute("data-label") + "：" + list.issued_at.replace("T", " ").slice(0, 19);
    if (list && stale(list)) listNote("stale");
    return list;
  }

  function decodeWithJsQR(bitmap) {
    var load = window.jsQR ? Promise.resolve() : new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = "/static/vendor/jsQR-1.4.0.js";
      s.onload = resolve;
      s.onerror = reject;
      document.head.appendChild(s);
    });
    return load.then(function () {
      var canvas = document.createElement("canvas");
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
      var ctx = canvas.getContext("2d");
      ctx.drawImage(bitmap, 0, 0);
      var data = ctx.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR(data.data, data.width, data.height);
      return code ? code.data : null;
    });
  }
  function decode(bitmap) {
    if ("BarcodeDetector" in window) {
      return new window.BarcodeDetector({ formats: ["qr_code"] }).detect(bitmap)
        .then(function (found) { return found.length ? found[0].rawValue : decodeWithJsQR(bitmap); })
        .catch(function () { return decodeWithJsQR(bitmap); });
    }
    return decodeWithJsQR(bitmap);
  }

  function verify(text) {
    var match = /[?&]t=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(text || "");
    if (!match) return Promise.resolve({ verdict: "unreadable" });
    return keySet().then(function (keys) {
      return Promise.all([opened(match[1], keys), keptList(keys)]);
    }).then(function (both) {
      var payload = both[0], list = both[1];
      if (!payload) return { verdict: "invalid" };
      var listed = list ? list.revoked.filter(function (r) { return r.s === payload.s; })[0] : null;
      var expired = payload.u < new Date().toISOString().slice(0, 10);
      return { verdict: listed ? (listed.r === "superseded" ? "replaced" : "revoked") : expired ? "expired" : "valid",
        payload: payload, stale: stale(list) };
    });
  }

  function show(outcome) {
    var labels = document.getElementById("labels").dataset;
    var box = document.getElementById("result");
    box.hidden = false;
    box.className = "verdict verdict-" + outcome.verdict;
    box.setAttribute("data-verdict", outcome.verdict);
    box.setAttribute("data-stale", outcome.stale ? "1" : "0");
    box.textContent = "";
    var head = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = labels[outcome.verdict] || labels.invalid;
    head.appendChild(strong);
    box.appendChild(head);
    if (outcome.stale) {
      var warn = document.createElement("p");
      warn.textContent = labels.stale;
      box.appendChild(warn);
    }
    var f = outcome.payload;
    if (f) {
      [[labels.holder, f.h + (f.m ? " · " + f.m : "")], [labels.address, f.a], [labels.since, f.r], [labels.purpose, f.p],
        [labels.community, f.n], [labels.until, f.u]].filter(function (row) { return row[1]; })
        .forEach(function (row) {
          var p = document.createElement("p");
          p.textContent = row[0] + "：" + row[1];
          box.appendChild(p);
        });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    refreshList().catch(function () {});
    document.getElementById("refresh-list").addEventListener("click", function () {
      listNote("");
      refreshList().catch(function () {});
    });
    document.getElementById("qr-image").addEventListener("change", function (event) {
      var file = event.target.files[0];
      if (!file) return;
      createImageBitmap(file).then(decode).then(verify).then(show).catch(function () { show({ verdict: "unreadable" }); });
    });
    var scan = document.getElementById("scan");
    if ("BarcodeDetector" in window && navigator.mediaDevices) {
      scan.hidden = false;
      scan.addEventListener("click", function () {
        var video = document.getElementById("camera");
        navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
          video.srcObject = stream;
          video.hidden = false;
          video.play();
          var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
          (function look() {
            detector.detect(video).then(function (found) {
              if (found.length) {
                stream.getTracks().forEach(function (t) { t.stop(); });
                video.hidden = true;
                verify(found[0].rawValue).then(show);
              } else { requestAnimationFrame(look); }
            }).catch(function () { requestAnimationFrame(look); });
          })();
        });
      });
    }
  });
})();
