"""Writes on the catalog (loader, editions), assignments and yearly targets.

Every write that a page, command, import or demo makes goes through one function here:
it owns the transaction, the row locks, the optimistic ``version`` check and the audit
(simple-history rows with the acting user and a change reason).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from espm import history, versioning
from espm.parsing import MAX_PEOPLE
from indicators import selectors
from indicators.models import (
    Assignment,
    BreakdownDimension,
    BreakdownGroup,
    CatalogEdition,
    CatalogYear,
    QualityItem,
    Sector,
    ServiceLevel,
    ServiceType,
    Target,
    TargetQuality,
)
from regions.models import Agency, Region
from regions.scoping import Action, AnyUser, acting_user, can
from reporting.rules import reasons

CATALOG_DIR = Path(__file__).resolve().parent / "data" / "catalog"
SERVICE_CODE = re.compile(r"^(?P<prefix>[PK])-(?P<sector>[A-Z]+)-(?P<num>\d{2})$")
QUALITY_CODE = re.compile(r"^[A-Z0-9][A-Z0-9.-]{0,29}$")
BREAKDOWN_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
# A dimension partitions recipients into a few groups (sex, age bands, school levels).
MAX_BREAKDOWN_GROUPS = 20
LEVEL_BY_PREFIX = {"P": ServiceLevel.PROVINCE, "K": ServiceLevel.KABKOTA}


class CatalogError(ValueError):
    """The catalog data is invalid; nothing was written."""


class TargetError(ValueError):
    """A target change was refused; ``field`` names the form field when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class StaleVersion(TargetError):
    """Someone saved the same record in between; the caller shows what changed."""

    def __init__(self, message: str, current: Any = None) -> None:
        super().__init__(message)
        self.current = current


# --------------------------------------------------------------------------- catalog loader


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    years_created: int = 0
    editions: list[str] = field(default_factory=list)
    # edition code -> differences from its file left unapplied because reports/targets use it
    frozen: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted or self.years_created)


def catalog_files() -> list[Path]:
    return sorted(CATALOG_DIR.glob("*.yaml"))


def read_catalog_file(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path.name}: YAML tidak valid: {exc}") from exc
    if not isinstance(data, dict):
        raise CatalogError(f"{path.name}: isi berkas harus berupa mapping")
    return data


def validate_catalog(data: Mapping[str, Any]) -> list[str]:
    """All problems of one edition's data, in Indonesian, empty when the data is valid."""
    problems: list[str] = []
    edition = data.get("edition") or {}
    if not str(edition.get("code", "")).strip():
        problems.append("edisi: kode kosong")
    if edition.get("status", "published") not in CatalogEdition.Status.values:
        problems.append(f"edisi: status tidak dikenal {edition.get('status')!r}")
    for y in edition.get("years") or []:
        if not isinstance(y, int) or not 2000 <= y <= 2100:
            problems.append(f"edisi: tahun tidak valid {y!r}")
    sectors = data.get("sectors") or []
    sector_codes = [str(s.get("code", "")) for s in sectors]
    if len(set(sector_codes)) != len(sector_codes):
        problems.append("bidang: kode ganda")
    for s in sectors:
        if not str(s.get("name", "")).strip():
            problems.append(f"bidang {s.get('code')!r}: nama kosong")
    seen: set[str] = set()
    for st in data.get("service_types") or []:
        code = str(st.get("code", ""))
        where = f"jenis pelayanan {code or '?'}"
        m = SERVICE_CODE.match(code)
        if not m:
            problems.append(f"{where}: kode tidak sesuai pola P-/K-BIDANG-NN")
            continue
        if code in seen:
            problems.append(f"{where}: kode ganda")
        seen.add(code)
        if st.get("sector") not in sector_codes:
            problems.append(f"{where}: bidang tidak dikenal {st.get('sector')!r}")
        elif m["sector"] != st.get("sector"):
            problems.append(f"{where}: kode tidak cocok dengan bidang {st.get('sector')}")
        if st.get("level") != LEVEL_BY_PREFIX[m["prefix"]]:
            problems.append(f"{where}: tingkat {st.get('level')!r} tidak cocok dengan kode")
        if not str(st.get("name", "")).strip():
            problems.append(f"{where}: nama kosong")
        q_codes: set[str] = set()
        for qi in st.get("quality") or []:
            qcode = str(qi.get("code", ""))
            if not QUALITY_CODE.match(qcode):
                problems.append(f"{where}: kode mutu tidak valid {qcode!r}")
            if qcode in q_codes:
                problems.append(f"{where}: kode mutu ganda {qcode}")
            q_codes.add(qcode)
            if qi.get("kind") not in QualityItem.Kind.values:
                problems.append(f"{where} {qcode}: jenis mutu harus goods atau staff")
            if not str(qi.get("description", "")).strip():
                problems.append(f"{where} {qcode}: uraian kosong")
            if not isinstance(qi.get("has_quantity", True), bool):
                problems.append(f"{where} {qcode}: has_quantity harus true/false")
            if not isinstance(qi.get("per_recipient", False), bool):
                problems.append(f"{where} {qcode}: per_recipient harus true/false")
        problems.extend(_breakdown_problems(where, st.get("breakdowns") or []))
    if not seen:
        problems.append("tidak ada jenis pelayanan")
    return problems


