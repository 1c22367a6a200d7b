from django.apps import AppConfig


class AuthorizationsConfig(AppConfig):
    name = "clearpost.app.authorizations"
    label = "authorizations"
    default_auto_field = "django.db.models.BigAutoField"
