"""Periods: the calendar, a year's quarters, due date and late entry, opening, closing, universe."""

from django.urls import path

from reporting.periods import views

urlpatterns = [
    path("periode/", views.period_list, name="period_list"),
    path("periode/baru/", views.period_create, name="period_create"),
    path("periode/<int:pk>/ubah/", views.period_update, name="period_update"),
    path("periode/<int:pk>/buka/", views.period_open, name="period_open"),
    path("periode/<int:pk>/pembukaan/", views.period_opening, name="period_opening"),
    path("periode/<int:pk>/tutup/", views.period_close, name="period_close"),
    path("periode/<int:pk>/wilayah-pelapor/", views.period_universe, name="period_universe"),
]
