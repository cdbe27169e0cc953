"""notes-api: a small JSON web service on Python's standard library.

GET /health answers once the app's own files are in place; GET / serves the page in
static/; GET /notes lists a few notes. Settings come from the environment (API_TOKEN).
For local runs a .env file next to this one is read too; an image never needs it:
pass the settings at run time instead (docker run --env-file .env ...).
"""

import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from webapp import routes

HERE = Path(__file__).resolve().parent


def load_dotenv(path):
    """Read KEY=value lines into the environment, never overriding what is already set."""
    if not path.is_file():
        return
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.strip().startswith("#"):
            os.environ.setdefault(key.strip(), value.strip())


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        status, content_type, body = routes.handle(self.path, HERE / "static")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        print(f"{self.address_string()} {format % args}", flush=True)


def main():
    load_dotenv(HERE / ".env")
    port = int(os.environ.get("PORT", "8000"))
    # As PID 1 in a container, Python ignores SIGTERM unless told otherwise: exit on `docker stop`.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # Every interface: inside a container, 127.0.0.1 is unreachable from outside.
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    print(f"notes-api listening on 0.0.0.0:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
