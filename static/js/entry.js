// Report form: keeps the report version in sync across section forms, lets HTMX show
// validation (422), conflict (409) and refusal (403) answers, and keeps unsent input in
// localStorage so nothing typed is lost on a flaky connection or a closed tab.
(function () {
  "use strict";
  var PREFIX = "espm-draft:";

  function currentVersion() {
    var el = document.getElementById("report-version");
    return el ? el.getAttribute("data-version") : null;
  }

  // After our own save moved the report from N-1 to N, forms that were at N-1 have seen
  // everything and move to N; a form left at an older version (a conflict shown elsewhere,
  // someone else's save) stays stale on purpose, so its next save is checked.
  function syncVersions() {
    var v = parseInt(currentVersion(), 10);
    if (!v) { return; }
    document.querySelectorAll("input[data-report-version]").forEach(function (input) {
      if (parseInt(input.value, 10) === v - 1) { input.value = String(v); }
    });
  }

  function formValues(form) {
    var out = {};
    form.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (!el.name || el.type === "hidden" || el.type === "file" || el.name === "csrfmiddlewaretoken") { return; }
      out[el.name] = el.type === "checkbox" ? (el.checked ? "1" : "") : el.value;
    });
    return out;
  }

  function storeDraft(form) {
    var key = form.getAttribute("data-draft");
    if (!key) { return; }
    try {
      localStorage.setItem(PREFIX + key, JSON.stringify({ v: currentVersion(), at: Date.now(), values: formValues(form) }));
    } catch (e) { /* storage full or disabled: autosave still works */ }
  }

  function clearDraft(form) {
    var key = form && form.getAttribute("data-draft");
    if (key) {
      try { localStorage.removeItem(PREFIX + key); } catch (e) { /* ignore */ }
    }
  }

  function restoreDrafts() {
    document.querySelectorAll("form[data-draft]").forEach(function (form) {
      var raw;
      try { raw = localStorage.getItem(PREFIX + form.getAttribute("data-draft")); } catch (e) { return; }
      if (!raw) { return; }
      var draft;
      try { draft = JSON.parse(raw); } catch (e) { clearDraft(form); return; }
      // Only restore onto the same version it was typed against; otherwise someone saved since.
      if (!draft || draft.v !== currentVersion()) { clearDraft(form); return; }
      var changed = false;
      Object.keys(draft.values || {}).forEach(function (name) {
        var el = form.elements.namedItem(name);
        if (el && el.value !== draft.values[name] && el.type !== "checkbox") {
          el.value = draft.values[name];
          changed = true;
        }
      });
      if (changed) {
        var note = document.createElement("p");
        note.className = "draft-note";
        note.setAttribute("role", "status");
        note.textContent = "Isian yang belum tersimpan dipulihkan dari peramban ini. Tekan Simpan untuk menyimpannya.";
        form.insertBefore(note, form.firstChild);
      } else {
        clearDraft(form);
      }
    });
  }

  document.addEventListener("input", function (event) {
    var form = event.target.closest ? event.target.closest("form[data-draft]") : null;
    if (form) {
      storeDraft(form);
      var sec = form.closest(".entry-section");
      var status = sec ? sec.querySelector(".save-status") : null;
      if (status) { status.textContent = "Belum tersimpan…"; }
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var code = event.detail.xhr.status;
    if (code === 409 || code === 422 || code === 403) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    var form = elt && elt.tagName === "FORM" ? elt : null;
    if (form && event.detail.successful && event.detail.xhr.status < 300) {
      clearDraft(form);
      var note = form.querySelector(".draft-note");
      if (note) { note.remove(); }
    }
  });

  document.addEventListener("htmx:sendError", function () {
    document.querySelectorAll(".save-status").forEach(function (s) {
      if (s.textContent) { s.textContent = "Koneksi terputus — isian disimpan sementara di peramban; coba simpan lagi."; }
    });
  });

  document.addEventListener("htmx:afterSwap", syncVersions);
  document.addEventListener("htmx:oobAfterSwap", syncVersions);
  document.addEventListener("DOMContentLoaded", function () {
    syncVersions();
    restoreDrafts();
  });
})();
