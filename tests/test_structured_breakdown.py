"""Recipients broken down as each technical standard says (catalog dimensions, issue #20 §4).

The demo's Klaten TW III: K-KES-08 (hypertension, catalog dimension "Jenis kelamin") is an
empty draft of klaten.dinkes; K-KES-01 (pregnant women) has no catalog dimension and keeps
the free-text breakdown.
"""

from __future__ import annotations

import copy
import re

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from indicators import services as catalog
from indicators.models import BreakdownDimension, CatalogEdition, ServiceType
from regions.models import User
from reporting.entry import selectors, services
from reporting.models import Report
from reporting.quality.selectors import message
from tests.factories_reporting import demo_report

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
SEX = "jenis_kelamin"


def section_url(report: Report) -> str:
    return reverse("reporting:report_section", kwargs={"pk": report.pk, "section": "recipients"})


def api(username: str) -> Client:
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
    return Client(headers={"Authorization": f"Token {token.key}"})


def api_patch(client: Client, report: Report, body: dict) -> object:
    return client.patch(
        reverse("api:report-detail", kwargs={"pk": report.pk}),
        body,
        content_type="application/json",
    )


@pytest.fixture
def hypertension() -> Report:
    report = demo_report(code="K-KES-08")
    assert report.entered_at is None and report.status == Report.Status.DRAFT
    return report


def save(report: Report, served: int | None, breakdown: dict) -> Report:
    user = User.objects.get(username="klaten.dinkes")
    return services.save_recipients(
        report.pk,
        user,
        Report.objects.get(pk=report.pk).version,
        served=served,
        breakdown=breakdown,
    )


def open_codes(report: Report) -> set[str]:
    return set(report.checks.filter(rule__is_active=True).values_list("rule__code", flat=True))


# ---------------------------------------------------------------- catalog


def test_the_catalog_names_the_standards_dimensions():
    st = ServiceType.objects.get(edition__code="2026.1", code="K-KES-04")
    dims = list(st.breakdown_dimensions.order_by("order"))
    assert [(d.key, d.label, d.sums_to_total) for d in dims] == [
        (SEX, "Jenis kelamin", True),
        ("kelompok_umur", "Kelompok umur", True),
    ]
    assert [g.label for g in dims[1].groups.order_by("order")] == [
        "0–11 bulan",
        "12–23 bulan",
        "24–59 bulan",
    ]
    assert dims[0].source == "Permenkes 6/2024"  # the service type's regulation by default
    disability = BreakdownDimension.objects.get(
        service_type__edition__code="2026.1", service_type__code="K-SOS-01", key="ragam_disabilitas"
    )
    assert [g.key for g in disability.groups.order_by("order")] == [
        "fisik",
        "intelektual",
        "mental",
        "sensorik",
        "ganda",
    ]
    hiv = BreakdownDimension.objects.get(
        service_type__edition__code="2026.1", service_type__code="K-KES-12", key="kelompok_risiko"
    )
    assert hiv.sums_to_total is False  # risk groups overlap
    assert not ServiceType.objects.get(
        edition__code="2026.1", code="K-KES-01"
    ).breakdown_dimensions.exists()


def test_the_loader_adds_a_first_breakdown_even_to_an_edition_in_use_but_changes_none():
    st = ServiceType.objects.get(edition__code="2026.1", code="K-KES-08")
    assert st.targets.exists()  # the edition is in use
    st.breakdown_dimensions.all().delete()
    data = catalog.read_catalog_file(catalog.CATALOG_DIR / "2026.1.yaml")
    result = catalog.load_catalog([data])
    assert result.created == 3  # the dimension and its two groups
    assert list(st.breakdown_dimensions.values_list("key", flat=True)) == [SEX]
    # A change to an existing dimension of an edition in use is only counted.
    changed = copy.deepcopy(data)
    k_kes_08 = next(s for s in changed["service_types"] if s["code"] == "K-KES-08")
    k_kes_08["breakdowns"] = [dict(k_kes_08["breakdowns"][0], label="Seks")]
    again = catalog.load_catalog([changed])
    assert again.frozen == {"2026.1": 1}
    assert st.breakdown_dimensions.get().label == "Jenis kelamin"


