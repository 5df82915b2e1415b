from django.core.management.base import BaseCommand, CommandError

from regions.services import RegionListError, sync_regions


class Command(BaseCommand):
    help = "Load or re-sync the official Kemendagri region list (idempotent)."

    def handle(self, *args, **options):
        try:
            result = sync_regions()
        except RegionListError as exc:
            raise CommandError(f"Daftar wilayah ditolak, tidak ada yang dimuat: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Wilayah: {result.created} baru, {result.updated} diperbarui, "
                f"{result.unchanged} tetap, {result.deactivated} dinonaktifkan."
            )
        )
