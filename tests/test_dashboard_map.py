"""The province map of the national dashboard (reporting/dashboards/maps.py, _map.html).

Scenario (test catalog year 2031, TW II; 2 provincial service types DIK + KES):
33 → 90 / 70 = 80 Tuntas Madya, accepted on time; 35 → (80 + 0) / 2 = 40 Belum Tuntas (KES
missing counts 0), submitted late; 36 → a report row nobody filled in; 51 → 95 / 95 Tuntas
Utama, submitted; 52 → (0 + 55) / 2 = 27,5 Belum Tuntas, entered but not sent; every other
province has nothing.
"""

from __future__ import annotations

import html
import re
from itertools import combinations
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from regions.models import Level, Region, User
from reporting.dashboards import maps
from reporting.dashboards import selectors as d
from reporting.models import RegionSubmission
from tests.factories_dashboard import YEAR, PeriodFactory, catalog, report, submission

S = RegionSubmission.Status
Q = 2
TILE = re.compile(
    r'<a href="(?P<href>[^"]+)" class="map-tile (?P<band>\S+) (?P<status>\S+)" '
    r'data-code="(?P<code>[^"]+)"><title>(?P<title>[^<]*)</title>'
)
ROW = re.compile(
    r'<tr data-code="(?P<code>[^"]+)">\s*<th scope="row">\s*<a href="(?P<href>[^"]+)">[^<]*</a>'
    r'\s*</th>\s*<td class="num">(?P<capaian>[^<]*)</td>\s*<td>\s*'
    r'<span class="band (?P<band>\S+)">(?P<band_label>[^<]*)</span>\s*</td>\s*'
    r"<td>(?P<status>[^<]*)</td>"
)

EXPECTED = {  # code → (band class, status class)
    "33": ("band-tuntas-madya", "map-st-accepted"),
    "35": ("band-belum-tuntas", "map-st-submitted"),
    "36": ("band-missing", "map-st-nothing"),
    "51": ("band-tuntas-utama", "map-st-submitted"),
    "52": ("band-belum-tuntas", "map-st-entered"),
    "11": ("band-missing", "map-st-nothing"),
    "96": ("band-missing", "map-st-nothing"),
}


@pytest.fixture
def scenario(db):
    st = catalog()
    p = PeriodFactory(quarter=Q)
    report("33", st["P-DIK-01"], p, "90")
    report("33", st["P-KES-01"], p, "70")
    submission("33", p, S.ACCEPTED)
    report("35", st["P-DIK-01"], p, "80")
    submission("35", p, S.SUBMITTED, days_before_due=-2)
    report("36", st["P-DIK-01"], p, None, entered=False)
    report("51", st["P-DIK-01"], p, "95")
    report("51", st["P-KES-01"], p, "95")
    submission("51", p, S.SUBMITTED)
    report("52", st["P-KES-01"], p, "55")
    return p


def _page(client) -> str:
    response = client.get(reverse("reporting:dashboard_national"), {"year": YEAR, "quarter": Q})
    assert response.status_code == 200
    return response.content.decode()


def _tiles(page: str) -> dict[str, dict[str, str]]:
    return {m["code"]: m.groupdict() for m in TILE.finditer(page)}


def _rows(page: str) -> dict[str, dict[str, str]]:
    return {m["code"]: m.groupdict() for m in ROW.finditer(page)}


# ----------------------------------------------------------------------------- layout


def test_layout_has_one_tile_per_province_of_the_region_list(db):
    grid = maps.load_grid()
    codes = set(
        Region.objects.filter(level=Level.PROVINCE, is_active=True).values_list("code", flat=True)
    )
    assert len(codes) == 38 and set(grid.cells) == codes
    assert {"92", "93", "94", "95", "96"} <= set(grid.cells)  # the 2022 Papua provinces


def test_layout_keeps_geographic_order():
    """West stays left of east and north above south, give or take a few degrees."""
    asset = settings.BASE_DIR / "static" / maps.GRID_ASSET
    import json

    items = json.loads(Path(asset).read_text(encoding="utf-8"))["provinces"]
    for a, b in combinations(items, 2):
        if a["lon"] + 3.5 < b["lon"]:
            assert a["col"] <= b["col"], (a["code"], b["code"])
        if a["lat"] > b["lat"] + 3.5:
            assert a["row"] <= b["row"], (a["code"], b["code"])


