from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indicators.services import CatalogError, load_catalog


class Command(BaseCommand):
    help = "Load or re-sync the SPM catalog from indicators/data/catalog/*.yaml (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="catalog files (default: all shipped ones)")

    def handle(self, *args, **options):
        sources = [Path(f) for f in options["files"]] or None
        try:
            result = load_catalog(sources)
        except CatalogError as exc:
            raise CommandError(f"Katalog ditolak, tidak ada yang dimuat: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Katalog {', '.join(result.editions)}: {result.created} baru, "
                f"{result.updated} diperbarui, {result.unchanged} tetap, {result.deleted} dihapus, "
                f"{result.years_created} tahun baru."
            )
        )
        for code, differences in result.frozen.items():
            self.stdout.write(
                self.style.WARNING(
                    f"Edisi {code} sudah dipakai target/laporan dan tidak diubah: {differences} "
                    "perbedaan dengan berkasnya tidak diterapkan. Terbitkan edisi baru untuk "
                    "perubahan itu."
                )
            )
