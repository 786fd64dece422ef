// Idle sign-out on the screen: after the API session's idle timeout without a key press,
// click, touch or scroll, leave the page for the sign-in page, so that a participant's
// data does not stay on an unattended screen. The timeout comes from the sign-in answer
// (cookie wearmon_idle, seconds); the server enforces the same limit on every request.
(function () {
  "use strict";
  function idleSeconds() {
    var match = document.cookie.match(/(?:^|; )wearmon_idle=(\d+)/);
    return match ? parseInt(match[1], 10) : 0;
  }
  var last = Date.now();
  ["keydown", "mousedown", "touchstart", "wheel", "scroll"].forEach(function (name) {
    window.addEventListener(name, function () { last = Date.now(); }, { passive: true });
  });
  window.setInterval(function () {
    var limit = idleSeconds();
    if (!limit || window.location.pathname.indexOf("/dashboard/login") === 0) {
      return;
    }
    if (Date.now() - last > limit * 1000) {
      window.location.assign("/dashboard/login?error=expired");
    }
  }, 15000);
})();
