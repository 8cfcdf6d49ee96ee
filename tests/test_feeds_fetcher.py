"""The polite fetcher (newsbrief.feeds.fetcher) against a real HTTP server on loopback."""

from __future__ import annotations

import gzip
import itertools
import socket
import time
import zlib

import pytest
from feeds_server import Behaviour, Site, start

from newsbrief import __version__
from newsbrief.feeds.fetcher import FEED_TYPES, FetchConfig, Fetcher, FetchError, Validators

PAGE = "<!DOCTYPE html><html><head><title>t</title></head><body><p>Hello</p></body></html>"
FAST = FetchConfig(rate_limit=0, backoff=0.01, timeout=1.0, retries=2)


@pytest.fixture
def site(tmp_path):
    s = Site(tmp_path / "www")
    server = start(s)
    yield s
    server.shutdown()
    server.server_close()


def fetcher(**changes) -> Fetcher:
    from dataclasses import replace

    return Fetcher(replace(FAST, **changes))


def test_user_agent_names_newsbrief_and_version_and_is_configurable(site):
    url = site.write("/a.html", PAGE)
    with fetcher() as f:
        f.get(url)
    assert f"newsbrief/{__version__}" in site.requested("/a.html")[0].headers["User-Agent"]
    with fetcher(user_agent="MyBot/2.0") as f:
        f.get(url)
    assert site.requested("/a.html")[1].headers["User-Agent"] == "MyBot/2.0"


def test_robots_txt_disallowed_path_is_never_requested(site):
    site.write("/robots.txt", "User-agent: *\nDisallow: /private/\n")
    site.write("/private/secret.html", PAGE)
    ok = site.write("/public/open.html", PAGE)
    with fetcher() as f:
        with pytest.raises(FetchError, match="disallowed by robots.txt"):
            f.get(site.url("/private/secret.html"))
        assert f.get(ok).status == 200
    assert site.requested("/private/secret.html") == []
    assert len(site.requested("/robots.txt")) == 1  # read once per host


def test_robots_txt_rules_for_our_agent(site):
    site.write("/robots.txt", "User-agent: newsbrief\nDisallow: /\n\nUser-agent: *\nAllow: /\n")
    url = site.write("/a.html", PAGE)
    with fetcher() as f, pytest.raises(FetchError, match="robots"):
        f.get(url)
    with fetcher(user_agent="OtherBot/1.0") as f:
        assert f.get(url).status == 200


def test_robots_txt_server_error_disallows_everything(site):
    site.behaviours["/robots.txt"] = Behaviour(status=503, body=b"down")
    url = site.write("/a.html", PAGE)
    with fetcher(retries=0) as f, pytest.raises(FetchError, match="robots"):
        f.get(url)
    assert site.requested("/a.html") == []


def test_500_recovers_on_retry(site):
    url = site.write("/flaky.html", PAGE)
    site.behaviours["/flaky.html"] = Behaviour(fail=2, fail_status=500)
    with fetcher() as f:
        response = f.get(url)
    assert response.status == 200 and b"Hello" in response.content
    assert len(site.requested("/flaky.html")) == 3


def test_retries_are_bounded(site):
    url = site.write("/down.html", PAGE)
    site.behaviours["/down.html"] = Behaviour(fail=10, fail_status=502)
    with fetcher(retries=1) as f, pytest.raises(FetchError) as info:
        f.get(url)
    assert info.value.reason == "HTTP 502 Bad Gateway" and info.value.transient
    assert len(site.requested("/down.html")) == 2


def test_429_honours_retry_after(site):
    url = site.write("/busy.html", PAGE)
    site.behaviours["/busy.html"] = Behaviour(fail=1, fail_status=429,
                                              headers={"Retry-After": "1"})
    start_time = time.monotonic()
    with fetcher() as f:
        assert f.get(url).status == 200
    assert time.monotonic() - start_time >= 0.95  # waited as told, not the 0.01 s backoff


