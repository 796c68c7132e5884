from django.apps import AppConfig


class CareplansConfig(AppConfig):
    name = "ccmweb.careplans"

    def ready(self) -> None:
        from ccmweb import events
        from ccmweb.patients.panels import register

        from .events import patient_events
        from .views import panel_context

        events.register(patient_events)
        register("careplans/panel.html", panel_context)
