"""Province map of the national dashboard: a tile-grid cartogram drawn as server-side SVG.

One tile per province, placed roughly at its capital's position
(``static/maps/indonesia-provinsi-petak.json``, our own layout — no openly licensed boundary
data of the 38 provinces was to be had; see docs/decisions.md). Each tile carries both its
capaian band class and its input-status class; the page's CSS colours by one or the other
(a radio toggle, no JavaScript), so one cached body serves both views.

The figures are the province rows of ``NationalDashboard.ranking`` — the same rows as the
table beside the map and the ranking download — so the map runs no query of its own. The
layout file is read once per process.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.utils.formats import number_format
from django.utils.html import escape, format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from regions.models import Level
from reporting.dashboards.links import dashboard_url
from reporting.dashboards.selectors import NationalDashboard, RegionRollup, slug
from reporting.rules.capaian import bands

GRID_ASSET = "maps/indonesia-provinsi-petak.json"
# Bumped with every change of the layout file: the dashboard body cache keys on the code of
# reporting/ (dashboards.cache.build_signature), not on static files.
GRID_VERSION = 1

TILE = 64  # tile side in viewBox units
PITCH = 70  # tile + gap
PAD = 4
ABBR_FIT = 58  # longer abbreviations are squeezed to this width (textLength)

# Input status of one region, as a partition: each province is in exactly one of these.
STATUS_ORDER = ("accepted", "submitted", "entered", "nothing")
STATUS_LABELS: dict[str, Any] = {
    "accepted": gettext_lazy("Diterima"),
    "submitted": gettext_lazy("Dikirim, belum diterima"),
    "entered": gettext_lazy("Mengisi, belum dikirim"),
    "nothing": gettext_lazy("Belum ada data"),
}
TIMELINESS_LABELS: dict[str, Any] = {
    "on_time": gettext_lazy("tepat waktu"),
    "late": gettext_lazy("terlambat"),
}
NO_REPORT = gettext_lazy("Tidak ada laporan terhitung")


# ----------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Cell:
    code: str
    abbr: str
    col: int
    row: int


@dataclass(frozen=True)
class Grid:
    columns: int
    rows: int
    cells: dict[str, Cell]


def parse_grid(data: dict[str, Any]) -> Grid:
    """The layout, checked: every code once, every tile inside the grid and on its own cell."""
    if data.get("version") != GRID_VERSION:
        raise ImproperlyConfigured(
            f"{GRID_ASSET}: version {data.get('version')!r}, expected {GRID_VERSION}: "
            "bump GRID_VERSION in reporting/dashboards/maps.py with the layout"
        )
    columns, rows = int(data["columns"]), int(data["rows"])
    cells: dict[str, Cell] = {}
    taken: set[tuple[int, int]] = set()
    for item in data["provinces"]:
        cell = Cell(str(item["code"]), str(item["abbr"]), int(item["col"]), int(item["row"]))
        if cell.code in cells:
            raise ImproperlyConfigured(f"{GRID_ASSET}: province {cell.code} twice")
        if not (0 <= cell.col < columns and 0 <= cell.row < rows):
            raise ImproperlyConfigured(f"{GRID_ASSET}: province {cell.code} outside the grid")
        if (cell.col, cell.row) in taken:
            raise ImproperlyConfigured(f"{GRID_ASSET}: two provinces on one tile ({cell.code})")
        taken.add((cell.col, cell.row))
        cells[cell.code] = cell
    return Grid(columns, rows, cells)


@cache
def load_grid() -> Grid:
    """Read and check the vendored layout once per process."""
    found = finders.find(GRID_ASSET)
    if not found:
        raise ImproperlyConfigured(f"static file {GRID_ASSET} is missing")
    path = Path(found if isinstance(found, str) else found[0])
    return parse_grid(json.loads(path.read_text(encoding="utf-8")))


# ----------------------------------------------------------------------------- figures


def status_of(row: RegionRollup) -> str:
    """The furthest step the region has reached this period (same flags as the status table)."""
    if row.accepted:
        return "accepted"
    if row.submitted:
        return "submitted"
    if row.entered:
        return "entered"
    return "nothing"


def _num(value: Decimal | None) -> str:
    return "–" if value is None else number_format(value, 2)


@dataclass(frozen=True)
class ProvinceTile:
    code: str
    name: str
    abbr: str
    cell: Cell | None
    capaian: Decimal | None  # rounded to 2 decimals, as in the ranking
    band: str  # "" without any counted report
    status: str  # one of STATUS_ORDER
    timeliness: str
    missing: int
    href: str
    expected: int = 0

    @property
    def band_css(self) -> str:
        return "band-" + slug(self.band) if self.band else "band-missing"

    @property
    def band_label(self) -> str:
        return self.band or str(NO_REPORT)

    @property
    def status_css(self) -> str:
        return "map-st-" + self.status

    @cached_property
    def status_label(self) -> str:
        label = str(STATUS_LABELS[self.status])
        if self.status in ("accepted", "submitted") and self.timeliness in TIMELINESS_LABELS:
            label += f" ({TIMELINESS_LABELS[self.timeliness]})"
        return label

    @cached_property
    def title(self) -> str:
        if self.capaian is None:
            text = _("%(name)s: belum ada laporan terhitung; %(status)s") % {
                "name": self.name,
                "status": self.status_label,
            }
        else:
            text = _("%(name)s: capaian %(capaian)s (%(band)s); %(status)s") % {
                "name": self.name,
                "capaian": _num(self.capaian),
                "band": self.band_label,
                "status": self.status_label,
            }
        if self.missing:
            text += "; " + _(
                "%(n)s dari %(m)s jenis layanan tanpa laporan terhitung (dihitung 0)"
            ) % {
                "n": self.missing,
                "m": self.expected,
            }
        return text


@dataclass(frozen=True)
class Key:
    """One legend entry: what a colour means and how many provinces have it."""

    key: str
    label: str
    css: str
    count: int


@dataclass(frozen=True)
class ProvinceMap:
    tiles: list[ProvinceTile]  # every province of the dashboard, by code
    band_keys: list[Key]
    status_keys: list[Key]
    svg: SafeString

    @property
    def off_grid(self) -> list[ProvinceTile]:
        """Provinces the layout has no tile for (a new province): listed under the map."""
        return [t for t in self.tiles if t.cell is None]


def province_tiles(dash: NationalDashboard, grid: Grid) -> list[ProvinceTile]:
    query = urlencode({"year": dash.year, "quarter": dash.quarter})
    tiles = []
    for r in sorted((r for r in dash.ranking if r.level == Level.PROVINCE), key=lambda r: r.key):
        cell = grid.cells.get(r.key)
        tiles.append(
            ProvinceTile(
                code=r.key,
                name=r.label,
                abbr=cell.abbr if cell else r.key,
                cell=cell,
                capaian=r.mean_display,
                band=r.band,
                status=status_of(r),
                timeliness=r.timeliness,
                missing=r.missing,
                expected=r.expected,
                href=dashboard_url("reporting:dashboard_province", r.key) + "?" + query,
            )
        )
    return tiles


def legend(tiles: list[ProvinceTile]) -> tuple[list[Key], list[Key]]:
    by_band = Counter(t.band for t in tiles)
    band_keys = [Key(label, label, "band-" + slug(label), by_band[label]) for _lo, label in bands()]
    band_keys.append(Key("", str(NO_REPORT), "band-missing", by_band[""]))
    by_status = Counter(t.status for t in tiles)
    status_keys = [Key(s, str(STATUS_LABELS[s]), "map-st-" + s, by_status[s]) for s in STATUS_ORDER]
    return band_keys, status_keys


# ----------------------------------------------------------------------------- drawing


def _tile_svg(tile: ProvinceTile, cell: Cell) -> str:
    """One tile on its cell; every text field escaped here (f-strings: format_html per field
    costs ~3×)."""
    x = PAD + cell.col * PITCH
    y = PAD + cell.row * PITCH
    mid = x + TILE // 2
    # DejaVu Sans bold is about 0.62 em wide per character at 16 units (dashboard.css).
    fit = (
        f' textLength="{ABBR_FIT}" lengthAdjust="spacingAndGlyphs"'
        if len(tile.abbr) * 16 * 0.62 > ABBR_FIT
        else ""
    )
    return (
        f'<a href="{escape(tile.href)}" class="map-tile {escape(tile.band_css)} '
        f'{escape(tile.status_css)}" data-code="{escape(tile.code)}">'
        f"<title>{escape(tile.title)}</title>"
        f'<rect x="{x}" y="{y}" width="{TILE}" height="{TILE}" rx="6"></rect>'
        f'<text class="map-abbr" x="{mid}" y="{y + 28}" text-anchor="middle"{fit}>'
        f"{escape(tile.abbr)}</text>"
        f'<text class="map-val" x="{mid}" y="{y + 52}" text-anchor="middle">'
        f"{escape(_num(tile.capaian))}</text>"
        "</a>"
    )


def map_svg(tiles: list[ProvinceTile], grid: Grid) -> SafeString:
    width = 2 * PAD + (grid.columns - 1) * PITCH + TILE
    height = 2 * PAD + (grid.rows - 1) * PITCH + TILE
    title = _("Peta provinsi (kartogram petak)")
    return format_html(
        '<svg class="chart map" viewBox="0 0 {} {}" aria-label="{}" '
        'preserveAspectRatio="xMidYMid meet"><title>{}</title>{}</svg>',
        width,
        height,
        title,
        title,
        mark_safe("".join(_tile_svg(t, t.cell) for t in tiles if t.cell is not None)),  # noqa: S308 — escaped
    )


def province_map(dash: NationalDashboard) -> ProvinceMap:
    """The map of the dashboard's provinces, its legends, and the rows of the table beside it."""
    grid = load_grid()
    tiles = province_tiles(dash, grid)
    band_keys, status_keys = legend(tiles)
    return ProvinceMap(tiles, band_keys, status_keys, map_svg(tiles, grid))
