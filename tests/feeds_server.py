"""A real HTTP server on a loopback port for the feed tests: it serves the files a test writes
into a folder, with ETag/Last-Modified and conditional requests, plus per-path behaviours
(fail N times, delay, redirect, gzip, fixed status or headers), and logs every request."""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import html
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TYPES = {
    ".html": "text/html", ".htm": "text/html", ".rss": "application/rss+xml",
    ".atom": "application/atom+xml", ".xml": "application/xml", ".json": "application/feed+json",
    ".txt": "text/plain", ".opml": "text/x-opml", ".png": "image/png",
}


@dataclass
class Behaviour:
    """How a path misbehaves: ``fail`` first N requests with ``fail_status``; ``delay``
    seconds before answering; ``redirect`` to a path; a fixed ``status``; ``gzip`` the body;
    ``content_type`` overrides the suffix's; ``no_length`` sends no Content-Length (the body
    ends when the connection closes)."""

    fail: int = 0
    fail_status: int = 500
    delay: float = 0.0
    redirect: str | None = None
    status: int | None = None
    gzip: bool = False
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    no_length: bool = False
    body: bytes | None = None


@dataclass
class Logged:
    path: str
    headers: dict[str, str]
    at: float


class Site:
    """The server's state: its folder, behaviours and request log (thread-safe)."""

    def __init__(self, root: Path):
        self.root = root
        self.behaviours: dict[str, Behaviour] = {}
        self.log: list[Logged] = []
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def write(self, path: str, data: str | bytes) -> str:
        """Write a file the server will serve at ``path``; returns its URL."""
        target = self.root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return self.url(path)

    def requested(self, path: str) -> list[Logged]:
        with self.lock:
            return [entry for entry in self.log if entry.path == path]

    def paths(self) -> list[str]:
        with self.lock:
            return [entry.path for entry in self.log]


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            with site.lock:
                site.log.append(Logged(self.path, dict(self.headers.items()), time.monotonic()))
                count = site.counts[path] = site.counts.get(path, 0) + 1
            rule = site.behaviours.get(path, Behaviour())
            if rule.delay:
                time.sleep(rule.delay)
            if count <= rule.fail:
                return self._send(rule.fail_status, b"temporary failure", "text/plain", rule.headers)
            if rule.redirect is not None:
                return self._send(302, b"", "text/plain", {"Location": rule.redirect})
            file = site.root / path.lstrip("/")
            if rule.body is not None:
                body = rule.body
            elif file.is_file():
                body = file.read_bytes()
            else:
                return self._send(404, b"not found", "text/plain", {})
            ctype = rule.content_type or TYPES.get(file.suffix, "application/octet-stream")
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            modified = email.utils.formatdate(int(file.stat().st_mtime) if file.exists() else 0,
                                              usegmt=True)
            headers = {"ETag": etag, "Last-Modified": modified, **rule.headers}
            if self.headers.get("If-None-Match") == etag or (
                self.headers.get("If-Modified-Since") == modified
                and "If-None-Match" not in self.headers
            ):
                return self._send(304, b"", None, headers)
            if rule.gzip:
                body = gzip.compress(body)
                headers["Content-Encoding"] = "gzip"
            self._send(rule.status or 200, body, ctype, headers, no_length=rule.no_length)

        def _send(self, status: int, body: bytes, ctype: str | None, headers: dict[str, str],
                  no_length: bool = False) -> None:
            try:
                self.send_response(status)
                if ctype:
                    self.send_header("Content-Type", ctype)
                for name, value in headers.items():
                    self.send_header(name, value)
                if no_length:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                elif status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients that hang up early (size limits, timeouts) are part of the tests.
        pass


