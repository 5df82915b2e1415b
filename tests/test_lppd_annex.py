"""LPPD annex tracking: due date (31 March of the next year), each region's status, hand-in
and withdraw by the region's verifier, Bangda's due date, the page, export and API.

The scenario uses the test-only catalog year 2031 (factories_dashboard): a kabupaten expects
K-DIK-01, K-KES-01 and K-KES-02. Klaten has all three verified in TW IV (final figures);
Ngawi has only two (provisional).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.db.models import Count
from django.utils import timezone

from regions.models import Region
from reporting.documents import services as documents
from reporting.lppd import selectors
from reporting.models import GeneratedDocument, LppdAnnex, LppdDueDate
from reporting.rules import lppd
from tests.factories_dashboard import YEAR, PeriodFactory, catalog, report

pytestmark = pytest.mark.django_db
WIB = ZoneInfo("Asia/Jakarta")
URL = "/laporan/lppd/"


def wib(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=WIB)


# --- the rule -----------------------------------------------------------------------------


def test_default_due_is_31_march_of_the_next_year():
    assert lppd.default_due(2026) == dt.date(2027, 3, 31)
    assert lppd.due_date(2026) == dt.date(2027, 3, 31)
    assert lppd.due_date(2026, dt.date(2027, 4, 30)) == dt.date(2027, 4, 30)


@pytest.mark.parametrize(
    ("sent", "status"),
    [
        (wib(2027, 3, 31, 23, 59), "on_time"),  # the due date itself, in Indonesia's time
        (wib(2027, 4, 1, 0, 1), "late"),  # 17:01 UTC on 31 March: already 1 April in WIB
        (wib(2027, 1, 2, 9, 0), "on_time"),
    ],
)
def test_status_of_a_hand_in_uses_the_local_date(sent, status):
    due = dt.date(2027, 3, 31)
    assert lppd.status(sent, due, figures_final=False, today=dt.date(2027, 6, 1)) == status


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sent",
    [
        wib(2027, 3, 31, 0, 0),  # the due date's first minute, in Indonesia's time
        wib(2027, 3, 31, 23, 59),  # its last minute: still on time
        wib(2027, 4, 1, 0, 0),  # midnight WIB = 17:00 UTC on 31 March: late
        wib(2027, 4, 1, 0, 1),
        wib(2026, 12, 31, 23, 59),  # the budget year itself
        None,  # not handed in: neither
    ],
)
def test_the_sql_form_of_the_hand_in_rule_agrees_with_status(sent):
    """The national panel counts hand-ins in SQL (`on_time_q`/`late_q` over
    `handed_in_on_sql`); each time gives the same verdict as `status`."""
    from django.db.models import DateTimeField, Value

    due = dt.date(2027, 3, 31)
    row = (
        Region.objects.filter(code="33.10")
        .annotate(sent_on=lppd.handed_in_on_sql(Value(sent, output_field=DateTimeField())))
        .aggregate(
            on_time=Count("pk", filter=lppd.on_time_q("sent_on", due)),
            late=Count("pk", filter=lppd.late_q("sent_on", due)),
        )
    )
    expected = {
        None: {"on_time": 0, "late": 0},
        "on_time": {"on_time": 1, "late": 0},
        "late": {"on_time": 0, "late": 1},
    }
    verdict = None if sent is None else lppd.status(sent, due, figures_final=False)
    assert row == expected[verdict]
    by_hand = {
        wib(2027, 3, 31, 0, 0): "on_time",
        wib(2027, 3, 31, 23, 59): "on_time",
        wib(2027, 4, 1, 0, 0): "late",
        wib(2027, 4, 1, 0, 1): "late",
        wib(2026, 12, 31, 23, 59): "on_time",
        None: None,
    }
    assert verdict == by_hand[sent]


@pytest.mark.parametrize(
    ("today", "final", "status"),
    [
        (dt.date(2027, 3, 31), True, "ready"),  # on the due date: not overdue yet
        (dt.date(2027, 3, 31), False, "in_progress"),
        (dt.date(2027, 4, 1), True, "overdue"),
        (dt.date(2027, 4, 1), False, "overdue"),
    ],
)
def test_status_without_a_hand_in(today, final, status):
    assert lppd.status(None, dt.date(2027, 3, 31), figures_final=final, today=today) == status


# --- the scenario -------------------------------------------------------------------------


@pytest.fixture
def year_2031(db):
    st = catalog()
    tw4 = PeriodFactory(year=YEAR, quarter=4, due_date=dt.date(YEAR + 1, 1, 20))
    for code, index in (("K-DIK-01", "80.00"), ("K-KES-01", "70.00"), ("K-KES-02", "90.00")):
        report("33.10", st[code], tw4, index)
    for code, index in (("K-DIK-01", "60.00"), ("K-KES-01", "50.00")):
        report("35.21", st[code], tw4, index)
    return tw4


def annex_document(code: str) -> GeneratedDocument:
    """A finished annex PDF over today's data (as the document job leaves it)."""
    doc = GeneratedDocument.objects.create(
        kind=GeneratedDocument.Kind.ANNEX,
        region=Region.objects.get(code=code),
        year=YEAR,
        status=GeneratedDocument.Status.DONE,
    )
    doc.file.save("lampiran-uji.pdf", ContentFile(b"%PDF-1.4 uji"), save=False)
    doc.fingerprint = documents.fingerprint(doc)
    doc.save()
    return doc


