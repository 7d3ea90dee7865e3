/* Reception screen: keyboard-first enhancements. The page works without this file.
 *
 * - live procedure search: type, ↑/↓ to move, Enter to pick, Esc to close;
 * - picking fills the checklist, the fee and the due-date preview in place;
 * - a USB QR scanner types the CCCD payload and Enter: the applicant is filled,
 *   the form is never submitted by that Enter (wherever the cursor was);
 * - Enter moves to the next field, Ctrl+Enter receives the dossier;
 * - file size checked before sending; duplicate warning as soon as the ID is typed;
 *   the server's duplicate warning: Enter confirms, Esc goes back to editing.
 */
(function () {
  "use strict";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  var form = $("#reception-form");
  if (!form) { return; }
  var MSG = {};
  try { MSG = JSON.parse(form.getAttribute("data-messages") || "{}"); } catch (e) { MSG = {}; }
  function msg(key, fallback) { return MSG[key] || fallback; }

  var csrf = ($("input[name=csrf_token]", form) || {}).value || "";
  var search = $("#rx-q");
  var results = $("#rx-results");
  var select = $("#procedure_id");
  var scan = $("#scan");
  var scanStatus = $("#rx-scan-status");
  var maxBytes = (parseInt(form.getAttribute("data-max-mb"), 10) || 20) * 1024 * 1024;
  var totalBytes = (parseInt(form.getAttribute("data-total-mb"), 10) || 100) * 1024 * 1024;
  var QR_START = /\d{12}\|/;

  function postJSON(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    });
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); });
  }

  function setText(el, text) { if (el) { el.textContent = text || ""; } }

  // -- the procedure: live search ------------------------------------------------

  var items = [];
  var active = -1;
  var searchTimer = null;
  var searchSeq = 0;

  function closeResults() {
    results.hidden = true;
    results.innerHTML = "";
    search.setAttribute("aria-expanded", "false");
    search.removeAttribute("aria-activedescendant");
    items = [];
    active = -1;
  }

  function highlight(index) {
    var options = $all("li[role=option]", results);
    if (!options.length) { return; }
    active = (index + options.length) % options.length;
    options.forEach(function (li, i) {
      li.setAttribute("aria-selected", i === active ? "true" : "false");
    });
    search.setAttribute("aria-activedescendant", options[active].id);
    options[active].scrollIntoView({ block: "nearest" });
  }

  function renderResults(list, error) {
    results.innerHTML = "";
    items = list;
    if (!list.length) {
      var empty = document.createElement("li");
      empty.className = "rx-empty";
      empty.textContent = error || msg("no_match", "Không tìm thấy thủ tục phù hợp.");
      results.appendChild(empty);
    }
    list.forEach(function (p, i) {
      var li = document.createElement("li");
      li.id = "rx-opt-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      var code = document.createElement("code");
      code.textContent = p.code;
      var name = document.createElement("span");
      name.className = "rx-opt-name";
      name.textContent = " " + p.name;
      var meta = document.createElement("small");
      meta.className = "muted";
      meta.textContent = [p.field, p.limit_text].filter(Boolean).join(" · ");
      li.appendChild(code);
      li.appendChild(name);
      li.appendChild(meta);
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); pick(p.id); });
      results.appendChild(li);
    });
    results.hidden = false;
    search.setAttribute("aria-expanded", "true");
    if (list.length) { highlight(0); }
  }

  function runSearch() {
    var q = search.value.trim();
    if (!q) { closeResults(); return; }
    var seq = ++searchSeq;
    var url = search.getAttribute("data-search-url") + "?q=" + encodeURIComponent(q);
    getJSON(url).then(function (res) {
      if (seq !== searchSeq) { return; }
      if (!res.ok) { renderResults([], res.data && res.data.error); return; }
      renderResults(res.data || []);
    }).catch(function () { /* the plain search button still works */ });
  }

  if (search && results) {
    var searchForm = $("#rx-search-form");
    search.addEventListener("input", function () {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(runSearch, 120);
    });
    search.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown") { ev.preventDefault(); if (results.hidden) { runSearch(); } else { highlight(active + 1); } }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); highlight(active - 1); }
      else if (ev.key === "Escape") { closeResults(); }
      else if (ev.key === "Enter") {
        ev.preventDefault();
        if (items.length) { pick(items[Math.max(active, 0)].id); }
        else { clearTimeout(searchTimer); runSearch(); }
      }
    });
    search.addEventListener("blur", function () { setTimeout(closeResults, 150); });
    if (searchForm) {
      searchForm.addEventListener("submit", function (ev) { ev.preventDefault(); runSearch(); });
    }
    var plainMatches = $("#rx-matches");
    if (plainMatches) { plainMatches.hidden = true; }
  }

  // -- the procedure: picking fills the checklist, fee and due date ---------------

  var tbody = $("#rx-checklist tbody");

  function lineTemplate() {
    var row = tbody && (tbody.querySelector("tr.rx-other") || tbody.querySelector("tr"));
    return row ? row.cloneNode(true) : null;
  }

  function reindex() {
    $all("tr.rx-line", tbody).forEach(function (row, i) {
      $all("input, select, label", row).forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var v = el.getAttribute(attr);
          if (v) { el.setAttribute(attr, v.replace(/^documents-\d+-/, "documents-" + i + "-")); }
        });
      });
    });
  }

  function makeLine(doc, template) {
    var row = template.cloneNode(true);
    var catalog = Boolean(doc);
    row.className = "rx-line " + (catalog ? "rx-catalog" : "rx-other");
    $all(".error", row).forEach(function (e) { e.remove(); });
    $all(".has-error", row).forEach(function (e) { e.classList.remove("has-error"); });
    var received = $("input[type=checkbox]", row);
    var nameCell = row.children[1];
    var source = $("input[name$='-source']", row);
    var kind = $("select", row);
    var count = $("input[name$='-count']", row);
    var file = $("input[type=file]", row);
    nameCell.innerHTML = "";
    nameCell.appendChild(source);
    var name = document.createElement("input");
    name.name = "documents-0-name";
    name.id = "documents-0-name";
    if (catalog) {
      var label = document.createElement("label");
      label.setAttribute("for", received.id);
      label.textContent = doc.name;
      name.type = "hidden";
      name.value = doc.name;
      nameCell.appendChild(label);
    } else {
      name.type = "text";
      var nameMax = parseInt(form.getAttribute("data-doc-name-max"), 10);
      if (nameMax) { name.maxLength = nameMax; }
      name.placeholder = msg("other_doc", "Giấy tờ khác…");
      name.setAttribute("aria-label", msg("other_doc_label", "Tên giấy tờ khác"));
    }
    nameCell.appendChild(name);
    source.value = catalog ? "catalog" : "other";
    received.checked = catalog;
    kind.value = catalog ? doc.kind : "original";
    count.value = catalog ? String(doc.count) : "1";
    if (file) { file.value = ""; }
    return row;
  }

  function addOtherLine(focus) {
    var template = lineTemplate();
    if (!template) { return; }
    var row = makeLine(null, template);
    tbody.appendChild(row);
    reindex();
    if (focus) { $("input[type=text]", row).focus(); }
  }

  function fillChecklist(docs) {
    var template = lineTemplate();
    if (!template) { return; }
    var others = $all("tr.rx-other", tbody).filter(function (row) {
      var n = $("input[name$='-name']", row);
      return n && n.value.trim();
    });
    tbody.innerHTML = "";
    docs.forEach(function (d) { tbody.appendChild(makeLine(d, template)); });
    others.forEach(function (row) { tbody.appendChild(row); });
    tbody.appendChild(makeLine(null, template));
    reindex();
  }

  function showProcedure(p) {
    var info = $("#rx-proc-info");
    if (info) {
      info.innerHTML = "";
      var line1 = document.createElement("p");
      var code = document.createElement("code");
      code.textContent = p.code;
      var strong = document.createElement("strong");
      strong.textContent = " " + p.name;
      var field = document.createElement("span");
      field.className = "muted";
      field.textContent = " " + (p.field || "");
      line1.appendChild(code); line1.appendChild(strong); line1.appendChild(field);
      var line2 = document.createElement("p");
      line2.textContent = msg("limit", "Thời hạn giải quyết:") + " " + p.limit_text +
        (p.fee_text ? " · " + msg("fee", "Phí, lệ phí:") + " " + p.fee_text : "");
      info.appendChild(line1); info.appendChild(line2);
    }
    setText($("#rx-due"), p.due_text);
    setText($("#rx-due-2"), p.due_text);
    var fee = $("#fee_amount");
    if (fee && !fee.value && p.fee !== null && p.fee !== undefined) { fee.value = String(p.fee); }
  }

  function pick(id) {
    closeResults();
    if (select) { select.value = String(id); }
    var url = search.getAttribute("data-procedure-url").replace(/\/0$/, "/" + id);
    getJSON(url).then(function (res) {
      if (!res.ok) { return; }
      showProcedure(res.data);
      fillChecklist(res.data.documents || []);
      if (search) { search.value = res.data.code + " " + res.data.name; }
      checkDuplicates();
      if (scan) { scan.focus(); }
    }).catch(function () {
      // Offline from our own server: fall back to the plain page.
      window.location.href = form.getAttribute("action") + "?thu_tuc=" + encodeURIComponent(id);
    });
  }

  if (select) {
    select.addEventListener("change", function () { if (select.value) { pick(select.value); } });
    var pickButton = $(".rx-pick", form);
    if (pickButton) { pickButton.hidden = true; }
  }

  function refreshDue() {
    if (!select || !select.value || !search) { return; }
    getJSON(search.getAttribute("data-due-url") + "?thu_tuc=" + encodeURIComponent(select.value))
      .then(function (res) {
        if (res.ok) { setText($("#rx-due"), res.data.text); setText($("#rx-due-2"), res.data.text); }
      }).catch(function () {});
  }
  setInterval(refreshDue, 60000);

  var addLine = $("#rx-add-line");
  if (addLine) {
    addLine.hidden = false;
    addLine.addEventListener("click", function () { addOtherLine(true); });
  }

  // -- the CCCD QR code -----------------------------------------------------------

  function localParse(payload) {
    var start = payload.search(QR_START);
    if (start < 0) { return null; }
    var f = payload.slice(start).trim().split("|");
    if (f.length < 7) { return null; }
    var d = f[3].trim();
    return {
      id_number: f[0].trim(), full_name: f[2].trim(),
      date_of_birth: d.length === 8 ? d.slice(0, 2) + "/" + d.slice(2, 4) + "/" + d.slice(4) : "",
      address: f[5].trim()
    };
  }

  function fillApplicant(card) {
    var person = $("#applicant_kind-0");
    if (person) { person.checked = true; person.dispatchEvent(new Event("change", { bubbles: true })); }
    var pairs = { applicant_name: card.full_name, id_number: card.id_number,
      date_of_birth: card.date_of_birth, address: card.address };
    Object.keys(pairs).forEach(function (id) {
      var el = document.getElementById(id);
      if (el && pairs[id]) {
        el.value = pairs[id];
        var box = el.closest(".field");
        if (box) { box.classList.remove("has-error"); $all(".error", box).forEach(function (e) { e.remove(); }); }
      }
    });
    setText(scanStatus, msg("scanned", "Đã đọc CCCD:") + " " + card.full_name);
    if (scanStatus) { scanStatus.className = "rx-scan-status ok"; }
    checkDuplicates();
    var phone = $("#phone");
    if (phone) { phone.focus(); }
  }

  function readQr(payload) {
    setText(scanStatus, msg("reading", "Đang đọc mã QR…"));
    postJSON(form.getAttribute("data-qr-url"), { qr: payload }).then(function (res) {
      if (res.ok) { fillApplicant(res.data); return; }
      setText(scanStatus, res.data && res.data.error);
      if (scanStatus) { scanStatus.className = "rx-scan-status bad"; }
      if (scan) { scan.focus(); scan.select(); }
    }).catch(function () {
      var card = localParse(payload);
      if (card) { fillApplicant(card); }
    });
  }

  if (scan) {
    scan.addEventListener("keydown", function (ev) {
      if (ev.key !== "Enter" || ev.ctrlKey || scan.value.indexOf("|") < 0) { return; }
      ev.preventDefault();
      ev.stopPropagation();
      var value = scan.value;
      scan.value = "";
      readQr(value);
    });
  }

  // -- keyboard: Enter moves on, Ctrl+Enter receives --------------------------------

  function focusables() {
    return $all("input, select, textarea, button", form).filter(function (el) {
      return !el.disabled && el.type !== "hidden" && el.offsetParent !== null && el.tabIndex >= 0;
    });
  }

  form.addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter") { return; }
    var el = ev.target;
    if (ev.ctrlKey || ev.metaKey) {
      ev.preventDefault();
      var submit = $("#rx-submit");
      if (form.requestSubmit) { form.requestSubmit(submit); } else { submit.click(); }
      return;
    }
    if (el.tagName === "TEXTAREA" || el.tagName === "BUTTON" || el.type === "submit" || el.type === "file") { return; }
    if (el.tagName !== "INPUT" && el.tagName !== "SELECT") { return; }
    ev.preventDefault();
    // A scan typed into the wrong box: take the payload out and read it.
    if (el.tagName === "INPUT" && QR_START.test(el.value) && el.value.indexOf("|") >= 0) {
      var start = el.value.search(QR_START);
      var payload = el.value.slice(start);
      el.value = el.value.slice(0, start);
      readQr(payload);
      return;
    }
    var list = focusables();
    var next = list[list.indexOf(el) + 1];
    if (next) { next.focus(); }
  });

  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && !form.contains(ev.target)) {
      ev.preventDefault();
      var submit = $("#rx-submit");
      if (form.requestSubmit) { form.requestSubmit(submit); } else { submit.click(); }
    }
  });

  // -- the rest of the form -----------------------------------------------------------

  var onBehalf = $("#on_behalf");
  var filer = $("#rx-filer");
  function syncFiler() {
    if (!filer || !onBehalf) { return; }
    var filled = $all("input", filer).some(function (i) { return i.value; });
    filer.hidden = !onBehalf.checked && !filled && !$(".has-error", filer);
  }
  if (onBehalf) { onBehalf.addEventListener("change", syncFiler); syncFiler(); }

  function syncKind() {
    var org = $("#applicant_kind-1");
    var dob = $("#date_of_birth");
    var box = dob && dob.closest(".field");
    if (box && org) { box.hidden = org.checked; }
  }
  $all("input[name=applicant_kind]", form).forEach(function (r) { r.addEventListener("change", syncKind); });
  syncKind();

  form.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.type !== "file" || !el.files) { return; }
    var cell = el.parentNode;
    $all(".rx-file-error", cell).forEach(function (e) { e.remove(); });
    var big = Array.prototype.filter.call(el.files, function (f) { return f.size > maxBytes; });
    var total = 0;  // every scan chosen on the form: one reception's budget
    $all("input[type=file]", form).forEach(function (input) {
      Array.prototype.forEach.call(input.files || [], function (f) { total += f.size; });
    });
    if (big.length || total > totalBytes) {
      var names = Array.prototype.map.call(big.length ? big : el.files, function (f) { return f.name; });
      var err = document.createElement("div");
      err.className = "error rx-file-error";
      err.setAttribute("role", "alert");
      err.textContent = (big.length ? msg("too_big", "Tệp quá lớn:") : msg("too_much", "Quá tổng dung lượng:")) +
        " " + names.join(", ");
      cell.appendChild(err);
      el.value = "";
      return;
    }
    var row = el.closest("tr.rx-line");
    var tick = row && $("input[type=checkbox]", row);
    if (tick && el.files.length) { tick.checked = true; }
  });

  // -- the duplicate warning from the server: Enter confirms, Esc goes back to editing ---

  var dupWarning = $("#rx-duplicate");
  if (dupWarning) {
    var dupConfirm = $("#rx-confirm");
    var dupCancel = $("#rx-dup-cancel");
    var cancelDuplicate = function () {
      dupWarning.hidden = true;
      var idField = $("#id_number");
      if (idField) { idField.focus(); idField.select(); }
    };
    if (dupCancel) {
      dupCancel.hidden = false;
      dupCancel.addEventListener("click", cancelDuplicate);
    }
    dupWarning.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") { ev.preventDefault(); cancelDuplicate(); }
    });
    if (dupConfirm) { dupConfirm.focus(); }
  }

  // -- a form sent back with errors: the cursor goes to the first thing to correct -------
  // (not to the scanner's box, where the page puts it otherwise)

  var FIELDS = "input:not([type=hidden]), select, textarea";
  var sentBack = !dupWarning && form ? $all(".error[role=alert]", form) : [];
  for (var e = 0; e < sentBack.length; e++) {
    var holder = sentBack[e].closest(".field, td");
    var target = holder ? $(FIELDS, holder) : null;
    if (!target && !holder && sentBack[e].nextElementSibling) {  // the checklist as a whole
      target = $(FIELDS, sentBack[e].nextElementSibling);
    }
    if (target) {  // else (a field the page keeps hidden) the next error
      target.focus();
      if (target.select && /^(text|search|tel|email)$/.test(target.type)) { target.select(); }
      break;
    }
  }

  // -- duplicate warning as soon as ID and procedure are known -------------------------

  var idInput = $("#id_number");
  var dupBox = null;
  function checkDuplicates() {
    if (!idInput || !select || !select.value || !/^\d{12}$/.test(idInput.value.replace(/\s/g, ""))) { return; }
    postJSON(form.getAttribute("data-duplicate-url"), {
      id_number: idInput.value, procedure_id: select.value
    }).then(function (res) {
      if (!res.ok) { return; }
      if (!dupBox) {
        dupBox = document.createElement("div");
        dupBox.className = "flash flash-warning rx-duplicate-live";
        dupBox.setAttribute("role", "status");
        idInput.closest(".field").appendChild(dupBox);
      }
      var list = res.data || [];
      dupBox.hidden = !list.length;
      dupBox.textContent = list.length ? msg("duplicate", "Có thể trùng hồ sơ:") + " " +
        list.map(function (d) { return d.code + " (" + d.status + ", " + d.received + ")"; }).join("; ") : "";
    }).catch(function () {});
  }
  if (idInput) { idInput.addEventListener("change", checkDuplicates); }
})();
