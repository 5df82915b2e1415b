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
    // styled-components reads this nonce for the <style> elements it injects (strict CSP).
    window.__webpack_nonce__ = el.getAttribute("data-style-nonce");
    var script = document.createElement("script");
    script.src = el.getAttribute("data-redoc-src");
    script.onload = function () {
      window.Redoc.init(el.getAttribute("data-schema-url"), { hideDownloadButton: false }, el);
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
