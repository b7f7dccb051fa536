#!/bin/sh
# Install Scrumblr (github.com/aliasaria/scrumblr) at a pinned commit OUTSIDE this repository, with its npm
# dependencies from its package-lock.json, for `bench/board_fanout.py --target scrumblr` and `bench/scrumblr.py`.
#
#   bench/ext/scrumblr.sh [DIR]        DIR defaults to $SCRUMBLR_DIR or /work/ext/scrumblr
#
# SCRUMBLR_SOURCE: where to clone from (default: the GitHub repository; a local clone or mirror works too).
# Needs git, node >= 19 and npm; the bench also needs redis-server (Debian package redis-server).
set -eu
COMMIT=efaf7d1f151a3583e494f58fa134bb15cdaa1788  # "upgrade redis sdk to 4", Mar 2025: socket.io 4.8, redis 4
SOURCE=${SCRUMBLR_SOURCE:-https://github.com/aliasaria/scrumblr.git}
DIR=${1:-${SCRUMBLR_DIR:-/work/ext/scrumblr}}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
case "$(cd "$(dirname "$DIR")" 2>/dev/null && pwd)/" in
  "$HERE"/*) echo "refusing to install inside this repository: $DIR" >&2; exit 2 ;;
esac
if [ ! -d "$DIR/.git" ]; then
  git clone --quiet "$SOURCE" "$DIR"
fi
git -C "$DIR" fetch --quiet "$SOURCE" "$COMMIT" 2>/dev/null || true
git -C "$DIR" -c advice.detachedHead=false checkout --quiet "$COMMIT"
(cd "$DIR" && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
command -v redis-server >/dev/null || echo "note: redis-server is missing (apt-get install redis-server)" >&2
echo "Scrumblr $COMMIT installed in $DIR"