def test_too_long_retry_after_gives_up_at_once(site):
    url = site.write("/later.html", PAGE)
    site.behaviours["/later.html"] = Behaviour(fail=5, fail_status=503,
                                               headers={"Retry-After": "3600"})
    with fetcher() as f, pytest.raises(FetchError, match="Retry-After 3600s is too long"):
        f.get(url)
    assert len(site.requested("/later.html")) == 1


def test_retry_after_is_passed_on_in_both_forms(site):
    """The wait a server asked for comes with the failure (seconds or an HTTP date), whether
    it was too long to wait for here or the retries ran out, so a caller can come back then;
    a 404 asks for none."""
    import email.utils

    site.write("/long.rss", "<rss/>")
    site.behaviours["/long.rss"] = Behaviour(fail=5, fail_status=503,
                                             headers={"Retry-After": "3600"})
    site.write("/dated.rss", "<rss/>")
    when = email.utils.formatdate(time.time() + 7200, usegmt=True)
    site.behaviours["/dated.rss"] = Behaviour(fail=5, fail_status=429,
                                              headers={"Retry-After": when})
    site.write("/short.rss", "<rss/>")
    site.behaviours["/short.rss"] = Behaviour(fail=5, fail_status=503,
                                              headers={"Retry-After": "1"})
    with fetcher() as f:
        with pytest.raises(FetchError) as long_:
            f.get(site.url("/long.rss"), accept=FEED_TYPES)
        with pytest.raises(FetchError) as dated:
            f.get(site.url("/dated.rss"), accept=FEED_TYPES)
    with fetcher(retries=0) as f:
        with pytest.raises(FetchError) as short:
            f.get(site.url("/short.rss"), accept=FEED_TYPES)
        with pytest.raises(FetchError) as missing:
            f.get(site.url("/missing.rss"), accept=FEED_TYPES)
    assert long_.value.retry_after == 3600 and long_.value.status == 503
    assert 7190 <= dated.value.retry_after <= 7200 and dated.value.status == 429
    assert short.value.reason == "HTTP 503 Service Unavailable"
    assert short.value.retry_after == 1
    assert missing.value.retry_after is None


def test_404_is_permanent(site):
    with fetcher() as f, pytest.raises(FetchError) as info:
        f.get(site.url("/missing.html"))
    assert info.value.reason == "HTTP 404 Not Found" and not info.value.transient
    assert len(site.requested("/missing.html")) == 1  # 4xx is not retried


def test_slow_server_times_out(site):
    url = site.write("/slow.html", PAGE)
    site.behaviours["/slow.html"] = Behaviour(delay=3.0)
    start_time = time.monotonic()
    with fetcher(timeout=0.3, retries=0) as f, pytest.raises(FetchError) as info:
        f.get(url)
    assert info.value.reason == "timed out after 0.3s" and info.value.transient
    assert time.monotonic() - start_time < 2.0


def test_redirect_loop_is_caught(site):
    site.behaviours["/loop-a"] = Behaviour(redirect="/loop-b")
    site.behaviours["/loop-b"] = Behaviour(redirect="/loop-a")
    with fetcher() as f, pytest.raises(FetchError, match="redirect loop"):
        f.get(site.url("/loop-a"))
    assert len(site.requested("/loop-a")) == 1 and len(site.requested("/loop-b")) == 1


def test_redirect_limit_and_followed_redirect(site):
    for i in range(6):
        site.behaviours[f"/hop{i}"] = Behaviour(redirect=f"/hop{i + 1}")
    site.write("/hop6", PAGE)
    site.behaviours["/hop6"] = Behaviour(content_type="text/html")
    with fetcher(max_redirects=3) as f, pytest.raises(FetchError, match="more than 3 redirects"):
        f.get(site.url("/hop0"))
    with fetcher(max_redirects=6) as f:
        response = f.get(site.url("/hop0"))
    assert response.final_url == site.url("/hop6") and response.url == site.url("/hop0")