def row_of(client, code: str, year: int = YEAR, **params: str) -> str:
    r = client.get(URL, {"year": year, **params})
    assert r.status_code == 200
    html = r.content.decode()
    marker = f'data-region="{code}" data-status="'
    assert marker in html, code
    return html.split(marker, 1)[1].split('"', 1)[0]


def test_annual_figures_behind_the_status(year_2031, cast):
    rows = {r.region.code: r for r in selectors.rows(cast["bangda.admin"], YEAR)}
    klaten, ngawi = rows["33.10"], rows["35.21"]
    # Klaten: (80 + 70 + 90) / 3 = 80.00, all three in TW IV → final.
    assert klaten.index == Decimal("80.00")
    assert klaten.annual.complete_year is True
    # Ngawi: (60 + 50 + 0) / 3 = 36.666… → 36.67 (half up), one service missing → provisional.
    assert ngawi.index == Decimal("36.67")
    assert ngawi.annual.complete_year is False


def test_bangda_page_counts_every_level_over_the_universe(year_2031, login):
    client = login("bangda.admin")
    r = client.get(URL, {"year": YEAR})
    assert r.status_code == 200
    html = r.content.decode()
    # Today's universe (SPM.md §2): 38 provinces, 415 kabupaten, 93 kota = 546.
    summary = html.split('data-testid="lppd-summary"', 1)[1].split("</section>", 1)[0]
    kab = summary.split('data-level="kabupaten"', 1)[1].split("</tr>", 1)[0]
    assert ">415<" in kab.replace(" ", "").replace("\n", "")
    # Klaten is final (ready), the other 414 kabupaten are not: 414 / 415 = 99.76%.
    ready = kab.split('data-status="ready"', 1)[1].split("</td>", 1)[0]
    assert "1" in ready and "0,24%" in ready
    progress = kab.split('data-status="in_progress"', 1)[1].split("</td>", 1)[0]
    assert "414" in progress and "99,76%" in progress
    total = summary.split('data-level="all"', 1)[1].split("</tr>", 1)[0]
    assert ">546<" in total.replace(" ", "").replace("\n", "")
    assert row_of(client, "33.10") == "ready"
    assert row_of(client, "35.21") == "in_progress"
    assert "31 Maret 2032" in html


def test_verifier_hands_in_final_figures(year_2031, login):
    doc = annex_document("33.10")
    client = login("klaten.tapem")
    page = client.get(URL, {"year": YEAR})
    assert page.status_code == 200
    assert 'data-testid="lppd-card-33.10"' in page.content.decode()
    r = client.post(f"/laporan/lppd/33.10/{YEAR}/serahkan/", {"in-33.10-version": "0"})
    assert r.status_code == 302
    annex = LppdAnnex.objects.get(region__code="33.10", year=YEAR)
    assert annex.submitted_by.username == "klaten.tapem"
    assert annex.document == doc
    assert annex.annual_index == Decimal("80.00")
    assert (annex.services_counted, annex.services_expected, annex.figures_final) == (3, 3, True)
    assert annex.history.count() == 1
    # Today (before 31 March 2032) is on time.
    assert row_of(client, "33.10") == "on_time"


