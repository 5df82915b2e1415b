"""The region's yearly SPM set-up: its action plan (rencana aksi penerapan SPM, with what it
commits to per service type) and its Tim Penerapan SPM (decree, chair, members)."""
