"""Deadline-rush load: 70% operators saving report sections, 20% verifiers working their
inbox, 10% dashboard viewers. Driven by bench/loadtest.py, which prepares the plan
(``ESPM_LOAD_PLAN``: sessions, one report per operator, URLs) and checks the saves afterwards.

Every operator owns its report alone, so a 409 here is not a legitimate conflict: it is
counted separately and reported. Each acknowledged save is recorded (value + version) so the
runner can prove that nothing acknowledged was lost or overwritten.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time
from typing import Any

from locust import HttpUser, between, events, task

PLAN: dict[str, Any] = json.loads(open(os.environ["ESPM_LOAD_PLAN"]).read())  # noqa: SIM115
THINK = tuple(float(x) for x in PLAN.get("think", [10, 30]))
VERSION = re.compile(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"')

_slots: dict[str, itertools.count] = {k: itertools.count() for k in ("op", "ver", "view")}
_lock = threading.Lock()
# report id → what the server acknowledged last, and saves whose outcome is unknown.
SAVED: dict[str, dict[str, Any]] = {}
UNCERTAIN: dict[str, list[dict[str, Any]]] = {}
COUNTS = {"conflicts": 0, "saves_ok": 0, "saves_failed": 0}


def _slot(kind: str, items: list[Any]) -> Any:
    with _lock:
        return items[next(_slots[kind]) % len(items)]


class PlanUser(HttpUser):
    abstract = True
    session: dict[str, Any]

    def login_with_session(self, kind: str, items: list[Any]) -> None:
        self.session = _slot(kind, items)
        self.client.cookies.set("sessionid", self.session["sessionid"])

    def csrf(self) -> dict[str, str]:
        return {"X-CSRFToken": self.client.cookies.get("csrftoken", ""), "HX-Request": "true"}


class Operator(PlanUser):
    weight = 70
    wait_time = between(*THINK)

    def on_start(self) -> None:
        self.login_with_session("op", PLAN["operators"])
        self.report = str(self.session["report"])
        self.detail = PLAN["urls"]["detail"].format(pk=self.report)
        self.served = random.randint(10, 1000)
        self.n = 0
        self.version = 0
        self.load_form()

    def load_form(self) -> None:
        with self.client.get(self.detail, name="report form", catch_response=True) as r:
            match = VERSION.search(r.text or "")
            if r.status_code != 200 or not match:
                r.failure(f"form {r.status_code} without version")
                return
            self.version = int(match.group(1) or match.group(2))

    def save(self, section: str, data: dict[str, Any], value: dict[str, Any]) -> None:
        url = PLAN["urls"]["section"].format(pk=self.report, section=section)
        payload = {"version": self.version, **data}
        try:
            with self.client.post(
                url,
                data=payload,
                headers=self.csrf(),
                name=f"save {section}",
                catch_response=True,
                allow_redirects=False,  # a redirect (e.g. to login) is not a save
            ) as r:
                if r.status_code == 200:
                    self.version += 1
                    with _lock:
                        SAVED.setdefault(self.report, {}).update(value)
                        SAVED[self.report]["version"] = self.version
                        COUNTS["saves_ok"] += 1
                    r.success()
                elif r.status_code == 409:
                    with _lock:
                        COUNTS["conflicts"] += 1
                    match = VERSION.search(r.text or "")
                    if match:
                        self.version = int(match.group(1) or match.group(2))
                    r.success()  # counted apart: a conflict is a refusal, not a server error
                else:
                    with _lock:
                        COUNTS["saves_failed"] += 1
                        if r.status_code == 0:  # no answer: the save may or may not have landed
                            UNCERTAIN.setdefault(self.report, []).append(value)
                    r.failure(f"save {section}: {r.status_code}")
                    self.load_form()
        except Exception:
            with _lock:
                UNCERTAIN.setdefault(self.report, []).append(value)
            raise

    @task(8)
    def save_recipients(self) -> None:
        self.served += random.randint(1, 25)
        self.save(
            "recipients",
            {"recipients_served": self.served, "breakdown": ""},
            {"recipients_served": self.served},
        )

    @task(2)
    def save_problems(self) -> None:
        self.n += 1
        text = f"Uji beban {self.report}-{self.n}: data sasaran belum padan."
        self.save(
            "problems", {"problems": text, "solutions": "Pemadanan data."}, {"problems": text}
        )

    @task(1)
    def reopen(self) -> None:
        self.load_form()


class Verifier(PlanUser):
    weight = 20
    wait_time = between(*THINK)

    def on_start(self) -> None:
        self.login_with_session("ver", PLAN["verifiers"])

    @task(3)
    def inbox(self) -> None:
        self.client.get(PLAN["urls"]["inbox"], name="verifier inbox")

    @task(2)
    def review(self) -> None:
        reports = self.session.get("reports") or []
        if reports:
            pk = random.choice(reports)
            self.client.get(PLAN["urls"]["review"].format(pk=pk), name="report review")

    @task(1)
    def home(self) -> None:
        self.client.get("/", name="home (verifier)")


class Viewer(PlanUser):
    weight = 10
    wait_time = between(THINK[0] * 2, THINK[1] * 2)

    def on_start(self) -> None:
        self.login_with_session("view", PLAN["viewers"])

    @task
    def dashboard(self) -> None:
        url = random.choice(self.session["urls"])
        self.client.get(url, name=f"dashboard {self.session['label']}")


TRACE: list[tuple[float, str, float]] = []


@events.request.add_listener
def _trace(request_type: str, name: str, response_time: float, **_kwargs: Any) -> None:
    """Every request's start time and duration, for the time profile of the run."""
    TRACE.append((time.time() - response_time / 1000, name, response_time))


@events.test_stop.add_listener
def _write_results(**_kwargs: Any) -> None:
    with open(PLAN["out"], "w") as fh:
        json.dump({"saved": SAVED, "uncertain": UNCERTAIN, "counts": COUNTS, "trace": TRACE}, fh)