def _breakdown_problems(where: str, dims: Any) -> list[str]:
    problems: list[str] = []
    if not isinstance(dims, list):
        return [f"{where}: breakdowns harus berupa daftar"]
    keys: set[str] = set()
    for dim in dims:
        if not isinstance(dim, Mapping):
            problems.append(f"{where}: dimensi rincian harus berupa mapping")
            continue
        key = str(dim.get("key", ""))
        if not BREAKDOWN_KEY.match(key):
            problems.append(f"{where}: kode dimensi rincian tidak valid {key!r}")
        if key in keys:
            problems.append(f"{where}: kode dimensi rincian ganda {key}")
        keys.add(key)
        if not str(dim.get("label", "")).strip():
            problems.append(f"{where} {key}: nama dimensi kosong")
        if not isinstance(dim.get("sums_to_total", True), bool):
            problems.append(f"{where} {key}: sums_to_total harus true/false")
        groups = dim.get("groups") or []
        if not isinstance(groups, list) or not 2 <= len(groups) <= MAX_BREAKDOWN_GROUPS:
            problems.append(
                f"{where} {key}: dimensi rincian perlu 2–{MAX_BREAKDOWN_GROUPS} kelompok"
            )
            continue
        group_keys: set[str] = set()
        for g in groups:
            gkey = str(g.get("key", "")) if isinstance(g, Mapping) else ""
            if not BREAKDOWN_KEY.match(gkey):
                problems.append(f"{where} {key}: kode kelompok tidak valid {gkey!r}")
            if gkey in group_keys:
                problems.append(f"{where} {key}: kode kelompok ganda {gkey}")
            group_keys.add(gkey)
            if isinstance(g, Mapping) and not str(g.get("label", "")).strip():
                problems.append(f"{where} {key} {gkey}: nama kelompok kosong")
    return problems


def _sync_fields(obj: Any, wanted: Mapping[str, Any], *, write: bool = True) -> bool:
    changed = [k for k, v in wanted.items() if getattr(obj, k) != v]
    if changed and write:
        for k in changed:
            setattr(obj, k, wanted[k])
        obj.save(update_fields=changed)
    return bool(changed)


def _edition_in_use(edition: CatalogEdition) -> bool:
    """Do targets or reports point at this edition's rows? Then it is never rewritten."""
    from django.apps import apps

    if Target.objects.filter(service_type__edition=edition).exists():
        return True
    try:
        report_model = apps.get_model("reporting", "Report")
    except LookupError:
        return False
    return report_model.objects.filter(service_type__edition=edition).exists()


