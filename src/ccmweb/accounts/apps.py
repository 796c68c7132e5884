from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ccmweb.accounts"
