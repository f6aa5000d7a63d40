"""Server-rendered pages (Jinja2) over the same services as the API: the runbook library, the
runbook pages, the cases. ``install_web(app)`` mounts them; see web/mount.py."""