def start(site: Site, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    server = _Server((host, 0), _handler(site))
    site.server = server
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    return server


def news_page(
    title: str,
    paragraphs: list[str],
    *,
    outlet: str = "The Daily Example",
    charset: str | None = "utf-8",
    canonical: str | None = None,
    published: str | None = "2017-11-17",
    author: str | None = "Jane Reporter",
) -> str:
    """An article page with realistic site chrome: navigation, a cookie banner, share
    buttons, related stories, reader comments and a footer around the story."""
    esc = html.escape
    meta = f'<meta charset="{charset}">' if charset else ""
    link = f'<link rel="canonical" href="{esc(canonical)}">' if canonical else ""
    date = (f'<meta property="article:published_time" content="{published}">'
            f'<time datetime="{published}">{published}</time>') if published else ""
    body = "\n".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    nav = "".join(f'<li><a href="/section/{s.lower()}">{s}</a></li>'
                  for s in ("World", "Politics", "Business", "Sport", "Culture", "Opinion"))
    related = "".join(f'<li><a href="/story/{i}">Related story number {i} you may have missed'
                      f"</a></li>" for i in range(1, 6))
    return f"""<!DOCTYPE html>
<html lang="en"><head>{meta}<title>{esc(title)} | {esc(outlet)}</title>
<meta property="og:site_name" content="{esc(outlet)}">{link}
<meta name="viewport" content="width=device-width, initial-scale=1">
<script>window.dataLayer = window.dataLayer || []; function gtag(){{}}</script>
</head><body>
<div class="cookie-banner">We use cookies to improve your experience. <button>Accept all</button></div>
<header><a class="logo" href="/">{esc(outlet)}</a><nav><ul>{nav}</ul></nav>
<form role="search"><input name="q" placeholder="Search"></form></header>
<main><article>
<h1>{esc(title)}</h1>
<div class="byline">By <span class="author">{esc(author or "")}</span> {date}</div>
<div class="share"><a href="#">Share on Facebook</a> <a href="#">Share on X</a></div>
<div class="article-body">
{body}
</div>
</article>
<aside class="related"><h2>Most read</h2><ul>{related}</ul></aside>
<section class="comments"><h2>Comments (2)</h2>
<div class="comment">Reader42: This is outrageous, nobody saw it coming.</div>
<div class="comment">Anon: First!</div></section>
</main>
<footer><p>&copy; 2017 {esc(outlet)}. All rights reserved.</p>
<a href="/privacy">Privacy</a> <a href="/terms">Terms</a> <a href="/newsletter">Newsletter</a>
</footer></body></html>
"""


def rss(items: list[dict[str, str]], title: str = "Example News") -> str:
    """An RSS 2.0 feed; each item has link, title and optionally pubDate/author/description."""
    esc = html.escape
    body = "".join(
        "<item>" + "".join(f"<{k}>{esc(v)}</{k}>" for k, v in item.items()) + "</item>"
        for item in items
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{esc(title)}</title><link>http://example.invalid/</link>"
            f"<description>News</description>{body}</channel></rss>")


def atom(entries: list[dict[str, str]], title: str = "Example Atom") -> str:
    esc = html.escape
    body = "".join(
        f'<entry><title>{esc(e["title"])}</title><link href="{esc(e["link"])}"/>'
        f'<id>{esc(e["link"])}</id><updated>{e.get("updated", "2017-11-18T10:00:00Z")}</updated>'
        f'<author><name>{esc(e.get("author", "Atom Author"))}</name></author>'
        f'<summary>{esc(e.get("summary", ""))}</summary></entry>'
        for e in entries
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{esc(title)}</title><id>urn:example:atom</id>"
            f"<updated>2017-11-18T10:00:00Z</updated>{body}</feed>")


def stories(eval_dir: Path, count: int) -> list[tuple[str, list[str]]]:
    """Real news text (Multi-News articles, one per cluster): (headline, paragraphs)."""
    out = []
    with open(eval_dir / "multinews-dev.jsonl", encoding="utf-8") as lines:
        for line in lines:
            for article in json.loads(line)["articles"]:
                paragraphs = [p.strip() for p in article["text"].split("\n \n")
                              if len(p.split()) >= 15]
                if len(paragraphs) >= 5:
                    headline = " ".join(paragraphs[0].split()[:12])
                    out.append((headline, paragraphs[1:9]))
                    break
            if len(out) == count:
                return out
    raise AssertionError("not enough articles in the evaluation data")
