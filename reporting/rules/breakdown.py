"""The recipient breakdown: one place that reads, checks and shows ``Report.recipients_breakdown``.

A service type whose catalog entry names breakdown dimensions (``indicators.BreakdownDimension``:
sex, age group, school level, disability type …) stores its breakdown structured,
``{dimension key: {group key: count}}``; a group left empty is absent (empty is not 0). A
service type without dimensions keeps the older free-text form ``{label: count}``, and a
report saved before its service type had dimensions keeps that form too: both still read.

The rule "the groups add up to the total": a dimension with ``sums_to_total`` whose groups are
all filled should add up to the recipients served (data-quality rule RINCIAN-JUMLAH warns).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

MAX_COUNT = 2_000_000_000
MAX_KEYS = 20  # the catalog loader's bound on groups per dimension


@dataclass(frozen=True)
class Group:
    key: str
    label: str


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    sums_to_total: bool
    groups: tuple[Group, ...]

    def group_keys(self) -> list[str]:
        return [g.key for g in self.groups]


@dataclass(frozen=True)
class DimensionRow:
    """One dimension of a report's breakdown, as pages and exports show it."""

    key: str
    label: str
    sums_to_total: bool
    groups: list[tuple[str, str, int | None]]  # (key, label, count or None when empty)
    filled: int
    total: int | None  # the sum once every group is filled, else None

    @property
    def complete(self) -> bool:
        return self.total is not None


def _dimension(dim: Any) -> Dimension:
    return Dimension(
        key=dim.key,
        label=dim.label,
        sums_to_total=dim.sums_to_total,
        groups=tuple(Group(g.key, g.label) for g in dim.groups.all()),
    )


def dimensions_of(service_type: Any) -> tuple[Dimension, ...]:
    """The catalog's dimensions of a service type (uses prefetched rows when present)."""
    if service_type is None:
        return ()
    dims = service_type.breakdown_dimensions.all()
    return tuple(_dimension(d) for d in dims)


def dimensions_by_service_type(ids: Iterable[int]) -> dict[int, tuple[Dimension, ...]]:
    """The dimensions of many service types in two queries, keyed by service type id."""
    from django.db.models import Prefetch

    from indicators.models import BreakdownDimension, BreakdownGroup

    out: dict[int, list[Dimension]] = {}
    qs = (
        BreakdownDimension.objects.filter(service_type_id__in=set(ids))
        .order_by("service_type_id", "order", "key")
        .prefetch_related(
            Prefetch("groups", queryset=BreakdownGroup.objects.order_by("order", "key"))
        )
    )
    for dim in qs:
        out.setdefault(dim.service_type_id, []).append(_dimension(dim))
    return {k: tuple(v) for k, v in out.items()}


def is_structured(value: Any) -> bool:
    """Is a stored breakdown the structured ``{dimension: {group: n}}`` form?"""
    return (
        isinstance(value, Mapping)
        and bool(value)
        and all(isinstance(v, Mapping) for v in value.values())
    )


def legacy_items(value: Any) -> list[tuple[str, Any]]:
    """A free-text breakdown's ``(label, count)`` pairs; empty for a structured one."""
    if not isinstance(value, Mapping) or is_structured(value):
        return []
    return [(str(k), v) for k, v in value.items() if not isinstance(v, Mapping)]


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def rows(value: Any, dims: Iterable[Dimension]) -> list[DimensionRow]:
    """Every catalog dimension with the report's counts (None where empty), in catalog order."""
    stored = value if is_structured(value) else {}
    out = []
    for dim in dims:
        given = stored.get(dim.key) or {}
        groups = [(g.key, g.label, _count(given.get(g.key))) for g in dim.groups]
        filled = [n for _k, _l, n in groups if n is not None]
        total = sum(filled) if groups and len(filled) == len(groups) else None
        out.append(DimensionRow(dim.key, dim.label, dim.sums_to_total, groups, len(filled), total))
    return out


def mismatches(value: Any, dims: Iterable[Dimension], served: int | None) -> list[DimensionRow]:
    """Complete summing dimensions whose total is not the recipients served."""
    if served is None:
        return []
    return [r for r in rows(value, dims) if r.sums_to_total and r.complete and r.total != served]


# ---------------------------------------------------------------- validation (API, form)


