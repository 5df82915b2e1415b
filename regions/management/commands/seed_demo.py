from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand

from regions.demo import KEY_USERS

# Each app seeds its own part of the demo; order matters (people → catalog use → reports).
DEMO_STEPS = [
    "regions.demo:seed_people",
    "indicators.demo:seed",
    "reporting.demo:seed",
    "reporting.plans.demo:seed",
    "reporting.award.demo:seed",
]


class Command(BaseCommand):
    help = "Seed the DEMO cast and data (idempotent). Never run this on a production database."

    def handle(self, *args, **options):
        for step in DEMO_STEPS:
            module_name, func_name = step.split(":")
            try:
                module = import_module(module_name)
            except ModuleNotFoundError:
                continue
            getattr(module, func_name)()
        self.stdout.write(
            self.style.SUCCESS("Data DEMO siap. Akun demo (kata sandi sama untuk semua):")
        )
        for name in KEY_USERS:
            self.stdout.write(f"  {name}")
        self.stdout.write(f"  kata sandi: {settings.DEMO_PASSWORD}")
