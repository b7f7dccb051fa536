"""The task queue: heavy and periodic work (imports, housekeeping; later mail and purges) run by `flask run-worker`,
never by the web process, each user-started run followed through a Job record and its page `/taches/<id>`.

queue.py builds the Huey instance of the app and its tasks from the modules listed in `workshop.web.JOB_TASKS`;
models.py is the Job record; service.py creates, follows and finishes jobs and spools uploads; progress.py writes
progress in its own short transactions; housekeeping.py is the periodic clean-up; views.py and cli.py the fronts.
"""
