"""SPM Award: ranking, its export, Bangda's yearly configuration."""

from django.urls import path

from reporting.award import views as v

urlpatterns = [
    path("penghargaan-spm/", v.ranking, name="award"),
    path("penghargaan-spm/unduh/", v.export, name="award_export"),
    path("penghargaan-spm/konfigurasi/<int:year>/", v.config_edit, name="award_config"),
]