class BreakdownInvalid(ValueError):
    """Refused structured input; ``errors`` maps ``dimension`` / ``dimension.group`` to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def clean(given: Any, dims: Iterable[Dimension]) -> dict[str, dict[str, int]]:
    """Structured input checked against the catalog: ``{dimension: {group: n}}``.

    Unknown dimension or group keys, negative, fractional or non-numeric counts are refused
    (``BreakdownInvalid``); ``None`` means an empty group and is dropped, as are dimensions
    left with no group filled. Keys come back in catalog order.
    """
    dims = list(dims)
    errors: dict[str, list[str]] = {}
    if not isinstance(given, Mapping):
        raise BreakdownInvalid({"": [_("Rincian harus berupa {dimensi: {kelompok: jumlah}}.")]})
    # Bounded before anything is echoed back: a body of 20 000 keys gets one message.
    too_many = len(given) > MAX_KEYS or any(
        isinstance(v, Mapping) and len(v) > MAX_KEYS for v in given.values()
    )
    if too_many:
        raise BreakdownInvalid({"": [_("Rincian paling banyak %(n)s kelompok.") % {"n": MAX_KEYS}]})
    known = {d.key: d for d in dims}
    for key in given:
        if key not in known:
            errors.setdefault(str(key), []).append(
                _("Dimensi rincian tidak dikenal; yang tersedia: %(keys)s.")
                % {"keys": ", ".join(known) or "—"}
            )
    out: dict[str, dict[str, int]] = {}
    for dim in dims:
        groups = given.get(dim.key)
        if groups is None:
            continue
        if not isinstance(groups, Mapping):
            errors.setdefault(dim.key, []).append(
                _("Isi dimensi %(dim)s berupa {kelompok: jumlah}.") % {"dim": dim.key}
            )
            continue
        group_keys = dim.group_keys()
        for gkey in groups:
            if gkey not in group_keys:
                errors.setdefault(f"{dim.key}.{gkey}", []).append(
                    _("Kelompok tidak dikenal; yang tersedia: %(keys)s.")
                    % {"keys": ", ".join(group_keys)}
                )
        values: dict[str, int] = {}
        for gkey in group_keys:
            raw = groups.get(gkey)
            if raw is None:
                continue
            problem = count_problem(raw)
            if problem:
                errors.setdefault(f"{dim.key}.{gkey}", []).append(problem)
                continue
            values[gkey] = int(raw)
        if values:
            out[dim.key] = values
    if errors:
        raise BreakdownInvalid(errors)
    return out


def count_problem(raw: Any) -> str:
    """Why a JSON value is not a count of people ("" when it is one)."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        return str(_("Isi dengan angka, misalnya 1.250."))
    if raw < 0:
        return str(_("Jumlah tidak boleh negatif."))
    if raw != int(raw):
        return str(_("Jumlah orang harus bilangan bulat (tanpa koma)."))
    if raw > MAX_COUNT:
        return str(_("Angka terlalu besar."))
    return ""


# ---------------------------------------------------------------- text (audit, exports)


def _number(n: Any) -> str:
    return f"{n:,}".replace(",", ".") if isinstance(n, int) else str(n)


def _pretty(key: str) -> str:
    return str(key).replace("_", " ").capitalize()


def describe(value: Any, dims: Iterable[Dimension] = ()) -> str:
    """A breakdown as a reader sees it: "Jenis kelamin: Laki-laki 70, Perempuan 80; …"."""
    if not value:
        return "—"
    if not is_structured(value):
        return "; ".join(f"{k}: {_number(v)}" for k, v in legacy_items(value)) or "—"
    labels = {d.key: d for d in dims}
    parts = []
    for dkey, groups in value.items():
        dim = labels.get(dkey)
        names = {g.key: g.label for g in dim.groups} if dim else {}
        inner = ", ".join(f"{names.get(g) or _pretty(g)} {_number(n)}" for g, n in groups.items())
        parts.append(f"{dim.label if dim else _pretty(dkey)}: {inner}")
    return "; ".join(parts) or "—"


def compact(value: Any) -> str:
    """One cell for a spreadsheet: "jenis_kelamin:laki_laki=70; jenis_kelamin:perempuan=80"."""
    if not value:
        return ""
    if not is_structured(value):
        return "; ".join(f"{k}={v}" for k, v in legacy_items(value))
    return "; ".join(
        f"{dkey}:{gkey}={n}" for dkey, groups in value.items() for gkey, n in groups.items()
    )


def columns(dims: Iterable[Dimension]) -> list[tuple[str, str, str]]:
    """One export column per dimension group: (header, dimension key, group key)."""
    return [(f"{d.label}: {g.label}", d.key, g.key) for d in dims for g in d.groups]


def cell(value: Any, dim_key: str, group_key: str) -> int | None:
    if not is_structured(value):
        return None
    return _count((value.get(dim_key) or {}).get(group_key))


def as_json(value: Any) -> str:
    """A stored breakdown as compact JSON text (the form's base value of the section)."""
    return json.dumps(value or {}, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
