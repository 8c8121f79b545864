"""A real SMTP server (aiosmtpd) on loopback that keeps every message it accepts."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass(frozen=True)
class Received:
    """One accepted mail: the envelope and the parsed message."""

    sender: str
    recipients: list[str]
    message: EmailMessage


class MailHandler:
    """Accepts mail, or answers with scripted SMTP replies first ("451 …", "550 …")."""

    def __init__(self) -> None:
        self.mails: list[Received] = []
        self.replies: deque[str] = deque()
        self.changed = threading.Condition()
        self.logins: list[tuple[str, str]] = []

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        """Accept any login, remembering the credentials to check them."""
        assert isinstance(data, LoginPassword)
        self.logins.append((data.login.decode(), data.password.decode()))
        return AuthResult(success=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.replies:
            return self.replies.popleft()
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        with self.changed:
            self.mails.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
            self.changed.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.mails) >= count, timeout), (
                f"expected {count} mails, got {len(self.mails)}"
            )
            return list(self.mails)


class LoopbackController(Controller):
    """aiosmtpd's Controller on 127.0.0.1, on a port the system picks (port 0)."""

    def _trigger_server(self) -> None:
        if self.port == 0 and self.server is not None:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def start_smtp(handler: MailHandler, port: int = 0) -> LoopbackController:
    """Start a server for ``handler``; port 0 picks a free one (read it from ``.port``)."""
    # AUTH without TLS is fine on loopback; production servers get STARTTLS.
    controller = LoopbackController(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=handler.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    return controller