def test_provisional_figures_need_a_note_and_keep_what_was_typed(year_2031, login):
    annex_document("35.21")
    client = login("ngawi.tapem")
    r = client.post(f"/laporan/lppd/35.21/{YEAR}/serahkan/", {"in-35.21-note": "   "})
    assert r.status_code == 422
    assert "masih sementara" in r.content.decode()
    assert not LppdAnnex.objects.filter(region__code="35.21").exists()
    note = "Data SPAM belum diverifikasi; LPPD tetap diserahkan tepat waktu."
    r = client.post(f"/laporan/lppd/35.21/{YEAR}/serahkan/", {"in-35.21-note": note})
    assert r.status_code == 302
    annex = LppdAnnex.objects.get(region__code="35.21", year=YEAR)
    assert annex.figures_final is False and annex.note == note
    assert annex.annual_index == Decimal("36.67")


def test_hand_in_needs_an_annex_over_todays_data(year_2031, login):
    doc = annex_document("33.10")
    st = catalog()
    # A later change of the data makes the built annex stale: it is not what would be handed in.
    r = report("33.10", st["K-KES-01"], PeriodFactory(year=YEAR, quarter=3), "40.00")
    assert r.pk and documents.is_stale(doc)
    client = login("klaten.tapem")
    resp = client.post(f"/laporan/lppd/33.10/{YEAR}/serahkan/", {})
    assert resp.status_code == 422
    assert "Buat lampiran LPPD atas data terkini" in resp.content.decode()
    assert not LppdAnnex.objects.exists()


def test_other_people_cannot_hand_in(year_2031, login):
    annex_document("33.10")
    # Another kabupaten's verifier: Klaten is not in its scope at all.
    assert login("ngawi.tapem").post(f"/laporan/lppd/33.10/{YEAR}/serahkan/").status_code == 404
    # The province reviewer sees Klaten's row but hands in only for its own region: 403.
    r = login("jateng.biro").post(f"/laporan/lppd/33.10/{YEAR}/serahkan/")
    assert r.status_code == 403
    assert "Hanya verifikator wilayah ini" in r.content.decode()
    # The region's auditor reads, never writes.
    r = login("klaten.inspektorat").post(f"/laporan/lppd/33.10/{YEAR}/serahkan/")
    assert r.status_code == 403
    # An OPD operator has no page here.
    assert login("klaten.dinkes").get(URL, {"year": YEAR}).status_code == 404
    assert not LppdAnnex.objects.exists()


def test_province_reviewer_sees_its_province_and_its_kabkota(year_2031, login):
    client = login("jateng.biro")
    html = client.get(URL, {"year": YEAR}).content.decode()
    table = html.split('data-testid="lppd-rows"', 1)[1]
    # Jawa Tengah: the province, 29 kabupaten and 6 kota = 36 rows.
    assert table.count("data-region=") == 36
    assert 'data-region="35.21"' not in table
    # Its own card (verifier of 33), none for its kab/kota.
    assert 'data-testid="lppd-card-33"' in html
    assert 'data-testid="lppd-card-33.10"' not in html


def test_stale_hand_in_is_refused(year_2031, login):
    annex_document("33.10")
    client = login("klaten.tapem")
    assert client.post(f"/laporan/lppd/33.10/{YEAR}/serahkan/").status_code == 302
    annex = LppdAnnex.objects.get(region__code="33.10")
    r = client.post(
        f"/laporan/lppd/33.10/{YEAR}/tarik/",
        {"out-33.10-reason": "Salah angka", "out-33.10-version": str(annex.version - 1)},
    )
    assert r.status_code == 409
    annex.refresh_from_db()
    assert annex.submitted_at is not None


