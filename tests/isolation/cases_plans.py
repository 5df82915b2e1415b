"""Isolation cases of the region's action plan and Tim Penerapan SPM (pages, files, API).

Everyone who sees the region reads them; only its own verifier and Bangda write them. The
demo's Klaten 2026 has both (with their PDFs); Ngawi has neither.
"""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from reporting.models import ActionPlan, ActionPlanCommitment, SpmTeam, SpmTeamMember
from tests.factories_reporting import PDF_BYTES
from tests.isolation.expect import EVERYONE, viewers
from tests.isolation.framework import Case

YEAR = 2026
KLATEN = ("33.10", None, None)
NGAWI = ("35.21", None, None)
KLATEN_KEEPERS = {"klaten.tapem", "bangda.admin"}
NGAWI_KEEPERS = {"ngawi.tapem", "bangda.admin"}
API_OK = frozenset({200, 201})
# The demo's plan and team were saved once: version 1.
PATCH_HEADERS = {"Content-Type": "application/json", "If-Match": '"1"'}


def _klaten_kwargs() -> dict:
    return {"code": "33.10", "year": YEAR}


def _plan() -> ActionPlan:
    return ActionPlan.objects.get(region__code="33.10", year=YEAR)


def _team() -> SpmTeam:
    return SpmTeam.objects.get(region__code="33.10", year=YEAR)


def _plan_state() -> list:
    return [
        *ActionPlan.objects.order_by("pk").values(),
        *ActionPlanCommitment.objects.order_by("pk").values(),
    ]


def _team_state() -> list:
    return [
        *SpmTeam.objects.order_by("pk").values(),
        *SpmTeamMember.objects.order_by("pk").values(),
    ]


def _plan_form() -> dict:
    p = _plan()
    return {
        "version": p.version,
        "status": "set",
        "number": p.number,
        "date": p.date.isoformat(),
        "title": "Judul baru",
    }


def _team_form() -> dict:
    t = _team()
    return {
        "version": t.version,
        "decree_number": t.decree_number,
        "decree_date": t.decree_date.isoformat(),
        "chair_name": "Ketua baru",
        "chair_position": t.chair_position,
        "m-TOTAL_FORMS": "0",
        "m-INITIAL_FORMS": "0",
    }


CASES = [
    # ---- pages
    Case("reporting:action_plan", allowed=viewers("33.10"), owner=KLATEN, kwargs=_klaten_kwargs),
    Case(
        "reporting:action_plan_edit",
        allowed=KLATEN_KEEPERS,
        owner=KLATEN,
        kwargs=_klaten_kwargs,
    ),
    Case(
        "reporting:action_plan_edit",
        allowed=KLATEN_KEEPERS,
        owner=KLATEN,
        kwargs=_klaten_kwargs,
        method="post",
        label="save",
        data=_plan_form,
        snapshot=_plan_state,
        ok_status=frozenset({302}),
    ),
    Case(
        "reporting:action_plan_file",
        allowed=viewers("33.10"),
        owner=KLATEN,
        kwargs=_klaten_kwargs,
    ),
    Case("reporting:spm_team", allowed=viewers("33.10"), owner=KLATEN, kwargs=_klaten_kwargs),
    Case(
        "reporting:spm_team_edit",
        allowed=KLATEN_KEEPERS,
        owner=KLATEN,
        kwargs=_klaten_kwargs,
    ),
    Case(
        "reporting:spm_team_edit",
        allowed=KLATEN_KEEPERS,
        owner=KLATEN,
        kwargs=_klaten_kwargs,
        method="post",
        label="save",
        data=_team_form,
        snapshot=_team_state,
        ok_status=frozenset({302}),
    ),
    Case(
        "reporting:spm_team_file",
        allowed=viewers("33.10"),
        owner=KLATEN,
        kwargs=_klaten_kwargs,
    ),
    # ---- API
    Case("api:action-plan-list", allowed=EVERYONE),
    Case(
        "api:action-plan-list",
        allowed=NGAWI_KEEPERS,
        owner=NGAWI,
        method="post",
        label="create",
        data=lambda: {"region": "35.21", "year": YEAR, "status": "draft", "title": "Rancangan"},
        snapshot=_plan_state,
        ok_status=API_OK,
    ),
    Case(
        "api:action-plan-detail",
        allowed=viewers("33.10"),
        owner=KLATEN,
        kwargs=lambda: {"pk": _plan().pk},
    ),
    Case(
        "api:action-plan-detail",
        allowed=KLATEN_KEEPERS,
        owner=KLATEN,
        method="patch",
        label="update",
        kwargs=lambda: {"pk": _plan().pk},
        headers=PATCH_HEADERS,
        data=lambda: json.dumps({"title": "Judul baru"}),  # type: ignore[arg-type,return-value]
        snapshot=_plan_state,
    ),
    Case(
        "api:action-plan-file",
        allowed=viewers("33.10"),
        owner=KLATEN,
        kwargs=lambda: {"pk": _plan().pk},
    ),
    Case(
        "api:action-plan-file",
        allowed=KLATEN_KEEPERS,
        owner=KLATEN,
        method="post",
        label="upload",
        kwargs=lambda: {"pk": _plan().pk},
        data=lambda: {
            "file": SimpleUploadedFile("perbup.pdf", PDF_BYTES),
            "version": _plan().version,
        },
        snapshot=_plan_state,
    ),
    Case("api:spm-team-list", allowed=EVERYONE),
    Case(
        "api:spm-team-list",
        allowed=NGAWI_KEEPERS,
        owner=NGAWI,
        method="post",
        label="create",
        data=lambda: {
            "region": "35.21",
            "year": YEAR,
            "decree_number": "100/1",
            "decree_date": "2026-01-05",
            "chair_name": "Sekda Ngawi",
            "chair_position": "Sekretaris Daerah",
        },
        snapshot=_team_state,
        ok_status=API_OK,
    ),
    Case(
        "api:spm-team-detail",
        allowed=viewers("33.10"),
        owner=KLATEN,
        kwargs=lambda: {"pk": _team().pk},
    ),
    Case(
        "api:spm-team-detail",
        allowed=KLATEN_KEEPERS,
        owner=KLATEN,
        method="patch",
        label="update",
        kwargs=lambda: {"pk": _team().pk},
        headers=PATCH_HEADERS,
        data=lambda: json.dumps({"chair_name": "Ketua baru"}),  # type: ignore[arg-type,return-value]
        snapshot=_team_state,
    ),
    Case(
        "api:spm-team-file",
        allowed=viewers("33.10"),
        owner=KLATEN,
        kwargs=lambda: {"pk": _team().pk},
    ),
    Case(
        "api:spm-team-file",
        allowed=KLATEN_KEEPERS,
        owner=KLATEN,
        method="post",
        label="upload",
        kwargs=lambda: {"pk": _team().pk},
        data=lambda: {
            "file": SimpleUploadedFile("kepbup.pdf", PDF_BYTES),
            "version": _team().version,
        },
        snapshot=_team_state,
    ),
]
