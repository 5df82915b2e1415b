"""Every write names the version it was made on, and a base that cannot be known is a conflict.

- ``patch.values_at`` (the API PATCH and the Excel import merge against it): a quality row
  whose history starts after the version read (period opening inserts rows by SQL, without a
  record) has an unknown minimum at that version, so a different value from the client is a
  conflict (409 / a refused workbook row), an equal one is not; a row without any record has
  not changed since it was created (its current value is the base); what the opening inserts
  as a constant (no answer, no stage status) is known.
- An existing period is changed only on the Periode page (the admin shows it read-only).
- The award configuration's first save carries version 0 and is refused once a row exists.
- The LPPD API's writes need ``version`` or ``If-Match`` (400 without), and its per-level
  summary is over the whole scope, whatever the list filter.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from indicators.models import Target
from regions.models import Region, User
from reporting.entry import patch, services
from reporting.imports import services as importer
from reporting.lppd import selectors as lppd_selectors
from reporting.models import (
    AwardConfig,
    BudgetLine,
    LppdAnnex,
    LppdDueDate,
    Period,
    Report,
    ReportQuality,
)
from reporting.rules import award
from tests.factories_reporting import demo_report
from tests.test_import import as_file, private_tmp, quality_row, set_cell  # noqa: F401
from tests.test_lppd_annex import YEAR as LPPD_YEAR
from tests.test_lppd_annex import annex_document, year_2031  # noqa: F401

pytestmark = pytest.mark.django_db

OPERATOR = "klaten.dinkes"


def api(username: str) -> APIClient:
    c = APIClient()
    c.force_authenticate(User.objects.get(username=username))
    return c


def operator() -> User:
    return User.objects.get(username=OPERATOR)


# ---------------------------------------------------------------- values_at and the API PATCH


def just_opened(code: str = "K-KES-08") -> tuple[Report, list[ReportQuality]]:
    """A draft Klaten report as period opening leaves it: version 1, no history for it or its
    rows, minimums the OPD may edit (target not verified)."""
    report = demo_report(code=code)
    Target.objects.filter(
        region=report.region, year=report.period.year, service_type__code=code
    ).update(status=Target.Status.DRAFT)
    Report.history.filter(id=report.pk).delete()
    ReportQuality.history.filter(report_id=report.pk).delete()
    Report.objects.filter(pk=report.pk).update(version=1)
    rows = list(
        ReportQuality.objects.filter(report=report, quality_item__has_quantity=True)
        .select_related("quality_item")
        .order_by("quality_item__order")
    )
    assert len(rows) >= 2
    ReportQuality.objects.filter(pk__in=[r.pk for r in rows]).update(
        required=Decimal("5"), realised=None
    )
    return Report.objects.get(pk=report.pk), rows


def key(row: ReportQuality, attr: str) -> str:
    return f"quality.{row.quality_item.code}.{attr}"


def colleague_sets(report: Report, row: ReportQuality, attr: str, value, was) -> None:
    """Someone else saves one field in the form (merge save, with a history record)."""
    services.save_fields(report.pk, operator(), {key(row, attr): value}, {key(row, attr): was})


def patch_quality(report: Report, version: int, items: list[dict]):
    return api(OPERATOR).patch(
        reverse("api:report-detail", kwargs={"pk": report.pk}),
        {"version": version, "quality": items},
        format="json",
    )


def test_values_at_per_row_record_none_or_only_later():
    report, (changed, untouched, *_rest) = just_opened()
    colleague_sets(report, changed, "required", Decimal("10"), Decimal("5"))
    now = Report.objects.get(pk=report.pk)
    base = patch.values_at(now, 1)
    assert base is not None
    # Records only after version 1: the minimum then is unknown; no answer was inserted.
    assert base[key(changed, "required")] is patch.UNKNOWN
    assert base[key(changed, "realised")] is None
    # No record at all: unchanged since the opening inserted it.
    assert base[key(untouched, "required")] == Decimal("5")
    # The version the colleague's save made: the row's record at that version.
    assert patch.values_at(now, now.version)[key(changed, "required")] == Decimal("10")


def test_just_opened_report_required_changed_since_is_409_and_kept():
    report, (row, *_rest) = just_opened()
    colleague_sets(report, row, "required", Decimal("10"), Decimal("5"))
    r = patch_quality(report, 1, [{"code": row.quality_item.code, "required": "20"}])
    assert r.status_code == 409, r.json()
    (change,) = r.json()["current"]["changes"]
    assert change["key"] == key(row, "required")
    assert change["base"] == "tidak diketahui"
    assert ReportQuality.objects.get(pk=row.pk).required == Decimal("10")


def test_required_changed_since_a_recorded_version_is_409():
    """The auditor's case: the version read has a report record, the row none before it."""
    report, (row, *_rest) = just_opened()
    client = api(OPERATOR)
    url = reverse("api:report-detail", kwargs={"pk": report.pk})
    read = client.patch(url, {"version": 1, "problems": "dibaca A"}, format="json")
    assert read.status_code == 200, read.json()
    seen = read.json()["version"]
    colleague_sets(report, row, "required", Decimal("10"), Decimal("5"))
    r = patch_quality(report, seen, [{"code": row.quality_item.code, "required": "20"}])
    assert r.status_code == 409
    assert ReportQuality.objects.get(pk=row.pk).required == Decimal("10")


