"""Printed forms and printouts (Circular 03/2025/TT-VPCP, Annex I): one model per form.

Each ``formNN`` module holds the form's model, a frozen dataclass of plain values that
one service in :mod:`counter.services.printforms` builds from the database. The same
model feeds every renderer: the HTML sheet (templates/printforms) and, for forms 01
and 02, the thermal roll layout next to the model, drawn by :mod:`counter.printing`.
The words both print live once, in :mod:`.wording`. Pure Python: no Flask, no
SQLAlchemy, no Pillow.
"""
