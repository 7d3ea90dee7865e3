// The counter page's lists (who waits, the counts, who was served) refresh by themselves:
// polled every 2 seconds with their ETag (an unchanged queue answers 304 with no body),
// replaced when the queue changed. Only the lists are replaced, never a form: what the
// officer is typing or choosing stays as it is. The polls stop once the officer has not
// touched the page for half the idle limit, so they never keep an idle session alive.
(function () {
  "use strict";
  var lists = document.getElementById("queue-lists");
  if (!lists || !window.fetch) {
    return;
  }
  var POLL_MS = 2000;
  var url = lists.getAttribute("data-state-url");
  var etag = "";
  var idleMs = (parseInt(lists.getAttribute("data-idle-seconds"), 10) || 1800) * 500;
  var touched = Date.now();
  ["pointerdown", "keydown", "focusin"].forEach(function (name) {
    document.addEventListener(name, function () { touched = Date.now(); }, true);
  });

  function poll() {
    // A hidden tab asks nothing, and an untouched one lets the session go idle; either
    // catches up once shown or touched again.
    if (document.hidden || Date.now() - touched > idleMs) {
      window.setTimeout(poll, POLL_MS);
      return;
    }
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(url, { headers: headers, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        // Signed out (redirected to the sign-in page) or refused: keep the page as it is.
        if (response.redirected || (response.status !== 200 && response.status !== 304)) {
          throw new Error(String(response.status));
        }
        if (response.status === 304) {
          return null;
        }
        etag = response.headers.get("ETag") || "";
        return response.text();
      })
      .then(function (html) {
        if (html !== null) {
          lists.innerHTML = html;
        }
        window.setTimeout(poll, POLL_MS);
      })
      .catch(function () {
        window.setTimeout(poll, POLL_MS * 5);  // the server restarting: try again later
      });
  }

  window.setTimeout(poll, POLL_MS);
})();
