from django.urls import path

from . import views, views_money

app_name = "billing"
urlpatterns = [
    path("close/", views.month_close, name="close"),
    path("close/progress/", views.close_progress, name="close_progress"),
    path("signoff/", views.signoff, name="signoff"),
    path("claims/", views.claims, name="claims"),
    path("claims/export/", views.export, name="export"),
    path("claims/exports/<uuid:uid>/", views.export_file, name="export_file"),
    path("claims/<uuid:uid>/ledger/", views.ledger, name="ledger"),
    path("remittance/", views_money.remittance, name="remittance"),
    path("remittance/<uuid:uid>/", views_money.remittance_detail, name="remittance_detail"),
    path("balances/", views_money.balances, name="balances"),
    path("balances/<uuid:uid>/statement.pdf", views_money.statement, name="statement"),
    path("acknowledgments/", views.acknowledgments, name="acks"),
    path("denials/", views.denials, name="denials"),
    path("packets/", views.packets, name="packets"),
    path("packets/<uuid:uid>/", views.packet_view, name="packet"),
    path("packets/<uuid:uid>/packet.json", views.packet_view, {"fmt": "json"}, name="packet_json"),
    path("packets/<uuid:uid>/packet.pdf", views.packet_view, {"fmt": "pdf"}, name="packet_pdf"),
]