def test_redirect_into_robots_disallowed_path_is_not_followed(site):
    site.write("/robots.txt", "User-agent: *\nDisallow: /private/\n")
    site.write("/private/x.html", PAGE)
    site.behaviours["/go"] = Behaviour(redirect="/private/x.html")
    with fetcher() as f, pytest.raises(FetchError, match="robots"):
        f.get(site.url("/go"))
    assert site.requested("/private/x.html") == []


def test_page_over_size_limit_by_content_length(site):
    url = site.write("/big.html", "<html><body>" + "x" * 200_000 + "</body></html>")
    with fetcher(max_bytes=100_000) as f, pytest.raises(FetchError, match="too large"):
        f.get(url)


def test_page_over_size_limit_without_content_length(site):
    url = site.write("/stream.html", "<html><body>" + "y" * 300_000 + "</body></html>")
    site.behaviours["/stream.html"] = Behaviour(no_length=True)
    with fetcher(max_bytes=100_000) as f, pytest.raises(FetchError, match="decoded"):
        f.get(url)


def test_gzip_bomb_stops_at_the_decoded_limit(site):
    bomb = gzip.compress(b"<html>" + b" " * 30_000_000)  # about 30 KB on the wire
    site.behaviours["/bomb.html"] = Behaviour(
        body=bomb, content_type="text/html", headers={"Content-Encoding": "gzip"})
    with fetcher(max_bytes=1_000_000) as f, pytest.raises(FetchError, match="decoded"):
        f.get(site.url("/bomb.html"))


def test_gzip_body_is_decoded(site):
    url = site.write("/z.html", PAGE)
    site.behaviours["/z.html"] = Behaviour(gzip=True)
    with fetcher() as f:
        response = f.get(url)
    assert response.content == PAGE.encode()
    assert "gzip" in site.requested("/z.html")[0].headers["Accept-Encoding"]


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS])  # zlib-wrapped and raw
def test_deflate_body_is_decoded(site, wbits):
    squeeze = zlib.compressobj(wbits=wbits)
    body = squeeze.compress(PAGE.encode()) + squeeze.flush()
    site.behaviours["/d.html"] = Behaviour(body=body, content_type="text/html",
                                           headers={"Content-Encoding": "deflate"})
    with fetcher() as f:
        assert f.get(site.url("/d.html")).content == PAGE.encode()


def test_wrong_content_type_is_refused(site):
    url = site.write("/image.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    with fetcher() as f, pytest.raises(FetchError, match="unsupported content type image/png"):
        f.get(url)


def test_feed_types_are_accepted_for_feeds(site):
    url = site.write("/f.rss", "<rss version='2.0'><channel></channel></rss>")
    with fetcher() as f:
        assert f.get(url, accept=FEED_TYPES).content_type == "application/rss+xml"
        with pytest.raises(FetchError, match="content type"):
            f.get(url)  # not a page type


def test_conditional_request_gets_304(site):
    url = site.write("/c.html", PAGE)
    with fetcher() as f:
        first = f.get(url)
        assert first.validators.etag and first.validators.last_modified
        second = f.get(url, validators=first.validators)
    assert second.not_modified and second.content == b""
    sent = site.requested("/c.html")[1].headers
    assert sent["If-None-Match"] == first.validators.etag
    assert sent["If-Modified-Since"] == first.validators.last_modified
    with fetcher() as f:  # a changed page is sent in full
        site.write("/c.html", PAGE.replace("Hello", "Changed"))
        third = f.get(url, validators=first.validators)
    assert third.status == 200 and b"Changed" in third.content


def test_per_host_rate_limit(site):
    url = site.write("/r.html", PAGE)
    with fetcher(rate_limit=5.0) as f:  # one request every 0.2 s
        for _ in range(4):
            f.get(url)
    times = [e.at for e in site.requested("/r.html")]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.17, gaps


def test_connection_refused():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    with fetcher() as f, pytest.raises(FetchError) as info:
        f.get(f"http://127.0.0.1:{port}/a.html")
    assert info.value.reason == "connection refused"


def test_dns_failure(monkeypatch):
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):  # no resolver is asked: the name fails here
        if host == "no-such-host.test":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with fetcher() as f, pytest.raises(FetchError) as info:
        f.get("http://no-such-host.test/a.html")
    assert info.value.reason == "DNS lookup failed"


