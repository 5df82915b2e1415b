"""LPPD annex tracking: the list per year, hand-in and withdraw, Bangda's due date, export."""

from django.urls import path

from reporting.lppd import views as v

urlpatterns = [
    path("lppd/", v.index, name="lppd"),
    path("lppd/unduh/", v.export, name="lppd_export"),
    path("lppd/batas-waktu/<int:year>/", v.due_date, name="lppd_due_date"),
    path("lppd/<str:code>/<int:year>/serahkan/", v.hand_in, name="lppd_hand_in"),
    path("lppd/<str:code>/<int:year>/tarik/", v.withdraw, name="lppd_withdraw"),
]