def test_the_loader_refuses_bad_breakdowns():
    data = copy.deepcopy(catalog.read_catalog_file(catalog.CATALOG_DIR / "2026.1.yaml"))
    st = data["service_types"][0]
    st["breakdowns"] = [
        {"key": "Jenis Kelamin", "label": "x", "groups": [{"key": "a", "label": "A"}] * 2},
        {"key": "umur", "label": "Umur", "groups": [{"key": "a", "label": "A"}]},
    ]
    problems = catalog.validate_catalog(data)
    assert "jenis pelayanan P-DIK-01: kode dimensi rincian tidak valid 'Jenis Kelamin'" in problems
    assert "jenis pelayanan P-DIK-01 Jenis Kelamin: kode kelompok ganda a" in problems
    assert "jenis pelayanan P-DIK-01 umur: dimensi rincian perlu 2–20 kelompok" in problems


def test_a_draft_edition_copies_the_dimensions():
    source = CatalogEdition.objects.get(code="2026.1")
    draft = catalog.create_draft_edition(
        User.objects.get(username="bangda.admin"), source, "2099.9"
    )
    copied = BreakdownDimension.objects.get(
        service_type__edition=draft, service_type__code="K-KES-04", key="kelompok_umur"
    )
    assert copied.groups.count() == 3


