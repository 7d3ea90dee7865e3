"""Messages an officer reads are msgids with values, so English mode can translate them.

The source is read, not run: an f-string or a pre-formatted text given to an error
would reach the English screen in Vietnamese, whatever path raises it.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import counter
from counter.domain.errors import CounterError, NotAllowed, ValidationError
from counter.domain.i18n import N_, Message

ROOT = Path(counter.__file__).resolve().parent
PLACEHOLDER = re.compile(r"%\((\w+)\)")

#: Exceptions defined in counter/ that are not messages for an officer, and why.
NOT_MESSAGES = {
    # parse_day's signals that a day-shaped text names no real day, or a year the app
    # does not work with; read_day turns them into a ValidationError with the sentence.
    "NotADay",
    "DayOutOfRange",
}


def _modules() -> Iterator[Path]:
    yield from sorted(ROOT.rglob("*.py"))


def _trees() -> Iterator[tuple[Path, ast.Module]]:
    for path in _modules():
        yield path, ast.parse(path.read_text("utf-8"), str(path))


def _error_classes() -> set[str]:
    """Names of CounterError and every class deriving from it, found in the source."""
    bases: dict[str, set[str]] = {}
    for _path, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, set()).update(
                    b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
                )
    found = {"CounterError"}
    while True:
        more = {name for name, parents in bases.items() if parents & found} - found
        if not more:
            return found
        found |= more


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _is_marked(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and _name(node.func) == "N_"


def _preformatted(node: ast.expr) -> bool:
    """A text already put together: an f-string, %, +, .format(), str(), a join, a literal."""
    if isinstance(node, ast.JoinedStr | ast.BinOp):
        return True
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.Call):
        return _name(node.func) in {"format", "join", "str"}
    return False


def _texts(node: ast.expr) -> Iterator[ast.expr]:
    """The message texts in an argument: itself, or those in a {field: text} / [(field, text)]."""
    if isinstance(node, ast.IfExp):
        yield from _texts(node.body)
        yield from _texts(node.orelse)
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _texts(value)
    elif isinstance(node, ast.List):
        for item in node.elts:
            yield from _texts(item)
    elif isinstance(node, ast.Tuple) and len(node.elts) == 2:
        yield from _texts(node.elts[1])  # (field or line, text)
    elif not (isinstance(node, ast.Constant) and isinstance(node.value, int | type(None))):
        yield node


def _message_args(call: ast.Call, errors: set[str]) -> list[ast.expr]:
    """The arguments of ``call`` that are message texts."""
    name = _name(call.func)
    if name in errors or name == "Message":
        return call.args[:1]
    if name == "RowError":
        return [*call.args[1:2], *(k.value for k in call.keywords if k.arg == "detail")]
    return []


def _collection(node: ast.expr) -> bool:
    """``errors``, ``result.errors``, ``step.warnings``: where services gather messages."""
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")
    return name.endswith(("errors", "warnings"))


def _sinks(tree: ast.Module) -> Iterator[tuple[int, ast.expr]]:
    """Texts put into an ``errors`` or ``warnings`` collection (reception, imports, actions)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and _collection(target.value):
                    yield node.lineno, node.value
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"append", "setdefault"}
            and _collection(node.func.value)
        ):
            for arg in node.args[-1:]:
                yield node.lineno, arg


