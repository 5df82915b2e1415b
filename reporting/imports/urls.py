"""Excel import of quarterly data (reporting.imports.views)."""

from django.urls import path

from reporting.imports import views as v

urlpatterns = [
    path("impor/", v.import_start, name="import_start"),
    path("impor/unduh/", v.import_download, name="import_download"),
    path("impor/pratinjau/", v.import_preview, name="import_preview"),
    path("impor/simpan/", v.import_commit, name="import_commit"),
]
