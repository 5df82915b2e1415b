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

  // A closed select changes on every arrow key (each one a change event): while it keeps the
  // focus its change waits, and the section saves once, when the person leaves the select.
  var releasing = null;
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.tagName !== "SELECT" || el === releasing || document.activeElement !== el) { return; }
    if (!el.closest("form[data-draft]")) { return; }
    event.stopPropagation();
    el._changed = true;
  }, true);
  document.addEventListener("focusout", function (event) {
    var el = event.target;
    if (el.tagName !== "SELECT" || !el._changed) { return; }
    el._changed = false;
    releasing = el;
    try { el.dispatchEvent(new Event("change", { bubbles: true })); } finally { releasing = null; }
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

  // What a section form sends, to tell afterwards which fields were typed into meanwhile.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.tagName === "FORM" && form.hasAttribute("data-draft")) {
      form._sent = formValues(form);
      // A select's waiting change goes with this save; leaving it later sends nothing more.
      form.querySelectorAll("select").forEach(function (s) { s._changed = false; });
    }
  });

  // After a good save: every field now starts from what is stored (base-* inputs), fields not
  // typed into since the save show the stored value (a colleague's change included), and the
  // section's old error messages and conflict box go.
  function afterSaved(status) {
    var holder = status.querySelector(".stored-values");
    var sec = status.closest(".entry-section");
    if (!sec) { return; }
    sec.querySelectorAll(".errorlist, .conflict").forEach(function (el) { el.remove(); });
    sec.querySelectorAll(".field-error").forEach(function (el) { el.classList.remove("field-error"); });
    sec.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    if (!holder) { return; }
    var stored;
    try { stored = JSON.parse(holder.getAttribute("data-values")); } catch (e) { return; }
    var form = sec.querySelector("form[data-draft]");
    if (!form) { return; }
    var sent = form._sent || {};
    Object.keys(stored).forEach(function (name) {
      var base = form.querySelector('input[data-base][name="base-' + name + '"]');
      if (base) { base.value = stored[name]; }
      var el = form.elements.namedItem(name);
      if (el && sent[name] !== undefined && el.value === sent[name]) { el.value = stored[name]; }
    });
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.classList && target.classList.contains("save-status") && event.detail.xhr.status < 300) {
      afterSaved(target);
    }
  });

  // A conflict row's choice puts theirs (or keeps mine) in the field; once every row of the
  // box is decided the section saves (its base is theirs now, so the choice is what is saved).
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-choice]") : null;
    if (!button) { return; }
    var sec = button.closest(".entry-section");
    var form = sec ? sec.querySelector("form[data-draft]") : null;
    if (!form) { return; }
    var el = form.elements.namedItem(button.getAttribute("data-field"));
    if (el && button.getAttribute("data-choice") === "theirs") { el.value = button.getAttribute("data-value"); }
    var row = button.closest("tr");
    if (row) {
      row.setAttribute("data-decided", button.getAttribute("data-choice"));
      row.querySelectorAll("button[data-choice]").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
    }
    var box = button.closest(".conflict");
    if (box && !box.querySelector("tr[data-field]:not([data-decided])")) {
      storeDraft(form);
      form.requestSubmit();
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var form = event.detail.elt;
    var sec = form && form.closest ? form.closest(".entry-section") : null;
    var status = sec ? sec.querySelector(".save-status") : null;
    if (status) { status.textContent = "✗ Belum tersimpan — server sedang bermasalah; coba simpan lagi."; }
  });

  document.addEventListener("htmx:sendError", function () {
    document.querySelectorAll(".save-status").forEach(function (s) {
      if (s.textContent) { s.textContent = "Koneksi terputus — isian disimpan sementara di peramban; coba simpan lagi."; }
    });
  });


  // Budget codes: picking a kegiatan / sub kegiatan from the nomenclature list fills its name
  // (and a sub kegiatan's kegiatan); a complete code the list does not know gets a warning.
  var FULL_CODE = /^[0-9X]\.[0-9X]{2}\.\d{2}\.\d\.\d{2}(\.\d{4})?$/;
  function nomenclatureOption(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list || !input.value) { return null; }
    var found = null;
    list.querySelectorAll("option").forEach(function (o) { if (o.value === input.value.trim()) { found = o; } });
    return found;
  }
  function setField(form, name, value) {
    var el = form.elements.namedItem(name);
    if (el && value !== null && el.value !== value) { el.value = value; }
  }
  function codeWarning(input, show) {
    var next = input.nextElementSibling;
    var warn = next && next.classList.contains("nomenclature-live") ? next : null;
    if (show && !warn) {
      warn = document.createElement("small");
      warn.className = "warn nomenclature-live";
      warn.setAttribute("role", "status");
      warn.textContent = "⚠ Peringatan: kode tidak ada dalam nomenklatur (tetap dapat disimpan).";
      input.insertAdjacentElement("afterend", warn);
    } else if (!show && warn) {
      warn.remove();
    }
  }
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.hasAttribute || !input.hasAttribute("data-nomenclature")) { return; }
    var option = nomenclatureOption(input);
    if (!option) { return; }
    var prefix = input.name.replace(/(sub_)?activity_code$/, "");
    var form = input.form;
    if (option.getAttribute("data-level") === "sub_activity") {
      setField(form, prefix + "sub_activity_code", option.value);
      setField(form, prefix + "sub_activity_name", option.getAttribute("data-name"));
      setField(form, prefix + "activity_code", option.getAttribute("data-parent-code"));
      setField(form, prefix + "activity_name", option.getAttribute("data-parent-name"));
    } else {
      setField(form, prefix + "activity_code", option.value);
      setField(form, prefix + "activity_name", option.getAttribute("data-name"));
    }
    codeWarning(input, false);
    storeDraft(form);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    var input = event.detail.requestConfig ? event.detail.requestConfig.elt : null;
    if (!target || target.tagName !== "DATALIST" || !input || !input.hasAttribute("data-nomenclature")) { return; }
    var value = input.value.trim();
    codeWarning(input, FULL_CODE.test(value) && !nomenclatureOption(input));
  });

  document.addEventListener("htmx:afterSwap", syncVersions);
  document.addEventListener("htmx:oobAfterSwap", syncVersions);
  document.addEventListener("DOMContentLoaded", function () {
    syncVersions();
    restoreDrafts();
  });
})();
