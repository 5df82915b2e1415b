"""Bangda manages the data-quality rules in the application (issue #16): list, create, edit with
a reason and a kept history, switch off and on, "Uji aturan" on the last quarter before saving,
the re-evaluation after a change and the operators' command.

Expected counts are worked out by hand from the rows each test makes.
"""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from indicators.models import ServiceType
from regions.models import Region
from reporting.models import BudgetLine, Period, Report, ReportCheck, ValidationRule
from reporting.quality import rule_selectors, rule_services
from reporting.quality import services as quality
from reporting.quality.forms import RuleForm
from reporting.tasks import evaluate_data_quality
from tests.factories_reporting import demo_report, tw3

pytestmark = pytest.mark.django_db

LIST = reverse("reporting:quality_rules")
CREATE = reverse("reporting:quality_rule_create")
TRY_NEW = reverse("reporting:quality_rule_try_new")
HTMX = {"HX-Request": "true"}


def _rule(code: str = "MELEBIHI-TARGET") -> ValidationRule:
    return ValidationRule.objects.get(code=code)


def _new(**changes: Any) -> dict[str, Any]:
    data = {
        "code": "DUA-KALI-TARGET",
        "kind": "expression",
        "each": "report",
        "severity": "warning",
        "section": "recipients",
        "expression": "served > target * 2",
        "message_id": "Penerima {served} lebih dari dua kali target {target}.",
        "message_en": "Recipients {served} exceed twice the target {target}.",
        "reason": "Dua kali target hampir selalu salah ketik.",
    }
    return {**data, **changes}


def _edit(rule: ValidationRule, **changes: Any) -> dict[str, Any]:
    """What the rule's editor posts when nothing but ``changes`` is typed."""
    data = {k: v for k, v in RuleForm.initial_of(rule).items() if v is not None}
    return {**data, **changes}


def _st(code: str) -> ServiceType:
    return ServiceType.objects.get(code=code, edition__years__year=2026)


def _report(period: Period, region: str, code: str, served: int | None, target: int) -> Report:
    return Report.objects.create(
        region=Region.objects.get(code=region),
        period=period,
        service_type=_st(code),
        recipients_served=served,
        recipients_target=target,
        entered_at=timezone.now(),
    )


@pytest.fixture
def quarter() -> Period:
    """A closed quarter after the demo's, filled by hand:

    33.10 K-KES-01 120 of 100 (over) · 35.21 K-KES-01 100 of 100 (== is not over)
    36.73 K-KES-01 99 of 100 · 33.11 K-KES-01 empty (not applicable) · 33.10 K-DIK-01 500 of 400
    (over). 33.10 K-KES-01 has two budget lines realised over their allocation and one under.
    """
    period = Period.objects.create(
        year=2095, quarter=1, due_date=dt.date(2095, 4, 20), state=Period.State.CLOSED
    )
    over = _report(period, "33.10", "K-KES-01", 120, 100)
    _report(period, "35.21", "K-KES-01", 100, 100)
    _report(period, "36.73", "K-KES-01", 99, 100)
    _report(period, "33.11", "K-KES-01", None, 100)
    _report(period, "33.10", "K-DIK-01", 500, 400)
    for allocated, realised in ((1000, 1200), (1000, 1001), (1000, 1000)):
        BudgetLine.objects.create(
            report=over,
            activity_code="1.02.02.2.01",
            activity_name="Pelayanan kesehatan ibu hamil",
            allocated=allocated,
            realised=realised,
        )
    return period


# ---------------------------------------------------------------- who


@pytest.mark.parametrize(
    "username",
    ["klaten.dinkes", "klaten.tapem", "jateng.biro", "klaten.inspektorat", "kemenkes.viewer"],
)
def test_only_bangda_opens_or_changes_rules(login, username):
    client = login(username)
    rule = _rule()
    before = list(ValidationRule.objects.values_list("code", "is_active", "expression"))
    assert client.get(LIST).status_code == 404
    assert client.get(CREATE).status_code == 404
    assert client.get(reverse("reporting:quality_rule", args=[rule.pk])).status_code == 404
    assert client.post(CREATE, _new()).status_code == 404
    assert client.post(TRY_NEW, _new(), headers=HTMX).status_code == 404
    switch = reverse("reporting:quality_rule_switch", args=[rule.pk])
    assert client.post(switch, {"active": "0", "reason": "x"}).status_code == 404
    assert list(ValidationRule.objects.values_list("code", "is_active", "expression")) == before


