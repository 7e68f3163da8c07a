"""The JavaScript and CSS shipped inside the package, inlined into pages so they work offline."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from .errors import TechGraphError

ASSETS = Path(__file__).parent / "assets"


@cache
def asset(relpath: str) -> str:
    """The text of `assets/<relpath>`, e.g. `vis-network/vis-network.min.js`."""
    try:
        return (ASSETS / relpath).read_text(encoding="utf-8")
    except OSError:
        raise TechGraphError(f"packaged asset {relpath} is missing; reinstall tech-graph", exit_code=1) from None


def script_tag(relpath: str) -> str:
    # "</script" inside inlined code would end the element early.
    return "<script>" + asset(relpath).replace("</script", "<\\/script") + "</script>"


def style_tag(relpath: str) -> str:
    return "<style>" + asset(relpath).replace("</style", "<\\/style") + "</style>"


def json_for_script(value: Any) -> str:
    """JSON that is safe inside a <script> element, whatever strings the data holds."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
