// Swagger UI for /api/v1/docs (templates/api/docs.html): a static file, because the
// pages' CSP runs no inline script. No validator (it would call validator.swagger.io).
(function () {
  var box = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({
    url: box.getAttribute('data-spec-url'),
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout'
  });
})();