def test_required_equal_to_the_stored_value_is_not_a_conflict():
    report, (row, other, *_rest) = just_opened()
    colleague_sets(report, row, "required", Decimal("10"), Decimal("5"))
    r = patch_quality(
        report,
        1,
        [
            {"code": row.quality_item.code, "required": "10"},
            {"code": other.quality_item.code, "realised": "2"},
        ],
    )
    assert r.status_code == 200, r.json()
    assert ReportQuality.objects.get(pk=row.pk).required == Decimal("10")
    assert ReportQuality.objects.get(pk=other.pk).realised == Decimal("2")


def test_row_without_any_record_merges_against_its_current_value():
    """A minimum nobody changed since the opening: an old version may still set it."""
    report, (changed, untouched, *_rest) = just_opened()
    colleague_sets(report, changed, "required", Decimal("10"), Decimal("5"))
    r = patch_quality(report, 1, [{"code": untouched.quality_item.code, "required": "7"}])
    assert r.status_code == 200, r.json()
    assert ReportQuality.objects.get(pk=untouched.pk).required == Decimal("7")
    assert ReportQuality.objects.get(pk=changed.pk).required == Decimal("10")


def test_opening_constants_stay_known_for_answers():
    """Period opening inserts no answer: an answer filled since is a conflict only for a
    different answer; the empty answer the client saw writes nothing."""
    report, (row, other, *_rest) = just_opened()
    colleague_sets(report, row, "realised", Decimal("3"), None)
    code = row.quality_item.code
    same_as_seen = patch_quality(report, 1, [{"code": code, "realised": None}])
    assert same_as_seen.status_code == 200, same_as_seen.json()
    assert ReportQuality.objects.get(pk=row.pk).realised == Decimal("3")
    elsewhere = patch_quality(report, 1, [{"code": other.quality_item.code, "realised": "4"}])
    assert elsewhere.status_code == 200, elsewhere.json()
    clash = patch_quality(report, 1, [{"code": code, "realised": "4"}])
    assert clash.status_code == 409
    assert ReportQuality.objects.get(pk=row.pk).realised == Decimal("3")


def test_budget_line_added_after_the_version_read_is_a_conflict_when_changed():
    report = demo_report(code="K-KES-08")
    seen = report.version
    values = {
        "activity_code": "1.02.02.2.02",
        "activity_name": "Penyediaan Layanan Kesehatan untuk UKM dan UKP",
        "sub_activity_code": "1.02.02.2.02.0001",
        "sub_activity_name": "Pengelolaan Pelayanan Kesehatan Ibu Hamil",
        "allocated": Decimal("1000000"),
        "realised": Decimal("0"),
    }
    report, line = services.save_budget_line(report.pk, operator(), seen, None, values)
    assert patch.values_at(report, seen)[f"budget.{line.pk}"] is patch.UNKNOWN
    r = api(OPERATOR).patch(
        reverse("api:report-detail", kwargs={"pk": report.pk}),
        {"version": seen, "budget_lines": [{"id": line.pk, "realised": "500000"}]},
        format="json",
    )
    assert r.status_code == 409, r.json()
    assert BudgetLine.objects.get(pk=line.pk).realised == Decimal("0")


# ---------------------------------------------------------------- the Excel import


def klaten_tw3() -> tuple[Region, Period]:
    return Region.objects.get(code="33.10"), Period.objects.get(year=2026, quarter=3)