def test_withdraw_then_hand_in_again(year_2031, login):
    annex_document("33.10")
    client = login("klaten.tapem")
    client.post(f"/laporan/lppd/33.10/{YEAR}/serahkan/")
    r = client.post(f"/laporan/lppd/33.10/{YEAR}/tarik/", {"out-33.10-reason": ""})
    assert r.status_code == 422
    r = client.post(
        f"/laporan/lppd/33.10/{YEAR}/tarik/",
        {"out-33.10-reason": "Koreksi angka K-KES-01", "out-33.10-version": "1"},
    )
    assert r.status_code == 302
    annex = LppdAnnex.objects.get(region__code="33.10")
    assert annex.submitted_at is None and annex.version == 2
    assert annex.history.first().history_change_reason.startswith("Ditarik")
    assert row_of(client, "33.10") == "ready"
    assert (
        client.post(f"/laporan/lppd/33.10/{YEAR}/serahkan/", {"in-33.10-version": "2"}).status_code
        == 302
    )
    assert row_of(client, "33.10") == "on_time"


def test_overdue_and_late_after_bangda_moves_the_due_date(year_2031, login):
    annex_document("33.10")
    login("klaten.tapem").post(f"/laporan/lppd/33.10/{YEAR}/serahkan/")
    annex = LppdAnnex.objects.get(region__code="33.10")
    # Handed in on 10 April 2032 (WIB) against the default due date of 31 March 2032: late.
    annex.submitted_at = wib(YEAR + 1, 4, 10, 9)
    annex.save()
    client = login("bangda.admin")
    assert lppd.default_due(YEAR) == dt.date(YEAR + 1, 3, 31)
    rows = {
        r.region.code: r.status
        for r in selectors.rows(annex.submitted_by, YEAR, today=dt.date(YEAR + 1, 4, 11))
    }
    assert rows["33.10"] == "late"
    # Bangda moves the due date to 10 April 2032: the hand-in of that very day is on time.
    r = client.post(
        f"/laporan/lppd/batas-waktu/{YEAR}/",
        {"due_date": f"{YEAR + 1}-04-10", "reason": "Perpanjangan nasional", "version": "0"},
    )
    assert r.status_code == 302
    assert LppdDueDate.objects.get(year=YEAR).due_date == dt.date(YEAR + 1, 4, 10)
    rows = {
        r.region.code: r.status
        for r in selectors.rows(annex.submitted_by, YEAR, today=dt.date(YEAR + 1, 4, 11))
    }
    assert rows["33.10"] == "on_time"
    # Ngawi, not handed in, is overdue the day after the due date, not on it.
    bangda = client.get(URL).wsgi_request.user
    on_due = {
        r.region.code: r.status
        for r in selectors.rows(bangda, YEAR, today=dt.date(YEAR + 1, 4, 10))
    }
    after = {
        r.region.code: r.status
        for r in selectors.rows(bangda, YEAR, today=dt.date(YEAR + 1, 4, 11))
    }
    assert on_due["35.21"] == "in_progress"
    assert after["35.21"] == "overdue"


def test_due_date_is_bangdas_and_after_the_year(year_2031, login):
    r = login("klaten.tapem").post(
        f"/laporan/lppd/batas-waktu/{YEAR}/", {"due_date": f"{YEAR + 1}-04-10", "reason": "x"}
    )
    assert r.status_code == 403
    client = login("bangda.admin")
    r = client.post(
        f"/laporan/lppd/batas-waktu/{YEAR}/", {"due_date": f"{YEAR}-12-31", "reason": "Uji"}
    )
    assert r.status_code == 422
    assert "sesudah akhir tahun" in r.content.decode()
    assert f'value="{YEAR}-12-31"' in r.content.decode()  # what was typed stays
    assert not LppdDueDate.objects.exists()
    r = client.post(
        f"/laporan/lppd/batas-waktu/{YEAR}/", {"due_date": f"{YEAR + 1}-01-01", "reason": "Uji"}
    )
    assert r.status_code == 302  # the first day after the year is allowed


