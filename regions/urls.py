from django.urls import path

from regions import views

urlpatterns = [
    path("", views.home, name="home"),
    path("peran/ganti/", views.switch_role, name="switch_role"),
]
