from django.apps import AppConfig


class PracticesConfig(AppConfig):
    name = "clearpost.app.practices"
    label = "practices"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from clearpost.app import checks  # noqa: F401  (registers system checks)
