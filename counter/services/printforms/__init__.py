"""The printed forms 01–07, built from the database (Circular 03/2025, Annex I).

One module per form; each builder reads the models once and returns the form's
model (:mod:`counter.domain.printed`), which every renderer of that form prints:
the HTML sheet and, for forms 01 and 02, the thermal roll. ``common`` holds what
they all read (letterhead, parties, officers, events); ``ledger`` is form 07.
"""

from counter.services.printforms import (
    common,
    form01,
    form02_03,
    form04,
    form05,
    form06,
    ledger,
)

__all__ = ["common", "form01", "form02_03", "form04", "form05", "form06", "ledger"]
