"""Every domain error raised for a person carries its Simplified Chinese twin.

The domain packages are read as source (their AST): each ``raise SomeError(...)`` whose class
derives from :class:`geo.errors.BaotongError` passes ``zh=`` or a ``Text(...)`` message.  A re-raise
(``raise``, ``raise err``, ``raise make_error(...)``, ``raise X from e`` of an existing object) is not
a construction and is not checked here.  The few exceptions are listed below, each with why.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

from geo.errors import BaotongError, DeploymentError, PassRejected
from geo.i18n import Text
from passes.reasons import reason
from passes.token import MalformedPass, PassTokenError

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("geo", "routing", "passes", "services", "store")
CJK = re.compile(r"[\u4e00-\u9fff]")

#: Classes that build their Chinese twin themselves: a refusal from its reasons and a failed token
#: from its reason code (passes/reasons.py), a deployment fault from its ``fix_zh`` (its public detail).
BUILDS_OWN_TWIN: tuple[type[BaotongError], ...] = (PassRejected, PassTokenError, DeploymentError)
#: Functions whose result is a :class:`Text` (a message with its twin) used as an error's message.
TEXT_BUILDERS = {"explain_no_route"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _resolve(module: object, func: ast.expr) -> object:
    if isinstance(func, ast.Name):
        return getattr(module, func.id, None)
    if isinstance(func, ast.Attribute):
        owner = _resolve(module, func.value)
        return getattr(owner, func.attr, None) if owner is not None else None
    return None


def _has_twin(call: ast.Call) -> bool:
    if any(k.arg == "zh" for k in call.keywords):
        return True
    if not call.args or not isinstance(call.args[0], ast.Call):
        return False
    first = call.args[0].func
    name = first.id if isinstance(first, ast.Name) else first.attr if isinstance(first, ast.Attribute) else ""
    return name == "Text" or name in TEXT_BUILDERS


def missing_twins(source: str, module: object, where: str) -> list[str]:
    """``where:line`` of each construction of a domain error in ``source`` that has no Chinese twin."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
            continue
        cls = _resolve(module, node.exc.func)
        if not (inspect.isclass(cls) and issubclass(cls, BaotongError)):
            continue
        if issubclass(cls, BUILDS_OWN_TWIN) or _has_twin(node.exc):
            continue
        out.append(f"{where}:{node.lineno} {cls.__name__}")
    return out


def _domain_files() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py") if "migrations" not in p.parts)


def test_every_domain_error_raised_has_a_chinese_twin() -> None:
    missing: list[str] = []
    checked = 0
    for path in _domain_files():
        source = path.read_text(encoding="utf-8")
        if "raise " not in source:
            continue
        module = importlib.import_module(_module_name(path))
        missing += missing_twins(source, module, str(path.relative_to(ROOT)))
        checked += 1
    assert checked > 50
    assert not missing, "raise sites without zh= (give each a Chinese twin):\n" + "\n".join(missing)


def test_the_check_finds_a_raise_without_a_twin() -> None:
    import geo.errors as module

    source = (
        "def f(x):\n"
        "    raise InvalidInputError(f'`x` was {x!r}')\n"
        "def g(x):\n"
        "    raise InvalidInputError(f'`x` was {x!r}', zh=f'`x` 为 {x!r}')\n"
        "def h(x):\n"
        "    raise ValueError(x)\n"
    )
    assert missing_twins(source, module, "snippet.py") == ["snippet.py:2 InvalidInputError"]


def test_the_classes_that_build_their_own_twin_do() -> None:
    refused = PassRejected([reason("no_crew"), reason("not_whitelisted")])
    assert refused.zh == "未登记司乘人员；企业不在白名单内"
    assert str(refused) == "no_crew: 未登记司乘人员 / no crew member registered; " + (
        "not_whitelisted: 企业不在白名单内 / enterprise is not on the whitelist"
    )
    token = MalformedPass("empty")
    assert token.text("zh") == "通行证格式无效（empty）"
    assert str(token) == "malformed: 通行证格式无效 / malformed pass token (empty)"
    from passes.keys import KeyStoreError

    assert CJK.search(KeyStoreError("key file /x is not a regular file").text("zh") or "")
    assert KeyStoreError.fix_zh != DeploymentError.fix_zh


@pytest.mark.parametrize("name", sorted(TEXT_BUILDERS))
def test_the_text_builders_return_text(name: str) -> None:
    from routing.router import Router

    assert inspect.signature(getattr(Router, name)).return_annotation in (Text, "Text")
