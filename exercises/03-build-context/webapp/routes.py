"""Routes: plain functions from a request path to (status, content type, body)."""

import json
import os

from . import VERSION

NOTES = [
    {"id": 1, "text": "Send the builder only what the image needs"},
    {"id": 2, "text": "A file deleted in a later layer is still in the image"},
]
#: The page the app serves; without it the app is broken, and /health says so.
STATIC_FILES = ("index.html", "style.css")
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css"}


def _json(status, payload):
    return status, "application/json", json.dumps(payload).encode()


def handle(path, static):
    route = path.split("?", 1)[0]
    if route == "/health":
        missing = [f"static/{name}" for name in STATIC_FILES if not (static / name).is_file()]
        if missing:
            return _json(500, {"status": "broken", "missing": missing})
        return _json(200, {"status": "ok", "service": "notes-api", "version": VERSION,
                           "token_configured": bool(os.environ.get("API_TOKEN"))})
    if route == "/notes":
        return _json(200, NOTES)
    name = "index.html" if route == "/" else route.lstrip("/")
    if name in STATIC_FILES and (static / name).is_file():
        return 200, TYPES[os.path.splitext(name)[1]], (static / name).read_bytes()
    return _json(404, {"error": "not found"})
