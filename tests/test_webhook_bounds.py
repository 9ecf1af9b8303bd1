"""Posting to a team chat is bounded and keeps its secret: one deadline for the whole post
(a server answering one byte every 5 s cannot hold `publish`), no webhook URL path or query
in any message, and a malformed URL is a warning, never a crash after publishing.

Every server here listens on 127.0.0.1; nothing is posted to the internet."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import GIT_IDENTITY, committed_repo, git

from revenue_playbook.cli import main
from revenue_playbook.exports import chat, webhook

SECRET = "T0SECRET/B0SECRET/xoxSECRET"


@contextlib.contextmanager
def trickling_server(every: float = 5.0) -> Iterator[str]:
    """A server on 127.0.0.1 that reads a request, then answers one byte every `every`
    seconds, for ever (until the test ends): its base URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    accepted: list[socket.socket] = []

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            accepted.append(conn)
            threading.Thread(target=trickle, args=(conn,), daemon=True).start()

    def trickle(conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok":
                conn.sendall(bytes([byte]))
                if stop.wait(every):
                    return

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        for conn in accepted:
            with contextlib.suppress(OSError):
                conn.close()
        listener.close()


def finishes(func: Callable[[], Any], within: float) -> Any:
    """`func()`'s result, or a failure when it is still running after `within` seconds (a
    hang, not a speed: the deadline under test is far shorter)."""
    result: list[Any] = []
    worker = threading.Thread(target=lambda: result.append(func()), daemon=True)
    worker.start()
    worker.join(within)
    assert result, f"still running after {within} s: the post is not bounded"
    return result[0]


def test_a_server_answering_one_byte_every_5_s_cannot_hold_the_post() -> None:
    summary = chat.Summary("Playbook 1.1 published", [])
    with trickling_server() as url:
        lines = finishes(lambda: chat.announce(summary, {
            chat.SLACK_ENV: f"{url}/services/{SECRET}",
            chat.TIMEOUT_ENV: "1"}), within=20)
    assert lines == ["warning: posting to Slack failed (no answer within 1 s); the version "
                     "is published"]


def test_a_server_that_never_answers_is_bounded_too() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never reads
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/services/{SECRET}"
        failure = finishes(lambda: chat.post(url, {"text": "x"}, deadline=0.5), within=20)
    assert failure == "no answer within 0.5 s"


@pytest.mark.parametrize("url", [
    f"http://[::1/services/{SECRET}",  # an IPv6 address without its bracket
    f"http://hooks.example:abc/services/{SECRET}",  # a port that is not a number
    f"http://hooks.example:99999/services/{SECRET}",
    f"http://user:pw@/services/{SECRET}",
    f"https://hooks.example/services/{SECRET} trailing",
    f"https://hooks.example/services/{SECRET}\r\nX-Injected: 1",
    f"https://hooks.example/services/{SECRET}\x00",
    f"http://{'a' * 70}.example/services/{SECRET}",  # a label longer than DNS allows
    f"https://hooks.example/services/{SECRET}/é",
    f"ftp://hooks.example/services/{SECRET}",
    f"https:///services/{SECRET}",
])
def test_a_malformed_url_is_a_warning_that_keeps_the_secret(url: str) -> None:
    lines = chat.announce(chat.Summary("t", []), {chat.TEAMS_ENV: url})
    assert len(lines) == 1 and lines[0].startswith(
        "warning: PLAYBOOK_TEAMS_WEBHOOK_URL is not "), lines
    assert lines[0].endswith("; nothing posted to Teams")
    assert "SECRET" not in lines[0] and "pw" not in lines[0]


def test_no_failure_quotes_the_url() -> None:
    with socket.create_server(("127.0.0.1", 0)) as free:
        port = free.getsockname()[1]
    # nothing listens on `port` now
    refused = chat.post(f"http://127.0.0.1:{port}/services/{SECRET}?token={SECRET}", {})
    assert refused == "the connection was refused"
    missing = chat.post(f"http://no-such-host.invalid/services/{SECRET}", {}, deadline=5)
    assert missing is not None and "SECRET" not in missing
    assert webhook.describe(f"https://user:pw@hooks.slack.com/services/{SECRET}?a=1") == \
        "https://hooks.slack.com/…"


def test_the_deadline_setting_is_checked() -> None:
    assert chat.deadline_from({}) == (10.0, None)
    assert chat.deadline_from({chat.TIMEOUT_ENV: "2.5"}) == (2.5, None)
    for bad in ("0", "-1", "soon", "nan", "1e9"):
        value, warning = chat.deadline_from({chat.TIMEOUT_ENV: bad})
        assert value == 10.0 and warning is not None and chat.TIMEOUT_ENV in warning


@pytest.mark.slow
def test_publish_ends_after_the_deadline_and_a_bad_url_only_warns(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real `playbook publish`: the version is published, exit 0, each webhook a warning,
    and no secret in anything printed."""
    for key, value in GIT_IDENTITY.items():
        monkeypatch.setenv(key, value)
    repo = committed_repo(tmp_path, message="1.0")
    git(repo, "tag", "v1")
    monkeypatch.chdir(repo)
    out = tmp_path / "www"
    monkeypatch.setenv(chat.TEAMS_ENV, f"http://hooks.example:abc/services/{SECRET}")
    monkeypatch.setenv(chat.TIMEOUT_ENV, "1")
    with trickling_server() as url:
        monkeypatch.setenv(chat.SLACK_ENV, f"{url}/services/{SECRET}")
        code = finishes(lambda: main(["publish", "1.0", "--to-dir", str(out)]), within=120)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert (out / "1.0" / "index.html").is_file()
    assert "warning: posting to Slack failed (no answer within 1 s)" in captured.err
    assert "warning: PLAYBOOK_TEAMS_WEBHOOK_URL is not a valid URL" in captured.err
    assert "SECRET" not in captured.out + captured.err
    assert "Traceback" not in captured.err


def test_the_environments_proxy_is_used_except_for_this_machine(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """As urllib did: `http_proxy` carries the post (a plain-HTTP proxy sees the whole URL);
    a webhook on 127.0.0.1 is reached directly."""
    seen: list[bytes] = []
    with socket.create_server(("127.0.0.1", 0)) as proxy:
        def answer() -> None:
            conn, _ = proxy.accept()
            with conn:
                seen.append(conn.recv(65536))
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

        worker = threading.Thread(target=answer, daemon=True)
        worker.start()
        monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.getsockname()[1]}")
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        assert chat.post("http://hooks.example/services/x", {"text": "hi"}, 5) is None
        worker.join(5)
    assert seen and seen[0].startswith(b"POST http://hooks.example/services/x HTTP/1.1\r\n")
    with socket.create_server(("127.0.0.1", 0)) as dead:
        monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{dead.getsockname()[1]}")
    with socket.create_server(("127.0.0.1", 0)) as hook:
        def ok() -> None:
            conn, _ = hook.accept()
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")

        threading.Thread(target=ok, daemon=True).start()
        assert chat.post(f"http://127.0.0.1:{hook.getsockname()[1]}/x", {}, 5) is None
