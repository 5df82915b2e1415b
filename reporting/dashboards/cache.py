"""A consistent cache for dashboard bodies and data: reused only while the data is unchanged.

A dashboard is read far more often than its data changes (a national meeting, a province
office refreshing its page), so its rendered body and its JSON are kept — but never served
once a figure could differ. Every request first reads a **fingerprint** of the rows the
dashboard depends on: for each table, ``count(*)`` and the sum of PostgreSQL's ``xmin`` (the
id of the transaction that wrote each row version) over the dashboard's rows. Any committed
insert, update or delete — through the ORM, a bulk update, an import, the admin or raw SQL —
gives the touched rows a newer ``xmin`` or changes the count, so the fingerprint changes and
the figures are computed afresh. Nothing has to remember to invalidate anything.

The key also holds what else the output depends on: the user's grants (so users never share
a body unless they have the same scope), the language, the dashboard and its arguments, the
settings that shape the figures, the code and templates of this build, and the database.

Only on PostgreSQL (``xmin``); elsewhere (the embedded SQLite default) nothing is cached.
``DASHBOARD_CACHE_SECONDS = 0`` turns it off.

Two layers hold an entry under the same key: the shared cache (Redis in production, so every
worker process profits from one computation) and a small memory of the recent entries in
each process, which spares the shared cache's round trip on a repeated read. The key names
the content exactly (the fingerprint is part of it), so a process never holds a stale copy:
after a change the key itself is different.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache as default_cache
from django.db import connection
from django.utils.translation import get_language
from psycopg import sql

from regions.models import Region
from regions.scoping import AnyUser, grants_for

# Tables every dashboard reads whole: small, and they shape every figure.
CATALOG = (
    ("reporting_period", "TRUE", ()),
    ("indicators_servicetype", "TRUE", ()),
    ("indicators_sector", "TRUE", ()),
    ("indicators_catalogyear", "TRUE", ()),
)
IN_PROVINCE = "region_id IN (SELECT id FROM regions_region WHERE province_code = %s)"

Part = tuple[str, str, Sequence[Any]]  # (table, WHERE clause, parameters)


@dataclass(frozen=True)
class Key:
    kind: str  # national / province / region, page or data
    args: tuple[Any, ...]
    parts: tuple[Part, ...]


# The period by its year and quarter, inside the fingerprint (no lookup of its own).
PERIOD = "period_id = (SELECT id FROM reporting_period WHERE year = %s AND quarter = %s)"


def budget_part(where: str, params: Sequence[Any]) -> Part:
    """The budget lines of the reports ``where`` selects (the dashboards' budget figures)."""
    return (
        "reporting_budgetline",
        f"report_id IN (SELECT id FROM reporting_report WHERE {where})",  # noqa: S608 (constant fragments, bound values)
        params,
    )


def national_parts(year: int, quarter: int, *, figures: bool) -> tuple[Part, ...]:
    """``figures``: the reader's figures come from the maintained rows (``Scope.figures``), so
    neither the period's reports nor their budget lines are read."""
    reports: tuple[Part, ...] = (
        ()
        if figures
        else (("reporting_report", PERIOD, (year, quarter)), budget_part(PERIOD, (year, quarter)))
    )
    return (
        *reports,
        ("reporting_regionfigure", PERIOD, (year, quarter)),
        ("reporting_servicefigure", f"{PERIOD} AND province_code = ''", (year, quarter)),
        ("reporting_regionsubmission", PERIOD, (year, quarter)),
        ("reporting_periodregion", PERIOD, (year, quarter)),
        ("regions_region", "TRUE", ()),
        ("reporting_actionplan", "year = %s", (year,)),
        *CATALOG,
    )


def province_parts(year: int, quarter: int, province: Region, *, figures: bool) -> tuple[Part, ...]:
    """``figures``: as ``national_parts``; the reports are still read (the agencies that have
    not entered theirs), their budget lines not."""
    code = province.code
    in_period = (f"{PERIOD} AND {IN_PROVINCE}", (year, quarter, code))
    budget: tuple[Part, ...] = () if figures else (budget_part(*in_period),)
    return (
        ("reporting_report", *in_period),
        *budget,
        ("reporting_regionfigure", *in_period),
        ("reporting_servicefigure", f"{PERIOD} AND province_code = %s", (year, quarter, code)),
        ("reporting_regionsubmission", *in_period),
        ("reporting_periodregion", PERIOD, (year, quarter)),
        ("regions_region", "province_code = %s", (code,)),
        ("regions_agency", IN_PROVINCE, (code,)),
        ("reporting_actionplan", f"year = %s AND {IN_PROVINCE}", (year, code)),
        *CATALOG,
    )


def region_parts(
    year: int, quarter: int, region: Region, *, figures: bool, positions: bool = True
) -> tuple[Part, ...]:
    """The region's own reports (every quarter: the trend) and, for its ``positions`` in the
    national and provincial rankings, the whole period's figures: with ``figures`` the
    maintained rows, else every report of the period and the region's budget lines. Without
    ``positions`` (the data tables) only the region's own rows: a save elsewhere keeps them."""
    in_period = (f"region_id = %s AND {PERIOD}", (region.pk, year, quarter))
    mine = ("region_id = %s", (region.pk,))
    if not positions:
        # Its budget: from its maintained rows, or else from its reports' budget lines.
        budget = ("reporting_regionfigure", *in_period) if figures else budget_part(*in_period)
        return (
            ("reporting_report", *mine),
            budget,
            ("regions_region", "id = %s", (region.pk,)),
            ("regions_agency", *mine),
            ("indicators_assignment", *mine),
            *CATALOG,
        )
    from_reports: tuple[Part, ...] = (
        () if figures else (("reporting_report", PERIOD, (year, quarter)), budget_part(*in_period))
    )
    return (
        ("reporting_report", *mine),
        *from_reports,
        ("reporting_regionfigure", PERIOD, (year, quarter)),
        ("reporting_regionsubmission", PERIOD, (year, quarter)),
        ("reporting_periodregion", PERIOD, (year, quarter)),
        ("regions_region", "TRUE", ()),
        ("regions_agency", *mine),
        ("indicators_assignment", *mine),
        *CATALOG,
    )


def positions_parts(year: int, quarter: int) -> tuple[Part, ...]:
    """What every region's ranking positions depend on: the period's maintained figures and
    submissions (index and timeliness), its universe and due date, and the regions — not any
    one reader's grants (the positions are computed over all regions). The catalog they are
    measured against is part of the key's arguments."""
    return (
        ("reporting_regionfigure", PERIOD, (year, quarter)),
        ("reporting_regionsubmission", PERIOD, (year, quarter)),
        ("reporting_periodregion", PERIOD, (year, quarter)),
        ("regions_region", "TRUE", ()),
        ("reporting_period", "TRUE", ()),
    )


def enabled() -> bool:
    return connection.vendor == "postgresql" and seconds() > 0


def seconds() -> int:
    return int(getattr(settings, "DASHBOARD_CACHE_SECONDS", 600))


def fingerprint(parts: Iterable[Part]) -> str | None:
    """One round trip: ``count:sum(xmin)`` of each part, hashed.

    None inside a transaction that has written rows itself: its own uncommitted rows carry
    its own transaction id, a second write to them would not change ``xmin``, and nothing
    uncommitted may be shared with other requests anyway.
    """
    part = sql.SQL(
        "(SELECT count(*)::text || ':' || coalesce(sum(xmin::text::bigint), 0)::text "
        "FROM {table} WHERE {where})"
    )
    selects: list[sql.Composable] = [
        sql.SQL("(pg_current_xact_id_if_assigned() IS NOT NULL)::text")
    ]
    params: list[Any] = []
    for table, where, args in parts:
        # Table names are quoted identifiers; the WHERE fragments are this module's constants
        # and every value is a bound parameter.
        selects.append(part.format(table=sql.Identifier(table), where=sql.SQL(where)))
        params.extend(args)
    with connection.cursor() as cursor:
        statement = sql.SQL("SELECT {}").format(sql.SQL(", ").join(selects))
        cursor.execute(statement.as_string(cursor.connection), params)
        row = cursor.fetchone()
    if row[0] == "true":
        return None
    return hashlib.sha256("|".join(row).encode()).hexdigest()[:32]


def scope_signature(user: AnyUser) -> str:
    """Users share a cached body only if they have exactly the same grants."""
    grants = sorted(
        (g.role, g.region_id, g.agency_id or 0, g.sector_code) for g in grants_for(user)
    )
    return hashlib.sha256(repr((bool(user.is_superuser), grants)).encode()).hexdigest()[:24]


@cache
def build_signature() -> str:
    """Code, templates and translations of this build: a deploy never serves an old body."""
    root = Path(settings.BASE_DIR)
    files = sorted(
        [
            *(
                path
                for app in ("espm", "regions", "indicators", "reporting")
                for path in (root / app).rglob("*.py")
            ),
            *(root / "static" / "maps").glob("*.json"),
            *(root / "templates" / "reporting" / "dashboard").glob("*.html"),
            *(root / "templates" / "reporting" / "quality").glob("*.html"),
            *(root / "templates" / "reporting").glob("_*.html"),
            *(root / "locale").glob("*/LC_MESSAGES/*.mo"),
        ]
    )
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def settings_signature() -> str:
    shaping = [
        getattr(settings, name, None)
        for name in (
            "SPM_AWARD_RULE",
            "SPM_OFFICIAL_REPORT_STATUSES",
            "SPM_PROVINCES_WITH_KABKOTA_SERVICES",
            "SPM_CAPAIAN_BANDS",
            "SPM_CAPAIAN_WEIGHTS",
            "SPM_DUE_DAY",
        )
    ]
    return hashlib.sha256(repr(shaping).encode()).hexdigest()[:16]


def cache_key(user: AnyUser | None, key: Key) -> str | None:
    """The entry's name; ``user`` None: an entry shared by every reader (no grants in it, and
    no language: what it holds must be the same for all and hold no translated text)."""
    rows = fingerprint(key.parts)
    if rows is None:
        return None
    return ":".join(
        (
            "dash",
            build_signature(),
            str(connection.settings_dict["NAME"]),
            key.kind,
            "" if user is None else get_language() or "",
            "all" if user is None else scope_signature(user),
            settings_signature(),
            hashlib.sha256(repr(key.args).encode()).hexdigest()[:16],
            rows,
        )
    )


class RecentEntries:
    """The process's most recently used entries, each kept at most ``seconds()``.

    Bounded by count (``DASHBOARD_LOCAL_ENTRIES``) and by the total length of the values
    (``DASHBOARD_LOCAL_BYTES``): a dashboard body is tens of kilobytes.
    """

    def __init__(self) -> None:
        self._items: OrderedDict[str, tuple[float, int, Any]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, name: str) -> Any:
        with self._lock:
            item = self._items.get(name)
            if item is None:
                return None
            if item[0] < time.monotonic():
                self._drop(name)
                return None
            self._items.move_to_end(name)
            return item[2]

    def set(self, name: str, value: Any, ttl: int) -> None:
        size = len(value) if isinstance(value, str | bytes) else 0
        entries = int(getattr(settings, "DASHBOARD_LOCAL_ENTRIES", 64))
        limit = int(getattr(settings, "DASHBOARD_LOCAL_BYTES", 16 * 1024 * 1024))
        if entries <= 0 or size > limit:
            return
        with self._lock:
            if name in self._items:
                self._drop(name)
            self._items[name] = (time.monotonic() + ttl, size, value)
            self._size += size
            while len(self._items) > entries or self._size > limit:
                self._drop(next(iter(self._items)))

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0

    def _drop(self, name: str) -> None:
        _expires, size, _value = self._items.pop(name)
        self._size -= size


recent = RecentEntries()


def cached(user: AnyUser | None, key: Key, build: Callable[[], Any]) -> Any:
    """``build()``'s result, reused while the key's rows are unchanged; uncached when off.

    ``user`` None: one entry for every reader — only for figures that no grant narrows."""
    if not enabled():
        return build()
    name = cache_key(user, key)
    if name is None:
        return build()
    value = recent.get(name)
    if value is not None:
        return value
    value = default_cache.get(name)
    if value is None:
        value = build()
        default_cache.set(name, value, seconds())
    recent.set(name, value, seconds())
    return value