def stale_workbook(required_in_workbook: int) -> tuple[ReportQuality, object]:
    """Download at a version where the row has no record, then a colleague sets 5 -> 10."""
    region, period = klaten_tw3()
    report = Report.objects.get(region=region, period=period, service_type__code="K-KES-08")
    Target.objects.filter(region=region, year=2026, service_type__code="K-KES-08").update(
        status=Target.Status.DRAFT
    )
    row = (
        ReportQuality.objects.filter(report=report, quality_item__has_quantity=True)
        .select_related("quality_item")
        .order_by("quality_item__order")
        .first()
    )
    ReportQuality.history.filter(report_id=report.pk).delete()
    ReportQuality.objects.filter(pk=row.pk).update(required=Decimal("5"))
    report = services.save_problems(
        report.pk, operator(), report.version, problems="x", solutions=""
    )
    wb = load_workbook(io.BytesIO(importer.build_workbook(operator(), region, period)))
    set_cell(
        wb["Mutu"],
        quality_row(wb["Mutu"], "K-KES-08", row.quality_item.code),
        "jumlah_minimal",
        required_in_workbook,
    )
    colleague_sets(report, row, "required", Decimal("10"), Decimal("5"))
    return row, wb


@pytest.mark.parametrize("typed", [20, 5], ids=["changed-in-workbook", "as-downloaded"])
def test_import_refuses_a_minimum_changed_in_the_form_since_the_download(typed):
    """20: changed on both sides. 5: the workbook's old value, the base unknown — refused too
    (before: written back over the colleague's 10 without a word)."""
    row, wb = stale_workbook(typed)
    region, period = klaten_tw3()
    preview = importer.preview(operator(), region, period, as_file(wb))
    messages = [e.message for e in preview.all_errors]
    assert any("telah diubah" in m and "jumlah minimal" in m for m in messages), messages
    with pytest.raises(importer.WorkbookError):
        importer.commit(operator(), region, period, as_file(wb))
    assert ReportQuality.objects.get(pk=row.pk).required == Decimal("10")


def test_import_with_the_colleagues_minimum_goes_through():
    row, wb = stale_workbook(10)
    region, period = klaten_tw3()
    preview = importer.preview(operator(), region, period, as_file(wb))
    assert preview.ok, [e.message for e in preview.all_errors]
    importer.commit(operator(), region, period, as_file(wb))
    assert ReportQuality.objects.get(pk=row.pk).required == Decimal("10")


# ---------------------------------------------------------------- the period in Django admin


def open_period() -> Period:
    return Period.objects.filter(state=Period.State.OPEN).order_by("-year", "-quarter").first()


def test_admin_shows_a_period_read_only_and_points_to_the_periode_page(login):
    period = open_period()
    before = (period.due_date, period.allow_late, period.version)
    admin = login("bangda.admin")
    url = reverse("admin:reporting_period_change", args=[period.pk])
    page = admin.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="{reverse("reporting:period_list")}"' in html and "halaman Periode" in html
    assert 'name="due_date"' not in html and 'name="allow_late"' not in html
    r = admin.post(
        url,
        {
            "year": period.year,
            "quarter": period.quarter,
            "due_date": (period.due_date + dt.timedelta(days=30)).isoformat(),
            "_save": "Save",
        },
    )
    assert r.status_code == 403
    period.refresh_from_db()
    assert (period.due_date, period.allow_late, period.version) == before
    # A "revert" from the history view would write an old row, version and all: refused.
    record = period.history.order_by("history_date").first()
    revert = reverse("admin:reporting_period_simple_history", args=[period.pk, record.history_id])
    assert admin.get(revert).status_code == 200
    assert admin.post(revert, {"_save": "Save"}).status_code == 403
    period.refresh_from_db()
    assert (period.due_date, period.allow_late, period.version) == before
    # The Periode page, on the version it read, still saves (and raises the version).
    new_due = period.due_date + dt.timedelta(days=5)
    r = admin.post(
        reverse("reporting:period_update", args=[period.pk]),
        {
            f"p{period.pk}-due_date": new_due.isoformat(),
            f"p{period.pk}-allow_late": "on",
            f"p{period.pk}-version": str(period.version),
        },
    )
    assert r.status_code == 302
    period.refresh_from_db()
    assert period.due_date == new_due and period.version == before[2] + 1


