"""A tiny slug service: GET /slug?text=Hello World! answers {"slug": "hello-world"}.

Slugs come from the python-slugify package (with text-unidecode, which turns
"Crème brûlée" into "creme-brulee"). GET /health answers {"status": "ok"}.
"""

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from slugify import slugify

MAX_LENGTH = 60


class Handler(BaseHTTPRequestHandler):
    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path == "/health":
            self._send(200, {"status": "ok"})
        elif url.path == "/slug":
            text = parse_qs(url.query).get("text", [""])[0]
            self._send(200, {"slug": slugify(text, max_length=MAX_LENGTH)})
        else:
            self._send(404, {"error": "try GET /slug?text=..."})


if __name__ == "__main__":
    print("listening on :8000", flush=True)
    ThreadingHTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
