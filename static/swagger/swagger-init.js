// Starts Swagger UI on /docs. A file, not an inline script, so the strict CSP (script-src 'self') holds.
(function () {
  "use strict";
  var script = document.currentScript;
  var url = (script && script.dataset.openapiUrl) || "/openapi.json";
  window.ui = SwaggerUIBundle({
    url: url,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null, // the default badge loads from validator.swagger.io, which the CSP refuses
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
