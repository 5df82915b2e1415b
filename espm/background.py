"""Start a Celery task once the request that asked for it has committed, without waiting for it.

With a broker the task is queued for a worker. Without one (``make run``: tasks are eager) it
runs on a background thread of this process, so the click returns at once and the page polls
the job row, as it does with a worker. The thread is a daemon with its own database
connection, closed when it ends; at most ``EAGER_THREADS`` jobs build at once, the others wait
(still *queued* on their row). ``settings.JOBS_EAGER_IN_THREAD = False`` runs the task inline
instead: for tests whose data lives in the test's transaction, which another connection
cannot see.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Task
from django.conf import settings
from django.db import connections

log = logging.getLogger(__name__)

# A laptop's two cores: more parallel PDF builds would only slow each other down.
EAGER_THREADS = 2
_slots = threading.BoundedSemaphore(EAGER_THREADS)


def task(name: str) -> Task:
    """The registered Celery task called ``name``: modules enqueue tasks by name, so nothing
    below ``reporting/tasks.py`` imports it (no import circle through the task module).

    The task object, not ``app.send_task``: it keeps eager mode (``make run``) working.
    Raises KeyError for a name no task module registers.
    """
    from espm.celery import app

    if name not in app.tasks:
        app.loader.import_default_modules()  # runs the Django apps' task autodiscovery
    return app.tasks[name]


def in_thread() -> bool:
    """Does ``start`` run eager tasks on a background thread (rather than inline)?"""
    from espm.celery import app

    return bool(app.conf.task_always_eager) and getattr(settings, "JOBS_EAGER_IN_THREAD", True)


def start(task: Task, args: tuple[Any, ...], task_id: str) -> None:
    """Queue ``task(*args)`` for a worker, or run it on a background thread in eager mode.

    Call it after the commit (``transaction.on_commit``): the task reloads its rows by id.
    Raises what the broker raises when it cannot be reached.
    """
    if not in_thread():
        task.apply_async(args, task_id=task_id)
        return
    thread = threading.Thread(
        target=_run, args=(task, args, task_id), name=f"job-{task_id}", daemon=True
    )
    thread.start()


def _run(task: Task, args: tuple[Any, ...], task_id: str) -> None:
    with _slots:
        try:
            result = task.apply(args, task_id=task_id, throw=False)
            if result.failed():
                log.error("background job %s (%s) failed: %r", task.name, task_id, result.result)
        finally:
            connections.close_all()  # this thread's own connections; nobody else closes them
