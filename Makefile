# Passerelles — `make run` builds everything and serves; `make test` runs the whole suite.
SHELL := /bin/bash
PY := .venv/bin/python
FLASK := .venv/bin/flask --app workshop
HOST ?= 127.0.0.1
PORT ?= 5000
VENDOR := static/vendor
# Every catalog (en, and the participant languages ar, tr, pt, es, ro, ta) is compiled.
MO := $(patsubst %.po,%.mo,$(wildcard workshop/translations/*/LC_MESSAGES/messages.po))

.PHONY: run run-cluster serve build test test-fast test-postgres bench assets translations db seed system-deps lint extract-messages clean

run: build db seed serve

build: .venv/.installed $(VENDOR)/.built $(MO)

.venv/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# Browser libraries come from npm and are copied into static/vendor/ (ignored by git).
# npm ci also installs axe-core (devDependencies), which the browser tests load from node_modules/: not copied.
$(VENDOR)/.built: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/socket.io-client/dist/socket.io.esm.min.js* $(VENDOR)/
	cp node_modules/sortablejs/modular/sortable.esm.js $(VENDOR)/
	mkdir -p $(VENDOR)/leaflet
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images \
		node_modules/leaflet.markercluster/dist/leaflet.markercluster.js \
		node_modules/leaflet.markercluster/dist/MarkerCluster.css \
		node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css $(VENDOR)/leaflet/
	cp node_modules/cytoscape/dist/cytoscape.min.js $(VENDOR)/
	touch $@

assets: $(VENDOR)/.built

workshop/translations/%/LC_MESSAGES/messages.mo: workshop/translations/%/LC_MESSAGES/messages.po .venv/.installed
	.venv/bin/pybabel compile --use-fuzzy -d workshop/translations -l $*

translations: $(MO)

extract-messages: .venv/.installed
	.venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 -k lazy_npgettext:1c,2,3 -o workshop/translations/messages.pot .
	.venv/bin/pybabel update --no-fuzzy-matching -i workshop/translations/messages.pot -d workshop/translations

db: build
	$(FLASK) db upgrade

seed: db
	$(FLASK) seed-demo

# gevent: one process holds hundreds of live boards (see README, "Serving"); its worker class refuses an
# address's connections over its cap as they are accepted (workshop/serving.py).
# --worker-connections: gunicorn's default (1000) caps one gevent worker at 1000 open sockets.
# --keep-alive 2: under the gevent worker it also bounds the reading of every request head (slowloris); 0 lifts it.
# The access log keeps no personal data: no remote address, no query string, no join code (see
# workshop/privacy/accesslog.py and the page /donnees-personnelles).
ACCESS_LOG = --access-logfile - --logger-class workshop.privacy.accesslog.PrivateAccessLogger \
	--access-logformat '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# The task worker (imports, periodic housekeeping) runs beside it and is stopped when the server stops.
serve:
	HOST=$(HOST) PORT=$(PORT) $(FLASK) run-worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	HOST=$(HOST) PORT=$(PORT) SOCKETIO_ASYNC_MODE=gevent .venv/bin/gunicorn -k workshop.serving.GuardedGeventWorker -w 1 --worker-connections 2000 \
		--bind $(HOST):$(PORT) $(ACCESS_LOG) --graceful-timeout 5 --keep-alive 2 --no-control-socket wsgi:app

# The production topology on this machine, to try it: a private PostgreSQL and Redis in a temp dir, 3 server
# processes behind nginx (deploy/nginx.conf) on http://HOST:PORT, and the task worker. Ctrl-C stops everything.
PROCESSES ?= 3
run-cluster: build system-deps
	HOST=$(HOST) PORT=$(PORT) $(PY) deploy/cluster.py --processes $(PROCESSES)

# What the browser tests need from the system (Debian): Chromium and poppler's pdftoppm.
system-deps:
	@bash .ci/system-deps

# Two test processes (pytest-xdist): every test has its own database and its servers take free ports, so they
# run side by side; CI on 2 cores finishes in about half the time. Work stealing: a process that runs out of tests
# takes some queued for the other, so a long test near the end does not leave a core idle. `make test PYTEST_ARGS=`
# runs them one by one.
PYTEST_ARGS ?= -n 2 --dist worksteal

test: build system-deps
	$(PY) -m pytest -q -p no:cacheprovider --durations=15 $(PYTEST_ARGS)

# The database-facing tests again on PostgreSQL (each test gets a fresh database); .ci/run starts a cluster.
# Browser tests and the slow process-level ones (servers, workers, locks) run once, on SQLite, in `make test`;
# the 3-process cluster test (`cluster`) starts a PostgreSQL of its own there (it stops and restarts it).
test-postgres: build
	@test -n "$(TEST_DATABASE_URL)" || { echo "Set TEST_DATABASE_URL=postgresql+psycopg://USER@HOST:PORT/postgres" >&2; exit 2; }
	TEST_DATABASE_URL="$(TEST_DATABASE_URL)" $(PY) -m pytest -q -p no:cacheprovider \
		-m "not browser and not slow" \
		--durations=15 $(PYTEST_ARGS)

test-fast: build
	$(PY) -m pytest -q -p no:cacheprovider -m "not browser and not slow" $(PYTEST_ARGS)

bench: build  # benches use their own temporary databases
	$(PY) bench/run_all.py

lint: build
	.venv/bin/ruff check workshop tests bench

clean:
	rm -rf .venv node_modules $(VENDOR) $(MO) tests/artifacts
