"""SPM Award (issue #20 §6): scoring by hand, ranking and ties, category membership, Bangda's
configuration with history, the page, exports and the API with their scope.

The integration fixture is the dashboard's test-only catalog year (2031: 3 kab/kota services),
one TW I whose due date has passed, and Klaten's hand-made reports:

- capaian: K-DIK-01 80, K-KES-01 60, K-KES-02 none → (80 + 60 + 0) / 3 = 46.67 (2 of 3)
- budget: realised 600 + 300 over allocated 1000 + 1000 → 900 / 2000 = 45.00
- stages: 4 done (K-DIK-01) + 1 done (K-KES-01) over 4 × 3 → 5 / 12 = 41.67
- team: none for 2031 → 0, "tanpa data"
- timeliness: TW I sent a day before its due date → 1 / 1 = 100
- data quality: 2 reports, none with an open flag → 2 / 2 = 100
- weighted (40/15/15/10/10/10): (46.666… × 40 + 45 × 15 + 41.666… × 15 + 0 + 1000 + 1000)
  / 100 = 5166.666… / 100 → 51.67
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from regions.models import Level, Region
from reporting.award import selectors, services
from reporting.models import (
    AwardConfig,
    BudgetLine,
    GeneratedDocument,
    RegionSubmission,
    ReportStage,
)
from reporting.rules import award
from tests.factories_dashboard import YEAR, PeriodFactory, catalog, report, submission

pytestmark = pytest.mark.django_db
D = Decimal


def comp(key: str, score: str, missing: bool = False) -> award.Component:
    return award.Component(key, D(score), 0, 1, missing)


def scored(code: str, score: str, level: str = "kabupaten", **scores: str) -> award.Scored:
    return award.Scored(
        code=code,
        name=code,
        level=level,
        components={k: comp(k, v) for k, v in scores.items()},
        score=D(score),
    )


# ---------------------------------------------------------------- the pure rule, by hand


def test_ratio_caps_at_100_and_no_denominator_is_missing_zero():
    assert award.ratio("budget", 900, 2000).score == D(45)
    assert award.ratio("budget", 1500, 1000).score == D(100)
    empty = award.ratio("budget", 0, 0)
    assert (empty.score, empty.missing) == (D(0), True)
    assert award.ratio("timeliness", 0, 3).missing is False  # data, just none on time


def test_weighted_full_marks_zero_and_half_up():
    weights = list(award.DEFAULT_CRITERIA)
    full = {k: comp(k, "100") for k, _w in weights}
    assert award.weighted(full, weights) == D("100.00")
    nothing = {k: comp(k, "0", missing=True) for k, _w in weights}
    assert award.weighted(nothing, weights) == D("0.00")
    # 1.01 × 50 / 100 = 0.505 → 0.51 half-up (banker's rounding would give 0.50)
    half = [("capaian", 50), ("budget", 50)]
    assert award.weighted(
        {"capaian": comp("capaian", "1.01"), "budget": comp("budget", "0")}, half
    ) == D("0.51")


@pytest.mark.parametrize(
    "criteria",
    [
        [("capaian", 50), ("budget", 49)],  # 99
        [("capaian", 50), ("budget", 51)],  # 101
        [("capaian", 100), ("lotre", 0)],  # unknown component
        [("capaian", 50), ("capaian", 50)],  # twice
        [],
    ],
)
def test_validate_refuses_bad_configuration(criteria):
    with pytest.raises(award.ConfigError):
        award.validate(criteria, ["kabupaten"])


def test_validate_refuses_unknown_or_no_category():
    with pytest.raises(award.ConfigError):
        award.validate(list(award.DEFAULT_CRITERIA), [])
    with pytest.raises(award.ConfigError):
        award.validate(list(award.DEFAULT_CRITERIA), ["pulau"])
    award.validate(list(award.DEFAULT_CRITERIA), list(award.DEFAULT_CATEGORIES))


def test_rank_orders_and_shares_ties():
    weights = [("capaian", 60), ("budget", 40)]
    rows = [
        scored("a", "70", capaian="70", budget="70"),
        scored("b", "80", capaian="80", budget="80"),
        scored("c", "80", capaian="90", budget="65"),  # same score, better capaian first
        scored("p", "99", level="province", capaian="99", budget="99"),
    ]
    out = award.rank(rows, "kabupaten", weights)
    assert [(r.code, r.rank) for r in out] == [("c", 1), ("b", 1), ("a", 3)]
    assert [r.code for r in award.rank(rows, "province", weights)] == ["p"]
    assert rows[0].rank is None  # ranking one category does not touch the inputs


def test_team_category_only_regions_with_a_team():
    rows = [scored("a", "10", capaian="10"), scored("b", "5", level="kota", capaian="5")]
    rows[1].has_team = True
    assert [r.code for r in award.rank(rows, "team", [("capaian", 100)])] == ["b"]


# ---------------------------------------------------------------- the selectors on a fixture


@pytest.fixture
def fixture_2031(db):
    services = catalog()
    period = PeriodFactory(year=YEAR, quarter=1, due_date=dt.date(2025, 4, 20))
    dik = report("33.10", services["K-DIK-01"], period, "80")
    kes = report("33.10", services["K-KES-01"], period, "60")
    BudgetLine.objects.create(
        report=dik, activity_code="1", activity_name="a", allocated=1000, realised=600
    )
    BudgetLine.objects.create(
        report=kes, activity_code="1", activity_name="a", allocated=1000, realised=300
    )
    for stage in (1, 2, 3, 4):
        ReportStage.objects.create(report=dik, stage=stage, status=ReportStage.Status.DONE)
    ReportStage.objects.create(report=kes, stage=1, status=ReportStage.Status.DONE)
    ReportStage.objects.create(report=kes, stage=2, status=ReportStage.Status.IN_PROGRESS)
    submission("33.10", period, RegionSubmission.Status.ACCEPTED, days_before_due=1)
    return period


def _row(rows, code):
    return next(r for r in rows if r.code == code)


def test_components_and_score_by_hand(fixture_2031, cast):
    config = selectors.config_for(YEAR)
    assert config.pk is None and config.weights == list(award.DEFAULT_CRITERIA)
    rows = selectors.scored(cast["bangda.admin"], YEAR, config)
    klaten = _row(rows, "33.10")
    c = klaten.components
    assert (award.round2(c["capaian"].score), c["capaian"].raw, c["capaian"].denominator) == (
        D("46.67"),
        2,
        3,
    )
    assert (c["budget"].score, c["budget"].raw, c["budget"].denominator) == (D(45), 900, 2000)
    assert (award.round2(c["stages"].score), c["stages"].raw, c["stages"].denominator) == (
        D("41.67"),
        5,
        12,
    )
    assert (c["team"].score, c["team"].missing) == (D(0), True)
    assert (c["timeliness"].score, c["timeliness"].raw, c["timeliness"].denominator) == (
        D(100),
        1,
        1,
    )
    assert (c["data_quality"].score, c["data_quality"].raw, c["data_quality"].denominator) == (
        D(100),
        2,
        2,
    )
    assert klaten.score == D("51.67")
    assert klaten.missing == ["Tim Penerapan SPM"]
    ngawi = _row(rows, "35.21")
    assert ngawi.score == D("0.00")
    assert ngawi.components["capaian"].missing and ngawi.components["budget"].missing


def test_ranking_kabupaten_ties_the_empty_regions(fixture_2031, cast):
    _config, rows = selectors.ranking(cast["bangda.admin"], YEAR, "kabupaten")
    assert (rows[0].code, rows[0].rank) == ("33.10", 1)
    assert {r.rank for r in rows[1:]} == {2}  # every other kabupaten scores 0.00: tied
    assert all(r.level == Level.KABUPATEN for r in rows)


def test_category_membership_by_level(fixture_2031, cast):
    bangda = cast["bangda.admin"]
    provinces = {r.code for r in selectors.ranking(bangda, YEAR, "province")[1]}
    kota = {r.code for r in selectors.ranking(bangda, YEAR, "kota")[1]}
    kab = {r.code for r in selectors.ranking(bangda, YEAR, "kabupaten")[1]}
    assert "31" in provinces and "33" in provinces and "33.10" not in provinces
    assert Region.objects.get(code="33.72").level == Level.KOTA
    assert "33.72" in kota and "33.72" not in kab and "33.10" in kab
    # DKI's administrative cities are not in the reporting universe: no award row.
    assert "31.71" not in kota
    assert (len(provinces), len(kab), len(kota)) == (38, 415, 93)


def test_province_reviewer_reads_own_kabkota_only(fixture_2031, cast):
    biro = cast["jateng.biro"]
    rows = selectors.ranking(biro, YEAR, "kabupaten")[1]
    assert rows and all(r.code.startswith("33.") for r in rows)
    assert selectors.categories_for(biro, selectors.config_for(YEAR)) == ["kabupaten", "kota"]
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.ranking(biro, YEAR, "province")


# ---------------------------------------------------------------- configuration


def _criteria(**over):
    weights = dict(award.DEFAULT_CRITERIA)
    weights.update(over)
    return list(weights.items())


def test_only_bangda_saves_and_weights_must_sum_to_100(cast):
    with pytest.raises(PermissionDenied):
        services.save_config(
            cast["jateng.biro"],
            YEAR,
            criteria=_criteria(),
            categories=["kota"],
            reason="x",
            seen_version=0,
        )
    with pytest.raises(ValidationError):
        services.save_config(
            cast["bangda.admin"],
            YEAR,
            criteria=_criteria(capaian=39),
            categories=["kota"],
            reason="x",
            seen_version=0,
        )
    with pytest.raises(ValidationError):
        services.save_config(
            cast["bangda.admin"],
            YEAR,
            criteria=_criteria(),
            categories=["kota"],
            reason="  ",
            seen_version=0,
        )
    assert not AwardConfig.objects.filter(year=YEAR).exists()
    config = services.save_config(
        cast["bangda.admin"],
        YEAR,
        criteria=_criteria(capaian=50, team=0),
        categories=["kota", "province"],
        reason="Rapat penilaian",
        seen_version=0,
    )
    assert config.weights == [
        ("capaian", 50),
        ("budget", 15),
        ("stages", 15),
        ("team", 0),
        ("timeliness", 10),
        ("data_quality", 10),
    ]
    assert config.categories == ["province", "kota"]
    entry = config.history.get()
    assert (entry.history_user.username, entry.history_change_reason) == (
        "bangda.admin",
        "Rapat penilaian",
    )


def test_config_page_saves_with_history_and_refuses_bad_sum(login, cast):
    url = reverse("reporting:award_config", args=[YEAR])
    client = login("bangda.admin")
    page = client.get(url)
    assert page.status_code == 200 and "Belum ditetapkan" in page.content.decode()
    bad = {f"w_{k}": str(w) for k, w in award.DEFAULT_CRITERIA} | {
        "w_capaian": "30",
        "categories": ["kabupaten"],
        "reason": "uji",
    }
    refused = client.post(url, bad)
    assert refused.status_code == 422
    assert "Jumlah bobot harus 100 (sekarang 90)" in refused.content.decode()
    assert not AwardConfig.objects.filter(year=YEAR).exists()
    good = bad | {"w_capaian": "40", "w_team": "0", "w_timeliness": "20"}
    assert client.post(url, good).status_code == 302
    config = AwardConfig.objects.get(year=YEAR)
    assert dict(config.weights) == {
        "capaian": 40,
        "budget": 15,
        "stages": 15,
        "timeliness": 20,
        "data_quality": 10,
    }
    history = client.get(url).content.decode()
    assert "uji" in history and str(cast["bangda.admin"]) in history
    assert "Belum ditetapkan" not in history
    assert "Indeks capaian 40, Komitmen anggaran 15" in history
    assert login("jateng.biro").post(url, good).status_code == 403
    assert login("klaten.tapem").get(url).status_code == 404


# ---------------------------------------------------------------- page, exports, API


def test_page_shows_every_component(fixture_2031, login):
    page = login("bangda.admin").get(
        reverse("reporting:award"), {"year": YEAR, "category": "kabupaten"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    for label in award.COMPONENT_LABELS.values():
        assert str(label) in html
    assert "51,67" in html and "46,67" in html and "900 / 2.000" in html and "tanpa data" in html


def test_xlsx_export_has_components(fixture_2031, login):
    resp = login("bangda.admin").get(
        reverse("reporting:award_export"), {"year": YEAR, "category": "kabupaten", "format": "xlsx"}
    )
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.content)).active
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    assert head[:4] == ("Peringkat", "Kode", "Wilayah", "Skor")
    assert "Indeks capaian (40%)" in head and "Komitmen anggaran: pembagi" in head
    klaten = rows[1]
    assert klaten[:2] == (1, "33.10") and klaten[3] == pytest.approx(51.67)
    budget = head.index("Komitmen anggaran (15%)")
    assert klaten[budget : budget + 4] == (45, 900, 2000, None)
    team = head.index("Tim Penerapan SPM (10%)")
    assert klaten[team + 3] == "ya"


@pytest.fixture
def eager(settings):
    """Eager tasks run inline when the request commits (this test's data is uncommitted)."""
    from espm.celery import app

    settings.JOBS_EAGER_IN_THREAD = False
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


def _pdf_job(client, category: str = "kabupaten", year: int = YEAR):
    return client.post(
        reverse("reporting:award_export"), {"year": year, "category": category, "format": "pdf"}
    )


def test_pdf_export_is_a_document_job(
    eager, fixture_2031, login, django_capture_on_commit_callbacks
):
    bangda = login("bangda.admin")
    # A link to the old synchronous PDF builds nothing: back to the page and its button.
    old = bangda.get(
        reverse("reporting:award_export"), {"year": YEAR, "category": "kabupaten", "format": "pdf"}
    )
    assert old.status_code == 302
    assert old["Location"] == f"{reverse('reporting:award')}?year={YEAR}&category=kabupaten"
    assert not GeneratedDocument.objects.exists()
    page = bangda.get(old["Location"]).text
    assert f'action="{reverse("reporting:award_export")}"' in page and 'value="pdf"' in page
    assert "PDF dibuat di latar" in page

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        resp = _pdf_job(bangda)
    assert len(callbacks) == 1
    doc = GeneratedDocument.objects.get(kind="award")
    assert resp.status_code == 302
    assert resp["Location"] == reverse("reporting:document_status", args=[doc.pk])
    assert (doc.year, doc.query, doc.language) == (
        YEAR,
        f"year={YEAR}&category=kabupaten&format=pdf",
        "id",
    )
    assert doc.status == "done" and doc.progress == 100 and doc.fingerprint
    assert doc.filename == f"penghargaan-spm-{YEAR}-kabupaten.pdf"
    status = bangda.get(resp["Location"]).text
    assert f"{reverse('reporting:award')}?year={YEAR}&amp;category=kabupaten" in status
    download = bangda.get(reverse("reporting:document_download", args=[doc.pk]))
    assert download["Content-Type"] == "application/pdf"
    from pypdf import PdfReader

    content = b"".join(download.streaming_content)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    for label in award.COMPONENT_LABELS.values():
        assert str(label) in text
    assert "51,67" in text and "900 / 2.000" in text and "tanpa data" in text


def test_identical_pdf_request_returns_that_document_until_the_data_changes(
    eager, fixture_2031, login, django_capture_on_commit_callbacks
):
    bangda = login("bangda.admin")
    with django_capture_on_commit_callbacks() as queued:
        first_resp = _pdf_job(bangda)  # not run: the job stays queued
    first = GeneratedDocument.objects.get(kind="award")
    with django_capture_on_commit_callbacks() as again:
        assert _pdf_job(bangda)["Location"] == first_resp["Location"]
    assert len(queued) == 1 and again == [], "no second build while one is queued"
    for callback in queued:
        callback()
    first.refresh_from_db()
    assert first.status == "done"
    with (
        mock.patch("reporting.award.exports.pdf_bytes") as render,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        assert _pdf_job(bangda)["Location"] == first_resp["Location"]
    assert callbacks == [] and not render.called, "unchanged data: that document"
    # Another category is another document; a change in the ranking's data rebuilds.
    with django_capture_on_commit_callbacks(execute=True):
        _pdf_job(bangda, "kota")
    assert GeneratedDocument.objects.filter(kind="award").count() == 2
    BudgetLine.objects.filter(report__region__code="33.10").update(realised=1000)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rebuilt = _pdf_job(bangda)
    assert len(callbacks) == 1 and rebuilt["Location"] != first_resp["Location"]
    second = GeneratedDocument.objects.get(
        pk=int(rebuilt["Location"].rstrip("/").rsplit("/", 1)[1])
    )
    assert second.status == "done" and second.fingerprint != first.fingerprint


def test_pdf_job_follows_who_may_see_the_category(
    eager, fixture_2031, login, django_capture_on_commit_callbacks
):
    # A province reviewer exports its own kab/kota; never the provinces' category.
    biro = login("jateng.biro")
    with django_capture_on_commit_callbacks(execute=True):
        resp = _pdf_job(biro)
    doc = GeneratedDocument.objects.get(kind="award", requested_by__username="jateng.biro")
    assert resp["Location"] == reverse("reporting:document_status", args=[doc.pk])
    assert doc.status == "done"
    assert _pdf_job(biro, "province").status_code == 404
    # Outside the award, or a bad year or category: 404 and no row.
    for username in ("klaten.tapem", "jateng.dinkes", "kemenkes.viewer"):
        assert _pdf_job(login(username)).status_code == 404, username
    assert _pdf_job(login("bangda.admin"), "nope").status_code == 404
    assert _pdf_job(login("bangda.admin"), year=1999).status_code == 404
    assert GeneratedDocument.objects.count() == 1
    # The export holds what its requester sees: only they open it, not even Bangda.
    for username in ("bangda.admin", "jatim.biro", "klaten.tapem"):
        client = login(username)
        for name in ("document_status", "document_download"):
            url = reverse(f"reporting:{name}", args=[doc.pk])
            assert client.get(url).status_code == 404, (username, name)


def test_api_shape_and_scope(fixture_2031, login):
    url = reverse("api:award")
    body = login("bangda.admin").get(url, {"year": YEAR, "category": "kabupaten"}).json()
    assert body["configured"] is False and body["category"] == "kabupaten"
    assert [c["key"] for c in body["criteria"]] == [k for k, _w in award.DEFAULT_CRITERIA]
    first = body["results"][0]
    assert (first["code"], first["rank"], first["score"]) == ("33.10", 1, "51.67")
    budget = next(c for c in first["components"] if c["key"] == "budget")
    assert budget == {
        "key": "budget",
        "label": "Komitmen anggaran",
        "weight": 15,
        "score": "45.00",
        "raw": "900.00",
        "denominator": "2000.00",
        "missing": False,
    }
    biro = login("jateng.biro")
    rows = biro.get(url, {"year": YEAR, "category": "kabupaten"}).json()["results"]
    assert rows and all(r["code"].startswith("33.") for r in rows)
    assert biro.get(url, {"year": YEAR, "category": "province"}).status_code == 404
    assert (
        login("klaten.tapem").get(url, {"year": YEAR, "category": "kabupaten"}).status_code == 404
    )
    assert "/api/v1/award/" in login("bangda.admin").get(reverse("api:schema")).content.decode()


def test_demo_saves_the_default_for_2026_once_and_ranks_with_components(cast, login):
    from reporting.award import demo

    demo.seed()
    demo.seed()
    config = AwardConfig.objects.get(year=2026)
    assert config.weights == list(award.DEFAULT_CRITERIA) and config.history.count() == 1
    _config, rows = selectors.ranking(cast["bangda.admin"], 2026, "kabupaten")
    # The demo's two reporting kabupaten lead; Klaten has a team, Ngawi none (0, "tanpa data").
    assert [r.code for r in rows[:2]] == ["33.10", "35.21"]
    assert not rows[0].missing and rows[1].components["team"].missing
    page = login("bangda.admin").get(
        reverse("reporting:award"), {"year": 2026, "category": "kabupaten"}
    )
    assert page.status_code == 200 and "Klaten" in page.content.decode()


def test_ranking_page_queries_do_not_grow_with_regions(
    fixture_2031, login, django_assert_max_num_queries
):
    """All 546 regions are scored in a fixed number of queries (pinned)."""
    client = login("bangda.admin")
    url = reverse("reporting:award")
    with django_assert_max_num_queries(30):
        assert client.get(url, {"year": YEAR, "category": "kabupaten"}).status_code == 200


def test_team_component_points(fixture_2031, cast):
    from reporting.models import SpmTeam, SpmTeamMember

    team = SpmTeam.objects.create(
        region=Region.objects.get(code="33.10"),
        year=YEAR,
        decree_number="1/2031",
        decree_date=dt.date(2031, 1, 5),
        chair_name="Sekda",
        chair_position="Sekretaris Daerah",
    )
    config = selectors.config_for(YEAR)
    c = _row(selectors.scored(cast["bangda.admin"], YEAR, config), "33.10").components["team"]
    assert (c.score, c.raw, c.denominator, c.missing) == (D(50), 50, 100, False)
    SpmTeamMember.objects.create(
        team=team, name="Kepala Dinas", position="Kepala", role=SpmTeamMember.Role.MEMBER
    )
    rows = selectors.scored(cast["bangda.admin"], YEAR, config)
    klaten = _row(rows, "33.10")
    assert klaten.components["team"].score == D(100)
    # 51.67 without a team + 10 × 100 / 100 = 61.67; the best-team category now holds Klaten only
    assert klaten.score == D("61.67")
    assert [r.code for r in award.rank(rows, "team", config.weights)] == ["33.10"]


def test_api_refuses_missing_or_unknown_category(login):
    client = login("bangda.admin")
    url = reverse("api:award")
    assert client.get(url, {"year": 2026}).status_code == 400
    assert client.get(url, {"year": 2026, "category": "pulau"}).status_code == 400


def test_reviewer_page_lists_own_kabkota_and_no_edit_link(fixture_2031, login):
    page = login("jateng.biro").get(reverse("reporting:award"), {"year": YEAR})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Klaten" in html and "Ngawi" not in html
    assert reverse("reporting:award_config", args=[YEAR]) not in html
    assert 'value="province"' not in html  # categories offered: kabupaten, kota


def test_page_in_english(fixture_2031, login):
    client = login("bangda.admin")
    client.cookies["django_language"] = "en"
    html = client.get(
        reverse("reporting:award"), {"year": YEAR, "category": "kabupaten"}
    ).content.decode()
    assert "Budget commitment" in html and "Criteria and weights" in html and "no data" in html
