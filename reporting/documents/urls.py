"""Generated documents: LPPD annex and quarter report PDFs, Bangda's batch, progress, download."""

from django.urls import path

from reporting.documents import views as v

urlpatterns = [
    path("dokumen/", v.index, name="documents"),
    path("dokumen/buat/", v.generate, name="document_generate"),
    path("dokumen/paket/", v.generate_batch, name="document_batch"),
    path("dokumen/<int:pk>/", v.status, name="document_status"),
    path("dokumen/<int:pk>/unduh/", v.download, name="document_download"),
]
