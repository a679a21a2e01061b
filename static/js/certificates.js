/* Offline verifier for residence certificates: read the QR (camera with BarcodeDetector, or a photo,
   decoded by BarcodeDetector or, where the browser lacks it, jsQR loaded on demand), check the
   token's ECDSA P-256 signature with WebCrypto against the published key set, and look the serial
   up in the revocation list. The key set and the list are kept on the device for use offline. */
(function () {
  "use strict";
  var KEYS_URL = "/.well-known/huimin-certificate-keys.json";
  var LIST_URL = "/certificates-revoked.json";

  function b64url(text) {
    var raw = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
    return Uint8Array.from(raw, function (c) { return c.charCodeAt(0); });
  }
  function cached(url) {
    return fetch(url, { cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error("http");
      return r.json();
    }).then(function (data) {
      localStorage.setItem("huimin:" + url, JSON.stringify(data));
      return data;
    }).catch(function () {
      var kept = localStorage.getItem("huimin:" + url);
      if (!kept) throw new Error("offline and nothing kept");
      return JSON.parse(kept);
    });
  }
  function showListDate(list) {
    var el = document.getElementById("list-date");
    if (el && list) el.textContent = el.getAttribute("data-label") + "：" + list.generated_at.replace("T", " ").slice(0, 19);
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
    var parts = match[1].split("."), body = b64url(parts[0]), sig = b64url(parts[1]);
    var payload = JSON.parse(new TextDecoder().decode(body));
    return Promise.all([cached(KEYS_URL), cached(LIST_URL)]).then(function (both) {
      var jwk = both[0].keys.filter(function (k) { return k.kid === payload.k; })[0];
      showListDate(both[1]);
      if (!jwk) return { verdict: "invalid" };
      return crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y }, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"])
        .then(function (key) { return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, sig, body); })
        .then(function (ok) {
          if (!ok) return { verdict: "invalid" };
          var revoked = both[1].revoked.some(function (r) { return r.serial === payload.s; });
          var expired = payload.u < new Date().toISOString().slice(0, 10);
          return { verdict: revoked ? "revoked" : expired ? "expired" : "valid", payload: payload };
        });
    });
  }

  function show(outcome) {
    var labels = document.getElementById("labels").dataset;
    var box = document.getElementById("result");
    box.hidden = false;
    box.className = "verdict verdict-" + outcome.verdict;
    box.setAttribute("data-verdict", outcome.verdict);
    box.textContent = "";
    var head = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = labels[outcome.verdict] || labels.invalid;
    head.appendChild(strong);
    box.appendChild(head);
    if (outcome.payload) {
      [[labels.holder, outcome.payload.h], [labels.community, outcome.payload.n], [labels.until, outcome.payload.u]]
        .forEach(function (row) {
          var p = document.createElement("p");
          p.textContent = row[0] + "：" + row[1];
          box.appendChild(p);
        });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    cached(LIST_URL).then(showListDate).catch(function () {});
    cached(KEYS_URL).catch(function () {});
    document.getElementById("refresh-list").addEventListener("click", function () {
      cached(LIST_URL).then(showListDate).catch(function () {});
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
