"""python-api: a small JSON web service on the standard library's WSGI server, with ujson for encoding."""

import os
import platform
import signal
import sys
import time
from urllib.parse import parse_qs
from wsgiref.simple_server import make_server

import ujson

STARTED = time.monotonic()


def health(environ):
    return 200, {
        "status": "ok",
        "service": "python-api",
        "python": platform.python_version(),
        "ujson": ujson.__version__,
        "uptimeSeconds": round(time.monotonic() - STARTED, 3),
    }


def greeting(environ):
    name = parse_qs(environ.get("QUERY_STRING", "")).get("name", ["world"])[0]
    return 200, {"greeting": f"Hello, {name}!"}


ROUTES = {("GET", "/health"): health, ("GET", "/greeting"): greeting}


def app(environ, start_response):
    handler = ROUTES.get((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
    status, body = handler(environ) if handler else (404, {"error": "not found"})
    payload = ujson.dumps(body).encode()
    reason = {200: "OK", 404: "Not Found"}[status]
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


def main():
    port = int(os.environ.get("PORT", "8000"))
    # As PID 1 in a container, Python ignores SIGTERM unless told otherwise: exit on `docker stop`.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # Every interface: inside a container, 127.0.0.1 is unreachable from the host.
    with make_server("0.0.0.0", port, app) as server:
        print(f"python-api listening on 0.0.0.0:{port}", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
