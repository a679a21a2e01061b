/* Survival check capture: the front camera with an oval guide, short instructions for each
   challenged action (spoken too where the phone can), a burst of frames (at most 640 px, JPEG)
   uploaded with the one-time nonce. Camera refused or missing: a clear message. */
(function () {
  "use strict";
  var STEP_MS = 500, MAX_SIDE = 640;

  function $(id) { return document.getElementById(id); }
  function wait(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  document.addEventListener("DOMContentLoaded", function () {
    var box = $("capture");
    if (!box) return;
    var d = box.dataset, video = $("cap-video"), stage = $("cap-stage"), say = $("cap-instruction");
    var start = $("cap-start"), error = $("cap-error"), bar = $("cap-progress"), barText = $("cap-progress-text");
    var stream = null, lang = document.documentElement.lang || "zh-CN";
    $("cap-nojs").hidden = true;

    // layout by script (the CSP forbids inline styles): video mirrored like a mirror, oval on top
    stage.style.position = "relative";
    stage.style.maxWidth = "26rem";
    stage.style.margin = "0 auto";
    video.style.width = "100%";
    video.style.display = "block";
    video.style.borderRadius = "8px";
    video.style.transform = "scaleX(-1)";
    var oval = $("cap-oval");
    oval.style.position = "absolute";
    oval.style.left = "0";
    oval.style.top = "0";
    oval.style.width = "100%";
    oval.style.height = "100%";

    function tell(text) {
      say.textContent = text;
      try {
        if (window.speechSynthesis && window.SpeechSynthesisUtterance) {
          window.speechSynthesis.cancel();
          var u = new SpeechSynthesisUtterance(text);
          u.lang = lang;
          window.speechSynthesis.speak(u);
        }
      } catch (e) { /* speech is a help, not a requirement */ }
    }

    function refused() {
      start.hidden = true;
      stage.hidden = true;
      error.hidden = false;
      error.focus && error.focus();
    }

    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.fetch) {
      refused();
      return;
    }
    start.hidden = false;

    function grab(canvas) {
      var w = video.videoWidth, h = video.videoHeight, scale = Math.min(1, MAX_SIDE / Math.max(w, h));
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.85); });
    }

    function stop() {
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
    }

    async function run() {
      start.hidden = true;
      error.hidden = true;
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          video: { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } }, audio: false
        });
      } catch (e) {
        refused();
        return;
      }
      video.srcObject = stream;
      stage.hidden = false;
      try { await video.play(); } catch (e) { /* autoplay of a muted stream is allowed */ }
      for (var waited = 0; !video.videoWidth; waited += 50) {
        if (waited > 8000) { stop(); refused(); return; }  // a camera that never starts
        await wait(50);
      }

      var c = null, problem = d.msgFailed;
      try {
        var response = await fetch(d.challengeUrl, {
          method: "POST", credentials: "same-origin",
          headers: { "x-csrftoken": d.csrf, "accept": "application/json" }
        });
        var body = await response.json().catch(function () { return {}; });
        if (response.ok) c = body;
        else problem = body.message || d.msgFailed;  // the server's words: no reference photo, too many tries...
      } catch (e) { /* no network: the general message */ }
      if (!c) {
        stop();
        stage.hidden = true;
        tell(problem);
        start.hidden = false;
        return;
      }
      var plan = c.plan, total = plan.reduce(function (a, b) { return a + b; }, 0);
      bar.max = total;
      $("cap-progress-box").hidden = false;
      var frames = [], canvas = document.createElement("canvas");
      // phases: still, the first action, the second action, still again
      var phases = [[d.msgReady]].concat(c.steps).concat([[d.msgHold]]);
      var t0 = performance.now();  // one frame every STEP_MS from here, without drift
      for (var p = 0; p < plan.length; p++) {
        var steps = phases[p];
        tell(steps[0]);
        for (var i = 1; i <= plan[p]; i++) {
          await wait(Math.max(0, t0 + STEP_MS * (frames.length + 1) - performance.now()));
          if (steps.length > 1 && i === plan[p] - 1) tell(steps[1]);
          frames.push(await grab(canvas));
          bar.value = frames.length;
          barText.textContent = frames.length + " / " + total;
        }
      }
      stop();
      stage.hidden = true;
      tell(d.msgUpload);
      var form = new FormData();
      form.append("nonce", c.nonce);
      frames.forEach(function (blob, n) { form.append("frame" + n, blob, "frame" + n + ".jpg"); });
      try {
        var sent = await fetch(d.checkUrl, {
          method: "POST", body: form, credentials: "same-origin",
          headers: { "x-csrftoken": d.csrf, "accept": "application/json" }
        });
        var result = await sent.json();
        if (result.url) { window.location.assign(result.url); return; }
        tell(result.message || d.msgFailed);
      } catch (e) {
        tell(d.msgFailed);
      }
      start.hidden = false;
    }

    start.addEventListener("click", function () { run(); });
  });
})();
