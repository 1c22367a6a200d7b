from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "clearpost.app.publishing"
    label = "publishing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Subscribes to authorization.revoked / authorization.expired.
        from clearpost.app.publishing import takedown  # noqa: F401
