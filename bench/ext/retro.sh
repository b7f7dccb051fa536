#!/bin/sh
# Install Retrospected's backend (github.com/antoinejaussoin/retro-board) at a pinned commit OUTSIDE this
# repository, with its npm dependencies, for `bench/board_fanout.py --target retro` (bench/retro.py).
#
#   bench/ext/retro.sh [DIR]        DIR defaults to $RETRO_DIR or /work/ext/retro-board
#
# RETRO_SOURCE: where to clone from (default: the GitHub repository; a local clone or mirror works too).
# Only backend/ is checked out (the frontend is not needed: the bench speaks its Socket.IO protocol). Its lock
# file is Yarn 1's; npm installs the versions package.json pins (most are exact). Needs git, node >= 20, npm,
# and PostgreSQL's initdb, postgres, pg_isready and createdb on PATH (run as the `postgres` user when root).
set -eu
COMMIT=3ce2531a9f0aa4bfa65bffe63441f2d17934f11f  # "Fix integration tests (#593)", Nov 2024: socket.io 4.8.0, typeorm 0.3
SOURCE=${RETRO_SOURCE:-https://github.com/antoinejaussoin/retro-board.git}
DIR=${1:-${RETRO_DIR:-/work/ext/retro-board}}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
case "$(cd "$(dirname "$DIR")" 2>/dev/null && pwd)/" in
  "$HERE"/*) echo "refusing to install inside this repository: $DIR" >&2; exit 2 ;;
esac
if [ ! -d "$DIR/.git" ]; then
  git clone --quiet --no-checkout "$SOURCE" "$DIR"
fi
git -C "$DIR" fetch --quiet "$SOURCE" "$COMMIT" 2>/dev/null || true
git -C "$DIR" checkout --quiet "$COMMIT" -- backend .env.example
(cd "$DIR/backend" && npm install --no-audit --no-fund --loglevel=error --ignore-scripts)
echo "Retrospected $COMMIT (backend) installed in $DIR"
