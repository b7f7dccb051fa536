"""Production entry: `gunicorn -k gevent -w 1 wsgi:app` (see README, "Serving")."""

import os

os.environ.setdefault("SOCKETIO_ASYNC_MODE", "gevent")

from workshop import create_app  # noqa: E402

app = create_app()
