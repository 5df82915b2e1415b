// Small progressive enhancements; no inline scripts anywhere (strict CSP).
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.matches && el.matches("[data-autosubmit]") && el.form) {
    el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
  }
});
document.addEventListener("click", function (event) {
  var el = event.target.closest ? event.target.closest("[data-confirm]") : null;
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