def test_layout_file_is_small_and_read_once():
    asset = settings.BASE_DIR / "static" / maps.GRID_ASSET
    assert asset.stat().st_size < 20_000
    assert maps.load_grid() is maps.load_grid()


@pytest.mark.parametrize(
    "provinces,problem",
    [
        ([{"code": "11", "abbr": "A", "col": 0, "row": 0}] * 2, "twice"),
        (
            [
                {"code": "11", "abbr": "A", "col": 0, "row": 0},
                {"code": "12", "abbr": "B", "col": 0, "row": 0},
            ],
            "one tile",
        ),
        ([{"code": "11", "abbr": "A", "col": 3, "row": 0}], "outside"),
    ],
)
def test_a_broken_layout_is_refused(provinces, problem):
    from django.core.exceptions import ImproperlyConfigured

    layout = {"version": maps.GRID_VERSION, "columns": 2, "rows": 2, "provinces": provinces}
    with pytest.raises(ImproperlyConfigured, match=problem):
        maps.parse_grid(layout)
    with pytest.raises(ImproperlyConfigured, match="bump GRID_VERSION"):
        maps.parse_grid({**layout, "version": maps.GRID_VERSION + 1, "provinces": []})


# ----------------------------------------------------------------------------- page


def test_map_colours_links_and_titles_for_bangda(scenario, login):
    page = _page(login("bangda.admin"))
    tiles = _tiles(page)
    assert len(tiles) == 38
    for code, (band, status) in EXPECTED.items():
        assert (tiles[code]["band"], tiles[code]["status"]) == (band, status), code
    for code, tile in tiles.items():
        href = html.unescape(tile["href"])
        assert href == reverse("reporting:dashboard_province", args=[code]) + (
            f"?year={YEAR}&quarter={Q}"
        )
    assert (
        tiles["33"]["title"] == "Jawa Tengah: capaian 80,00 (Tuntas Madya); Diterima (tepat waktu)"
    )
    assert tiles["35"]["title"] == (
        "Jawa Timur: capaian 40,00 (Belum Tuntas); Dikirim, belum diterima (terlambat); "
        "1 dari 2 jenis layanan tanpa laporan terhitung (dihitung 0)"
    )
    assert tiles["36"]["title"].startswith("Banten: belum ada laporan terhitung; Belum ada data")
    # The tile shows the capaian under the abbreviation.
    assert re.search(r'data-code="33">.*?<text class="map-val"[^>]*>80,00</text>', page)


def test_legends_and_toggle(scenario, login):
    page = _page(login("bangda.admin"))
    assert re.search(r'<input type="radio"[^>]*id="map-mode-capaian"[^>]*checked>', page)
    status_radio = re.search(r'<input type="radio"[^>]*id="map-mode-status"[^>]*>', page)
    assert status_radio and "checked" not in status_radio.group(0)
    # Both legends, with the number of provinces of each colour.
    keys = {
        css: int(n)
        for css, _label, n in re.findall(
            r'<span class="map-swatch ([^"]+)"></span>([^<]+?) <small>\((\d+)\)', page
        )
    }
    assert keys["band-tuntas-madya"] == 1 and keys["band-tuntas-utama"] == 1
    assert keys["band-belum-tuntas"] == 2 and keys["band-missing"] == 34
    assert keys["map-st-accepted"] == 1 and keys["map-st-submitted"] == 2
    assert keys["map-st-entered"] == 1 and keys["map-st-nothing"] == 34
    assert "map-key map-key-capaian" in page and "map-key map-key-status" in page


def test_toggle_css_colours_every_class_the_map_uses():
    """The status colours apply only under the checked status radio; bands reuse .chart rules."""
    css = (settings.BASE_DIR / "static" / "css" / "dashboard.css").read_text()
    for status in maps.STATUS_ORDER:
        assert re.search(
            rf"#map-mode-status:checked ~ \.map-figure \.map-tile\.map-st-{status} \{{ fill:", css
        ), status
        assert f".map-swatch.map-st-{status}" in css
    for _lo, label in d.bands():
        assert f".chart .band-{d.slug(label)} {{ fill:" in css
    assert ".chart .band-missing { fill:" in css
    assert "#map-mode-status:checked ~ .map-figure .map-key-status { display: flex; }" in css
    assert "#map-mode-status:checked ~ .map-figure .map-key-capaian { display: none; }" in css


