// The kiosk goes on by itself (no inline script: the app's CSP forbids it):
// - the ticket page returns to the service buttons after a while, for the next citizen;
// - the buttons' page reloads now and then, so it opens at opening time and its form
//   token never grows old on a kiosk left on for days.
(function () {
  "use strict";
  function after(id, attribute, fallback, go) {
    var node = document.getElementById(id);
    if (!node) {
      return;
    }
    var seconds = parseInt(node.getAttribute(attribute), 10) || fallback;
    window.setTimeout(function () {
      go(node);
    }, seconds * 1000);
  }
  after("kiosk-ticket", "data-seconds", 20, function (node) {
    window.location.assign(node.getAttribute("data-return-url"));
  });
  after("kiosk-home", "data-reload-seconds", 300, function () {
    window.location.reload();
  });
})();
