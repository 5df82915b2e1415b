from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "regions"

    def ready(self) -> None:
        from regions import tokens  # noqa: F401 — connects the token revocation signal
