"""CLI: run-worker, the process that runs queued jobs and the periodic ones."""

from __future__ import annotations

import logging

import click
from flask import Flask

from workshop.jobs.queue import get_queue


def register(app: Flask) -> None:
    @app.cli.command("run-worker")
    @click.option("--workers", type=click.IntRange(1, 32), default=None,
                  help="Tâches menées en parallèle (par défaut JOBS_WORKERS).")
    def run_worker(workers: int | None) -> None:
        """Run queued jobs (imports...) and periodic ones until stopped (Ctrl-C or SIGTERM)."""
        queue = get_queue()
        if queue.huey.immediate:
            raise click.ClickException("JOBS_IMMEDIATE=1 : les tâches s'exécutent déjà là où elles sont créées.")
        logging.basicConfig(level=logging.INFO, format="%(asctime)s [worker] %(levelname)s %(message)s")
        click.echo(f"Tâches : {', '.join(queue.names)}")
        consumer = queue.huey.create_consumer(workers=workers or app.config["JOBS_WORKERS"], worker_type="thread",
                                              periodic=True, initial_delay=0.1, max_delay=1.0)
        consumer.run()
