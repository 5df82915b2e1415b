"""The data-quality view: the page, its downloads and the drill-down to the reports."""

from django.urls import path

from reporting.quality import dashboard_views as v

urlpatterns = [
    path("dashboard/kualitas-data/", v.quality_dashboard, name="quality_dashboard"),
    path("dashboard/kualitas-data/data/", v.quality_data, name="quality_dashboard_data"),
    path("dashboard/kualitas-data/laporan/", v.quality_reports, name="quality_reports"),
]
