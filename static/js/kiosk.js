// The kiosk's ticket page goes back to the service buttons by itself after a while,
// so the next citizen finds the buttons (no inline script: the app's CSP forbids it).
(function () {
  "use strict";
  var ticket = document.getElementById("kiosk-ticket");
  if (!ticket) {
    return;
  }
  var seconds = parseInt(ticket.getAttribute("data-seconds"), 10) || 20;
  window.setTimeout(function () {
    window.location.assign(ticket.getAttribute("data-return-url"));
  }, seconds * 1000);
})();
