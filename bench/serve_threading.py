"""Serve the app in Flask-SocketIO's threading mode (werkzeug, simple-websocket), for comparison with gevent.

Usage: SOCKETIO_ASYNC_MODE=threading DATABASE_URL=... python bench/serve_threading.py PORT
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["SOCKETIO_ASYNC_MODE"] = "threading"

from workshop import create_app  # noqa: E402
from workshop.extensions import socketio  # noqa: E402

if __name__ == "__main__":
    port = int(sys.argv[1])
    if not 1024 < port < 65536:
        raise SystemExit("port out of range")
    socketio.run(create_app(), host="127.0.0.1", port=port, allow_unsafe_werkzeug=True, log_output=False)
