"""A real HTTP receiver on loopback that answers from a script and records every request."""

from __future__ import annotations

import json
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

OK_BODY = json.dumps({"errcode": 0, "errmsg": "ok", "code": 0, "msg": "success"}).encode()


@dataclass(frozen=True)
class Answer:
    """One scripted answer; ``hold`` keeps the request open until the event is set."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = OK_BODY
    hold: threading.Event | None = None


@dataclass(frozen=True)
class Recorded:
    """A request as the receiver saw it."""

    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body.decode("utf-8"))


class Receiver:
    """Scripted answers in order, then 200 OK; requests recorded with a condition to wait on."""

    def __init__(self, family: socket.AddressFamily = socket.AF_INET, port: int = 0) -> None:
        self.answers: deque[Answer] = deque()
        self.requests: list[Recorded] = []
        self.changed = threading.Condition()
        self.held: list[threading.Event] = []
        self.server = _server(self, family, port)
        host, port = self.server.server_address[:2]
        self.host = f"[{host}]" if family == socket.AF_INET6 else str(host)
        self.port = int(port)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def script(self, *answers: Answer) -> None:
        self.answers.extend(answers)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Recorded]:
        """Block until ``count`` requests arrived (or fail after ``timeout``)."""
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.requests) >= count, timeout), (
                f"expected {count} requests, got {len(self.requests)}"
            )
            return list(self.requests)

    def close(self) -> None:
        for event in self.held:
            event.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


def _server(receiver: Receiver, family: socket.AddressFamily, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            parts = urlsplit(self.path)
            recorded = Recorded(parts.path, parse_qs(parts.query), dict(self.headers.items()), body)
            answer = receiver.answers.popleft() if receiver.answers else Answer()
            with receiver.changed:
                receiver.requests.append(recorded)
                receiver.changed.notify_all()
            if answer.hold is not None:
                receiver.held.append(answer.hold)
                answer.hold.wait(10)  # released by the test or at teardown
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test asserts on the recorded requests instead."""

    class Server(ThreadingHTTPServer):
        address_family = family
        daemon_threads = True

    host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
    return Server((host, port), Handler)
