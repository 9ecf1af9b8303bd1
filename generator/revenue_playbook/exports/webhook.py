"""One JSON POST to an incoming webhook, bounded in time and silent about its secret.

A webhook URL is a credential: whoever has its path (Slack's `/services/T…/B…/…`, Teams'
signed query) can post to the channel. So nothing here prints it: a failure is said in our
own words (a reason, or `describe(url)`: scheme and host only), never with an exception's
text, which may quote the URL.

The post has one deadline for everything (resolving the host, connecting, TLS, sending,
the answer's status line and headers): a socket timeout alone bounds each read, so a server
that answers one byte every few seconds would hold a publish for ever. The exchange runs in
a worker thread; at the deadline its socket is shut down and the post reported as
unanswered. Proxies are honoured as urllib honours them (`https_proxy`, `no_proxy`);
redirects are not followed (a webhook does not redirect; following one would send the
message elsewhere).
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass

DEFAULT_DEADLINE = 10.0  # seconds for the whole post
MAX_DEADLINE = 600.0
_REASON_MAX = 80  # characters of a server's reason phrase we repeat


class BadURL(ValueError):
    """A webhook URL we will not post to; the message never quotes the URL."""


@dataclass(frozen=True)
class Endpoint:
    scheme: str
    host: str  # ASCII (IDNA) host name or address
    port: int
    target: str  # path and query: the secret part

    @property
    def default_port(self) -> bool:
        return self.port == (443 if self.scheme == "https" else 80)


def describe(url: str) -> str:
    """The URL without its secret parts: `https://hooks.slack.com/…`."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:
        return "the URL"
    if parts.scheme not in ("http", "https") or not host.isprintable():
        return "the URL"
    return f"{parts.scheme}://{host}/…"


def endpoint(url: str) -> Endpoint:
    """The parts of an http(s) URL to post to, or BadURL saying what is wrong with it."""
    if any(ord(c) < 33 or ord(c) == 127 or c.isspace() for c in url):
        raise BadURL("it holds a space or a control character")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise BadURL("its host or port cannot be read (a port is a number from 1 to "
                     "65535; an IPv6 address goes in brackets)") from None
    if parts.scheme not in ("http", "https"):
        raise BadURL("it is not an http(s) URL")
    if not parts.hostname:
        raise BadURL("it names no host")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise BadURL("its host name is not a valid domain name") from None
    if port == 0:
        raise BadURL("its port is 0")
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    if not target.isascii():
        raise BadURL("its path holds characters outside ASCII (percent-encode them)")
    return Endpoint(parts.scheme, host, port or (443 if parts.scheme == "https" else 80),
                    target)


def _loopback(host: str) -> bool:
    """This machine: never reached through a proxy."""
    try:
        return host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _connection(to: Endpoint, deadline: float) -> tuple[http.client.HTTPConnection, str]:
    """A connection to `to` (through the environment's proxy, if any) and the request
    target to send on it."""
    proxies = urllib.request.getproxies()
    proxy = proxies.get(to.scheme)
    if proxy and not _loopback(to.host) and not urllib.request.proxy_bypass(to.host):
        via = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        headers = {}
        if via.username is not None:
            login = f"{urllib.parse.unquote(via.username)}:" \
                    f"{urllib.parse.unquote(via.password or '')}"
            headers["Proxy-Authorization"] = "Basic " + base64.b64encode(
                login.encode()).decode("ascii")
        if to.scheme == "https":
            tunnel = http.client.HTTPSConnection(via.hostname or "", via.port or 8080,
                                                 timeout=deadline,
                                                 context=ssl.create_default_context())
            tunnel.set_tunnel(to.host, to.port, headers)
            return tunnel, to.target
        plain = http.client.HTTPConnection(via.hostname or "", via.port or 8080,
                                           timeout=deadline)
        port = "" if to.default_port else f":{to.port}"
        return plain, f"http://{to.host}{port}{to.target}"
    if to.scheme == "https":
        return http.client.HTTPSConnection(to.host, to.port, timeout=deadline,
                                           context=ssl.create_default_context()), to.target
    return http.client.HTTPConnection(to.host, to.port, timeout=deadline), to.target


def _clean(text: str) -> str:
    shown = "".join(c for c in text if c.isascii() and c.isprintable())
    return shown[:_REASON_MAX]


def _reason(exc: BaseException, deadline: float) -> str:
    """Why a post failed, in our words (an exception's own text may quote the URL)."""
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"no answer within {deadline:g} s"
    if isinstance(exc, socket.gaierror):
        return "the host name was not found"
    if isinstance(exc, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"the server's TLS certificate was not accepted ({_clean(exc.verify_message)})"
    if isinstance(exc, ssl.SSLError):
        return "the TLS handshake failed"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(exc, http.client.HTTPException):
        return "the server's answer is not HTTP"
    if isinstance(exc, OSError) and exc.strerror:
        return _clean(exc.strerror)
    return f"unexpected error ({type(exc).__name__})"


def _exchange(connection: http.client.HTTPConnection, target: str, body: bytes) -> str | None:
    connection.request("POST", target, body=body, headers={
        "Content-Type": "application/json", "User-Agent": "playbook"})
    response = connection.getresponse()  # the status line and headers, not the body
    if 200 <= response.status < 300:
        return None
    return f"HTTP {response.status} {_clean(response.reason or '')}".rstrip()


def _shut(connection: http.client.HTTPConnection) -> None:
    """Wake a worker blocked on the connection's socket, and close it."""
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    connection.close()


def post_json(url: str, body: bytes, deadline: float = DEFAULT_DEADLINE) -> str | None:
    """POST `body` (JSON) to `url` within `deadline` seconds in all: None when the server
    took it (2xx), else the reason it did not, which never quotes the URL."""
    try:
        to = endpoint(url)
        connection, target = _connection(to, deadline)
    except BadURL as exc:
        return f"the URL is not valid: {exc}"
    except ValueError:
        return "the proxy setting cannot be read"
    outcome: list[str | None] = []

    def work() -> None:
        try:
            outcome.append(_exchange(connection, target, body))
        except BaseException as exc:  # a reason, never a traceback
            outcome.append(_reason(exc, deadline))
        finally:
            connection.close()

    worker = threading.Thread(target=work, name="playbook-webhook", daemon=True)
    worker.start()
    worker.join(deadline)
    if not outcome:
        _shut(connection)
        worker.join(1.0)
        return f"no answer within {deadline:g} s"
    return outcome[0]