def _sync_edition(data: Mapping[str, Any], result: LoadResult) -> CatalogEdition:
    spec = data["edition"]
    sectors: dict[str, Sector] = {}
    for s in data["sectors"]:
        sector, created = Sector.objects.get_or_create(
            code=s["code"], defaults={"name": s["name"], "order": s.get("order", 0)}
        )
        if created:
            result.created += 1
        elif _sync_fields(sector, {"name": s["name"], "order": s.get("order", 0)}):
            result.updated += 1
        sectors[sector.code] = sector
    status = spec.get("status", CatalogEdition.Status.PUBLISHED)
    edition, created = CatalogEdition.objects.get_or_create(
        code=str(spec["code"]),
        defaults={
            "name": spec.get("name") or str(spec["code"]),
            "notes": spec.get("notes", ""),
            "status": status,
            "published_at": timezone.now() if status == CatalogEdition.Status.PUBLISHED else None,
        },
    )
    result.created += int(created)
    # An edition that targets or reports use is compared, never written: what was reported
    # stays as reported, and the differences are counted for the caller to show.
    write = created or not _edition_in_use(edition)
    tally = result if write else LoadResult()
    if not created and _sync_fields(
        edition,
        {"name": spec.get("name") or edition.code, "notes": spec.get("notes", "")},
        write=write,
    ):
        tally.updated += 1
    existing = {
        st.code: st
        for st in edition.service_types.prefetch_related(
            "quality_items", "breakdown_dimensions__groups"
        )
    }
    for order, st in enumerate(data["service_types"], start=1):
        wanted = {
            "sector": sectors[st["sector"]],
            "level": st["level"],
            "name": st["name"].strip(),
            "regulation": st.get("regulation", ""),
            "recipient_definition": (st.get("recipients") or "").strip(),
            "order": order,
        }
        row = existing.pop(st["code"], None)
        if row is None:
            if not write:
                tally.created += 1 + len(st.get("quality") or [])
                continue
            row = ServiceType.objects.create(edition=edition, code=st["code"], **wanted)
            tally.created += 1
        elif _sync_fields(row, wanted, write=write):
            tally.updated += 1
        else:
            tally.unchanged += 1
        _sync_quality(row, st.get("quality") or [], wanted["regulation"], tally, write=write)
        dims = st.get("breakdowns") or []
        if not write and dims and not row.breakdown_dimensions.all():
            # A service type's first breakdown is added even to an edition in use: reports
            # made before keep their free-text breakdown, which still reads (decisions.md).
            _sync_breakdowns(row, dims, wanted["regulation"], result, write=True)
        else:
            _sync_breakdowns(row, dims, wanted["regulation"], tally, write=write)
    for gone in existing.values():
        tally.deleted += 1
        if not write:
            continue
        try:
            gone.delete()
        except ProtectedError as exc:
            raise CatalogError(
                f"{gone.code} dipakai laporan/target dan tidak dapat dihapus dari edisi {edition.code}"
            ) from exc
    if not write:
        result.unchanged += tally.unchanged
        differences = tally.created + tally.updated + tally.deleted
        if differences:
            result.frozen[edition.code] = differences
    for year in spec.get("years") or []:
        _, made = CatalogYear.objects.get_or_create(year=year, defaults={"edition": edition})
        result.years_created += int(made)
    return edition


def _sync_quality(
    st: ServiceType,
    items: list[Mapping[str, Any]],
    regulation: str,
    result: LoadResult,
    *,
    write: bool = True,
) -> None:
    existing = {qi.code: qi for qi in st.quality_items.all()}
    for order, qi in enumerate(items, start=1):
        wanted = {
            "kind": qi["kind"],
            "description": qi["description"].strip(),
            "unit": qi.get("unit") or "",
            "has_quantity": qi.get("has_quantity", True),
            "per_recipient": bool(qi.get("per_recipient", False)),
            "source": qi.get("source") or regulation,
            "order": order,
        }
        row = existing.pop(str(qi["code"]), None)
        if row is None:
            result.created += 1
            if write:
                QualityItem.objects.create(service_type=st, code=str(qi["code"]), **wanted)
        elif _sync_fields(row, wanted, write=write):
            result.updated += 1
        else:
            result.unchanged += 1
    for gone in existing.values():
        result.deleted += 1
        if not write:
            continue
        try:
            gone.delete()
        except ProtectedError as exc:
            raise CatalogError(f"{st.code} {gone.code} dipakai target/laporan") from exc


def _sync_breakdowns(
    st: ServiceType,
    dims: list[Mapping[str, Any]],
    regulation: str,
    result: LoadResult,
    *,
    write: bool = True,
) -> None:
    existing = {d.key: d for d in st.breakdown_dimensions.all()}
    for order, spec in enumerate(dims, start=1):
        wanted = {
            "label": str(spec["label"]).strip(),
            "sums_to_total": bool(spec.get("sums_to_total", True)),
            "source": spec.get("source") or regulation,
            "order": order,
        }
        dim = existing.pop(str(spec["key"]), None)
        if dim is None:
            result.created += 1 + len(spec["groups"])
            if not write:
                continue
            dim = BreakdownDimension.objects.create(service_type=st, key=spec["key"], **wanted)
            BreakdownGroup.objects.bulk_create(
                BreakdownGroup(dimension=dim, key=g["key"], label=str(g["label"]).strip(), order=n)
                for n, g in enumerate(spec["groups"], start=1)
            )
            continue
        if _sync_fields(dim, wanted, write=write):
            result.updated += 1
        else:
            result.unchanged += 1
        groups = {g.key: g for g in dim.groups.all()}
        for n, g in enumerate(spec["groups"], start=1):
            row = groups.pop(str(g["key"]), None)
            fields = {"label": str(g["label"]).strip(), "order": n}
            if row is None:
                result.created += 1
                if write:
                    BreakdownGroup.objects.create(dimension=dim, key=g["key"], **fields)
            elif _sync_fields(row, fields, write=write):
                result.updated += 1
            else:
                result.unchanged += 1
        for gone in groups.values():
            result.deleted += 1
            if write:
                gone.delete()
    for gone_dim in existing.values():
        result.deleted += 1
        if write:
            gone_dim.delete()


