"""Writes on the region's action plan and Tim Penerapan SPM: one function per use case, each
owning its transaction, its row lock, the version check and the history user.

Only the region's own verifier (and Bangda, who administers every region) may write
(``selectors.can_maintain``, the scoping layer's ``Action.MANAGE``); pages and API check it
first to answer 403, and the services check it again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from espm import history, versioning
from indicators.selectors import service_types_for_region
from regions.models import Agency, Region
from regions.scoping import AnyUser, acting_user
from reporting.entry.evidence import check_upload
from reporting.models import (
    ActionPlan,
    ActionPlanCommitment,
    SpmTeam,
    SpmTeamMember,
)
from reporting.plans import selectors
from reporting.rules import reasons

# The documents are signed regulations and decrees: PDF only (scans included).
DOCUMENT_EXTENSIONS = frozenset({"pdf"})


class Stale(ValidationError):
    """Someone saved the plan or team after this user read it; nothing was written."""

    def __init__(self, current_version: int, changed_by: str, changed_at: dt.datetime | None):
        super().__init__(
            _(
                "Data ini sudah diubah oleh %(who)s sejak Anda membukanya. Periksa isian terbaru lalu simpan lagi."
            )
            % {"who": changed_by or _("pengguna lain")}
        )
        self.current_version = current_version
        self.changed_by = changed_by
        self.changed_at = changed_at


@dataclass(frozen=True)
class Upload:
    file: IO[bytes]
    name: str
    size: int


@dataclass
class PlanInput:
    status: str
    number: str = ""
    date: dt.date | None = None
    title: str = ""


@dataclass(frozen=True)
class CommitmentInput:
    service_code: str
    commitment: str
    budget: int | None = None


@dataclass
class TeamInput:
    decree_number: str
    decree_date: dt.date | None
    chair_name: str
    chair_position: str


@dataclass(frozen=True)
class MemberInput:
    name: str
    position: str
    role: str
    agency_id: int | None = None
    unit: str = ""
    id: int | None = None


@dataclass
class _Errors:
    by_field: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)

    def raise_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def _require_maintainer(user: AnyUser, region: Region) -> None:
    if not selectors.can_maintain(user, region):
        raise PermissionDenied(
            _(
                "Hanya verifikator wilayah ini yang dapat mengubah rencana aksi dan Tim Penerapan SPM."
            )
        )


def _check_document(upload: Upload) -> Any:
    try:
        checked = check_upload(upload.file, upload.name, upload.size)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    if checked.extension not in DOCUMENT_EXTENSIONS:
        raise ValidationError({"file": [_("Berkas peraturan atau keputusan harus berupa PDF.")]})
    return checked


def _store(obj: ActionPlan | SpmTeam, upload: Upload, checked: Any) -> None:
    obj.file.save(f"{uuid.uuid4().hex}.{checked.extension}", File(upload.file), save=False)
    obj.original_name = upload.name[:255]
    obj.content_type = checked.content_type
    obj.size = checked.size
    obj.sha256 = checked.sha256


def _clear_file(obj: ActionPlan | SpmTeam) -> None:
    # The stored file stays: the history rows still name it.
    obj.file = ""
    obj.original_name = obj.content_type = obj.sha256 = ""
    obj.size = 0


def _check_version(obj: ActionPlan | SpmTeam | None, seen_version: int | None) -> None:
    """A save made on an older reading is refused; a missing row is version 0."""
    if obj is None or not versioning.is_stale(obj.version, seen_version):
        return
    who = ""
    if obj.updated_by is not None:
        who = obj.updated_by.get_full_name() or obj.updated_by.username
    raise Stale(obj.version, who, obj.updated_at)


def _text(value: str | None) -> str:
    return reasons.clean(value)


# ---------------------------------------------------------------- action plan


def _validate_plan(data: PlanInput, errors: _Errors, today: dt.date) -> None:
    if data.status not in ActionPlan.Status.values:
        errors.add("status", _("Status rencana aksi tidak dikenal."))
        return
    if data.status in (ActionPlan.Status.DRAFT, ActionPlan.Status.SET) and not data.title:
        errors.add("title", _("Isi judul rencana aksi."))
    if data.status == ActionPlan.Status.SET:
        if not data.number:
            errors.add("number", _("Rencana aksi yang ditetapkan harus mempunyai nomor peraturan."))
        if data.date is None:
            errors.add("date", _("Rencana aksi yang ditetapkan harus mempunyai tanggal penetapan."))
    if data.date is not None and data.date > today:
        errors.add("date", _("Tanggal penetapan tidak boleh setelah hari ini."))


def _commitment_plan(
    region: Region, year: int, commitments: list[CommitmentInput], errors: _Errors
) -> dict[int, CommitmentInput]:
    """service type id → the commitment to keep; blank ones are dropped (no commitment)."""
    by_code = {st.code: st.pk for st in service_types_for_region(region, year)}
    wanted: dict[int, CommitmentInput] = {}
    for item in commitments:
        text = _text(item.commitment)
        pk = by_code.get(item.service_code)
        if pk is None:
            errors.add(
                "commitments",
                _("%(code)s bukan jenis pelayanan wilayah ini pada tahun %(year)s.")
                % {"code": item.service_code, "year": year},
            )
            continue
        if pk in wanted:
            errors.add(
                "commitments",
                _("%(code)s disebut lebih dari sekali.") % {"code": item.service_code},
            )
            continue
        if not text:
            if item.budget:
                errors.add(
                    "commitments",
                    _("%(code)s: isi komitmennya bila rencana anggaran diisi.")
                    % {"code": item.service_code},
                )
            continue
        wanted[pk] = CommitmentInput(item.service_code, text, item.budget)
    return wanted


def save_action_plan(
    user: AnyUser,
    region: Region,
    year: int,
    data: PlanInput,
    commitments: list[CommitmentInput] | None = None,
    *,
    seen_version: int | None,
    upload: Upload | None = None,
    remove_file: bool = False,
) -> ActionPlan:
    """Create or change the region's plan of ``year`` and, when given, replace its commitments.

    ``seen_version`` is the version the user read (0: there was no plan); a different current
    version raises ``Stale`` and writes nothing. ``commitments=None`` keeps them as they are.
    """
    _require_maintainer(user, region)
    if not selectors.year_allowed(year):
        raise ValidationError({"year": [_("Tahun di luar rentang yang dapat dicatat.")]})
    data.number, data.title = _text(data.number), _text(data.title)
    errors = _Errors()
    _validate_plan(data, errors, timezone.localdate())
    wanted = (
        _commitment_plan(region, year, commitments, errors) if commitments is not None else None
    )
    checked = _check_document(upload) if upload is not None else None
    errors.raise_any()
    with transaction.atomic():
        # Lock the region row: two first saves of the same year cannot both create a plan.
        Region.objects.select_for_update().filter(pk=region.pk).first()
        plan = (
            ActionPlan.objects.select_for_update(of=("self",))
            .select_related("updated_by")
            .filter(region=region, year=year)
            .first()
        )
        _check_version(plan, seen_version)
        if plan is None:
            plan = ActionPlan(region=region, year=year, version=0)
        plan.status, plan.number, plan.date, plan.title = (
            data.status,
            data.number,
            data.date,
            data.title,
        )
        if checked is not None and upload is not None:
            _store(plan, upload, checked)
        elif remove_file:
            _clear_file(plan)
        plan.version += 1
        plan.updated_by = acting_user(user)
        history.set_actor(plan, user)
        plan.save()
        if wanted is not None:
            _replace_commitments(plan, wanted, user)
        return plan


def _replace_commitments(
    plan: ActionPlan, wanted: dict[int, CommitmentInput], user: AnyUser
) -> None:
    existing = {c.service_type_id: c for c in plan.commitments.all()}
    for pk, row in existing.items():
        if pk not in wanted:
            history.set_actor(row, user)
            row.delete()
    for pk, item in wanted.items():
        row = existing.get(pk) or ActionPlanCommitment(plan=plan, service_type_id=pk)
        if row.pk and row.commitment == item.commitment and row.budget == item.budget:
            continue
        row.commitment, row.budget = item.commitment, item.budget
        history.set_actor(row, user)
        row.save()


# ---------------------------------------------------------------- Tim Penerapan SPM


def _validate_team(data: TeamInput, errors: _Errors, today: dt.date) -> None:
    if not data.decree_number:
        errors.add("decree_number", _("Isi nomor keputusan pembentukan tim."))
    if data.decree_date is None:
        errors.add("decree_date", _("Isi tanggal keputusan."))
    elif data.decree_date > today:
        errors.add("decree_date", _("Tanggal keputusan tidak boleh setelah hari ini."))
    if not data.chair_name:
        errors.add("chair_name", _("Isi nama ketua tim (Sekretaris Daerah)."))
    if not data.chair_position:
        errors.add("chair_position", _("Isi jabatan ketua tim."))


def _clean_members(
    region: Region, members: list[MemberInput], errors: _Errors
) -> list[MemberInput]:
    agencies = set(Agency.objects.filter(region=region).values_list("pk", flat=True))
    cleaned: list[MemberInput] = []
    for n, m in enumerate(members, start=1):
        name, position, unit = _text(m.name), _text(m.position), _text(m.unit)
        where = _("Anggota %(n)s") % {"n": n}
        if not name:
            errors.add("members", _("%(where)s: isi nama.") % {"where": where})
        if not position:
            errors.add("members", _("%(where)s: isi jabatan.") % {"where": where})
        if m.role not in SpmTeamMember.Role.values:
            errors.add("members", _("%(where)s: peran dalam tim tidak dikenal.") % {"where": where})
        if m.agency_id is not None and m.agency_id not in agencies:
            errors.add(
                "members",
                _("%(where)s: perangkat daerah bukan milik wilayah ini.") % {"where": where},
            )
        if m.agency_id is None and not unit:
            errors.add(
                "members",
                _("%(where)s: pilih perangkat daerah atau isi unit kerja lain.") % {"where": where},
            )
        cleaned.append(
            MemberInput(name, position, m.role, m.agency_id, "" if m.agency_id else unit, m.id)
        )
    return cleaned


def save_spm_team(
    user: AnyUser,
    region: Region,
    year: int,
    data: TeamInput,
    members: list[MemberInput] | None = None,
    *,
    seen_version: int | None,
    upload: Upload | None = None,
    remove_file: bool = False,
) -> SpmTeam:
    """Create or change the region's Tim Penerapan SPM of ``year``; ``members``, when given,
    replace the member list (rows keep their id when the input names it)."""
    _require_maintainer(user, region)
    if not selectors.year_allowed(year):
        raise ValidationError({"year": [_("Tahun di luar rentang yang dapat dicatat.")]})
    data.decree_number = _text(data.decree_number)
    data.chair_name, data.chair_position = _text(data.chair_name), _text(data.chair_position)
    errors = _Errors()
    _validate_team(data, errors, timezone.localdate())
    cleaned = _clean_members(region, members, errors) if members is not None else None
    checked = _check_document(upload) if upload is not None else None
    errors.raise_any()
    with transaction.atomic():
        Region.objects.select_for_update().filter(pk=region.pk).first()
        team = (
            SpmTeam.objects.select_for_update(of=("self",))
            .select_related("updated_by")
            .filter(region=region, year=year)
            .first()
        )
        _check_version(team, seen_version)
        if team is None:
            team = SpmTeam(region=region, year=year, version=0)
        team.decree_number, team.decree_date = data.decree_number, data.decree_date  # type: ignore[assignment]
        team.chair_name, team.chair_position = data.chair_name, data.chair_position
        if checked is not None and upload is not None:
            _store(team, upload, checked)
        elif remove_file:
            _clear_file(team)
        team.version += 1
        team.updated_by = acting_user(user)
        history.set_actor(team, user)
        team.save()
        if cleaned is not None:
            _replace_members(team, cleaned, user)
        return team


MEMBER_FIELDS = ("name", "position", "role", "agency_id", "unit", "order")


def _replace_members(team: SpmTeam, members: list[MemberInput], user: AnyUser) -> None:
    existing = {m.pk: m for m in team.members.all()}
    kept = {m.id for m in members if m.id in existing}
    for pk, row in existing.items():
        if pk not in kept:
            history.set_actor(row, user)
            row.delete()
    for order, m in enumerate(members, start=1):
        found = existing.get(m.id) if m.id is not None else None
        row = found or SpmTeamMember(team=team)
        values = {
            "name": m.name,
            "position": m.position,
            "role": m.role,
            "agency_id": m.agency_id,
            "unit": m.unit,
            "order": order,
        }
        if row.pk and all(getattr(row, k) == v for k, v in values.items()):
            continue
        for k, v in values.items():
            setattr(row, k, v)
        history.set_actor(row, user)
        row.save()
