from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("akun/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("regions.urls")),
    path("katalog/", include("indicators.urls")),
    path("laporan/", include("reporting.urls")),
]