def test_anonymous_goes_to_login(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_bangda_menu_links_the_rules(login):
    body = login("bangda.admin").get(reverse("home")).content.decode()
    assert f'href="{LIST}"' in body
    assert f'href="{LIST}"' not in login("klaten.tapem").get(reverse("home")).content.decode()


# ---------------------------------------------------------------- list


def test_list_shows_every_rule_with_its_severity_scope_and_state(login):
    rule = _rule("ANGGARAN-LEBIH")
    rule.sectors = ["KES"]
    rule.service_types = ["K-DIK-01"]
    rule.is_active = False
    rule.save()
    response = login("bangda.admin").get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    rule_links = re.findall(r'href="/laporan/kualitas-data/aturan/(\d+)/"', body)
    assert sorted(map(int, rule_links)) == sorted(
        ValidationRule.objects.values_list("pk", flat=True)
    )
    for code in ("CUM-TURUN", "RINCIAN-JUMLAH", "PENCILAN-SEBANDING"):
        assert code in body
    row = body[body.index("ANGGARAN-LEBIH") :].split("</tr>")[0]
    assert "Galat" in row and "Nonaktif" in row and "bawaan" in row
    assert "Bidang: Kesehatan; Layanan: K-DIK-01" in row
    assert "Setiap baris anggaran" in row
    cum = body[body.index("CUM-TURUN") :].split("</tr>")[0]
    assert "Peringatan" in cum and "Semua jenis layanan" in cum and "Aktif" in cum


def test_pages_take_a_fixed_number_of_queries(login, cast, django_assert_max_num_queries):
    """Session, user, memberships, the bell and the page's own reads: a long history or many
    rules add no query."""
    rule = _rule()
    for n in range(2, 7):
        rule_services.update_rule(
            rule.pk,
            cast["bangda.admin"],
            {
                **RuleForm.initial_of(rule),
                "expression": f"served > target * {n}",
                "sectors": ["KES"],
            },
            reason=f"uji {n}",
            version=rule_services.version_of(rule.pk),
        )
    client = login("bangda.admin")
    client.get(LIST)  # the session's first touch
    with django_assert_max_num_queries(6):
        assert client.get(LIST).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(CREATE).status_code == 200
    with django_assert_max_num_queries(11):
        page = client.get(reverse("reporting:quality_rule", args=[rule.pk]))
    assert page.content.decode().count("<del>served &gt; target * ") == 4  # 2→3 … 5→6


# ---------------------------------------------------------------- create


def test_create_a_rule(login):
    client = login("bangda.admin")
    response = client.post(
        CREATE, _new(code="dua-kali-target", sectors=["KES"], service_types=["K-DIK-01"])
    )
    rule = _rule("DUA-KALI-TARGET")  # the code is kept in capitals
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:quality_rule", args=[rule.pk])
    assert (rule.kind, rule.each, rule.severity, rule.expression) == (
        "expression", "report", "warning", "served > target * 2",
    )  # fmt: skip
    assert (rule.sectors, rule.service_types) == (["KES"], ["K-DIK-01"])
    assert rule.is_active and not rule.is_builtin
    assert (rule.threshold, rule.min_points) == (None, None)
    (created,) = rule.history.all()
    assert created.history_type == "+"
    assert created.history_user.username == "bangda.admin"
    page = client.get(response["Location"]).content.decode()
    assert "Aturan dibuat" in page and f"<td>{created.history_user}</td>" in page


def test_a_used_code_is_refused_and_the_input_kept(login):
    response = login("bangda.admin").post(CREATE, _new(code="cum-turun"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Kode ini sudah dipakai aturan lain." in body
    assert "Dua kali target hampir selalu salah ketik." in body
    assert ValidationRule.objects.filter(code="CUM-TURUN").count() == 1


def test_a_code_saved_meanwhile_is_refused_by_the_service(cast):
    """The form checked the code; a rule saved with it a moment later still loses nothing."""
    data = {**RuleForm.initial_of(_rule()), "code": "MELEBIHI-TARGET", "kind": "expression"}
    with pytest.raises(rule_services.RuleError, match="Kode MELEBIHI-TARGET sudah dipakai."):
        rule_services.create_rule(cast["bangda.admin"], data)
    assert ValidationRule.objects.filter(code="MELEBIHI-TARGET").count() == 1


@pytest.mark.parametrize(
    ("expression", "says"),
    [
        ("served.__class__", "Akses atribut (tanda titik) tidak diizinkan."),
        ("__import__('os')", "Fungsi yang diizinkan hanya: abs, min, max, round, pct."),
        ("[x for x in (1, 2)]", "Bagian ekspresi ini tidak diizinkan: ListComp."),
        ("served > foo", "Nama tidak dikenal: foo."),
        ("item_realised > served", "Nama tidak dikenal: item_realised."),
        ("served >", "Ekspresi tidak dapat dibaca"),
        ("", "Ekspresi aturan wajib diisi."),
    ],
)
def test_an_invalid_expression_is_refused_on_its_field_with_the_input_kept(login, expression, says):
    response = login("bangda.admin").post(CREATE, _new(expression=expression))
    assert response.status_code == 400
    body = response.content.decode()
    field = body[body.index('name="expression"') :].split("</div>")[0]
    assert says in field  # the message sits under the expression
    assert f">\n{escape(expression)}</textarea>" in field  # what was typed is still there
    for kept in ("DUA-KALI-TARGET", "lebih dari dua kali target", "salah ketik"):
        assert kept in body
    assert not ValidationRule.objects.filter(code="DUA-KALI-TARGET").exists()


def test_names_of_the_chosen_each_are_allowed(login):
    response = login("bangda.admin").post(
        CREATE,
        _new(
            each="quality",
            section="quality",
            expression="item_realised > served",
            message_id="{item_name}: {item_realised} lebih dari {served}.",
            message_en="{item_name}: {item_realised} over {served}.",
        ),
    )
    assert response.status_code == 302
    assert _rule("DUA-KALI-TARGET").each == "quality"


def test_a_message_name_the_flag_will_not_carry_is_refused(login):
    response = login("bangda.admin").post(
        CREATE, _new(message_id="Turun dari {prev_served} menjadi {served}.")
    )
    assert response.status_code == 400
    assert "Tanda {prev_served} tidak akan terisi." in response.content.decode()


def test_the_form_lists_the_names_with_their_meaning(login):
    body = login("bangda.admin").get(CREATE).content.decode()
    for name, meaning in (
        ("prev_served", "penerima terlayani triwulan sebelumnya (tahun yang sama)"),
        ("item_per_recipient", "butir mutu diberikan per penerima (ya/tidak)"),
        ("line_realised", "realisasi baris anggaran (Rp)"),
        ("stage_documents", "banyaknya dokumen tahapan"),
    ):
        assert f"<code>{name}</code>" in body and meaning in body
    assert 'data-for-each="quality"' in body and 'data-for-each="budget"' in body


def test_an_outlier_rule_needs_a_threshold_and_only_warns(login):
    client = login("bangda.admin")
    outlier = _new(
        kind="outlier_peers",
        expression="",
        severity="error",
        threshold="",
        min_points="",
        message_id="Persentase {value}% jauh dari median {median}%.",
        message_en="Share {value}% is far from the median {median}%.",
    )
    response = client.post(CREATE, outlier)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Aturan pencilan hanya dapat berupa peringatan." in body
    assert "Isi ambang skor z, mis. 3,5." in body
    assert "Isi banyaknya data minimal." in body
    response = client.post(
        CREATE, {**outlier, "severity": "warning", "threshold": "2,5", "min_points": "5"}
    )
    assert response.status_code == 302
    rule = _rule("DUA-KALI-TARGET")
    assert (rule.kind, rule.each, rule.expression) == ("outlier_peers", "report", "")
    assert (rule.threshold, rule.min_points) == (pytest.approx(2.5), 5)


# ---------------------------------------------------------------- edit, history


def test_edit_needs_a_reason(login):
    rule = _rule()
    before = rule.history.count()
    response = login("bangda.admin").post(
        reverse("reporting:quality_rule", args=[rule.pk]),
        _edit(rule, expression="served > target * 2", change_reason="  \u200b "),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Tulis alasan perubahan." in body
    assert "served &gt; target * 2</textarea>" in body  # the edit is kept
    rule.refresh_from_db()
    assert rule.expression == "served > target" and rule.history.count() == before


def test_edit_keeps_history_with_who_when_why_and_what(login):
    rule = _rule()
    client = login("bangda.admin")
    url = reverse("reporting:quality_rule", args=[rule.pk])
    response = client.post(
        url,
        _edit(
            rule,
            expression="served > target * 2",
            severity="error",
            change_reason="Target sering direvisi di tengah tahun.",
        ),
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.expression, rule.severity) == ("served > target * 2", "error")
    latest = rule.history.first()
    assert latest.history_type == "~"
    assert latest.history_user.username == "bangda.admin"
    assert latest.change_reason == "Target sering direvisi di tengah tahun."
    assert latest.expression == "served > target * 2"
    assert rule.history.last().expression == "served > target"  # the built-in as shipped
    (entry, created) = rule_selectors.history(rule)
    assert entry.user == str(latest.history_user) and entry.reason == latest.change_reason
    assert sorted(entry.changes) == [
        ("tandai bila", "served > target", "served > target * 2"),
        (
            "tingkat",
            "Peringatan (boleh diajukan dengan penjelasan)",
            "Galat (menghalangi pengajuan)",
        ),
    ]
    assert created.kind == "created"
    page = client.get(url).content.decode()
    assert "Target sering direvisi di tengah tahun." in page
    assert "<del>served &gt; target</del> → <ins>served &gt; target * 2</ins>" in page


def test_saving_unchanged_records_nothing(login):
    rule = _rule()
    before = rule.history.count()
    response = login("bangda.admin").post(
        reverse("reporting:quality_rule", args=[rule.pk]), _edit(rule, change_reason="cek")
    )
    assert response.status_code == 302
    assert rule.history.count() == before


def test_an_edit_made_on_an_older_reading_is_refused_and_kept(login, cast):
    rule = _rule()
    stale = _edit(rule, expression="served > target * 3", change_reason="lebih longgar")
    rule_services.update_rule(
        rule.pk,
        cast["bangda.admin"],
        {**RuleForm.initial_of(rule), "expression": "served > target * 2"},
        reason="lebih dulu",
        version=rule_services.version_of(rule.pk),
    )
    response = login("bangda.admin").post(reverse("reporting:quality_rule", args=[rule.pk]), stale)
    assert response.status_code == 409
    body = response.content.decode()
    assert f"baru saja diubah oleh {cast['bangda.admin']}" in body
    assert "served &gt; target * 3</textarea>" in body and "lebih longgar" in body
    assert f'value="{rule_services.version_of(rule.pk)}"' in body  # saving again is deliberate
    rule.refresh_from_db()
    assert rule.expression == "served > target * 2"


def test_code_kind_and_each_stay(login):
    rule = _rule()
    login("bangda.admin").post(
        reverse("reporting:quality_rule", args=[rule.pk]),
        _edit(rule, code="LAIN", kind="outlier_peers", each="quality", change_reason="coba"),
    )
    rule.refresh_from_db()
    assert (rule.code, rule.kind, rule.each) == ("MELEBIHI-TARGET", "expression", "report")


def test_outlier_threshold_and_min_points_are_editable(login):
    rule = _rule("PENCILAN-RIWAYAT")
    client = login("bangda.admin")
    url = reverse("reporting:quality_rule", args=[rule.pk])
    page = client.get(url).content.decode()
    assert 'value="3,5"' in page  # the threshold as Indonesians write it
    response = client.post(url, _edit(rule, threshold="4", min_points="9", change_reason="x"))
    assert response.status_code == 400
    assert "Paling banyak 8." in response.content.decode()  # 8 quarters of history at most
    response = client.post(
        url, _edit(rule, threshold="4,25", min_points="8", change_reason="Terlalu sering.")
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (str(rule.threshold), rule.min_points) == ("4.25", 8)


# ---------------------------------------------------------------- switch off / on


def test_switch_off_and_on_needs_a_reason_and_is_kept_in_history(login):
    rule = _rule()
    client = login("bangda.admin")
    switch = reverse("reporting:quality_rule_switch", args=[rule.pk])
    response = client.post(switch, {"active": "0", "reason": " "})
    assert response.status_code == 400
    assert "Tulis alasan menonaktifkan aturan." in response.content.decode()
    rule.refresh_from_db()
    assert rule.is_active
    response = client.post(switch, {"active": "0", "reason": "Terlalu banyak peringatan."})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert not rule.is_active
    assert client.post(switch, {"active": "0", "reason": "lagi"}).status_code == 400
    client.post(switch, {"active": "1", "reason": "Target sudah direvisi."})
    rule.refresh_from_db()
    assert rule.is_active
    entries = rule_selectors.history(rule)
    assert [(e.reason, e.changes) for e in entries[:2]] == [
        ("Target sudah direvisi.", [("aktif", "tidak", "ya")]),
        ("Terlalu banyak peringatan.", [("aktif", "ya", "tidak")]),
    ]


# ---------------------------------------------------------------- a change applies from then on


def _tw3_reports() -> tuple[Report, Report, Report]:
    """Klaten K-KES-01 (draft) 150 of 100, Klaten K-KES-03 (verified) 150 of 100, Ngawi
    K-KES-01 250 of 100: all three over target as the built-in rule stands."""
    a, b, c = (
        demo_report("33.10", "K-KES-01"),
        demo_report("33.10", "K-KES-03"),
        demo_report("35.21", "K-KES-01"),
    )
    Report.objects.filter(pk__in=[a.pk, b.pk]).update(recipients_served=150, recipients_target=100)
    Report.objects.filter(pk=c.pk).update(recipients_served=250, recipients_target=100)
    Report.objects.filter(pk=a.pk).update(status=Report.Status.DRAFT)
    Report.objects.filter(pk=b.pk).update(status=Report.Status.VERIFIED)
    Report.objects.filter(pk=c.pk).update(status=Report.Status.SUBMITTED)
    quality.evaluate([a.pk, b.pk, c.pk])
    return a, b, c


def _over(report: Report) -> dict[str, Any] | None:
    check = ReportCheck.objects.filter(report=report, rule__code="MELEBIHI-TARGET").first()
    return check.values if check else None


def test_an_edited_rule_applies_to_the_next_evaluation_and_leaves_verified_reports(
    login, celery_eager, django_capture_on_commit_callbacks
):
    a, b, c = _tw3_reports()
    assert all(_over(r) is not None for r in (a, b, c))
    rule = _rule()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = login("bangda.admin").post(
            reverse("reporting:quality_rule", args=[rule.pk]),
            _edit(rule, expression="served > target * 2", change_reason="Dua kali target saja."),
        )
    assert response.status_code == 302
    assert len(callbacks) == 1  # one re-evaluation of the open periods, after the commit
    assert _over(a) is None  # 150 is not over 2 × 100: the flag went
    assert _over(c) == {"served": 250, "target": 100}  # 250 is
    assert _over(b) == {"served": 150, "target": 100}  # verified: as the verifier accepted it


def test_a_rule_switched_off_stops_flagging(
    login, celery_eager, django_capture_on_commit_callbacks
):
    a, b, c = _tw3_reports()
    rule = _rule()
    with django_capture_on_commit_callbacks(execute=True):
        login("bangda.admin").post(
            reverse("reporting:quality_rule_switch", args=[rule.pk]),
            {"active": "0", "reason": "Tidak dipakai tahun ini."},
        )
    assert _over(a) is None and _over(c) is None
    assert _over(b) is not None  # kept on the verified report, hidden while the rule is off
    a_again = Report.objects.get(pk=a.pk)
    quality.refresh(a_again)  # the next save of the report
    assert _over(a) is None


def test_the_job_evaluates_open_periods_only(cast, monkeypatch, django_capture_on_commit_callbacks):
    queued: list[int] = []
    monkeypatch.setattr(evaluate_data_quality, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        rule_services.switch_rule(_rule().pk, cast["bangda.admin"], active=False, reason="x")
    assert queued == list(
        Period.objects.filter(state=Period.State.OPEN).order_by("pk").values_list("pk", flat=True)
    )
    assert queued == [tw3().pk]


def test_the_task_skips_a_missing_period_and_counts_what_it_evaluated():
    assert evaluate_data_quality(10**9) == 0
    not_verified = Report.objects.filter(period=tw3()).exclude(status=Report.Status.VERIFIED)
    assert evaluate_data_quality(tw3().pk) == not_verified.count() > 0


# ---------------------------------------------------------------- uji aturan (dry run)


def _count(body: str) -> str:
    start = body.index('data-testid="try-count"')
    return " ".join(
        body[start:].split("</p>")[0].replace("<strong>", "").replace("</strong>", "").split()
    )


def test_dry_run_counts_by_hand(login, quarter):
    client = login("bangda.admin")
    rules_before = list(ValidationRule.objects.values_list("pk", "expression"))
    checks_before = ReportCheck.objects.count()
    response = client.post(TRY_NEW, _new(expression="served > target"), headers=HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body  # only the result
    assert "Diuji pada <strong>TW I 2095</strong> (Ditutup)" in body
    # over: 33.10 K-KES-01 (120 > 100) and 33.10 K-DIK-01 (500 > 400); 100 of 100 is not.
    assert "akan menandai 2 dari 5 laporan yang diperiksa" in _count(body)
    assert "Penerima 120 lebih dari dua kali target 100." in body
    assert "Penerima 500 lebih dari dua kali target 400." in body
    assert body.count("<td>Klaten</td>") + body.count("<td>Kabupaten Klaten</td>") == 2
    # Limited to health: the 4 K-KES-01 reports, 1 over.
    body = client.post(TRY_NEW, _new(expression="served > target", sectors=["KES"]), headers=HTMX)
    assert "akan menandai 1 dari 4 laporan" in _count(body.content.decode())
    # Limited to K-DIK-01 by service type.
    body = client.post(
        TRY_NEW, _new(expression="served > target", service_types=["K-DIK-01"]), headers=HTMX
    )
    assert "akan menandai 1 dari 1 laporan" in _count(body.content.decode())
    # >= also takes 35.21's 100 of 100.
    body = client.post(TRY_NEW, _new(expression="served >= target"), headers=HTMX)
    assert "akan menandai 3 dari 5 laporan" in _count(body.content.decode())
    # Nothing was stored: no rule, no flag.
    assert list(ValidationRule.objects.values_list("pk", "expression")) == rules_before
    assert ReportCheck.objects.count() == checks_before


def test_dry_run_of_a_per_item_rule_counts_reports_and_flags(login, quarter):
    response = login("bangda.admin").post(
        TRY_NEW,
        _new(
            each="budget",
            section="budget",
            expression="line_realised > line_allocated",
            message_id="{line_name}: Rp {line_realised} dari pagu Rp {line_allocated}.",
            message_en="{line_name}: Rp {line_realised} of Rp {line_allocated}.",
        ),
        headers=HTMX,
    )
    body = response.content.decode()
    # Lines 1200 > 1000 and 1001 > 1000 flag one report twice; 1000 of 1000 does not.
    assert "akan menandai 1 dari 5 laporan" in _count(body)
    assert "(2 temuan" in _count(body)
    assert "Rp 1.200 dari pagu Rp 1.000." in body and "Rp 1.001 dari pagu Rp 1.000." in body


def test_dry_run_of_an_edit_uses_what_was_typed_not_what_is_saved(login, quarter):
    rule = _rule()
    response = login("bangda.admin").post(
        reverse("reporting:quality_rule_try", args=[rule.pk]),
        _edit(rule, expression="served >= target"),  # no reason needed to test
        headers=HTMX,
    )
    assert "akan menandai 3 dari 5 laporan" in _count(response.content.decode())
    rule.refresh_from_db()
    assert rule.expression == "served > target"


def test_dry_run_prefers_the_latest_closed_quarter_and_another_can_be_chosen(login, quarter):
    later = Period.objects.create(
        year=2096, quarter=1, due_date=dt.date(2096, 4, 20), state=Period.State.OPEN
    )
    _report(later, "33.10", "K-KES-01", 300, 100)
    assert rule_selectors.last_quarter() == quarter  # closed beats a later open quarter
    client = login("bangda.admin")
    body = client.post(TRY_NEW, _new(expression="served > target"), headers=HTMX).content.decode()
    assert "TW I 2095" in body
    body = client.post(
        TRY_NEW, {**_new(expression="served > target"), "trial_period": later.pk}, headers=HTMX
    ).content.decode()
    assert "Diuji pada <strong>TW I 2096</strong> (Dibuka)" in body
    assert "akan menandai 1 dari 1 laporan" in _count(body)
    # A period without data is not offered: the default is used instead.
    empty = Period.objects.create(year=2097, quarter=1, due_date=dt.date(2097, 4, 20))
    body = client.post(
        TRY_NEW, {**_new(expression="served > target"), "trial_period": empty.pk}, headers=HTMX
    ).content.decode()
    assert "TW I 2095" in body


def test_dry_run_of_an_invalid_rule_says_what_to_fix(login, quarter):
    body = (
        login("bangda.admin")
        .post(TRY_NEW, _new(expression="served.real > 1"), headers=HTMX)
        .content.decode()
    )
    assert "Aturan belum dapat diuji." in body
    assert "Tandai bila: Akses atribut (tanda titik) tidak diizinkan." in body
    assert "try-count" not in body


def test_dry_run_without_htmx_shows_the_editor_with_the_result(login, quarter):
    response = login("bangda.admin").post(TRY_NEW, _new(expression="served > target"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" in body and 'name="expression"' in body
    assert "served &gt; target</textarea>" in body
    assert "akan menandai 2 dari 5 laporan" in _count(body)


def test_dry_run_of_an_outlier_rule_gathers_its_comparisons(login, quarter):
    """With two more K-KES-01 reports (33.12 100 of 100, 33.13 101 of 100) the shares of target
    are 120, 100, 99, 100, 101. For 120 the others are 99, 100, 100, 101: median 100, MAD 0,5,
    z = 0,6745 × 20 / 0,5 = 26,98 > 3,5. For 100: median 100,5, MAD 1 → −0,34; for 99: median
    100,5, MAD 0,5 → −2,02; for 101: median 100, MAD 0,5 → 1,35. K-DIK-01 has no peers and the
    empty report no value. One of seven, although the built-in peer rule is off."""
    _report(quarter, "33.12", "K-KES-01", 100, 100)
    _report(quarter, "33.13", "K-KES-01", 101, 100)
    ValidationRule.objects.filter(kind="outlier_peers").update(is_active=False)
    response = login("bangda.admin").post(
        TRY_NEW,
        _new(
            kind="outlier_peers",
            expression="",
            threshold="3,5",
            min_points="3",
            message_id="{value}% jauh dari median {median}% (skor {score}).",
            message_en="{value}% far from median {median}% (score {score}).",
        ),
        headers=HTMX,
    )
    body = response.content.decode()
    assert "akan menandai 1 dari 7 laporan" in _count(body)
    assert "120% jauh dari median 100% (skor 26,98)." in body


# ---------------------------------------------------------------- operators' command


def test_command_checks_open_periods_by_default_and_any_period_on_request(quarter):
    out = StringIO()
    call_command("check_data_quality", stdout=out)
    not_verified = Report.objects.filter(period=tw3()).exclude(status=Report.Status.VERIFIED)
    assert f"TW III 2026: {not_verified.count()} laporan diperiksa" in out.getvalue()
    assert "2095" not in out.getvalue()
    out = StringIO()
    call_command("check_data_quality", "--period", str(quarter.pk), stdout=out)
    # 120 > 100 and 500 > 400 (MELEBIHI-TARGET), lines 1.200 > 1.000 and 1.001 > 1.000
    # (ANGGARAN-LEBIH); no previous quarter, breakdown, stages or enough history and peers.
    assert "TW I 2095: 5 laporan diperiksa; temuan 4 baru, 0 berubah, 0 dihapus." in out.getvalue()
    flags = ReportCheck.objects.filter(report__period=quarter)
    assert sorted(flags.values_list("rule__code", flat=True)) == [
        "ANGGARAN-LEBIH", "ANGGARAN-LEBIH", "MELEBIHI-TARGET", "MELEBIHI-TARGET",
    ]  # fmt: skip
    out = StringIO()
    call_command("check_data_quality", "--all", stdout=out)
    assert all(str(p) in out.getvalue() for p in Period.objects.all())
    with pytest.raises(CommandError):
        call_command("check_data_quality", "--period", "999999999")
