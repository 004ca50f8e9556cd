"""Fetch articles from http(s) URLs: bounded in time, size and redirects, cached on disk.

A rebuild does not fetch again: responses are kept in the user's cache directory
(``$QUIZGEN_CACHE_DIR`` or ``~/.cache/quizgen``), keyed by URL.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from quizgen import __version__
from quizgen.cache import cache_dir
from quizgen.errors import FetchError

log = logging.getLogger(__name__)

ALLOWED_SCHEMES = ("http", "https")
DEFAULT_TIMEOUT = 15.0
MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


@dataclass(frozen=True)
class Fetched:
    url: str
    body: bytes
    content_type: str
    charset: str | None
    from_cache: bool = False

    @property
    def is_html(self) -> bool:
        return self.content_type != "text/plain"


def check_url(url: str) -> None:
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise FetchError(
            url,
            f"unsupported URL scheme '{scheme or '(none)'}:'",
            "use an http:// or https:// address, or a file path",
        )


class _LimitedRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS
    max_repeats = 2

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        scheme = urllib.parse.urlsplit(newurl).scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            raise FetchError(
                req.full_url,
                f"redirects to an unsupported scheme '{scheme}:'",
                "use another address",
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class Fetcher:
    """Fetches URLs with a timeout, a size cap and a redirect limit, caching what it got.

    >>> Fetcher(timeout=5).fetch("https://example.org/article")  # doctest: +SKIP
    """

    def __init__(
        self,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = MAX_BYTES,
        cache: Path | None = None,
        use_cache: bool = True,
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.cache = cache if cache is not None else cache_dir() / "pages"
        self.use_cache = use_cache
        self._opener = urllib.request.build_opener(_LimitedRedirects())

    def _cache_paths(self, url: str) -> tuple[Path, Path]:
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.cache / f"{key}.body", self.cache / f"{key}.json"

    def _from_cache(self, url: str) -> Fetched | None:
        body_path, meta_path = self._cache_paths(url)
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        return Fetched(url, body, meta["content_type"], meta.get("charset"), from_cache=True)

    def _store(self, fetched: Fetched) -> None:
        try:
            self.cache.mkdir(parents=True, exist_ok=True)
            body_path, meta_path = self._cache_paths(fetched.url)
            for path, data in (
                (body_path, fetched.body),
                (
                    meta_path,
                    json.dumps(
                        {"content_type": fetched.content_type, "charset": fetched.charset}
                    ).encode(),
                ),
            ):
                fd, tmp = tempfile.mkstemp(dir=self.cache, prefix=".tmp-")
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.replace(tmp, path)
        except OSError as exc:
            log.warning("could not cache %s: %s", fetched.url, exc)

    def fetch(self, url: str) -> Fetched:
        """Fetch ``url`` (or take it from the cache); raises ``FetchError`` with the fix."""
        check_url(url)
        if self.use_cache:
            cached = self._from_cache(url)
            if cached is not None:
                log.info("%s: from cache", url)
                return cached
        request = urllib.request.Request(url, headers={"User-Agent": f"quizgen/{__version__}"})
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                headers: Message = response.headers
                content_type = headers.get_content_type()
                if content_type not in TEXT_TYPES:
                    raise FetchError(
                        url,
                        f"is not an HTML page (Content-Type: {content_type})",
                        "give the article's page",
                    )
                length = headers.get("Content-Length")
                if length and length.isdigit() and int(length) > self.max_bytes:
                    raise FetchError(
                        url,
                        f"page is larger than the {self.max_bytes // (1024 * 1024)} MB limit",
                        "save the article's text to a file",
                    )
                body = response.read(self.max_bytes + 1)
                if len(body) > self.max_bytes:
                    raise FetchError(
                        url,
                        f"page is larger than the {self.max_bytes // (1024 * 1024)} MB limit",
                        "save the article's text to a file",
                    )
                charset = headers.get_content_charset()
        except FetchError:
            raise
        except urllib.error.HTTPError as exc:
            if exc.code in (301, 302, 303, 307, 308):
                raise FetchError(
                    url,
                    "too many redirects (a redirect loop?)",
                    "open the address in a browser and give the final one",
                ) from None
            raise FetchError(
                url, f"the server answered {exc.code} {exc.reason}", "check the address"
            ) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, socket.timeout | TimeoutError):
                raise FetchError(
                    url,
                    f"no answer within {self.timeout:g} s",
                    "try again later or save the page to a file",
                ) from None
            raise FetchError(
                url, f"cannot be reached ({reason})", "check the address and your connection"
            ) from None
        except TimeoutError:
            raise FetchError(
                url,
                f"no answer within {self.timeout:g} s",
                "try again later or save the page to a file",
            ) from None
        except OSError as exc:
            raise FetchError(
                url, f"cannot be fetched ({exc})", "check the address and your connection"
            ) from None
        fetched = Fetched(url, body, content_type, charset)
        if self.use_cache:
            self._store(fetched)
        return fetched
