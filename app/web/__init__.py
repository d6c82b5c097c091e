"""The web layer: app factory, errors, security headers, CSRF, admin auth.

Routes live in api/ (JSON) and site/ (HTML); they parse, call one domain function, and render."""