@transaction.atomic
def load_catalog(sources: Iterable[Path | Mapping[str, Any]] | None = None) -> LoadResult:
    """Create or update the catalog from the data files; all or nothing, idempotent.

    An edition that targets or reports already use is left as it is; its differences from
    the file are counted in ``result.frozen`` (a change there needs a new edition). Years
    already mapped to an edition are never re-pointed (Bangda may have moved them).
    """
    result = LoadResult()
    datasets: list[tuple[str, Mapping[str, Any]]] = []
    for src in catalog_files() if sources is None else sources:
        if isinstance(src, Path):
            datasets.append((src.name, read_catalog_file(src)))
        else:
            datasets.append(("data", src))
    problems = [f"{name}: {p}" for name, data in datasets for p in validate_catalog(data)]
    if problems:
        raise CatalogError("; ".join(problems[:30]))
    for _name, data in datasets:
        result.editions.append(_sync_edition(data, result).code)
    return result


# --------------------------------------------------------------------------- editions


def _require_bangda(user: AnyUser) -> None:
    if not selectors.is_bangda(user):
        raise PermissionDenied(_("Hanya admin Bangda yang dapat mengubah katalog."))


@transaction.atomic
def create_draft_edition(
    user: AnyUser, source: CatalogEdition, code: str, name: str = ""
) -> CatalogEdition:
    """A draft copy of an edition (service types and quality items) for Bangda to edit."""
    _require_bangda(user)
    code = code.strip()
    if not code:
        raise CatalogError(_("Kode edisi wajib diisi."))
    if CatalogEdition.objects.filter(code=code).exists():
        raise CatalogError(_("Kode edisi %(code)s sudah dipakai.") % {"code": code})
    draft = CatalogEdition.objects.create(
        code=code,
        name=name.strip() or _("Katalog SPM edisi %(code)s") % {"code": code},
        status=CatalogEdition.Status.DRAFT,
        based_on=source,
        notes=_("Disalin dari edisi %(code)s.") % {"code": source.code},
    )
    for st in source.service_types.prefetch_related(
        "quality_items", "breakdown_dimensions__groups"
    ).order_by("order"):
        items = list(st.quality_items.all())
        dims = [(d, list(d.groups.all())) for d in st.breakdown_dimensions.all()]
        st.pk = None
        st.edition = draft
        st.save()
        for qi in items:
            qi.pk = None
            qi.service_type = st
        QualityItem.objects.bulk_create(items)
        for dim, groups in dims:
            dim.pk = None
            dim.service_type = st
            dim.save()
            for g in groups:
                g.pk = None
                g.dimension = dim
            BreakdownGroup.objects.bulk_create(groups)
    return draft


@transaction.atomic
def publish_edition(user: AnyUser, edition: CatalogEdition, years: Iterable[int] = ()) -> list[int]:
    """Publish a draft and point the given reporting years at it.

    A year that already has targets keeps its edition: those targets (and the reports
    made from them) were set under it. Returns the years actually re-pointed.
    """
    _require_bangda(user)
    edition = CatalogEdition.objects.select_for_update().get(pk=edition.pk)
    if edition.status == CatalogEdition.Status.DRAFT:
        if not edition.service_types.exists():
            raise CatalogError(_("Edisi tanpa jenis pelayanan tidak dapat diterbitkan."))
        edition.status = CatalogEdition.Status.PUBLISHED
        edition.published_at = timezone.now()
        edition.save(update_fields=["status", "published_at"])
    moved: list[int] = []
    for year in sorted(set(years)):
        if _year_in_use(year, edition):
            raise CatalogError(
                _(
                    "Tahun %(year)s sudah memiliki target/laporan pada edisi lain; tidak dapat dipindah."
                )
                % {"year": year}
            )
        CatalogYear.objects.update_or_create(year=year, defaults={"edition": edition})
        moved.append(year)
    return moved


def _year_in_use(year: int, edition: CatalogEdition) -> bool:
    """Does the year already hold targets or reports made under another edition?"""
    from django.apps import apps

    if Target.objects.filter(year=year).exclude(service_type__edition=edition).exists():
        return True
    try:
        report_model = apps.get_model("reporting", "Report")
    except LookupError:
        return False
    return (
        report_model.objects.filter(period__year=year)
        .exclude(service_type__edition=edition)
        .exists()
    )


@dataclass
class QualityChange:
    code: str
    before: QualityItem | None
    after: QualityItem | None
    fields: list[str]


