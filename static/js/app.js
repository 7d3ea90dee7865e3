/* Behaviour every page shares, kept out of the HTML: the Content-Security-Policy
   allows no inline script ("script-src 'self'"), so pages carry data-* attributes.

   form[data-confirm]     asks before submitting (delete buttons)
   a[data-back]           goes back in history; its href is where to go without one
   #print-button          opens the print dialog
   body[data-auto-print]  prints once on load, then drops ?print=1 from the address
                          so that reloading the page does not print it again */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest && event.target.closest("a[data-back]");
    if (link && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });

  function forgetPrint() {
    if (!window.history.replaceState || !window.URL) { return; }
    var url = new URL(window.location.href);
    if (!url.searchParams.has("print")) { return; }
    url.searchParams.delete("print");
    window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
  }

  function ready() {
    var button = document.getElementById("print-button");
    if (button) {
      button.addEventListener("click", function () { window.print(); });
    }
    // A page's own print button: hidden without this script, which would print.
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (btn) {
      btn.hidden = false;
      btn.addEventListener("click", function () { window.print(); });
    });
    if (document.body && document.body.hasAttribute("data-auto-print")) {
      window.addEventListener("load", function () {
        forgetPrint();  // first: the print dialog blocks until it is closed
        window.print();
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