def test_export_lists_the_filtered_rows(year_2031, login):
    client = login("jateng.biro")
    r = client.get("/laporan/lppd/unduh/", {"year": YEAR, "format": "csv", "level": "kabupaten"})
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/csv")
    text = r.content.decode("utf-8-sig")
    sep = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=sep))
    # Jawa Tengah's 29 kabupaten (header + 29 lines); Klaten final at 80.
    assert len(rows) == 30
    klaten = next(r for r in rows if r[0] == "33.10")
    assert klaten[3] == "Siap diserahkan"
    assert klaten[6] in ("80,00", "80.00")
    x = client.get("/laporan/lppd/unduh/", {"year": YEAR, "format": "xlsx"})
    assert x.status_code == 200 and x.content[:2] == b"PK"


def test_api_lists_and_hands_in(year_2031, login):
    annex_document("33.10")
    client = login("klaten.tapem")
    r = client.get("/api/v1/lppd/", {"year": YEAR})
    assert r.status_code == 200
    body = r.json()
    assert body["due_date"] == f"{YEAR + 1}-03-31"
    assert [x["region"] for x in body["results"]] == ["33.10"]
    assert body["results"][0]["status"] == "ready"
    assert body["results"][0]["annual_index"] == "80.00"
    hand_in = f"/api/v1/lppd/33.10/{YEAR}/hand-in/"
    r = client.post(hand_in, {"version": 0}, content_type="application/json")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "on_time" and r.json()["version"] == 1
    again = client.post(hand_in, {"version": 1}, content_type="application/json")
    assert again.status_code == 400
    assert "year" in again.json()["errors"] or "year" in str(again.json())
    other = login("ngawi.tapem").post(
        f"/api/v1/lppd/33.10/{YEAR}/hand-in/", {"version": 1}, content_type="application/json"
    )
    assert other.status_code == 404


def test_api_summary_for_bangda(year_2031, login):
    r = login("bangda.admin").get("/api/v1/lppd/", {"year": YEAR, "level": "kota"})
    assert r.status_code == 200
    body = r.json()
    assert len(body["results"]) == 93
    kota = next(c for c in body["summary"] if c["level"] == "kota")
    assert kota["total"] == 93 and kota["by_status"]["in_progress"] == 93


def test_timezone_boundary_in_the_page(year_2031, login):
    annex_document("33.10")
    login("klaten.tapem").post(f"/laporan/lppd/33.10/{YEAR}/serahkan/")
    annex = LppdAnnex.objects.get(region__code="33.10")
    annex.submitted_at = timezone.make_aware(dt.datetime(YEAR + 1, 3, 31, 16, 59), dt.UTC)
    annex.save()  # 23:59 WIB on the due date: on time
    user = annex.submitted_by
    assert {r.region.code: r.status for r in selectors.rows(user, YEAR)}["33.10"] == "on_time"
    annex.submitted_at = timezone.make_aware(dt.datetime(YEAR + 1, 3, 31, 17, 0), dt.UTC)
    annex.save()  # 00:00 WIB on 1 April: late
    assert {r.region.code: r.status for r in selectors.rows(user, YEAR)}["33.10"] == "late"


def test_national_dashboard_panel_counts_hand_ins(year_2031, login):
    annex_document("33.10")
    assert login("klaten.tapem").post(f"/laporan/lppd/33.10/{YEAR}/serahkan/").status_code == 302
    client = login("bangda.admin")
    r = client.get("/laporan/dashboard/nasional/", {"year": YEAR, "quarter": 4})
    assert r.status_code == 200
    html = r.content.decode()
    panel = html.split('data-testid="lppd-headline"', 1)[1].split("</section>", 1)[0]
    assert "31 Maret 2032" in panel and "546" in panel
    # 1 of 546 on time = 0.18%; 545 not handed in (before the due date) = 99.82%.
    on_time = panel.split('data-status="on_time"', 1)[1].split("</li>", 1)[0]
    assert "<strong>1</strong>" in on_time and "0,18%" in on_time
    rest = panel.split('data-status="not_yet"', 1)[1].split("</li>", 1)[0]
    assert "<strong>545</strong>" in rest and "99,82%" in rest
    # A sector viewer's national dashboard has no panel (whole-region documents are not theirs).
    viewer = login("kemenkes.viewer").get(
        "/laporan/dashboard/nasional/", {"year": YEAR, "quarter": 4}
    )
    assert (
        viewer.status_code == 200 and 'data-testid="lppd-headline"' not in viewer.content.decode()
    )


