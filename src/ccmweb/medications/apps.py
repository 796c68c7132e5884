from django.apps import AppConfig


class MedicationsConfig(AppConfig):
    name = "ccmweb.medications"

    def ready(self) -> None:
        from ccmweb.patients.panels import register

        from .views import panel_context

        register("medications/panel.html", panel_context)
