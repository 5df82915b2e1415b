"""Recompute the maintained dashboard figures from the reports (``reporting.figures``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reporting.figures import services


class Command(BaseCommand):
    help = "Hitung ulang angka dasbor yang dipelihara (RegionFigure, ServiceFigure) dari laporan."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Hanya bandingkan dengan hasil hitung ulang; keluar dengan galat bila berbeda.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            diff = services.check()
            for name, (extra, missing) in diff.items():
                if name == "reports":
                    self.stdout.write(f"laporan dengan jumlah anggaran tidak sesuai baris: {extra}")
                    continue
                self.stdout.write(f"{name}: {extra} baris berlebih, {missing} baris kurang")
            if any(extra or missing for extra, missing in diff.values()):
                raise CommandError("Angka yang dipelihara berbeda dari hasil hitung ulang.")
            self.stdout.write(self.style.SUCCESS("Angka yang dipelihara sama dengan hitung ulang."))
            return
        regions, services_n = services.rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                f"Angka dipelihara dihitung ulang: {regions} baris wilayah × bidang, "
                f"{services_n} baris jenis layanan."
            )
        )
