"""Language and time: Vietnamese by default, English switchable; Vietnam time on screen."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date, datetime
from typing import Any

from flask import Flask, current_app, g, request, session
from flask_babel import Babel, format_decimal, get_translations
from flask_babel.speaklater import LazyString

from counter.domain import clock
from counter.domain.i18n import Message

#: The request's catalog, looked up once by :func:`_bind_translations`. A page asks for a
#: few hundred texts; Flask-Babel finds the request, its locale and its catalog for each.
_CATALOG: ContextVar[Any] = ContextVar("counter_catalog", default=None)


def _catalog() -> Any:
    found = _CATALOG.get()
    return found if found is not None else get_translations()


def gettext(string: str, **variables: Any) -> str:
    """Flask-Babel's ``gettext``: the text in the reader's language, ``%(name)s`` filled."""
    text = _catalog().ugettext(string)
    return text if not variables else text % variables


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """Flask-Babel's ``lazy_gettext``: translated each time it is shown."""
    return LazyString(gettext, string, **variables)


def select_locale() -> str:
    lang = session.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        return str(lang)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def fmt_datetime(value: datetime | None, with_seconds: bool = False) -> str:
    """dd/mm/yyyy HH:MM in Vietnam time."""
    if value is None:
        return ""
    return clock.to_local(value).strftime("%d/%m/%Y %H:%M:%S" if with_seconds else "%d/%m/%Y %H:%M")


def fmt_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy; an instant is first turned into Vietnam time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = clock.to_local(value)
    return value.strftime("%d/%m/%Y")


def fmt_rate(value: float | None) -> str:
    """A rate with two decimals as the reader writes it: 83,33 in Vietnamese, 83.33 in
    English; a dash for none."""
    if value is None:
        return "–"
    return str(format_decimal(value, format="#,##0.00"))


def translated(message: Any) -> str:
    """A service's message or error in the reader's language: where the web translates them.

    ``message`` is a :class:`~counter.domain.errors.CounterError`, a
    :class:`~counter.domain.i18n.Message` (an error's ``message``, a row error of an
    import) or plain text, which is shown as it is. Every flash, form error and error
    page showing a service's words goes through here (templates: ``|translated``).
    """
    found = getattr(message, "message", message)
    if isinstance(found, Message):
        return found.translated(gettext)
    return str(message)


def init_i18n(app: Flask, babel: Babel) -> None:
    """Bind Flask-Babel and the date filters."""
    from counter import PACKAGE_DIR

    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(PACKAGE_DIR / "translations"))
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: clock.ZONE_NAME)
    app.jinja_env.filters["dt"] = fmt_datetime
    app.jinja_env.filters["d"] = fmt_date
    app.jinja_env.filters["rate"] = fmt_rate
    app.jinja_env.filters["translated"] = translated
    app.jinja_env.install_gettext_callables(  # Flask-Babel's, through the request's catalog
        gettext=lambda s: _catalog().ugettext(s),
        ngettext=lambda s, p, n: _catalog().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalog().unpgettext(c, s, p, n),
    )

    @app.before_request
    def _bind_translations() -> None:
        g.catalog_token = _CATALOG.set(get_translations())

    @app.teardown_request
    def _unbind_translations(_error: BaseException | None) -> None:
        token = g.pop("catalog_token", None)
        if token is not None:
            _CATALOG.reset(token)

    @app.context_processor
    def _lang() -> dict[str, Any]:
        return {"current_lang": select_locale(), "request_path": request.path}