def test_map_figures_equal_the_table_and_the_dashboard(scenario, login):
    client = login("bangda.admin")
    page = _page(client)
    tiles, rows = _tiles(page), _rows(page)
    assert set(tiles) == set(rows)
    dash = d.national_dashboard(User.objects.get(username="bangda.admin"), YEAR, Q)
    provinces = {r.key: r for r in dash.ranking if r.level == Level.PROVINCE}
    assert set(provinces) == set(tiles)
    for code, r in provinces.items():
        row = rows[code]
        capaian = "–" if r.mean_display is None else f"{r.mean_display:.2f}".replace(".", ",")
        assert row["capaian"] == capaian, code
        assert (
            row["band"]
            == tiles[code]["band"]
            == ("band-" + d.slug(r.band) if r.band else "band-missing")
        )
        assert row["band_label"] in (r.band or "Tidak ada laporan terhitung")
        assert row["status"] in html.unescape(tiles[code]["title"])
    # The status colours partition the provinces exactly as the status table counts them.
    level = next(s for s in dash.status if s.level == Level.PROVINCE)
    statuses = [t["status"] for t in tiles.values()]
    assert statuses.count("map-st-accepted") == level.accepted
    assert statuses.count("map-st-accepted") + statuses.count("map-st-submitted") == level.submitted
    assert statuses.count("map-st-nothing") == level.nothing
    assert len(statuses) == level.total


def test_sector_viewer_map_uses_only_its_sector(scenario, login):
    tiles = _tiles(_page(login("kemenkes.viewer")))
    assert tiles["33"]["band"] == "band-tuntas-pratama"  # KES only: 70
    assert tiles["35"]["band"] == "band-missing"  # reported DIK only
    assert tiles["51"]["band"] == "band-tuntas-utama"
    assert "capaian 70,00" in tiles["33"]["title"]


def test_map_is_only_on_the_national_dashboard(scenario, login):
    response = login("jateng.biro").get(
        reverse("reporting:dashboard_province", args=["33"]), {"year": YEAR, "quarter": Q}
    )
    assert response.status_code == 200 and "map-tile" not in response.content.decode()


def test_english_labels(scenario, login):
    client = login("bangda.admin")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    tiles = _tiles(_page(client))
    assert (
        tiles["33"]["title"] == "Jawa Tengah: achievement 80.00 (Tuntas Madya); Accepted (on time)"
    )


# ----------------------------------------------------------------------------- cost


def test_map_runs_no_query(scenario, django_assert_num_queries):
    dash = d.national_dashboard(User.objects.get(username="bangda.admin"), YEAR, Q)
    maps.load_grid()
    with django_assert_num_queries(0):
        pmap = maps.province_map(dash)
        body = render_to_string(
            "reporting/dashboard/_map.html",
            {"dash": dash, "year": YEAR, "quarter": Q, "base": "", "data_url": "/x/"},
        )
    assert len(pmap.tiles) == 38 and body.count('class="map-tile ') == 38


def test_a_province_without_a_tile_is_still_listed(scenario, monkeypatch):
    grid = maps.load_grid()
    cells = {k: v for k, v in grid.cells.items() if k != "96"}
    monkeypatch.setattr(maps, "load_grid", lambda: maps.Grid(grid.columns, grid.rows, cells))
    dash = d.national_dashboard(User.objects.get(username="bangda.admin"), YEAR, Q)
    with translation.override("id"):
        body = render_to_string(
            "reporting/dashboard/_map.html",
            {"dash": dash, "year": YEAR, "quarter": Q, "base": "", "data_url": "/x/"},
        )
    assert 'data-code="96"><title>' not in body  # no tile…
    assert '<tr data-code="96">' in body  # …but a table row
    assert "Belum ada petak di peta untuk" in body and "Papua Barat Daya" in body