@dataclass
class ServiceChange:
    code: str
    before: ServiceType | None
    after: ServiceType | None
    fields: list[str] = field(default_factory=list)
    quality: list[QualityChange] = field(default_factory=list)

    @property
    def field_labels(self) -> list[str]:
        special = {"sector": _("bidang"), "breakdown": _("rincian penerima")}
        return [
            special[f]
            if f in special
            else str(getattr(ServiceType._meta.get_field(f), "verbose_name", f))
            for f in self.fields
        ]

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"


ST_FIELDS = ["name", "level", "regulation", "recipient_definition"]
QI_FIELDS = ["kind", "description", "unit", "has_quantity", "per_recipient", "source"]


def diff_editions(old: CatalogEdition, new: CatalogEdition) -> list[ServiceChange]:
    """Service types and quality items added, removed or changed from `old` to `new`."""

    def load(ed: CatalogEdition) -> dict[str, ServiceType]:
        qs = ed.service_types.select_related("sector").prefetch_related(
            "quality_items", "breakdown_dimensions__groups"
        )
        return {st.code: st for st in qs}

    def breakdowns(st: ServiceType) -> list[Any]:
        return [
            (d.key, d.label, d.sums_to_total, [(g.key, g.label) for g in d.groups.all()])
            for d in st.breakdown_dimensions.all()
        ]

    a, b = load(old), load(new)
    changes: list[ServiceChange] = []
    for code in sorted(set(a) | set(b)):
        before, after = a.get(code), b.get(code)
        change = ServiceChange(code, before, after)
        if before and after:
            change.fields = [f for f in ST_FIELDS if getattr(before, f) != getattr(after, f)]
            if before.sector.code != after.sector.code:
                change.fields.append("sector")
            if breakdowns(before) != breakdowns(after):
                change.fields.append("breakdown")
            qa = {q.code: q for q in before.quality_items.all()}
            qb = {q.code: q for q in after.quality_items.all()}
            for qcode in sorted(set(qa) | set(qb)):
                x, y = qa.get(qcode), qb.get(qcode)
                diff = [f for f in QI_FIELDS if x and y and getattr(x, f) != getattr(y, f)]
                if x is None or y is None or diff:
                    change.quality.append(QualityChange(qcode, x, y, diff))
            if not change.fields and not change.quality:
                continue
        changes.append(change)
    return changes


# --------------------------------------------------------------------------- assignments


@transaction.atomic
def set_assignments(user: AnyUser, region: Region, wanted: Mapping[str, int | None]) -> int:
    """Set which agency handles each service code of the region; returns rows changed.

    Open targets of this and later years follow the new agency (verified ones keep theirs).
    """
    if not can(user, Action.MANAGE, region):
        raise PermissionDenied(_("Anda tidak dapat mengubah penugasan wilayah ini."))
    valid_codes = set(
        ServiceType.objects.filter(
            edition__years__year__gte=selectors.current_year(),
            level__in=region.service_levels,
        ).values_list("code", flat=True)
    )  # this year's and later years' editions: a newer edition may add codes
    agencies = {a.pk: a for a in Agency.objects.filter(region=region, is_active=True)}
    problems = []
    for code, agency_id in wanted.items():
        if code not in valid_codes:
            problems.append(_("%(code)s bukan jenis pelayanan wilayah ini") % {"code": code})
        elif agency_id is not None and agency_id not in agencies:
            problems.append(
                _("%(code)s: perangkat daerah bukan milik wilayah ini") % {"code": code}
            )
    if problems:
        raise TargetError("; ".join(problems))
    existing = {
        a.service_code: a for a in Assignment.objects.select_for_update().filter(region=region)
    }
    changed = 0
    for code, agency_id in wanted.items():
        row = existing.get(code)
        if agency_id is None:
            if row is not None:
                history.set_actor(row, user)
                row.delete()
                changed += 1
            continue
        if row is None:
            row = Assignment(region=region, service_code=code, agency=agencies[agency_id])
        elif row.agency_id == agency_id:
            continue
        else:
            row.agency = agencies[agency_id]
        history.set_actor(row, user)
        row.save()
        changed += 1
        for target in Target.objects.filter(
            region=region,
            service_type__code=code,
            year__gte=selectors.current_year(),
        ).exclude(status=Target.Status.VERIFIED):
            target.agency_id = agency_id
            history.set_actor(target, user, "penugasan berubah")
            target.save(update_fields=["agency", "updated_at"])
    return changed


# --------------------------------------------------------------------------- targets


@dataclass
class TargetInput:
    recipients_target: int | None
    quality: dict[str, Decimal | None] = field(default_factory=dict)  # quality item code → qty