def problems(tree: ast.Module, errors: set[str]) -> Iterator[tuple[int, str]]:
    """(line, source) of every message given as a pre-formatted text instead of a msgid."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for arg in _message_args(node, errors):
                for text in _texts(arg):
                    if _preformatted(text):
                        yield node.lineno, ast.unparse(text)
    for line, value in _sinks(tree):
        for text in _texts(value):
            if _preformatted(text):
                yield line, ast.unparse(text)


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT.parent)}:{line}"


def test_every_error_message_is_a_marked_msgid_never_a_preformatted_text() -> None:
    errors = _error_classes()
    bad = [
        f"{_where(path, line)}: {text[:70]}"
        for path, tree in _trees()
        for line, text in problems(tree, errors)
    ]
    assert not bad, "use N_('… %(name)s …') and pass the values apart:\n" + "\n".join(bad)


BAD_SOURCE = """
raise ValidationError(f"Tệp '{name}' rỗng.", field="file")
raise NotFound("Không tìm thấy hồ sơ.")
raise Conflict("Có " + str(n) + " lỗi")
raise RecordInvalid([("name", f"Thiếu {x}")])
raise InvalidInput({"phone": "Số điện thoại sai."})
errors["email"] = "Địa chỉ sai." if bad else N_("Thiếu địa chỉ.")
result.errors.append((line, "Mã trùng."))
step.warnings.append("Gửi muộn.")
rows.append(RowError(3, f"ngày {day} sai"))
"""

GOOD_SOURCE = """
raise ValidationError(N_("Tệp '%(name)s' rỗng."), field="file", name=name)
raise ValidationError(err.message, field="x")
raise RecordInvalid([("name", Message(N_("Thiếu %(x)s"), x=x))])
errors["email"] = N_("Địa chỉ sai.") if bad else N_("Thiếu địa chỉ.")
result.errors.append((line, Message(N_("Mã %(code)s trùng."), code=code)))
rows.append(RowError(3, Message(N_("ngày %(day)s sai"), day=day)))
"""


def test_the_check_finds_each_way_of_preformatting_and_passes_msgids() -> None:
    names = {"ValidationError", "NotFound", "Conflict", "RecordInvalid", "InvalidInput"}
    found = sorted(line for line, _text in problems(ast.parse(BAD_SOURCE), names))
    assert found == list(range(2, 11))
    assert not list(problems(ast.parse(GOOD_SOURCE), names))


def test_a_marked_message_is_one_literal_and_its_placeholders_are_the_values_given() -> None:
    errors = _error_classes() | {"Message"}
    bad = []
    for path, tree in _trees():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            if _is_marked(node) and not (
                len(node.args) == 1
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                bad.append(f"{_where(path, node.lineno)}: N_ takes one string literal")
            if _name(node.func) in errors and node.args and _is_marked(node.args[0]):
                marked = node.args[0]
                assert isinstance(marked, ast.Call)
                literal = marked.args[0]
                if not isinstance(literal, ast.Constant) or any(
                    k.arg is None for k in node.keywords
                ):
                    continue
                wanted = set(PLACEHOLDER.findall(literal.value))
                given = {k.arg for k in node.keywords} - {"field"}
                if wanted != given:
                    bad.append(
                        f"{_where(path, node.lineno)}: placeholders {sorted(wanted)}, "
                        f"values {sorted(given)}"
                    )
    assert not bad, "\n".join(bad)


def test_every_exception_of_the_app_derives_from_counter_error() -> None:
    for info in pkgutil.walk_packages(counter.__path__, "counter."):
        importlib.import_module(info.name)
    defined = [
        cls
        for cls in _subclasses(Exception)
        if cls.__module__.startswith("counter.") and cls.__name__ not in NOT_MESSAGES
    ]
    assert defined
    outside = sorted(
        f"{c.__module__}.{c.__name__}" for c in defined if not issubclass(c, CounterError)
    )
    assert not outside, "derive these from CounterError (or a kind of it):\n" + "\n".join(outside)


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


# -- the message object ---------------------------------------------------------------

ENGLISH = {
    "Không thể '%(action)s' khi hồ sơ đang ở trạng thái '%(status)s'.": (
        "Cannot '%(action)s' while the dossier is '%(status)s'."
    ),
    "Gia hạn": "Extend",
    "Dừng xử lý": "Stopped",
    "Quản trị": "Administrator",
    "Vai trò %(roles)s không được làm việc này.": "Roles %(roles)s may not do this.",
}


def english(msgid: str) -> str:
    return ENGLISH.get(msgid, msgid)


def test_an_error_reads_in_vietnamese_and_translates_its_sentence_and_labels() -> None:
    err = NotAllowed(
        N_("Không thể '%(action)s' khi hồ sơ đang ở trạng thái '%(status)s'."),
        action=N_("Gia hạn"),
        status=N_("Dừng xử lý"),
    )
    assert err.message == "Không thể 'Gia hạn' khi hồ sơ đang ở trạng thái 'Dừng xử lý'."
    assert str(err) == err.message
    assert err.translated(english) == "Cannot 'Extend' while the dossier is 'Stopped'."
    assert err.translated() == err.message


def test_names_and_codes_stay_as_typed_and_a_list_of_labels_is_joined() -> None:
    err = NotAllowed(N_("Vai trò %(roles)s không được làm việc này."), roles=[N_("Quản trị"), "x"])
    assert err.translated(english) == "Roles Administrator, x may not do this."
    plain = ValidationError(N_("Gia hạn"))
    assert plain.translated(english) == "Extend"  # a message without values is not %-formatted


def test_an_error_passed_on_keeps_its_translation() -> None:
    inner = NotAllowed(N_("Gia hạn"), field="x")
    outer = ValidationError(inner.message, field="y")
    assert outer.translated(english) == "Extend" and outer.field == "y"
    wrapped = Message(N_("Vai trò %(roles)s không được làm việc này."), roles=inner)
    assert wrapped.translated(english) == "Roles Extend may not do this."
    assert Message(N_("ngày %(day)s sai")).as_sentence() == "Ngày %(day)s sai."


@pytest.mark.parametrize("broken", ["Cannot %(verb)s.", "Cannot %(action)d."])
def test_a_broken_translation_falls_back_to_vietnamese(broken: str) -> None:
    err = ValidationError(N_("Không được %(action)s."), action="x")
    assert err.translated(lambda msgid: broken) == "Không được x."
