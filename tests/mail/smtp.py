"""A real SMTP server for the tests (aiosmtpd, on a free port): messages are parsed with the `email` stdlib as
they arrive. `fail_once` answers 451 to the next message (a temporary failure), `refuse` answers 550 to
recipients containing one of its strings (a permanent one).

Tests that read mail import the `smtp` fixture and set `app_config` to `smtp_config(smtp)`."""

from __future__ import annotations

import re
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from workshop.devserver import free_port


class Handler:
    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.fail_once = 0
        self.refuse: tuple[str, ...] = ()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if any(part in address for part in self.refuse):
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.fail_once:
                self.fail_once -= 1
                return "451 4.3.0 Try again later"
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


class SmtpServer:
    def __init__(self):
        self.handler = Handler()
        self.port = free_port(0)  # a port the system chooses, out of every range of devserver.free_ports
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def wait_for(self, to: str, count: int = 1, timeout: float = 10) -> EmailMessage:
        """The `count`-th message to `to`, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.messages if to in str(m["To"])]
            if len(found) >= count:
                return found[count - 1]
            time.sleep(0.05)
        raise AssertionError(f"no message #{count} to {to} within {timeout}s (got {len(self.messages)} in all)")

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


def smtp_config(server: SmtpServer) -> dict:
    """App settings that send to `server`, a temporary failure retried at once (3 tries in all)."""
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": server.port, "MAIL_RETRY_SECONDS": 0, "MAIL_MAX_ATTEMPTS": 3,
            "MAIL_DEFAULT_SENDER": "Passerelles <ne-pas-repondre@passerelles.test>"}


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def link_in(message: EmailMessage, path: str) -> str:
    """The first link of the plain-text body whose path starts with `path`."""
    match = re.search(r"https?://[^\s]+" + re.escape(path) + r"[^\s]*", text_of(message))
    assert match, f"no {path} link in:\n{text_of(message)}"
    return match.group(0)


def subject(message: EmailMessage) -> str:
    """The decoded subject (flask-mailman folds a long encoded one after "Subject:", read back with a space)."""
    return str(message["Subject"]).strip()
