"""The mail tests run against a real SMTP server (tests/mail/smtp.py); jobs run at once (JOBS_IMMEDIATE)."""

from __future__ import annotations

import pytest

from tests.mail.smtp import SmtpServer


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def app_config(smtp):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "MAIL_RETRY_SECONDS": 0, "MAIL_MAX_ATTEMPTS": 3,
            "MAIL_DEFAULT_SENDER": "Passerelles <ne-pas-repondre@passerelles.test>"}


from tests.practices.conftest import make_practice, people  # noqa: E402,F401  (the practice tests' fixtures)
