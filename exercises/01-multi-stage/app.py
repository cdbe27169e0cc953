"""A tiny link shortener: POST /shorten?url=... returns a short code; GET /<code> redirects.

Codes are MurmurHash3 digests (the mmh3 package, a C extension) written in base 62.
"""

import json
import string
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import mmh3

ALPHABET = string.digits + string.ascii_letters
LINKS: dict[str, str] = {}


def short_code(url: str) -> str:
    number = mmh3.hash(url, signed=False)
    code = ""
    while number:
        number, digit = divmod(number, len(ALPHABET))
        code = ALPHABET[digit] + code
    return code or "0"


class Handler(BaseHTTPRequestHandler):
    def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        path = urlparse(self.path).path
        if path == "/health":
            self._send(200, {"status": "ok", "links": len(LINKS)})
        elif path.lstrip("/") in LINKS:
            self._send(302, {"url": LINKS[path.lstrip("/")]}, {"Location": LINKS[path.lstrip("/")]})
        else:
            self._send(404, {"error": "unknown code"})

    def do_POST(self) -> None:
        query = parse_qs(urlparse(self.path).query)
        if urlparse(self.path).path != "/shorten" or "url" not in query:
            self._send(400, {"error": "use POST /shorten?url=..."})
            return
        code = short_code(query["url"][0])
        LINKS[code] = query["url"][0]
        self._send(201, {"code": code})


if __name__ == "__main__":
    print("listening on :8000", flush=True)
    ThreadingHTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