def test_headline_after_the_due_date(year_2031, cast):
    annex_document("33.10")
    h = selectors.headline(cast["bangda.admin"], YEAR, today=dt.date(YEAR + 1, 4, 1))
    assert (h.total, h.on_time, h.late, h.overdue) == (546, 0, 0, True)
    assert h.cells[2] == ("overdue", 546, Decimal("100.00"))
    on_due = selectors.headline(cast["bangda.admin"], YEAR, today=dt.date(YEAR + 1, 3, 31))
    assert on_due.overdue is False and on_due.cells[2][0] == "not_yet"


def test_headline_counts_the_years_hand_ins_by_their_local_date(year_2031, cast):
    """On time up to 23:59 WIB of the due date, late from 00:00; another year's annex is not
    this year's."""
    due_day_end = timezone.make_aware(dt.datetime(YEAR + 1, 3, 31, 16, 59), dt.UTC)  # 23:59 WIB
    LppdAnnex.objects.create(
        region=Region.objects.get(code="33.10"), year=YEAR, submitted_at=due_day_end
    )
    LppdAnnex.objects.create(
        region=Region.objects.get(code="33.11"),
        year=YEAR,
        submitted_at=due_day_end + dt.timedelta(minutes=1),  # 00:00 WIB on 1 April
    )
    LppdAnnex.objects.create(  # the year before: not a hand-in of this year
        region=Region.objects.get(code="33.12"), year=YEAR - 1, submitted_at=due_day_end
    )
    h = selectors.headline(cast["bangda.admin"], YEAR, today=dt.date(YEAR + 1, 4, 1))
    assert (h.total, h.on_time, h.late) == (546, 1, 1)


def test_annex_cover_names_the_legal_basis_and_the_due_date(year_2031, login):
    from django.template.loader import render_to_string

    from reporting.documents import pdf

    klaten = Region.objects.get(code="33.10")
    html = render_to_string("reporting/pdf/report.html", pdf.report_data(klaten, YEAR))
    basis = html.split('data-testid="cover-legal-basis"', 1)[1].split("</td>", 1)[0]
    assert "Nomor 2 Tahun 2018" in basis
    assert "Nomor 13 Tahun 2019 tentang Laporan dan Evaluasi Penyelenggaraan" in basis
    assert "Nomor 59 Tahun 2021" in basis
    due = html.split('data-testid="cover-lppd-due"', 1)[1].split("</td>", 1)[0]
    assert "31 Maret 2032" in due
    # Bangda moves the due date: a built annex no longer matches today's data (it is rebuilt).
    doc = annex_document("33.10")
    assert not documents.is_stale(doc)
    r = login("bangda.admin").post(
        f"/laporan/lppd/batas-waktu/{YEAR}/", {"due_date": f"{YEAR + 1}-04-30", "reason": "Uji"}
    )
    assert r.status_code == 302
    assert documents.is_stale(doc)
    html = render_to_string("reporting/pdf/report.html", pdf.report_data(klaten, YEAR))
    assert "30 April 2032" in html.split('data-testid="cover-lppd-due"', 1)[1].split("</td>", 1)[0]
    # A quarter report carries no LPPD line.
    quarter = render_to_string("reporting/pdf/report.html", pdf.report_data(klaten, YEAR, 4))
    assert 'data-testid="cover-lppd-due"' not in quarter


def test_api_unknown_path_is_a_json_404_even_for_a_post_with_a_session(cast):
    from django.test import Client

    # A signed-in browser session without a CSRF token, a year that is not a number: no route
    # matches, and the answer is the API's JSON 404, not Django's HTML CSRF page.
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast["klaten.tapem"])
    r = client.post("/api/v1/lppd/33.10/abc/hand-in/", {})
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
