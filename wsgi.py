"""Production entry: `gunicorn -k gevent -w 1 wsgi:app` (see README, "Serving")."""

import gc
import os

os.environ.setdefault("SOCKETIO_ASYNC_MODE", "gevent")

from workshop import create_app  # noqa: E402

app = create_app()

# Everything loaded so far (modules, the app, ~150,000 objects) lives as long as the process. Frozen, the garbage
# collector stops walking it: a full collection went from ~32 ms, during which every live board of this gevent
# worker waits, to the objects made since.
gc.freeze()
