"""Dashboards: national, province, region; their data endpoints; drill-down lists; the
data-quality view (reporting/quality/dashboard_urls.py)."""

from django.urls import path

from reporting.dashboards import views as v
from reporting.quality import dashboard_urls as quality

urlpatterns = [
    path("dashboard/", v.dashboard_home, name="dashboard"),
    path("dashboard/nasional/", v.national, name="dashboard_national"),
    path("dashboard/nasional/data/", v.national_data, name="dashboard_national_data"),
    path("dashboard/provinsi/<str:code>/", v.province, name="dashboard_province"),
    path("dashboard/provinsi/<str:code>/data/", v.province_data, name="dashboard_province_data"),
    path("dashboard/wilayah/<str:code>/", v.region, name="dashboard_region"),
    path("dashboard/wilayah/<str:code>/data/", v.region_data, name="dashboard_region_data"),
    path("dashboard/rincian/wilayah/", v.regions_list, name="dashboard_regions"),
    path("dashboard/rincian/laporan/", v.reports_list, name="dashboard_reports"),
    *quality.urlpatterns,
]