def test_admin_may_still_add_a_period(login):
    admin = login("bangda.admin")
    assert admin.get(reverse("admin:reporting_period_add")).status_code == 200
    r = admin.post(
        reverse("admin:reporting_period_add"),
        {
            "year": 2039,
            "quarter": 1,
            "due_date": "2039-04-20",
            "allow_late": "on",
            "_save": "Save",
        },
    )
    assert r.status_code == 302, r.content.decode()[:1000]
    assert Period.objects.get(year=2039, quarter=1).version == 1


@pytest.mark.parametrize("model", ["report", "evidence", "regionsubmission"])
def test_read_only_admins_refuse_a_history_revert(login, model):
    from reporting.models import Evidence, RegionSubmission

    obj = (
        {"report": Report, "evidence": Evidence, "regionsubmission": RegionSubmission}[model]
        .history.order_by("history_date")
        .first()
    )
    assert obj is not None
    url = reverse(f"admin:reporting_{model}_simple_history", args=[obj.id, obj.history_id])
    assert login("bangda.admin").post(url, {"_save": "Save"}).status_code == 403


def test_every_admin_with_a_history_refuses_a_revert(db):
    """Targets, assignments, agencies, memberships, successions, reminder rules: every history
    page is read-only, whichever app registers it (``espm.history_admin``)."""
    from django.contrib import admin
    from simple_history.admin import SimpleHistoryAdmin

    from espm.history_admin import HistoryAdmin

    with_history = {
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, SimpleHistoryAdmin)
    }
    assert {"indicators.Target", "regions.Agency", "reporting.Report"} <= with_history
    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, SimpleHistoryAdmin):
            assert isinstance(model_admin, HistoryAdmin), model._meta.label


def test_a_target_history_revert_is_refused_and_changes_nothing(login):
    from indicators.models import Target

    record = Target.history.order_by("history_date").first()
    assert record is not None
    before = Target.objects.filter(pk=record.id).values().get()
    url = reverse("admin:indicators_target_simple_history", args=[record.id, record.history_id])
    bangda = login("bangda.admin")
    assert bangda.get(url).status_code == 200
    assert bangda.post(url, {"_save": "Save"}).status_code == 403
    assert Target.objects.filter(pk=record.id).values().get() == before


# ---------------------------------------------------------------- award configuration

AWARD_YEAR = 2033


def award_post(weights: list[int], reason: str, version: str) -> dict:
    data = {
        "categories": list(award.CATEGORIES)[:1],
        "note": "",
        "reason": reason,
        "version": version,
    }
    data.update({f"w_{k}": w for k, w in zip(award.COMPONENTS, weights, strict=True)})
    return data


