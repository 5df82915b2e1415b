"""Data entry: report list + exports, the report form, evidence files."""

from django.urls import path

from reporting.entry import views

urlpatterns = [
    path("daftar/", views.report_list, name="report_list"),
    path("daftar/unduh/", views.report_export, name="report_export"),
    path("<int:pk>/", views.report_detail, name="report_detail"),
    path("<int:pk>/riwayat/", views.report_history, name="report_history"),
    path("<int:pk>/bagian/<slug:section>/", views.report_section, name="report_section"),
    path("<int:pk>/anggaran/", views.budget_add, name="budget_add"),
    path("<int:pk>/anggaran/nomenklatur/", views.budget_nomenclature, name="budget_nomenclature"),
    path("<int:pk>/anggaran/<int:line_id>/", views.budget_update, name="budget_update"),
    path("<int:pk>/anggaran/<int:line_id>/hapus/", views.budget_delete, name="budget_delete"),
    path("<int:pk>/bukti/", views.evidence_upload, name="evidence_upload"),
    path("bukti/<int:pk>/unduh/", views.evidence_download, name="evidence_download"),
    path("bukti/<int:pk>/lihat/", views.evidence_preview, name="evidence_preview"),
    path("bukti/<int:pk>/hapus/", views.evidence_delete, name="evidence_delete"),
]
