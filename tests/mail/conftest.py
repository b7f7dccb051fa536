"""The mail tests run against a real SMTP server (tests/mail/smtp.py); jobs run at once (JOBS_IMMEDIATE)."""

from __future__ import annotations

import pytest

from tests.mail.smtp import smtp, smtp_config  # noqa: F401  (the fixture, for every test here)


@pytest.fixture
def app_config(smtp):  # noqa: F811
    return smtp_config(smtp)


from tests.practices.conftest import make_practice, people  # noqa: E402,F401  (the practice tests' fixtures)
