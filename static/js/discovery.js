/* Active discovery: with the reporter's consent, the browser's location fills in where. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("locate");
    var status = document.getElementById("locate-status");
    if (!button || !("geolocation" in navigator)) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById("r-lat").value = pos.coords.latitude.toFixed(6);
        document.getElementById("r-lon").value = pos.coords.longitude.toFixed(6);
        status.textContent = "✓ " + pos.coords.latitude.toFixed(4) + ", " + pos.coords.longitude.toFixed(4);
      }, function () {
        status.textContent = document.documentElement.lang === "en" ? "Location unavailable: please type the place." : "无法定位，请填写地址。";
      }, { enableHighAccuracy: true, timeout: 10000 });
    });
  });
})();
