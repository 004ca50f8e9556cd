"""A real HTTP server on 127.0.0.1 for URL tests (no mocks)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>見出し | サイト</title>
<meta property="og:title" content="日銀が利上げを決定">
<meta property="article:published_time" content="2024-03-19T15:00:00+09:00"></head>
<body><nav>ホーム ニュース 経済</nav><article><h1>日銀が利上げを決定</h1>
<p>日本銀行は19日の金融政策決定会合で、マイナス金利政策の解除を決めた。</p>
<p>利上げは2007年2月以来、17年ぶりとなる。植田和男総裁は記者会見で説明した。</p></article>
<aside>人気ランキング 1 クマの話</aside></body></html>"""


class Handler(BaseHTTPRequestHandler):
    hits: ClassVar[dict[str, int]] = {}

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        Handler.hits[self.path] = Handler.hits.get(self.path, 0) + 1
        if self.path.startswith("/page"):
            self._send(200, "text/html; charset=utf-8", PAGE.encode("utf-8"))
        elif self.path == "/sjis":
            body = PAGE.replace('charset="utf-8"', 'charset="shift_jis"').encode("cp932")
            self._send(200, "text/html", body)
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/page-redirected")
            self.end_headers()
        elif self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
        elif self.path == "/png":
            self._send(200, "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
        elif self.path == "/big":
            size = 50 * 1024 * 1024
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            chunk = b"<p>" + "あ".encode() * 10000 + b"</p>"
            sent = 0
            try:
                while sent < size:
                    self.wfile.write(chunk)
                    sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif self.path == "/slow":
            time.sleep(3)
            self._send(200, "text/html", PAGE.encode())
        else:
            self._send(404, "text/plain", b"not found")

    def _send(self, code: int, content_type: str, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout test)


class LocalServer:
    def __init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