def parse_quantity(raw: Any, label: str, *, integer: bool = False) -> Decimal | None:
    """A non-negative number from a form or sheet cell; empty → None."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = str(raw).strip().replace(" ", "")
    if isinstance(raw, str) and "," in text and "." not in text:
        text = text.replace(",", ".")  # Indonesian decimal comma
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise TargetError(_("%(label)s harus berupa angka.") % {"label": label}) from exc
    if not value.is_finite():
        raise TargetError(_("%(label)s harus berupa angka.") % {"label": label})
    if value < 0:
        raise TargetError(_("%(label)s tidak boleh negatif.") % {"label": label})
    if integer and value != value.to_integral_value():
        raise TargetError(_("%(label)s harus bilangan bulat.") % {"label": label})
    if value >= Decimal("1e12"):
        raise TargetError(_("%(label)s terlalu besar.") % {"label": label})
    return value


def _check_service_type(region: Region, year: int, service_type: ServiceType) -> None:
    edition = selectors.edition_for_year_or_none(year)
    if edition is None:
        raise TargetError(_("Tahun %(year)s belum memiliki katalog.") % {"year": year})
    if service_type.edition_id != edition.pk:
        raise TargetError(_("Jenis pelayanan bukan dari katalog tahun %(year)s.") % {"year": year})
    if service_type.level not in region.service_levels:
        raise TargetError(
            _("%(code)s bukan jenis pelayanan untuk tingkat wilayah ini.")
            % {"code": service_type.code}
        )


def _check_version(target: Target, version: int | None) -> None:
    if versioning.is_stale(target.version, version):
        raise StaleVersion(
            _(
                "Target ini sudah diubah orang lain (versi %(now)s, Anda membuka versi %(was)s). "
                "Periksa nilai terbaru di bawah lalu simpan lagi."
            )
            % {"now": target.version, "was": version},
            current=target,
        )


# simple-history keeps a change reason in 100 characters; the full text stays on the target.
HISTORY_REASON_MAX = 100


def _audit(target: Target, user: AnyUser, reason: str) -> None:
    history.set_actor(target, user, reason[:HISTORY_REASON_MAX])


@transaction.atomic
def save_target(
    user: AnyUser,
    region: Region,
    year: int,
    service_type: ServiceType,
    data: TargetInput,
    *,
    version: int | None,
    reason: str = "",
) -> Target:
    """Create or update a target. The assigned agency's operator edits draft/returned
    targets; after verification (locked) only the region's verifier may change it, with a reason.
    """
    _check_service_type(region, year, service_type)
    assignment = selectors.assignment_for(region, service_type.code)
    if assignment is None:
        raise TargetError(
            _("%(code)s belum ditugaskan ke perangkat daerah; hubungi verifikator.")
            % {"code": service_type.code}
        )
    target = (
        Target.objects.select_for_update()
        .filter(region=region, year=year, service_type=service_type)
        .first()
    )
    reason = reasons.clean(reason)
    if target is None:
        if assignment.agency_id not in selectors.agency_ids_operated(user, region):
            raise PermissionDenied(
                _("Target ini diisi oleh %(agency)s.") % {"agency": assignment.agency}
            )
        if version not in (None, 0):
            raise StaleVersion(_("Target ini sudah dihapus atau belum dibuat."), current=None)
        target = Target(region=region, year=year, service_type=service_type)
        audit_reason = "dibuat"
    else:
        if version is None:
            # Every write names the version it read; without one it could overwrite a
            # colleague's save (policy, docs/decisions.md).
            raise StaleVersion(
                _("Target ini sudah ada (versi %(now)s); muat ulang lalu simpan lagi.")
                % {"now": target.version},
                current=target,
            )
        _check_version(target, version)
        if target.is_locked:
            if not selectors.is_region_verifier(user, region):
                if target.agency_id not in selectors.agency_ids_operated(user, region):
                    raise PermissionDenied(_("Target ini diisi oleh perangkat daerah lain."))
                raise TargetError(
                    _("Target sudah diverifikasi dan terkunci; perubahan hanya oleh verifikator.")
                )
            if not reason:
                raise TargetError(
                    _("Alasan perubahan wajib diisi untuk target terkunci."), "reason"
                )
            audit_reason = reason
            target.change_reason = reason
        else:
            if target.agency_id and target.agency_id not in selectors.agency_ids_operated(
                user, region
            ):
                raise PermissionDenied(_("Target ini diisi oleh perangkat daerah lain."))
            if target.status == Target.Status.SUBMITTED:
                raise TargetError(_("Target sedang menunggu verifikasi dan tidak dapat diubah."))
            audit_reason = "diubah"
    if data.recipients_target is not None and data.recipients_target < 0:
        raise TargetError(_("Target jumlah penerima tidak boleh negatif."), "recipients_target")
    if data.recipients_target is not None and data.recipients_target > MAX_PEOPLE:
        raise TargetError(_("Target jumlah penerima terlalu besar."), "recipients_target")
    items = list(selectors.quality_items_for(service_type))
    known = {qi.code for qi in items}
    unknown = set(data.quality) - known
    if unknown:
        raise TargetError(
            _("Butir mutu tidak dikenal: %(codes)s") % {"codes": ", ".join(sorted(unknown))}
        )
    for code, qty in data.quality.items():
        if qty is not None and qty < 0:
            raise TargetError(
                _("Jumlah mutu %(code)s tidak boleh negatif.") % {"code": code}, f"q_{code}"
            )
    if target.is_locked and data.recipients_target is None:
        raise TargetError(
            _("Target terkunci harus tetap berisi jumlah penerima."), "recipients_target"
        )
    target.agency = assignment.agency if not target.is_locked else target.agency
    target.recipients_target = data.recipients_target
    target.updated_by = acting_user(user)
    target.version = (target.version or 0) + 1 if target.pk else 1
    _audit(target, user, audit_reason)
    target.save()
    existing = {tq.quality_item_id: tq for tq in TargetQuality.objects.filter(target=target)}
    for qi in items:
        qty = data.quality.get(qi.code) if qi.has_quantity else None
        tq = existing.get(qi.pk)
        if tq is None:
            tq = TargetQuality(target=target, quality_item=qi, required_quantity=qty)
        elif tq.required_quantity == qty:
            continue
        tq.required_quantity = qty
        history.set_actor(tq, user, audit_reason[:HISTORY_REASON_MAX])
        tq.save()
    return target


# --------------------------------------------------------------------------- target sheet import


@dataclass
class ImportReport:
    rows: list[Any]  # sheets.SheetRow
    targets_changed: int = 0
    committed: bool = False
    sheet_error: str = ""

    @property
    def error_count(self) -> int:
        return sum(1 for r in self.rows if r.errors) + (1 if self.sheet_error else 0)

    @property
    def ok(self) -> bool:
        return self.error_count == 0


class _Rollback(Exception):
    pass


def import_targets(
    user: AnyUser, region: Region, year: int, rows: list[Any], *, dry_run: bool
) -> ImportReport:
    """Apply an uploaded target sheet through `save_target`, all or nothing.

    The dry run performs the very same writes inside a transaction that is rolled back,
    so the preview shows exactly the errors a commit would meet.
    """
    report = ImportReport(rows=rows)
    types = {
        st.code: st
        for st in selectors.service_types_for_region(region, year).prefetch_related("quality_items")
    }
    groups: dict[str, list[Any]] = {}
    for row in rows:
        if row.region_code != region.code:
            row.errors.append(
                _("Kode wilayah %(got)s bukan wilayah ini (%(want)s).")
                % {"got": row.region_code or "—", "want": region.code}
            )
        if row.year != str(year):
            row.errors.append(
                _("Tahun %(got)s bukan %(want)s.") % {"got": row.year or "—", "want": year}
            )
        st = types.get(row.service_code)
        if st is None:
            row.errors.append(
                _("Kode jenis pelayanan tidak dikenal: %(code)s")
                % {"code": row.service_code or "—"}
            )
        elif row.quality_code and row.quality_code not in {
            qi.code for qi in st.quality_items.all() if qi.has_quantity
        }:
            row.errors.append(
                _("Kode mutu %(q)s tidak dikenal untuk %(code)s.")
                % {"q": row.quality_code, "code": st.code}
            )
        try:
            row.parsed = parse_quantity(row.value, _("Nilai"), integer=not row.quality_code)
        except TargetError as exc:
            row.errors.append(exc.message)
        if row.version and not row.version.isdigit():
            row.errors.append(_("Versi harus bilangan bulat."))
        groups.setdefault(row.service_code, []).append(row)
    if any(r.errors for r in rows):
        return report
    try:
        with transaction.atomic():
            for code, group in groups.items():
                _import_group(user, region, year, types[code], group, report)
            if dry_run or not report.ok:
                raise _Rollback
            report.committed = True
    except _Rollback:
        pass
    return report


def _import_group(
    user: AnyUser,
    region: Region,
    year: int,
    st: ServiceType,
    group: list[Any],
    report: ImportReport,
) -> None:
    assignment = selectors.assignment_for(region, st.code)
    if assignment is None or assignment.agency_id not in selectors.agency_ids_operated(
        user, region
    ):
        # checked before comparing values, so the sheet is no oracle for others' targets
        _fail(group, _("%(code)s bukan tugas perangkat daerah Anda.") % {"code": st.code})
        return
    current = Target.objects.filter(region=region, year=year, service_type=st).first()
    recipients = current.recipients_target if current else None
    quality: dict[str, Decimal | None] = {}
    if current is not None:
        quality = {
            tq.quality_item.code: tq.required_quantity
            for tq in current.quality.select_related("quality_item")
        }
    new_recipients = recipients
    new_quality = dict(quality)
    versions = {r.version for r in group if r.version}
    # Only rows whose value differs from what is stored are marked, and only they carry a
    # refusal of the whole target (a locked or stale one): the others were not touched.
    changed = []
    for row in group:
        if row.quality_code:
            stored: Decimal | int | None = quality.get(row.quality_code)
            new_quality[row.quality_code] = row.parsed
        else:
            stored = recipients
            new_recipients = int(row.parsed) if row.parsed is not None else None
        if row.parsed != stored:
            changed.append(row)
        else:
            row.status = "unchanged"
    if not changed:
        return
    version: int | None = None
    if versions:
        if len(versions) > 1:
            _fail(changed, _("Baris %(code)s memakai versi yang berbeda.") % {"code": st.code})
            return
        version = int(versions.pop())
    elif current is not None:
        # The sheet was downloaded before this target existed: a colleague created it since.
        _fail(
            changed,
            _("Target %(code)s dibuat orang lain sejak lembar diunduh; unduh ulang.")
            % {"code": st.code},
        )
        return
    try:
        with transaction.atomic():
            save_target(
                user,
                region,
                year,
                st,
                TargetInput(new_recipients, new_quality),
                version=version if current is not None else None,
            )
    except StaleVersion:
        _fail(
            changed,
            _("Target %(code)s sudah diubah sejak lembar diunduh; unduh ulang.")
            % {"code": st.code},
        )
        return
    except TargetError as exc:
        _fail(changed, exc.message)
        return
    except PermissionDenied as exc:
        _fail(
            changed,
            str(exc)
            or _("Jenis pelayanan %(code)s bukan tugas perangkat daerah Anda.") % {"code": st.code},
        )
        return
    report.targets_changed += 1
    for row in changed:
        row.status = "new" if current is None else "changed"


def _fail(group: list[Any], message: str) -> None:
    for row in group:
        row.errors.append(message)


# --------------------------------------------------------------------------- nomenclature


@dataclass
class NomenclatureResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    links: int = 0


@transaction.atomic
def load_nomenclature(path: Path | None = None) -> NomenclatureResult:
    """Create or update the budget nomenclature from a file; all or nothing, idempotent.

    Codes missing from the file stay (budget lines may name them). When the file maps service
    types to their usual codes (the shipped YAML does), those mappings are replaced.
    """
    from indicators import nomenclature as nom
    from indicators.models import NomenclatureItem, ServiceBudgetCode

    data = nom.read_file(path or nom.NOMENCLATURE_FILE)
    existing = {i.code: i for i in NomenclatureItem.objects.select_for_update()}
    problems = nom.validate(data, set(existing))
    if problems:
        raise nom.NomenclatureError("; ".join(problems[:30]))
    sectors = {s.code: s for s in Sector.objects.all()}
    result = NomenclatureResult(skipped=data.skipped)
    # parents first: programs, then kegiatan, then sub kegiatan
    for code, label in sorted(data.items, key=lambda row: (len(row[0]), row[0])):
        level = nom.level_of(code)
        parent_at = nom.parent_code(code)
        parent = existing.get(parent_at) if parent_at else None
        sector_code = nom.sector_of(code)
        sector = sectors.get(sector_code) if sector_code else None
        wanted = {
            "name": label[:500],
            "level": level,
            "parent_id": parent.pk if parent else None,
            "sector_id": sector.pk if sector else None,
            "source": data.source[:200],
        }
        item = existing.get(code)
        if item is None:
            existing[code] = NomenclatureItem.objects.create(code=code, **wanted)
            result.created += 1
        elif any(getattr(item, k) != v for k, v in wanted.items()):
            for k, v in wanted.items():
                setattr(item, k, v)
            item.save()
            result.updated += 1
        else:
            result.unchanged += 1
    if data.services is not None:
        ServiceBudgetCode.objects.filter(service_code__in=list(data.services)).delete()
        links = [
            ServiceBudgetCode(service_code=service, item=existing[code], order=order)
            for service, codes in data.services.items()
            for order, code in enumerate(dict.fromkeys(codes))
        ]
        ServiceBudgetCode.objects.bulk_create(links)
        result.links = len(links)
    return result