def test_catalog_page_and_api_show_the_dimensions(login):
    client = login("klaten.dinkes")
    page = client.get(
        reverse("indicators:service_type", kwargs={"edition": "2026.1", "code": "K-SOS-01"})
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="breakdown-dimensions"' in html
    assert "Ragam disabilitas" in html and "Sensorik" in html
    response = api("klaten.dinkes").get(
        reverse("api:service-type-detail", kwargs={"code": "K-SOS-01"}) + "?edition=2026.1"
    )
    assert response.status_code == 200
    dims = response.json()["breakdown_dimensions"]
    assert [d["key"] for d in dims] == [SEX, "ragam_disabilitas"]
    assert dims[0]["groups"] == [
        {"key": "laki_laki", "label": "Laki-laki", "order": 1},
        {"key": "perempuan", "label": "Perempuan", "order": 2},
    ]


# ---------------------------------------------------------------- the form


def test_the_form_shows_one_input_per_group_in_a_fieldset_per_dimension(login, hypertension):
    response = login("klaten.dinkes").get(
        reverse("reporting:report_detail", kwargs={"pk": hypertension.pk})
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<fieldset class="breakdown-dimension" data-dimension="jenis_kelamin">', html)
    assert re.search(r"<legend>\s*Jenis kelamin", html)
    assert '<label for="id_bd-jenis_kelamin-laki_laki">Laki-laki</label>' in html
    assert 'name="bd-jenis_kelamin-perempuan"' in html
    assert 'name="breakdown"' not in html  # no free text where the catalog names groups


def test_the_form_saves_the_structured_breakdown(login, hypertension):
    response = login("klaten.dinkes").post(
        section_url(hypertension),
        {
            "version": hypertension.version,
            "recipients_served": "1.250",
            "bd-jenis_kelamin-laki_laki": "600",
            "bd-jenis_kelamin-perempuan": "650",
        },
        headers=HX,
    )
    assert response.status_code == 200
    report = Report.objects.get(pk=hypertension.pk)
    assert report.recipients_served == 1250
    assert report.recipients_breakdown == {SEX: {"laki_laki": 600, "perempuan": 650}}
    page = login("klaten.dinkes").get(
        reverse("reporting:report_detail", kwargs={"pk": hypertension.pk})
    )
    assert 'value="650"' in page.content.decode()


def test_an_empty_group_is_not_zero(login, hypertension):
    login("klaten.dinkes").post(
        section_url(hypertension),
        {
            "version": hypertension.version,
            "recipients_served": "100",
            "bd-jenis_kelamin-laki_laki": "40",
            "bd-jenis_kelamin-perempuan": "",
        },
        headers=HX,
    )
    report = Report.objects.get(pk=hypertension.pk)
    assert report.recipients_breakdown == {SEX: {"laki_laki": 40}}
    assert "RINCIAN-JUMLAH" not in open_codes(report)  # partly filled: not checked


@pytest.mark.parametrize(
    ("typed", "message"),
    [("-5", "Jumlah tidak boleh negatif."), ("12,5", "harus bilangan bulat")],
)
def test_a_bad_count_is_an_indonesian_error_and_keeps_what_was_typed(
    login, hypertension, typed, message
):
    response = login("klaten.dinkes").post(
        section_url(hypertension),
        {
            "version": hypertension.version,
            "recipients_served": "1.250",
            "bd-jenis_kelamin-laki_laki": typed,
            "bd-jenis_kelamin-perempuan": "650",
        },
        headers=HX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert f'value="{typed}"' in html and 'value="650"' in html and 'value="1.250"' in html
    report = Report.objects.get(pk=hypertension.pk)
    assert report.version == hypertension.version and report.recipients_breakdown == {}


# ---------------------------------------------------------------- they sum to the total


def test_sum_equal_to_served_is_no_warning(hypertension):
    report = save(hypertension, 150, {SEX: {"laki_laki": 70, "perempuan": 80}})
    assert "RINCIAN-JUMLAH" not in open_codes(report)


def test_sum_off_by_one_is_a_warning_naming_the_dimension_and_both_numbers(hypertension):
    report = save(hypertension, 150, {SEX: {"laki_laki": 70, "perempuan": 81}})
    check = report.checks.get(rule__code="RINCIAN-JUMLAH")
    assert check.rule.severity == "warning"
    text = message(check)
    assert "Jenis kelamin" in text and "(151)" in text and "(150)" in text
    report = save(report, 151, {SEX: {"laki_laki": 70, "perempuan": 81}})
    assert "RINCIAN-JUMLAH" not in open_codes(report)


def test_every_summing_dimension_is_checked_and_overlapping_ones_are_not():
    report = demo_report(code="K-KES-04")  # returned: still editable by its operator
    report.status = Report.Status.DRAFT
    report.save(update_fields=["status"])
    age = {"u0_11_bulan": 10, "u12_23_bulan": 20, "u24_59_bulan": 71}  # 101
    report = save(report, 100, {SEX: {"laki_laki": 50, "perempuan": 50}, "kelompok_umur": age})
    check = report.checks.get(rule__code="RINCIAN-JUMLAH")
    assert "Kelompok umur" in message(check) and "(101)" in message(check)
    hiv = demo_report(code="K-KES-12")
    assert hiv.service_type.breakdown_dimensions.get(key="kelompok_risiko").sums_to_total is False


def test_the_overlapping_dimension_never_warns():
    from reporting.rules import breakdown as rules
    from reporting.rules import quality

    dims = (
        rules.Dimension("kelompok_risiko", "Kelompok berisiko", False, (
            rules.Group("ibu_hamil", "Ibu hamil"), rules.Group("wbp", "WBP"),
        )),
    )  # fmt: skip
    facts = quality.ReportFacts(
        served=10,
        target=None,
        prev_served=None,
        breakdown={"kelompok_risiko": {"ibu_hamil": 8, "wbp": 8}},
        quarter=3,
        year=2026,
        dimensions=dims,
    )
    names = facts.report_names()
    assert names["breakdown_total"] is None and names["breakdown_groups"] == 2


# ---------------------------------------------------------------- API


def test_api_reads_the_breakdown_with_keys_and_labels(hypertension):
    save(hypertension, 150, {SEX: {"laki_laki": 70}})
    response = api("klaten.dinkes").get(
        reverse("api:report-detail", kwargs={"pk": hypertension.pk})
    )
    assert response.status_code == 200
    body = response.json()
    assert body["recipients_breakdown"] == {SEX: {"laki_laki": 70}}
    assert body["recipients_breakdown_dimensions"] == [
        {
            "key": SEX,
            "label": "Jenis kelamin",
            "sums_to_total": True,
            "complete": False,
            "total": None,
            "groups": [
                {"key": "laki_laki", "label": "Laki-laki", "count": 70},
                {"key": "perempuan", "label": "Perempuan", "count": None},
            ],
        }
    ]


def test_api_patch_saves_the_structured_breakdown(hypertension):
    response = api_patch(
        api("klaten.dinkes"),
        hypertension,
        {
            "version": hypertension.version,
            "recipients_served": 150,
            "recipients_breakdown": {SEX: {"laki_laki": 70, "perempuan": 80}},
        },
    )
    assert response.status_code == 200
    assert response.json()["recipients_breakdown_dimensions"][0]["total"] == 150
    report = Report.objects.get(pk=hypertension.pk)
    assert report.recipients_breakdown == {SEX: {"laki_laki": 70, "perempuan": 80}}
    assert report.version == hypertension.version + 1


@pytest.mark.parametrize(
    ("breakdown", "key", "words"),
    [
        ({"agama": {"islam": 1}}, "recipients_breakdown.agama", "Dimensi rincian tidak dikenal"),
        ({SEX: {"lainnya": 1}}, "recipients_breakdown.jenis_kelamin.lainnya", "Kelompok tidak"),
        ({SEX: {"laki_laki": -1}}, "recipients_breakdown.jenis_kelamin.laki_laki", "negatif"),
        ({SEX: {"laki_laki": 1.5}}, "recipients_breakdown.jenis_kelamin.laki_laki", "bulat"),
        ({SEX: {"laki_laki": "70"}}, "recipients_breakdown.jenis_kelamin.laki_laki", "angka"),
        ({SEX: 70}, "recipients_breakdown.jenis_kelamin", "{kelompok: jumlah}"),
        ({"Laki-laki": 70}, "recipients_breakdown.Laki-laki", "tidak dikenal"),
    ],
)
def test_api_patch_refuses_unknown_keys_and_bad_counts_with_a_structured_400(
    hypertension, breakdown, key, words
):
    response = api_patch(
        api("klaten.dinkes"),
        hypertension,
        {"version": hypertension.version, "recipients_breakdown": breakdown},
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert key in errors, errors
    assert words in errors[key][0]
    report = Report.objects.get(pk=hypertension.pk)
    assert (report.version, report.recipients_breakdown) == (hypertension.version, {})


def test_another_region_cannot_patch_the_breakdown(hypertension):
    response = api_patch(
        api("ngawi.dinkes"),
        hypertension,
        {"version": hypertension.version, "recipients_breakdown": {SEX: {"laki_laki": 1}}},
    )
    assert response.status_code == 404
    report = Report.objects.get(pk=hypertension.pk)
    assert (report.version, report.recipients_breakdown) == (hypertension.version, {})


def test_the_openapi_schema_documents_the_breakdown(login):
    response = login("bangda.admin").get(reverse("api:schema") + "?format=json")
    assert response.status_code == 200
    schemas = response.json()["components"]["schemas"]
    update = schemas["PatchedReportUpdate"]["properties"]["recipients_breakdown"]
    assert "{dimensi: {kelompok: jumlah}}" in update["description"]
    assert "recipients_breakdown_dimensions" in schemas["Report"]["properties"]
    assert "breakdown_dimensions" in schemas["ServiceType"]["properties"]


# ---------------------------------------------------------------- exports, review, audit


def test_export_of_one_service_type_has_a_column_per_group(hypertension):
    save(hypertension, 150, {SEX: {"laki_laki": 70, "perempuan": 80}})
    qs = Report.objects.filter(pk=hypertension.pk).select_related(
        "period", "region", "service_type__sector", "agency"
    )
    headers, rows = selectors.report_table(qs)
    row = dict(zip(headers, next(iter(rows)), strict=True))
    assert row["Jenis kelamin: Laki-laki"] == 70 and row["Jenis kelamin: Perempuan"] == 80
    assert row["Rincian penerima"] == "jenis_kelamin:laki_laki=70; jenis_kelamin:perempuan=80"


def test_export_of_several_service_types_has_one_breakdown_cell(hypertension):
    save(hypertension, 150, {SEX: {"laki_laki": 70, "perempuan": 80}})
    old = demo_report(code="K-KES-01")
    qs = Report.objects.filter(pk__in=[hypertension.pk, old.pk]).select_related(
        "period", "region", "service_type__sector", "agency"
    )
    headers, rows = selectors.report_table(qs)
    assert headers[-1] == "Rincian penerima"
    cells = {r[4]: r[-1] for r in rows}
    assert cells["K-KES-08"] == "jenis_kelamin:laki_laki=70; jenis_kelamin:perempuan=80"
    half = old.recipients_served // 2
    assert cells["K-KES-01"] == f"Laki-laki={half}; Perempuan={old.recipients_served - half}"


def test_export_download_carries_the_columns(login, hypertension):
    save(hypertension, 1500, {SEX: {"laki_laki": 700, "perempuan": 800}})
    response = login("klaten.dinkes").post(
        reverse("reporting:report_export") + f"?periode={hypertension.period_id}&wilayah=33.10",
        {"export": "csv"},
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8-sig")
    assert "Rincian penerima" in text
    assert "jenis_kelamin:laki_laki=700; jenis_kelamin:perempuan=800" in text


def test_review_page_shows_a_table_per_dimension(login, hypertension):
    save(hypertension, 150, {SEX: {"laki_laki": 70, "perempuan": 1080}})
    response = login("klaten.tapem").get(
        reverse("reporting:report_review", kwargs={"pk": hypertension.pk})
    )
    assert response.status_code == 200
    html = response.content.decode()
    table = re.search(r'data-testid="breakdown-jenis_kelamin".*?</table>', html, re.S).group(0)
    assert "<caption>Jenis kelamin</caption>" in table
    assert "1.080" in table and "1.150" in table  # Indonesian grouping; complete → its sum


def test_audit_trail_shows_the_change_readably(hypertension):
    report = save(hypertension, 150, {SEX: {"laki_laki": 70, "perempuan": 80}})
    report = save(report, 150, {SEX: {"laki_laki": 75, "perempuan": 75}})
    changes = [
        c for e in selectors.history(report) for c in e.changes if c[0] == "rincian penerima"
    ]
    assert changes[0] == (
        "rincian penerima",
        "Jenis kelamin: Laki-laki 70, Perempuan 80",
        "Jenis kelamin: Laki-laki 75, Perempuan 75",
    )


def test_old_free_text_data_still_reads_everywhere(login, hypertension):
    Report.objects.filter(pk=hypertension.pk).update(
        recipients_served=30, recipients_breakdown={"Laki-laki": 10, "Perempuan": 20}
    )
    page = login("klaten.dinkes").get(
        reverse("reporting:report_detail", kwargs={"pk": hypertension.pk})
    )
    html = page.content.decode()
    assert "Rincian lama (teks bebas)" in html and "Laki-laki: 10\nPerempuan: 20" in html
    review = login("klaten.tapem").get(
        reverse("reporting:report_review", kwargs={"pk": hypertension.pk})
    )
    assert 'data-testid="breakdown"' in review.content.decode()
    body = api("klaten.dinkes").get(reverse("api:report-detail", kwargs={"pk": hypertension.pk}))
    assert body.json()["recipients_breakdown"] == {"Laki-laki": 10, "Perempuan": 20}
    assert body.json()["recipients_breakdown_dimensions"] == []
    # Filling the catalog's groups replaces the old free text.
    login("klaten.dinkes").post(
        section_url(hypertension),
        {
            "version": Report.objects.get(pk=hypertension.pk).version,
            "recipients_served": "30",
            "breakdown": "Laki-laki: 10\nPerempuan: 20",
            "bd-jenis_kelamin-laki_laki": "10",
            "bd-jenis_kelamin-perempuan": "20",
        },
        headers=HX,
    )
    stored = Report.objects.get(pk=hypertension.pk).recipients_breakdown
    assert stored == {SEX: {"laki_laki": 10, "perempuan": 20}}


def test_a_service_type_without_dimensions_keeps_free_text(login):
    report = demo_report(code="K-KES-01")
    page = login("klaten.dinkes").get(reverse("reporting:report_detail", kwargs={"pk": report.pk}))
    html = page.content.decode()
    assert 'name="breakdown"' in html and "breakdown-dimension" not in html


# ---------------------------------------------------------------- demo


def test_demo_reports_with_dimensions_are_broken_down_structured():
    report = demo_report(code="K-KES-04")
    stored = report.recipients_breakdown
    assert set(stored) == {SEX, "kelompok_umur"}
    assert sum(stored[SEX].values()) == report.recipients_served
    assert sum(stored["kelompok_umur"].values()) == report.recipients_served
    assert "RINCIAN-JUMLAH" not in open_codes(report)


# ---------------------------------------------------------------- two people, one breakdown


def test_two_tabs_merge_the_structured_breakdown_field_by_field(login, hypertension):
    from tests.test_entry_merge import open_tab, started_from
    from tests.test_entry_merge import save as post_section

    client = login("klaten.dinkes")
    mine = open_tab(client, hypertension, "recipients")
    theirs = open_tab(client, hypertension, "recipients")
    assert mine["base-breakdown"] == "{}" or mine["base-breakdown"] == ""
    theirs["recipients_served"] = "150"
    assert post_section(client, hypertension, "recipients", theirs).status_code == 200
    mine["bd-jenis_kelamin-laki_laki"] = "70"
    first = post_section(client, hypertension, "recipients", mine)
    assert first.status_code == 200  # only the breakdown changed here: merged, no conflict
    report = Report.objects.get(pk=hypertension.pk)
    assert report.recipients_served == 150
    assert report.recipients_breakdown == {SEX: {"laki_laki": 70}}
    # The next save in the same tab starts from what is stored (the page's base inputs).
    again = started_from(mine, first)
    assert again["base-breakdown"] == '{"jenis_kelamin":{"laki_laki":70}}'
    again["bd-jenis_kelamin-perempuan"] = "80"
    assert post_section(client, hypertension, "recipients", again).status_code == 200
    report = Report.objects.get(pk=hypertension.pk)
    assert report.recipients_breakdown == {SEX: {"laki_laki": 70, "perempuan": 80}}


def test_both_changing_the_breakdown_differently_is_a_conflict_without_a_choice_button(
    login, hypertension
):
    from tests.test_entry_merge import open_tab
    from tests.test_entry_merge import save as post_section

    client = login("klaten.dinkes")
    mine = open_tab(client, hypertension, "recipients")
    theirs = dict(mine, **{"bd-jenis_kelamin-laki_laki": "60"})
    assert post_section(client, hypertension, "recipients", theirs).status_code == 200
    mine["bd-jenis_kelamin-laki_laki"] = "70"
    response = post_section(client, hypertension, "recipients", mine)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Jenis kelamin: Laki-laki 60" in html and "Jenis kelamin: Laki-laki 70" in html
    assert 'data-field="breakdown"' not in html
    stored = Report.objects.get(pk=hypertension.pk).recipients_breakdown
    assert stored == {SEX: {"laki_laki": 60}}


def test_an_untouched_builtin_message_is_brought_up_to_date():
    from reporting.models import ValidationRule
    from reporting.quality.services import ensure_builtin_rules
    from reporting.rules import quality

    old_id, old_en = quality.SUPERSEDED_MESSAGES["RINCIAN-JUMLAH"]
    ValidationRule.objects.filter(code="RINCIAN-JUMLAH").update(
        message_id=old_id, message_en=old_en
    )
    ensure_builtin_rules()
    rule = ValidationRule.objects.get(code="RINCIAN-JUMLAH")
    assert "{breakdown_dimension}" in rule.message_id and "{breakdown_dimension}" in rule.message_en
    ValidationRule.objects.filter(code="RINCIAN-JUMLAH").update(message_id="Teks Bangda.")
    ensure_builtin_rules()
    assert ValidationRule.objects.get(code="RINCIAN-JUMLAH").message_id == "Teks Bangda."


def test_changes_since_a_return_name_the_groups():
    from reporting.review.selectors import diff_snapshots
    from reporting.rules import breakdown as rules

    dims = rules.dimensions_of(ServiceType.objects.get(edition__code="2026.1", code="K-KES-08"))
    rows = diff_snapshots(
        {"values": {"recipients_breakdown": {SEX: {"laki_laki": 70}}}},
        {"values": {"recipients_breakdown": {SEX: {"laki_laki": 70, "perempuan": 80}}}},
        dims,
    )
    assert [(r.before, r.after) for r in rows] == [
        ("Jenis kelamin: Laki-laki 70", "Jenis kelamin: Laki-laki 70, Perempuan 80")
    ]
