// The sync page's progress bar: polls /dong-bo/tien-do (answers at once) while a sync runs,
// then reloads the page for the new counts. No connection is held open.
(function () {
  "use strict";
  var box = document.getElementById("sync-progress");
  if (!box) { return; }
  var bar = box.querySelector("progress");
  var text = box.querySelector(".sync-progress-text");
  var seenRunning = box.dataset.running === "1";
  var polls = 0;

  function show(data) {
    var total = Math.max(data.total || 0, data.done || 0, 1);
    bar.max = total;
    bar.value = data.done || 0;
    text.textContent = text.dataset.template
      .replace("{done}", String(data.done || 0)).replace("{total}", String(data.total || 0));
  }

  function poll() {
    polls += 1;
    fetch(box.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.running) {
          seenRunning = true;
          box.hidden = false;
          show(data);
          setTimeout(poll, 1000);
        } else if (seenRunning || String(data.run) !== box.dataset.lastRun) {
          show(data);
          window.location.reload();
        } else if (polls < 5) {
          setTimeout(poll, 1000);  // a sync just asked for may not have taken the lease yet
        }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  poll();
})();
