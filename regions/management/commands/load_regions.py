from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from regions.models import Level
from regions.selectors import reporting_universe_counts
from regions.services import RegionListError, load_region_history, sync_regions


class Command(BaseCommand):
    help = (
        "Load or re-sync the official Kemendagri region list, then the region history "
        "(regions/data/region_history.toml). Idempotent."
    )

    def handle(self, *args, **options):
        try:
            with transaction.atomic():
                result = sync_regions()
                history = load_region_history()
        except RegionListError as exc:
            raise CommandError(f"Daftar wilayah ditolak, tidak ada yang dimuat: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Wilayah: {result.created} baru, {result.updated} diperbarui, "
                f"{result.unchanged} tetap, {result.deactivated} dinonaktifkan; "
                f"{result.non_autonomous} bukan daerah otonom (tidak melapor)."
            )
        )
        self.stdout.write(
            f"Riwayat: {history.ended_created} wilayah berakhir baru, "
            f"{history.ended_updated} diperbarui, {history.validity_updated} masa berlaku "
            f"diperbarui, {history.successions_created} suksesi baru, "
            f"{history.successions_updated} suksesi diperbarui, {history.unchanged} tetap."
        )
        n = reporting_universe_counts()
        self.stdout.write(
            f"Wilayah pelapor aktif: {n[Level.PROVINCE]} provinsi, {n[Level.KABUPATEN]} "
            f"kabupaten, {n[Level.KOTA]} kota = {sum(n.values())}."
        )
