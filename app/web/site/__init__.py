"""HTML routes, their page data, Markdown rendering and the Jinja2 set-up."""
