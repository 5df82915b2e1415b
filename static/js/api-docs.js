/* Start-up of the API documentation pages (Swagger UI, Redoc) without inline script. */
(function () {
  "use strict";

  function startSwagger(el) {
    var csrf = el.getAttribute("data-csrf-token");
    window.ui = window.SwaggerUIBundle({
      url: el.getAttribute("data-schema-url"),
      dom_id: "#swagger-ui",
      deepLinking: true,
      persistAuthorization: false,
      presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIStandalonePreset],
      layout: "BaseLayout",
      requestInterceptor: function (request) {
        // Session-authenticated "Try it out" needs Django's CSRF header on writes.
        request.headers["X-CSRFToken"] = csrf;
        return request;
      },
    });
  }

  function startRedoc(el) {
    // Search is off: it runs in a blob: worker, which the strict CSP forbids.
    // Redoc hands this nonce to the <style> elements it injects (strict CSP).
    var nonce = el.getAttribute("data-style-nonce");
    var script = document.createElement("script");
    script.src = el.getAttribute("data-redoc-src");
    script.onload = function () {
      window.Redoc.init(el.getAttribute("data-schema-url"), { nonce: nonce, disableSearch: true, hideDownloadButton: false }, el);
    };
    document.head.appendChild(script);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.querySelector("[data-api-docs]");
    if (!el) {
      return;
    }
    if (el.getAttribute("data-api-docs") === "swagger") {
      startSwagger(el);
    } else {
      startRedoc(el);
    }
  });
})();
