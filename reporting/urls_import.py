"""Excel import of quarterly data (reporting.import_views)."""

from django.urls import path

from reporting import import_views as v

urlpatterns = [
    path("impor/", v.import_start, name="import_start"),
    path("impor/unduh/", v.import_download, name="import_download"),
    path("impor/pratinjau/", v.import_preview, name="import_preview"),
    path("impor/simpan/", v.import_commit, name="import_commit"),
]
