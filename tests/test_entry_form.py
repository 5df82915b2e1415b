"""The report form: section saves, validation, capaian recompute, conflicts, editing rules, audit."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from indicators.models import Target
from reporting.entry import locks, selectors, services
from reporting.models import BudgetLine, Period, RegionSubmission, Report, ReportStage
from tests.factories_reporting import demo_report

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def answer_quality(report, realised=Decimal(10**9)):
    """Every quality item answered above any required quantity (or met), straight in the table."""
    from reporting.models import ReportQuality

    for row in ReportQuality.objects.filter(report=report).select_related("quality_item"):
        if row.quality_item.has_quantity:
            row.required, row.realised = realised, realised
        else:
            row.met = True
        row.save()


def section_url(report, section):
    return reverse("reporting:report_section", kwargs={"pk": report.pk, "section": section})


def post(client, url, data, htmx=True):
    return client.post(url, data, headers=HX if htmx else {})


@pytest.fixture
def empty_report():
    """Klaten DINKES, TW III: the demo leaves K-KES-08 untouched (draft, nothing entered)."""
    report = demo_report(code="K-KES-08")
    assert report.entered_at is None and report.status == Report.Status.DRAFT
    return report


def test_operator_opens_the_form(login, empty_report):
    response = login("klaten.dinkes").get(
        reverse("reporting:report_detail", kwargs={"pk": empty_report.pk})
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="sec-recipients"' in html and 'id="capaian-panel"' in html
    assert "kumulatif sejak 1 Januari" in html
    assert "Belum diisi" in html


def test_recipients_save_sets_entered_at_and_recomputes_capaian(login, empty_report):
    client = login("klaten.dinkes")
    response = post(
        client,
        section_url(empty_report, "recipients"),
        {
            "version": empty_report.version,
            "recipients_served": "1.250",
            "breakdown": "Laki-laki: 600\nPerempuan: 650",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tersimpan" in html
    assert 'id="capaian-panel"' in html and 'hx-swap-oob="true"' in html  # live capaian update
    report = Report.objects.get(pk=empty_report.pk)
    assert report.recipients_served == 1250
    assert report.recipients_breakdown == {"Laki-laki": 600, "Perempuan": 650}
    assert report.entered_at is not None
    assert report.version == empty_report.version + 1
    assert report.updated_by.username == "klaten.dinkes"
    # Quality items still unanswered: no index yet ("belum lengkap"), never a 0.
    assert (report.capaian_index, report.band) == (None, "")
    assert 'data-testid="capaian-incomplete"' in html and "butir mutu belum dijawab" in html
    # Every item answered and met: recipients 1250 of the target, quality 100.
    answer_quality(report)
    response = post(
        client,
        section_url(report, "recipients"),
        {"version": report.version, "recipients_served": "1.250"},
    )
    assert response.status_code == 200
    report = Report.objects.get(pk=empty_report.pk)
    target = Decimal(report.recipients_target)
    recipients_pct = min(Decimal(1250) / target, Decimal(1)) * 100
    index = Decimal("0.8") * recipients_pct + Decimal("0.2") * 100
    assert report.capaian_index == index.quantize(Decimal("0.0001"))
    assert 'data-testid="capaian-index"' in response.content.decode()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-5", "tidak boleh negatif"),
        ("12,5", "bilangan bulat"),
        ("banyak", "Isi dengan angka"),
    ],
)
def test_bad_counts_are_refused_next_to_the_field_and_kept(login, empty_report, value, message):
    client = login("klaten.dinkes")
    response = post(
        client,
        section_url(empty_report, "recipients"),
        {"version": empty_report.version, "recipients_served": value},
    )
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#sec-recipients"
    html = response.content.decode()
    assert message in html
    assert f'value="{value}"' in html  # nothing the user typed is lost
    report = Report.objects.get(pk=empty_report.pk)
    assert report.recipients_served is None and report.version == empty_report.version


def test_over_target_is_allowed_capped_and_flagged(login, empty_report):
    Report.objects.filter(pk=empty_report.pk).update(recipients_target=100)
    answer_quality(empty_report)
    client = login("klaten.dinkes")
    post(
        client,
        section_url(empty_report, "recipients"),
        {"version": empty_report.version, "recipients_served": "5.000.000"},
    )
    report = Report.objects.get(pk=empty_report.pk)
    assert report.flag_over_target is True
    assert report.recipients_pct == Decimal(100)


def test_a_target_verified_after_opening_reaches_the_report(login, empty_report):
    target = Target.objects.filter(
        region=empty_report.region, year=2026, service_type__code=empty_report.service_type.code
    ).first()
    if target is None:
        pytest.skip("the demo has no target for this service")
    Target.objects.filter(pk=target.pk).update(status=Target.Status.VERIFIED, recipients_target=400)
    Report.objects.filter(pk=empty_report.pk).update(recipients_target=None)
    answer_quality(empty_report)
    post(
        login("klaten.dinkes"),
        section_url(empty_report, "recipients"),
        {"version": empty_report.version, "recipients_served": "100"},
    )
    report = Report.objects.get(pk=empty_report.pk)
    assert report.recipients_target == 400
    assert report.recipients_pct == Decimal(25)


def test_quality_save_caps_realised_and_counts_met_items(login, empty_report):
    Report.objects.filter(pk=empty_report.pk).update(recipients_served=100)
    client = login("klaten.dinkes")
    rows = selectors.report_quality_rows(empty_report)
    assert rows, "the demo service has quality items"
    data = {"version": empty_report.version}
    for row in rows:
        if row.quality_item.has_quantity:
            data[f"q_{row.pk}"] = "9.999.999"
            data[f"req_{row.pk}"] = "10"
        else:
            data[f"m_{row.pk}"] = "1"
    response = post(client, section_url(empty_report, "quality"), data)
    assert response.status_code == 200, response.content.decode()[:500]
    report = Report.objects.get(pk=empty_report.pk)
    assert report.quality_pct == Decimal(100)  # capped at 100 per item
    assert "min(9.999.999 / " in response.content.decode()  # the panel explains each term


def test_stages_and_problems_save(login, empty_report):
    client = login("klaten.dinkes")
    data = {"version": empty_report.version}
    for n in (1, 2, 3, 4):
        data[f"status_{n}"] = "done" if n < 3 else "in_progress"
        data[f"note_{n}"] = f"catatan {n}"
    assert post(client, section_url(empty_report, "stages"), data).status_code == 200
    assert ReportStage.objects.get(report=empty_report, stage=1).status == "done"
    version = Report.objects.get(pk=empty_report.pk).version
    response = post(
        client,
        section_url(empty_report, "problems"),
        {"version": version, "problems": "Kurang bidan", "solutions": "Rekrut"},
    )
    assert response.status_code == 200
    assert Report.objects.get(pk=empty_report.pk).problems == "Kurang bidan"


def test_budget_lines_add_edit_remove_with_indonesian_rupiah(login, empty_report):
    client = login("klaten.dinkes")
    add = reverse("reporting:budget_add", kwargs={"pk": empty_report.pk})
    data = {
        "new-version": empty_report.version,
        "new-activity_code": "1.02.02.2.02",
        "new-activity_name": "Penyediaan Layanan Kesehatan untuk UKM dan UKP",
        "new-sub_activity_code": "1.02.02.2.02.0001",
        "new-sub_activity_name": "Pengelolaan Pelayanan Kesehatan Ibu Hamil",
        "new-allocated": "1.500.000",
        "new-realised": "Rp750.000",
    }
    response = post(client, add, data)
    assert response.status_code == 200
    line = BudgetLine.objects.get(report=empty_report)
    assert (line.allocated, line.realised) == (1_500_000, 750_000)
    assert "Rp1.500.000" in response.content.decode()

    version = Report.objects.get(pk=empty_report.pk).version
    edit = reverse("reporting:budget_update", kwargs={"pk": empty_report.pk, "line_id": line.pk})
    p = f"b{line.pk}"
    bad = {f"{p}-{k.removeprefix('new-')}": v for k, v in data.items()}
    bad.update({f"{p}-version": version, f"{p}-realised": "2.000.000"})
    response = post(client, edit, bad)
    assert response.status_code == 422
    assert "Realisasi melebihi pagu" in response.content.decode()
    bad[f"{p}-realised"] = "-5"
    assert "tidak boleh negatif" in post(client, edit, bad).content.decode()
    bad[f"{p}-realised"] = "1.000.000"
    bad[f"{p}-activity_code"] = "1.2.3"
    assert "X.XX.XX.X.XX" in post(client, edit, bad).content.decode()
    bad[f"{p}-activity_code"] = "1.02.02.2.02"
    assert post(client, edit, bad).status_code == 200
    line.refresh_from_db()
    assert line.realised == 1_000_000

    version = Report.objects.get(pk=empty_report.pk).version
    remove = reverse("reporting:budget_delete", kwargs={"pk": empty_report.pk, "line_id": line.pk})
    assert post(client, remove, {"version": version}).status_code == 200
    assert not BudgetLine.objects.filter(report=empty_report).exists()


def test_stale_save_is_refused_with_what_changed_and_input_kept(login, empty_report):
    dinkes = login("klaten.dinkes")
    loaded_version = empty_report.version
    # Someone else (another tab, a colleague) saves first.
    post(
        dinkes,
        section_url(empty_report, "recipients"),
        {"version": loaded_version, "recipients_served": "300"},
    )
    response = post(
        dinkes,
        section_url(empty_report, "recipients"),
        {"version": loaded_version, "recipients_served": "420"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Isian Anda belum disimpan" in html
    assert "300" in html and "420" in html  # theirs vs yours
    assert 'value="420"' in html  # the user's input stays in the form
    report = Report.objects.get(pk=empty_report.pk)
    assert report.recipients_served == 300
    assert f'value="{report.version}"' in html  # a second, deliberate save is possible
    again = post(
        dinkes,
        section_url(empty_report, "recipients"),
        {"version": report.version, "recipients_served": "420"},
    )
    assert again.status_code == 200
    assert Report.objects.get(pk=empty_report.pk).recipients_served == 420


def test_concurrent_saves_in_the_service_layer(cast, empty_report):
    user = cast["klaten.dinkes"]
    v = empty_report.version
    services.save_problems(empty_report.pk, user, v, problems="A", solutions="")
    with pytest.raises(services.StaleVersion) as exc:
        services.save_problems(empty_report.pk, user, v, problems="B", solutions="")
    changes = {c.label: (c.theirs, c.yours) for c in exc.value.changes}
    assert changes["Permasalahan"] == ("A", "B")
    assert Report.objects.get(pk=empty_report.pk).problems == "A"


# ---------------------------------------------------------------- editing rules


@pytest.mark.parametrize(
    "username",
    ["klaten.dindik", "ngawi.dinkes", "jateng.dinkes", "kemenkes.viewer", "klaten.inspektorat"],
)
def test_other_agencies_and_regions_get_404(login, empty_report, username):
    response = post(
        login(username),
        section_url(empty_report, "recipients"),
        {"version": empty_report.version, "recipients_served": "5"},
    )
    assert response.status_code == 404
    assert Report.objects.get(pk=empty_report.pk).recipients_served is None


@pytest.mark.parametrize("username", ["klaten.tapem", "klaten.kadinkes", "bangda.admin"])
def test_people_who_see_but_do_not_enter_data_are_refused(login, empty_report, username):
    response = post(
        login(username),
        section_url(empty_report, "recipients"),
        {"version": empty_report.version, "recipients_served": "5"},
    )
    assert response.status_code in (403, 404)
    assert Report.objects.get(pk=empty_report.pk).recipients_served is None


def test_closed_period_refuses_with_due_date(login, empty_report):
    Period.objects.filter(pk=empty_report.period_id).update(state=Period.State.CLOSED)
    response = post(
        login("klaten.dinkes"),
        section_url(empty_report, "recipients"),
        {"version": empty_report.version, "recipients_served": "5"},
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "sudah ditutup" in html and "20 Oktober 2026" in html
    assert 'value="5"' in html
    assert Report.objects.get(pk=empty_report.pk).recipients_served is None


def test_after_due_date_only_if_allow_late(cast, empty_report):
    user = cast["klaten.dinkes"]
    Period.objects.filter(pk=empty_report.period_id).update(
        due_date=timezone.localdate() - datetime.timedelta(days=1), allow_late=False
    )
    report = Report.objects.select_related("period").get(pk=empty_report.pk)
    assert "sudah lewat" in locks.entry_lock_reason(report, user)
    Period.objects.filter(pk=empty_report.period_id).update(allow_late=True)
    report = Report.objects.select_related("period").get(pk=empty_report.pk)
    assert locks.entry_lock_reason(report, user) is None
    assert locks.is_late(report)


def test_reopened_region_due_date_overrides(cast, empty_report):
    Period.objects.filter(pk=empty_report.period_id).update(
        due_date=timezone.localdate() - datetime.timedelta(days=10), allow_late=False
    )
    RegionSubmission.objects.filter(region=empty_report.region, period=empty_report.period).update(
        due_date=timezone.localdate() + datetime.timedelta(days=5)
    )
    report = Report.objects.select_related("period").get(pk=empty_report.pk)
    assert locks.entry_lock_reason(report, cast["klaten.dinkes"]) is None
    assert locks.days_left(report) == 5


def test_submitted_report_and_submitted_region_are_locked(cast):
    submitted = demo_report(code="K-KES-03")
    assert submitted.status == Report.Status.SUBMITTED
    assert "sedang diverifikasi" in locks.entry_lock_reason(submitted, cast["klaten.dinkes"])
    returned = demo_report(code="K-KES-04")
    assert returned.status == Report.Status.RETURNED
    assert locks.entry_lock_reason(returned, cast["klaten.dinkes"]) is None
    RegionSubmission.objects.filter(region=returned.region, period=returned.period).update(
        status="submitted"
    )
    returned = Report.objects.select_related("period").get(pk=returned.pk)
    assert "tidak dapat diubah" in locks.entry_lock_reason(returned, cast["klaten.dinkes"])


# ---------------------------------------------------------------- audit


def test_every_change_is_in_the_history_tab(login, empty_report):
    client = login("klaten.dinkes")
    post(
        client,
        section_url(empty_report, "recipients"),
        {"version": empty_report.version, "recipients_served": "10"},
    )
    v = Report.objects.get(pk=empty_report.pk).version
    post(client, section_url(empty_report, "recipients"), {"version": v, "recipients_served": "25"})
    v += 1
    data = {
        "version": v,
        **{f"status_{n}": "done" for n in (1, 2, 3, 4)},
        **{f"note_{n}": "" for n in (1, 2, 3, 4)},
    }
    post(client, section_url(empty_report, "stages"), data)
    entries = selectors.history(Report.objects.get(pk=empty_report.pk))
    flat = [(e.what, e.user, c) for e in entries for c in e.changes]
    served = [c for what, user, c in flat if c[0] == "penerima terlayani"]
    assert ("penerima terlayani", "—", "10") in served
    assert ("penerima terlayani", "10", "25") in served
    assert any(what.startswith("Tahap") and c[2] == "Selesai" for what, _u, c in flat)
    assert all(e.user.startswith("Operator DINKES") for e in entries)
    # Visible to whoever sees the report (the auditor, the verifier), not to others.
    for username, status in [
        ("klaten.inspektorat", 200),
        ("klaten.tapem", 200),
        ("klaten.dinkes", 200),
        ("ngawi.dinkes", 404),
    ]:
        response = login(username).get(
            reverse("reporting:report_history", kwargs={"pk": empty_report.pk})
        )
        assert response.status_code == status
        if status == 200:
            assert "10" in response.content.decode() and "25" in response.content.decode()


# ---------------------------------------------------------------- home, lists, exports


def test_operator_home_lists_agency_reports_with_missing_parts(login):
    html = login("klaten.dinkes").get(reverse("home")).content.decode()
    assert "K-KES-08" in html and "K-KES-01" in html
    assert "K-DIK-01" not in html  # another agency's service
    assert "penerima terlayani" in html  # K-KES-08 is empty
    assert "Batas waktu" in html


def test_report_list_filters_and_scope(login):
    client = login("klaten.tapem")
    url = reverse("reporting:report_list")
    response = client.get(url, {"status": "returned"})
    assert response.status_code == 200
    page = response.context["page"]
    assert [r.service_type.code for r in page] == ["K-KES-04"]
    all_rows = client.get(url).context["page"].paginator.count
    assert (
        all_rows == Report.objects.filter(region__code="33.10", period=demo_report().period).count()
    )
    ngawi = login("ngawi.dinkes").get(url, {"wilayah": "33.10"}).context["page"].paginator.count
    assert ngawi == 0


def test_report_list_band_and_sector_filters(login):
    client = login("jateng.biro")
    url = reverse("reporting:report_list")
    kes = client.get(url, {"bidang": "KES"}).context["page"]
    assert kes.paginator.count and all(r.service_type.sector.code == "KES" for r in kes)
    band = client.get(url, {"capaian": "Tuntas Utama", "urut": "-capaian"}).context["page"]
    assert all(r.band == "Tuntas Utama" for r in band)
    missing = client.get(url, {"capaian": "belum"}).context["page"]
    assert all(r.entered_at is None for r in missing)


def test_exports_honour_filters_and_scope(login):
    client = login("klaten.dinkes")
    url = reverse("reporting:report_list")
    csv = b"".join(client.get(url, {"export": "csv"}).streaming_content).decode("utf-8-sig")
    lines = [line for line in csv.splitlines()[1:] if line]
    assert lines and all(";DINKES;" in line for line in lines)
    assert all("33.10" in line for line in lines)
    returned = b"".join(
        client.get(url, {"export": "csv", "status": "returned"}).streaming_content
    ).decode("utf-8-sig")
    assert len([x for x in returned.splitlines()[1:] if x]) == 1
    xlsx = client.get(url, {"export": "xlsx"})
    assert xlsx["Content-Disposition"].endswith('.xlsx"')
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert sheet.max_row == len(lines) + 1


def test_report_page_query_count_is_bounded(login, django_assert_max_num_queries):
    client = login("klaten.dinkes")
    report = demo_report(code="K-KES-01")
    with django_assert_max_num_queries(30):
        assert (
            client.get(reverse("reporting:report_detail", kwargs={"pk": report.pk})).status_code
            == 200
        )


def test_a_section_save_reads_only_what_its_response_shows(login, django_assert_max_num_queries):
    """The saved note, capaian panel, buttons and flags: not every form, budget row,
    nomenclature suggestion and evidence file of the report (a deadline saves thousands)."""
    client = login("klaten.dinkes")
    report = demo_report(code="K-KES-01")
    url = section_url(report, "problems")
    data = {"version": report.version, "problems": "Uji", "solutions": "Uji"}
    # With Redis the session is read from it (cached_db), else it is one more query.
    session = 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1
    with django_assert_max_num_queries(30 + session):
        response = post(client, url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tersimpan" in html and 'id="capaian-panel"' in html
    assert Report.objects.get(pk=report.pk).problems == "Uji"


def test_a_save_response_reads_each_shared_row_once(login):
    """The capaian panel, the flags and the workflow buttons share their reads (``espm.reads``);
    what the save itself read after its writes — the quality rows and items, and the region's
    submission its lock check read — is not read again for the answer."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login("klaten.dinkes")
    report = demo_report(code="K-KES-01")
    url = section_url(report, "problems")
    with CaptureQueriesContext(connection) as queries:
        response = post(client, url, {"version": report.version, "problems": "A", "solutions": "B"})
    assert response.status_code == 200 and "Tersimpan" in response.content.decode()
    sql = [q["sql"] for q in queries.captured_queries]
    saved = next(i for i, q in enumerate(sql) if q.startswith('UPDATE "reporting_report"'))
    committed = next(
        i for i, q in enumerate(sql) if i > saved and q.startswith(("COMMIT", "RELEASE SAVEPOINT"))
    )
    after = sql[committed + 1 :]  # the response
    expected = {
        "reporting_reportcheck": 1,
        "reporting_regionsubmission": 0,
        "reporting_reportquality": 0,
        "indicators_qualityitem": 0,
    }
    for table, n in expected.items():
        reads = [q for q in after if q.startswith("SELECT") and f'FROM "{table}"' in q]
        assert len(reads) == n, (table, len(reads))


def test_a_recipients_save_reads_the_breakdown_dimensions_once(login):
    """Binding the posted form, its base and the answer's form share one read of the catalog's
    dimensions (``reads.remember_dimensions``)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login("klaten.dinkes")
    report = demo_report(code="K-KES-01")
    url = section_url(report, "recipients")
    data = {
        "version": report.version,
        "recipients_served": "101",
        "base-recipients_served": str(report.recipients_served or ""),
    }
    with CaptureQueriesContext(connection) as queries:
        response = post(client, url, data)
    assert response.status_code == 200 and "Tersimpan" in response.content.decode()
    assert Report.objects.get(pk=report.pk).recipients_served == 101
    sql = [q["sql"] for q in queries.captured_queries]
    saved = next(i for i, q in enumerate(sql) if q.startswith('UPDATE "reporting_report"'))
    before = [q for q in sql[:saved] if 'FROM "indicators_breakdowndimension"' in q]
    after = [q for q in sql[saved:] if 'FROM "indicators_breakdowndimension"' in q]
    assert len(before) == 1 and after == []
