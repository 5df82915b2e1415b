from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indicators.nomenclature import NomenclatureError
from indicators.services import load_nomenclature


class Command(BaseCommand):
    help = (
        "Load or re-sync the budget nomenclature (Kepmendagri 900.1-2850/2025) from the official "
        "spreadsheet (.xlsx/.csv, columns kode + nomenklatur/uraian) or the shipped YAML "
        "(default); idempotent, all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="nomenclature file (default: the shipped one)")

    def handle(self, *args, **options):
        path = Path(options["file"]) if options["file"] else None
        try:
            result = load_nomenclature(path)
        except NomenclatureError as exc:
            raise CommandError(f"Nomenklatur ditolak, tidak ada yang dimuat: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Nomenklatur: {result.created} baru, {result.updated} diperbarui, "
                f"{result.unchanged} tetap, {result.skipped} baris dilewati (bukan bidang SPM), "
                f"{result.links} pemetaan layanan."
            )
        )
