"""``makemessages`` that also extracts ``_t(...)``: the modules that build messages at call
time import ``gettext as _t`` (next to ``gettext_lazy as _``); without this their strings
never reach the catalogue and stay Indonesian in the English interface."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_t"]
