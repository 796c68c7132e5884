from django.apps import AppConfig


class CareplansConfig(AppConfig):
    name = "ccmweb.careplans"

    def ready(self) -> None:
        from ccmweb.patients.panels import register

        from .views import panel_context

        register("careplans/panel.html", panel_context)
