"""The admin's history pages: read, never written back.

simple_history's history view saves a posted "revert" for anyone who may *view* the object
(it checks no change permission, and ``SIMPLE_HISTORY_REVERT_DISABLED`` only hides the
button): the whole old row, version included, past every service, version check and reason.
Every admin with a history derives from ``HistoryAdmin``, whose history view refuses a POST.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
