// The rule editor shows only what fits the chosen kind and "checked on" (no inline scripts:
// strict CSP). Without script every part stays visible.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("[data-rule-form]");
  if (!form) return;
  function value(selector, fallback) {
    var el = form.querySelector(selector);
    return el ? el.value : fallback;
  }
  function sync() {
    var kind = value("select[name=kind]", form.getAttribute("data-kind"));
    var each = value("select[name=each]", form.getAttribute("data-each"));
    if (kind !== "expression") each = "report";
    document.querySelectorAll("[data-for-kind]").forEach(function (el) {
      el.hidden = el.getAttribute("data-for-kind").split(" ").indexOf(kind) < 0;
    });
    document.querySelectorAll("[data-for-each]").forEach(function (el) {
      var wanted = el.getAttribute("data-for-each");
      el.hidden = wanted !== "" && wanted !== each;
    });
  }
  form.addEventListener("change", sync);
  sync();
});
