// The display board: a clock, and the board's state polled every second with its ETag
// (an unchanged board answers 304 with no body). Each new call is announced to the page
// as a "queue:call" event, for the chime and the spoken call to listen to.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) {
    return;
  }
  var POLL_MS = 1000;
  var stateUrl = board.getAttribute("data-state-url");
  var counterLabel = board.getAttribute("data-label-counter");
  var closedLabel = board.getAttribute("data-label-closed");
  var offline = document.getElementById("display-offline");
  var clock = document.getElementById("display-clock");
  var zone = board.getAttribute("data-zone");
  var etag = "";
  var lastCallId = null;
  // The server's time minus this screen's clock, kept when the screen's clock is wrong
  // (a TV left on another zone or reset by a power cut): every answer carries a Date.
  var skew = 0;
  var SKEW_TRUSTED_MS = 5000;

  function tick() {
    var now = new Date(Date.now() + skew);
    clock.textContent =
      now.toLocaleTimeString("vi-VN", {
        timeZone: zone, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false
      }) +
      " · " +
      now.toLocaleDateString("vi-VN", {
        timeZone: zone, weekday: "long", day: "2-digit", month: "2-digit", year: "numeric"
      });
  }

  function setSkew(response) {
    var server = Date.parse(response.headers.get("Date") || "");
    if (!isNaN(server)) {
      var difference = server - Date.now();
      skew = Math.abs(difference) > SKEW_TRUSTED_MS ? difference : 0;
    }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function counterName(number) {
    return counterLabel.replace("{n}", String(number));
  }

  function fill(list, items, make) {
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    items.forEach(function (item) {
      list.appendChild(make(item));
    });
  }

  function render(state) {
    // Over the lunch break, after hours, on a day off: why nobody is called, and until when.
    var closed = document.getElementById("display-closed");
    closed.textContent = state.closed || "";
    closed.hidden = !state.closed;
    fill(document.getElementById("display-counters"), state.counters, function (c) {
      var li = el("li", c.open ? "open" : "closed");
      li.appendChild(el("span", "display-counter", counterName(c.number)));
      li.appendChild(document.createTextNode(" "));
      // An open counter with nobody called yet: a dash, not an empty tile.
      li.appendChild(el("span", "display-code", c.open ? c.code || "\u2014" : closedLabel));
      return li;
    });
    fill(document.getElementById("display-calls"), state.calls, function (call) {
      var li = el("li");
      li.appendChild(el("span", "display-code", call.code));
      li.appendChild(document.createTextNode(" → " + counterName(call.counter) + " "));
      li.appendChild(el("small", "", call.time));
      return li;
    });
    fill(document.getElementById("display-waiting"), state.waiting, function (w) {
      var li = el("li", "", w.letter + " · " + w.name + ": ");
      li.appendChild(el("strong", "", String(w.count)));
      return li;
    });
    announce(state.calls, state.voice);
  }

  function announce(calls, voice) {
    var newest = calls.length ? calls[0].id : 0;
    if (lastCallId !== null) {
      calls
        .filter(function (call) { return call.id > lastCallId; })
        .reverse()
        .forEach(function (call) {
          // The voice's version goes along: a clip the office replaced is fetched anew.
          var detail = Object.assign({ voice: voice }, call);
          document.dispatchEvent(new CustomEvent("queue:call", { detail: detail }));
        });
    }
    lastCallId = Math.max(lastCallId || 0, newest);
  }

  function poll() {
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(stateUrl, { headers: headers, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        offline.hidden = true;
        setSkew(response);
        if (response.status === 304) {
          return null;
        }
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        etag = response.headers.get("ETag") || "";
        return response.json();
      })
      .then(function (state) {
        if (state) {
          render(state);
        }
      })
      .catch(function () {
        offline.textContent = board.getAttribute("data-label-offline");
        offline.hidden = false;
      })
      .then(function () {
        window.setTimeout(poll, POLL_MS);
      });
  }

  tick();
  window.setInterval(tick, 1000);
  poll();
})();
