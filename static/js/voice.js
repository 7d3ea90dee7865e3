// The display board's voice: for each "queue:call" event (display.js), the chime then the
// clips of «Mời số A012 đến quầy số 2» (the server lists them in the call's "clips"), joined
// with short gaps by Web Audio. Clips come from this server only and are kept decoded in
// memory, so the board speaks with no Internet. Calls wait their turn: never two at once.
// Browsers play sound only after a tap on the page: the «Bật âm thanh» button, once; the
// choice is remembered and the button comes back only if the browser refuses again.
(function () {
  "use strict";
  var board = document.getElementById("board");
  var button = document.getElementById("voice-unlock");
  var AudioContextClass = window.AudioContext || window.webkitAudioContext;
  if (!board || !button || !AudioContextClass) {
    return;
  }
  var KEY = "counter.voice";
  var GAP_AFTER_CHIME = 0.25; // seconds
  var GAP = 0.06;
  var RESUME_WAIT_MS = 1500;
  var urlPattern = board.getAttribute("data-voice-url");
  var version = board.getAttribute("data-voice") || "0";
  var context = null;
  var buffers = {}; // clip URL → Promise of its AudioBuffer
  var turn = Promise.resolve(); // the calls, one after another

  function remembered() {
    try {
      return window.localStorage.getItem(KEY) === "on";
    } catch (e) {
      return false;
    }
  }

  function remember() {
    try {
      window.localStorage.setItem(KEY, "on");
    } catch (e) {
      // private mode: the tap is asked again next time
    }
  }

  function ready() {
    return context !== null && context.state === "running";
  }

  function showButton() {
    button.hidden = ready();
  }

  function start() {
    if (context === null) {
      context = new AudioContextClass();
      context.onstatechange = showButton;
    }
    return context.resume().then(showButton, showButton);
  }

  function clipUrl(name) {
    return urlPattern.replace("__clip__", encodeURIComponent(name)) + "?v=" + encodeURIComponent(version);
  }

  function load(name) {
    var url = clipUrl(name);
    if (!buffers[url]) {
      buffers[url] = fetch(url, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.arrayBuffer();
        })
        .then(function (data) {
          return new Promise(function (resolve, reject) {
            context.decodeAudioData(data, resolve, reject);
          });
        })
        .catch(function (error) {
          delete buffers[url]; // tried again at the next call
          throw error;
        });
    }
    return buffers[url];
  }

  function play(clips) {
    // Every clip is asked for at once, in order; a clip that fails is left out.
    var loading = clips.map(function (name) {
      return load(name).then(null, function () { return null; });
    });
    return Promise.all(loading).then(function (loaded) {
      var at = context.currentTime + 0.05;
      loaded.forEach(function (buffer, i) {
        if (!buffer) {
          return;
        }
        var source = context.createBufferSource();
        source.buffer = buffer;
        source.connect(context.destination);
        source.start(at);
        at += buffer.duration + (clips[i] === "chime" ? GAP_AFTER_CHIME : GAP);
      });
      var wait = Math.max(0, (at - context.currentTime) * 1000);
      return new Promise(function (resolve) {
        window.setTimeout(resolve, wait);
      });
    });
  }

  document.addEventListener("queue:call", function (event) {
    var call = event.detail || {};
    if (!ready() || !call.clips || !call.clips.length) {
      return; // no sound allowed yet: the board still shows the call
    }
    if (call.voice && call.voice !== version) {
      version = call.voice; // the office replaced a clip: fetch them anew
      buffers = {};
    }
    turn = turn.then(function () {
      return play(call.clips);
    }).then(null, function () { return null; });
  });

  button.addEventListener("click", function () {
    remember();
    start();
  });

  if (remembered()) {
    // Allowed when the browser trusts this site (or was started with autoplay on). When it
    // keeps the sound off until a tap (a TV restarted), resume() neither ends nor fails:
    // the button comes back after a moment, rather than the board staying silent.
    start();
    window.setTimeout(showButton, RESUME_WAIT_MS);
  } else {
    button.hidden = false;
  }
})();
