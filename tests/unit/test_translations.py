"""The English catalog covers every string on screen, and its compiled file is current."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "counter" / "translations" / "en" / "LC_MESSAGES"
METHODS = [("counter/**.py", "python"), ("templates/**.html", "jinja2")]


def _scanned(dirpath: str) -> bool:
    """Like ``pybabel extract --ignore-dirs '.* __pycache__'``: babel's default also skips
    folders starting with "_", which would leave templates/_macros and _partials out."""
    name = Path(dirpath).name
    return not (name.startswith(".") or name == "__pycache__")


def _source_ids() -> set[str]:
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "N_": None}
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=keywords, directory_filter=_scanned
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_every_screen_string_has_an_english_translation() -> None:
    with open(CATALOG / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    missing = sorted(
        msgid
        for msgid in _source_ids()
        if msgid not in catalog or not catalog[msgid].string or catalog[msgid].fuzzy
    )
    assert not missing, "untranslated (run pybabel extract/update, then translate):\n" + "\n".join(
        missing[:40]
    )


def test_compiled_catalog_matches_the_po_file() -> None:
    with open(CATALOG / "messages.po", "rb") as fh:
        po = {m.id: m.string for m in read_po(fh) if m.id and m.string and not m.fuzzy}
    with open(CATALOG / "messages.mo", "rb") as fh:
        mo = {m.id: m.string for m in read_mo(fh) if m.id}
    assert mo == po, "run: pybabel compile -d counter/translations"


def _display_labels() -> dict[str, str]:
    """Labels defined outside ``_()`` (marked with ``N_``) that screens translate when shown."""
    from counter.domain.catalog import DOCUMENT_KIND_LABELS
    from counter.domain.due import LimitUnit, Timeliness
    from counter.domain.lifecycle import Action, Role, Status
    from counter.services import accounts, audit, calendar, catalog, dossiers, printing

    assert dossiers  # imported for the audit labels it registers
    labels = {f"{type(e).__name__}.{e.value}": e.label for e in Status}
    labels.update({f"Action.{e.value}": e.label for e in Action})
    labels.update({f"Role.{e.value}": e.label for e in Role})
    labels.update({f"Timeliness.{e.value}": e.label for e in Timeliness})
    labels.update({f"LimitUnit.{e.value}": e.label for e in LimitUnit})
    tables = {
        "DOCUMENT_KIND_LABELS": DOCUMENT_KIND_LABELS,
        "audit.ACTIONS": audit.ACTIONS,
        "accounts.ROLE_LABELS": accounts.ROLE_LABELS,
        "printing.KIND_LABELS": printing.KIND_LABELS,
        "calendar.KIND_LABELS": calendar.KIND_LABELS,
        "calendar.ORIGIN_LABELS": calendar.ORIGIN_LABELS,
        "catalog.FIELD_LABELS": catalog.FIELD_LABELS,
    }
    for name, table in tables.items():
        labels.update({f"{name}[{key}]": value for key, value in table.items()})
    return labels


def test_labels_shown_through_translation_are_marked_and_translated() -> None:
    """A label added without N_() is not extracted: the English screen would show Vietnamese."""
    with open(CATALOG / "messages.po", "rb") as fh:
        catalog = read_po(fh)
    untranslated = sorted(
        f"{where}: {label}"
        for where, label in _display_labels().items()
        if label not in catalog or not catalog[label].string or catalog[label].fuzzy
    )
    assert not untranslated, "wrap these literals in N_() and re-extract:\n" + "\n".join(
        untranslated
    )


def test_dossier_audit_labels_follow_the_action_names() -> None:
    from counter.domain.lifecycle import Action
    from counter.services import audit, dossiers

    assert dossiers  # registers the dossier_* audit labels
    assert {a.value: audit.ACTIONS.get(f"dossier_{a.value}") for a in Action} == {
        a.value: f"Hồ sơ: {a.label}" for a in Action
    }
