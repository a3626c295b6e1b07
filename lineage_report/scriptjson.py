"""JSON for a `<script>` element: compact, sorted keys, and unable to end the element early.

Graph views and the search index put data into the page (or a `.js` file) as JSON, never
fetched. A string in it is untrusted: `</script>` or `<!--` inside it would end or bend the
element, and raw U+2028 / U+2029 break older JavaScript parsers. JSON has `<`, `>`, `&` and
those two only inside strings, where their `\\uXXXX` escapes decode to the same text.
"""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec

_SCRIPT_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def script_json(data: Any) -> str:
    """Serialise data as compact JSON with sorted keys that is safe inside a script element."""
    text = _json(data)
    for char, escaped in _SCRIPT_ESCAPES:
        if char in text:  # str.replace per character: a page's data can be 600 KB
            text = text.replace(char, escaped)
    return text


def _json(data: Any) -> str:
    """Return compact JSON with sorted keys; lone surrogates (hostile input) as escapes."""
    try:
        return msgspec.json.encode(data, order="sorted").decode("utf-8")
    except (UnicodeError, TypeError, msgspec.EncodeError):
        # A lone surrogate cannot be UTF-8: let json write it raw, then escape it.
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