def hidden_version(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def test_award_first_save_carries_0_and_a_second_tab_is_refused(login):
    assert not AwardConfig.objects.filter(year=AWARD_YEAR).exists()
    a, b = login("bangda.admin"), login("bangda.admin")
    url = reverse("reporting:award_config", args=[AWARD_YEAR])
    seen_a = hidden_version(a.get(url).content.decode())
    seen_b = hidden_version(b.get(url).content.decode())
    assert seen_a == seen_b == "0"
    n = len(award.COMPONENTS)
    assert a.post(url, award_post([100] + [0] * (n - 1), "A menetapkan", seen_a)).status_code == 302
    rb = b.post(url, award_post([0] * (n - 1) + [100], "B menetapkan bobot", seen_b))
    assert rb.status_code == 422
    html = rb.content.decode()
    assert "Konfigurasi sudah diubah orang lain; muat ulang halaman." in html
    assert 'value="B menetapkan bobot"' in html  # what B typed is kept
    cfg = AwardConfig.objects.get(year=AWARD_YEAR)
    assert cfg.version == 1 and cfg.criteria == [{"key": list(award.COMPONENTS)[0], "weight": 100}]
    # Without a version (an old page): as if made on 0, so it cannot replace A's either.
    empty = b.post(url, award_post([0] * (n - 1) + [100], "B tanpa versi", ""))
    assert empty.status_code == 422
    # Reloaded, B sees A's save (version 1) and may change it knowingly.
    again = hidden_version(b.get(url).content.decode())
    assert again == "1"
    assert (
        b.post(url, award_post([0] * (n - 1) + [100], "B sesudah muat ulang", again)).status_code
        == 302
    )
    assert AwardConfig.objects.get(year=AWARD_YEAR).version == 2


# ---------------------------------------------------------------- LPPD API


def due_url(year: int) -> str:
    return reverse("api:lppd-due-date", args=[year])


def test_lppd_due_date_put_needs_a_version_and_checks_it():
    bangda = api("bangda.admin")
    year = 2034
    missing = bangda.put(due_url(year), {"due_date": "2035-04-30", "reason": "A"}, format="json")
    assert missing.status_code == 400
    assert "version" in missing.json()["errors"]
    assert not LppdDueDate.objects.filter(year=year).exists()
    first = bangda.put(
        due_url(year), {"due_date": "2035-04-30", "reason": "A", "version": 0}, format="json"
    )
    assert first.status_code == 200 and first.json()["version"] == 1
    # A second client that read nothing saved (0) is refused: 409 with the row as it is now.
    stale = bangda.put(
        due_url(year), {"due_date": "2035-06-30", "reason": "B", "version": 0}, format="json"
    )
    assert stale.status_code == 409
    assert stale.json()["current"] == {"due_date": "2035-04-30", "reason": "A", "version": 1}
    still = bangda.put(due_url(year), {"due_date": "2035-06-30", "reason": "B"}, format="json")
    assert still.status_code == 400
    assert LppdDueDate.objects.get(year=year).due_date == dt.date(year + 1, 4, 30)
    # If-Match instead of the body's version: a stale one is 412, the current one goes.
    header = bangda.put(
        due_url(year),
        {"due_date": "2035-06-30", "reason": "B"},
        format="json",
        headers={"If-Match": '"0"'},
    )
    assert header.status_code == 412
    ok = bangda.put(
        due_url(year),
        {"due_date": "2035-06-30", "reason": "B"},
        format="json",
        headers={"If-Match": '"1"'},
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2
    listed = bangda.get(reverse("api:lppd"), {"year": year}).json()
    assert listed["due_date_version"] == 2 and listed["due_date"] == "2035-06-30"


def test_lppd_due_date_put_by_others_is_403_before_asking_for_a_version():
    r = api("jateng.biro").put(
        due_url(2034), {"due_date": "2035-04-30", "reason": "A"}, format="json"
    )
    assert r.status_code == 403


def test_lppd_hand_in_and_withdraw_need_a_version(year_2031):  # noqa: F811
    annex_document("33.10")
    client = api("klaten.tapem")
    base = f"/api/v1/lppd/33.10/{LPPD_YEAR}/"
    missing = client.post(base + "hand-in/", {}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()["errors"]
    assert not LppdAnnex.objects.exists()
    assert client.post(base + "hand-in/", {"version": 0}, format="json").status_code == 200
    out = client.post(base + "withdraw/", {"reason": "Koreksi"}, format="json")
    assert out.status_code == 400 and "version" in out.json()["errors"]
    stale = client.post(base + "withdraw/", {"reason": "Koreksi", "version": 0}, format="json")
    assert stale.status_code == 409 and stale.json()["current"]["version"] == 1
    header = client.post(
        base + "withdraw/", {"reason": "Koreksi"}, format="json", headers={"If-Match": '"1"'}
    )
    assert header.status_code == 200 and header.json()["version"] == 2
    # Handed in again by a client that read nothing saved: refused, not a second hand-in.
    again = client.post(base + "hand-in/", {"version": 0}, format="json")
    assert again.status_code == 409
    assert LppdAnnex.objects.get(region__code="33.10").submitted_at is None


def test_lppd_api_summary_is_over_the_whole_scope_whatever_the_filter(year_2031):  # noqa: F811
    bangda = User.objects.get(username="bangda.admin")
    page = {
        c.level: (c.total, c.by_status)
        for c in lppd_selectors.summary(lppd_selectors.rows(bangda, LPPD_YEAR))
    }
    client = api("bangda.admin")
    for query in ({}, {"status": "ready"}, {"level": "kota"}, {"level": "kota", "status": "late"}):
        body = client.get(reverse("api:lppd"), {"year": LPPD_YEAR, **query}).json()
        got = {c["level"]: (c["total"], c["by_status"]) for c in body["summary"]}
        assert got == page, query
    assert page["kabupaten"][0] == 415 and page["kabupaten"][1]["ready"] == 1
    ready = client.get(reverse("api:lppd"), {"year": LPPD_YEAR, "status": "ready"}).json()
    assert [r["region"] for r in ready["results"]] == ["33.10"]  # the rows stay filtered