def test_validators_headers():
    assert Validators().headers() == {}
    assert Validators('"x"', None).headers() == {"If-None-Match": '"x"'}


def test_robots_txt_server_error_is_transient_and_asked_again_soon(site, monkeypatch):
    import types

    from newsbrief.feeds import fetcher as module

    site.behaviours["/robots.txt"] = Behaviour(fail=1, fail_status=503)
    site.write("/robots.txt", "User-agent: *\nAllow: /\n")
    url = site.write("/a.html", PAGE)
    clock = [1000.0]
    # The fetcher's clock only (robots.txt cache expiry); sleeps and wall time stay real.
    monkeypatch.setattr(module, "time", types.SimpleNamespace(
        monotonic=lambda: clock[0], time=time.time, sleep=time.sleep))
    with fetcher(retries=0) as f:
        with pytest.raises(FetchError, match="robots") as caught:
            f.get(url)
        assert caught.value.transient  # a page blocked by an outage is tried again later
        clock[0] += 600  # ten minutes later the outage is over: not a 24-hour ban
        assert f.get(url).status == 200
    assert len(site.requested("/robots.txt")) == 2


def test_server_dripping_its_headers_is_cut_off_at_the_total_timeout():
    # Each header line arrives well within the read timeout, so only the total deadline can
    # end the request; it used to apply to the body alone and the headers could drip for hours.
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    connections = []

    def serve() -> None:
        conn, _ = listener.accept()
        connections.append(conn)
        conn.recv(4096)
        try:
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            for _ in range(100):  # at most 5 s, so the test ends even if the client waits
                conn.sendall(b"X-Drip: 1\r\n")
                time.sleep(0.05)
        except OSError:
            pass  # the client hung up, as it should
        conn.close()

    threading.Thread(target=serve, daemon=True).start()
    start_time = time.monotonic()
    try:
        with fetcher(robots=False, timeout=0.5, total_timeout=0.6, retries=2) as f, \
                pytest.raises(FetchError) as info:
            f.get(f"http://127.0.0.1:{listener.getsockname()[1]}/drip.html")
    finally:
        listener.close()
    assert info.value.reason == "timed out after 0.6s in total" and info.value.transient
    assert time.monotonic() - start_time < 2.0  # not retried: it would only drip again
    assert len(connections) == 1


def test_retry_after_that_is_not_ascii_digits_falls_back_to_backoff(site):
    # "²" (byte 0xB2 in a Latin-1 header) passes str.isdigit(); float() then raised ValueError
    # out of Fetcher.get, which only ever raises FetchError, and ended the polling round.
    url = site.write("/ra.html", PAGE)
    site.behaviours["/ra.html"] = Behaviour(fail=1, fail_status=503,
                                            headers={"Retry-After": "\u00b2"})
    with fetcher() as f:
        assert f.get(url).status == 200
    assert len(site.requested("/ra.html")) == 2


@pytest.mark.parametrize("url", ["http://a..b/x.html", "http://xn--/x.html", "http://[::1/x"])
def test_malformed_host_is_a_fetch_error(url):
    # Feed links pass canonical_url with these hosts; the socket layer's UnicodeError (IDNA)
    # and urllib's ValueError used to escape Fetcher.get and end the polling round.
    with fetcher() as f, pytest.raises(FetchError) as info:
        f.get(url)
    assert info.value.reason.startswith("invalid URL") and not info.value.transient

