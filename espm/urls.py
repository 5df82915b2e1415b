from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from regions.forms import LoginForm

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # Our login form: one generic message for every failure (before the stock auth URLs).
    path("akun/login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("akun/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("regions.urls")),
    path("katalog/", include("indicators.urls")),
    path("laporan/", include("reporting.urls")),
    path("api/v1/", include("espm.api")),
]
