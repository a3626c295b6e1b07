"""The page data as a page embeds it: the same data, written compactly (docs/graph.md).

A view's data (`GraphView.data`) is kept expanded, as Python reads it (exporters, tests).
A page embeds it encoded: every text a page uses twice or more (a job type, "finished", a
preview row's label, a producer's name, a link's folder) is written once in a string table
`s` and referred to by its index; preview rows are one flat list of label, text, label, text;
a link is [folder, page] when its folder is in the table, its page only the name's digest
when the name's readable part can be made again from the entry's key (`page_of`), and only
the folder's index when the digest is the key's own too (`naming.page_digest`, which the browser
works out as well); a run's or a version's id is written without its kind (`ri`, `vi`),
and a run id's end after its last `@` (a dbt invocation) from the table;
the filters' types (`groups`) are texts of the table too, and left out when the type
overview names the same (most pages);
`x` is a layer number (times `xg` pixels); a producer's link (`ph`) is the index of the
entry whose link it is, when the page has it; a node that the page's lineage lists show
names its row there (`wv`, `wr`) instead of its id, label and link (rows.py); an entry
leaves out the keys its id already says (`k`, an artifact's `l`, a type's `id` and `l`);
and a built site's page names its type overview's types in the site's type table
(overview.TypeTable) with their counts.
A page's head leaves out what goes without saying, and its entries are written in columns,
each key once (`encode_page`, `columns`).
Much of a page's graph data used to be the labels of preview rows, repeated on every node.
A built site's drawn view writes its entries as fragments instead, each node's made once
per build (fragments.py: `fr`, with the page's own keys in `nodes`); `encode` takes them as
they are (or, for a view with its previews inline, whole again: `_whole`).
`decode` is the reference for the browser's reader (lineage-graph/model.js) and gives back
exactly the data `encode` was given.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..naming import SLUG_CHARS, page_digest
from .layout import Y_GAP
from .overview import TypeTable
from .rows import page_rows

if TYPE_CHECKING:
    Tabled = tuple[TypeTable, str | None]  # the site's type table, the page's way to its root

TEXTS = ("g", "l", "t", "u", "ck")  # an entry's single texts, which may go to the table
LISTS = ("p", "a")  # its lists of texts (p: preview rows, flattened)
KIND_IDS = {"run": "ri", "artifact": "vi"}  # a node's id written without its kind, by kind
# The shortest end of a run id (from its last "@") written apart, in the table: [start, i]
# costs 3 bytes more than the id whole, which a shorter end would seldom pay back.
ID_END_MIN = 12
# the head's values a page leaves out: most pages' (a node's page, every level drawn)
DEFAULTS = {"mode": "page", "depth": None, "note": "", "row": Y_GAP}
TITLE = "Lineage of "  # a page's title when it is this and the focused entry's label

# naming.page_stem's slug for an ASCII key, which the browser makes the same way
# (lineage-graph/model.js `pageOf`): NFKC and casefold change no ASCII text.
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
DIGEST = 12  # hex digits of naming.page_stem's digest
# A page's lineage list rows, as it shows them (rows.page_rows): (link, text) of each.
Rows = Sequence[tuple[str, str]]
ROW_IDS = {"artifact": "wv", "run": "wr"}  # the key of an entry's row, by its kind
# naming.node_path's folders: a fragment's link (fragments.py) names its folder by index here
FOLDERS = ("runs/", "versions/")
_FOLDER_CODES = {folder: code for code, folder in enumerate(FOLDERS)}


def encode(data: dict[str, Any], types: Tabled | None = None, rows: Rows = ()) -> dict[str, Any]:
    """Return the compact form of a view's data (a new object; `data` is left as it is).

    With `types` (the site's type table and the page's way to the site's root), the type
    overview names its types by index in that table when the table says them exactly.
    With `rows` (the page's lineage list rows), a node listed there names its row.
    """
    tabled = _tabled_types(data.get("types"), types)
    page = None if isinstance(data["nodes"], list) else data["nodes"]  # fragments.PageEntries
    if page is not None and page.tabled:  # its entries whole, with the page's string table
        data, page = {**data, "nodes": _whole(page)}, None
    lists = _entry_lists(data)
    if tabled is not None:
        lists[1] = []  # the table says them
    grid = _grid(lists)
    texts: list[str] = []  # every text of every entry, counted for the table
    if page is None:
        named = _row_names(data["nodes"], rows)  # only the view's own nodes are listed
        slim = [[_slim(e, grid, texts, named.get(i)) for i, e in enumerate(lists[0])]]
    else:  # the fragments say the rest
        slim = [[{**own, "x": own["x"] // grid} if "x" in own else own for own in lists[0]]]
    slim += [[_slim(e, grid, texts) for e in entries] for entries in lists[1:]]
    groups = data.get("groups")
    said = bool(groups) and groups == _overview_groups(data.get("types"))
    if said:
        groups = None  # the type overview says them: `decode` makes them again
    if groups:
        texts += [g for names in groups.values() for g in names]
    table = _string_table(texts)
    index = {text: i for i, text in enumerate(table)}
    out = dict(data)
    if said:
        del out["groups"]
    out["s"] = table
    if groups:
        out["groups"] = {kind: [index.get(g, g) for g in names] for kind, names in groups.items()}
    if grid > 1:
        out["xg"] = grid
    coded = [slim[0] if page else [_refer(e, index) for e in slim[0]]]
    coded += [[_refer(e, index) for e in entries] for entries in slim[1:]]
    if page is None:
        _refer_producers(data["nodes"], coded[0])
    else:
        out["fr"] = page  # its fragments' text goes into the JSON as it is (pagedata)
        if page.root:
            out["hr"] = page.root
        if page.ends:
            out["re"] = {str(k): end for k, end in sorted(page.ends.items())}
    out["nodes"] = coded[0]
    if tabled is not None:
        out["types"] = tabled
    elif data.get("types") is not None:
        out["types"] = {**data["types"], "nodes": coded[1]}
    if "groupings" in data:  # the project page's (groupings.py), after the type overview's
        out["groupings"] = [
            {**g, "nodes": n} for g, n in zip(data["groupings"], coded[2:], strict=True)
        ]
    return out


def decode(
    compact: dict[str, Any], types: TypeTable | None = None, rows: Rows = ()
) -> dict[str, Any]:
    """Return the expanded data of a page's compact data (what `encode` was given);
    `types` is the site's type table, which a page's type overview may name, and `rows`
    the page's lineage list rows, which its entries may name."""
    table, grid, root = compact.get("s", []), compact.get("xg", 1), compact.get("hr", "")
    data = {k: v for k, v in compact.items() if k not in ("s", "xg", "fr", "hr", "re")}
    nodes = compact["nodes"]
    if "fr" in compact:  # a drawn view's fragments, and the page's own keys of each
        ends = compact.get("re", {})
        nodes = [_merged(f, own, ends) for f, own in zip(compact["fr"], nodes, strict=True)]
    data["nodes"] = [_expand(e, table, grid, rows, root) for e in nodes]
    if compact.get("groups"):
        data["groups"] = {kind: _texts(names, table) for kind, names in compact["groups"].items()}
    for e in data["nodes"]:
        if isinstance(e.get("ph"), int):  # the producer's link: its entry's own
            e["ph"] = data["nodes"][e["ph"]]["h"]
    overview = compact.get("types")
    if overview is not None and "tn" in overview:
        data["types"] = _untabled_types(overview, types)
    elif overview is not None:
        data["types"] = {
            **overview,
            "nodes": [_expand(e, table, grid) for e in overview["nodes"]],
        }
    if "groups" not in compact and data.get("types") is not None:
        data["groups"] = _overview_groups(data["types"])
    if "groupings" in compact:
        data["groupings"] = [
            {**g, "nodes": [_expand(e, table, grid) for e in g["nodes"]]}
            for g in compact["groupings"]
        ]
    return data


def encode_page(
    data: dict[str, Any], types: Tabled | None = None, rows: Rows = ()
) -> dict[str, Any]:
    """Return the compact form of a page's data: `encode`'s, its head without the values
    that go without saying (`DEFAULTS`, a focus that is the focused entry's id, a title
    made from that entry's label)."""
    out = encode(data, types, rows)
    for key, value in DEFAULTS.items():
        if out[key] == value:
            del out[key]
    focused = _focused(data["nodes"])
    if data["focus"] == (focused["id"] if focused else None):
        del out["focus"]
    if focused is not None and data["title"] == TITLE + focused["l"]:
        del out["title"]
    if out["nodes"]:
        out["nodes"] = columns(out["nodes"])
    return out


def _merged(fragment: dict[str, Any], own: dict[str, Any], ends: dict[str, str]) -> dict:
    """Return a fragment with the page's own keys, its run ids' ends (`re`) in place."""
    e = {**fragment, **own}
    for key in ("ri", "pr"):  # a run id: whole, or [start, the number of its end]
        if isinstance(e.get(key), list):
            e[key] = e[key][0] + ends[str(e[key][1])]
    return e


def _whole(page) -> list[dict[str, Any]]:
    """Return a drawn view's entries whole: its fragments read, with the page's own keys."""
    ends = {str(k): end for k, end in page.ends.items()}
    fragments = map(json.loads, page.fragments)
    return [
        _expand(_merged(f, own, ends), [], 1, (), page.root)
        for f, own in zip(fragments, page.own, strict=True)
    ]


def decode_page(
    compact: dict[str, Any], types: TypeTable | None = None, rows: Rows = ()
) -> dict[str, Any]:
    """Return the expanded data of a page's compact data (what `encode_page` was given)."""
    data = decode({**DEFAULTS, **compact, "nodes": entries_of(compact["nodes"])}, types, rows)
    focused = _focused(data["nodes"])
    data.setdefault("focus", focused["id"] if focused else None)
    data.setdefault("title", TITLE + focused["l"] if focused else "")
    return data


def columns(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Return a page's entries as columns, each key written once: `n` entries; under `each`,
    a key most entries have, as one value per entry up to the last that has it (null where
    one has none: a drawn view's layers stop at its first cluster member); under `some`,
    any other key, as a flat list of index, value, index, value..."""
    held: dict[str, list] = defaultdict(list)  # key -> index, value, index, value...
    for i, e in enumerate(entries):
        for key, value in e.items():
            held[key] += (i, value)
    each: dict[str, list] = {}
    some: dict[str, list] = {}
    for key in sorted(held):
        pairs = held[key]
        values = pairs[1::2]
        if len(pairs) >= len(entries) and None not in values:  # half the entries or more
            if len(values) == len(entries):
                each[key] = values
            else:  # null where an entry has none, and none after the last that has it
                each[key] = [e.get(key) for e in entries[: pairs[-2] + 1]]
        else:
            some[key] = pairs
    return {"n": len(entries), "each": each, "some": some}


def entries_of(nodes: list[dict[str, Any]] | dict[str, Any]) -> list[dict[str, Any]]:
    """Return a page's entries from their columns (`columns`); a list is already entries."""
    if isinstance(nodes, list):
        return nodes
    entries: list[dict[str, Any]] = [{} for _ in range(nodes["n"])]
    for key, values in nodes["each"].items():
        for entry, value in zip(entries, values, strict=False):  # the rest have none
            if value is not None:
                entry[key] = value
    for key, pairs in nodes["some"].items():
        for i in range(0, len(pairs), 2):
            entries[pairs[i]][key] = pairs[i + 1]
    return entries


def _focused(entries) -> dict[str, Any] | None:
    """Return the focused entry (`f`), if the view has one (of a drawn view's, its id and
    label: fragments.PageEntries)."""
    if not isinstance(entries, list):
        at = entries.focus
        return None if at is None else {"id": entries.ids[at], "l": entries.focus_label}
    return next((e for e in entries if e.get("f")), None)


def read(text: str, types: TypeTable | None = None, rows: Rows = ()) -> dict[str, Any]:
    """Return the expanded data of the JSON text a page embeds (for tests and scripts)."""
    return decode_page(json.loads(text), types, rows)


def read_page_file(path: Path) -> dict[str, Any]:
    """Return the expanded graph data of a built site's page, its types read from the site's
    type table when the page names them there and its nodes from the rows of its lineage
    lists (for tests and scripts)."""
    page = path.read_text(encoding="utf-8")
    data = re.search(r'id="lineage-graph-data">(.*?)</script>', page, re.S)
    if data is None:
        raise ValueError(f"{path}: no graph data")
    src = re.search(r'<script src="([^"]*/types\.[0-9a-f]+\.js)"', page)
    table = None
    if src:
        table = TypeTable.from_script((path.parent / src.group(1)).read_text(encoding="utf-8"))
    return read(data.group(1), table, page_rows(page))


def _tabled_types(overview: dict[str, Any] | None, types: Tabled | None) -> dict | None:
    """Return the type overview written as indexes into the site's type table (`tn`: index,
    count, index, count...; `tr`: the way to the root its links start from), or None when
    the table would not give back exactly these entries."""
    if overview is None or types is None or types[1] is None or not overview["nodes"]:
        return None  # (no way to the root: links not made by naming)
    table, root = types
    counts = []
    for e in overview["nodes"]:
        k = table.index.get(e["id"])
        if k is None:
            return None
        counts += [k, e["n"]]
    if table.expand(counts, root) != overview["nodes"]:  # a link to another part, say
        return None
    tabled = {key: value for key, value in overview.items() if key != "nodes"}
    tabled["tn"] = counts
    if root:
        tabled["tr"] = root
    return tabled


def _overview_groups(overview: dict[str, Any] | None) -> dict[str, list[str]] | None:
    """Return the filters' types as a page without `groups` gets them from its type overview:
    each kind's types, sorted as the browser sorts texts (by UTF-16 code unit)."""
    if overview is None:
        return None
    groups: dict[str, list[str]] = {"artifact": [], "run": []}
    for e in overview["nodes"]:
        if e.get("ck") in groups:
            groups[e["ck"]].append(e.get("g"))
    return {kind: sorted(names, key=_utf16) for kind, names in groups.items()}


def _utf16(text: str) -> bytes:
    """Return a text's sort key in the browser's order (Array.prototype.sort)."""
    return text.encode("utf-16-be", "surrogatepass")


def _untabled_types(overview: dict[str, Any], types: TypeTable | None) -> dict[str, Any]:
    """Return a type overview written as table indexes with its entries whole."""
    if types is None:
        raise ValueError("this page's type overview needs its site's type table (types.js)")
    whole = {key: value for key, value in overview.items() if key not in ("tn", "tr")}
    whole["nodes"] = types.expand(overview["tn"], overview.get("tr", ""))
    return whole


def _entry_lists(data: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Return the view's entry lists: its nodes (a drawn view's own keys of each), the type
    overview's and each grouping's."""
    types = data.get("types")
    groupings = [g["nodes"] for g in data.get("groupings", ())]
    nodes = data["nodes"] if isinstance(data["nodes"], list) else data["nodes"].own
    return [nodes, types["nodes"] if types is not None else [], *groupings]


def _grid(lists: list[list[dict[str, Any]]]) -> int:
    """Return the layer width every x is a multiple of (layout places layers on a grid), or 1."""
    xs = {e["x"] for entries in lists for e in entries if "x" in e}
    widths = {abs(x) for x in xs if x}
    if not widths:
        return 1
    grid = min(widths)
    return grid if all(x % grid == 0 for x in xs) else 1


def _slim(
    entry: dict[str, Any], grid: int, texts: list[str], row: int | None = None
) -> dict[str, Any]:
    """Return an entry without the keys its id or its `row` (in the page's lineage lists)
    says, preview rows flat, its link split at its folder and x as a layer number; add its
    texts to `texts`."""
    e = without_said(entry)
    kind = entry["k"]
    if row is not None:  # the row's link is the entry's, its text the label (_row_names)
        e[ROW_IDS[kind]] = row
        del e["h"]
        e.pop("l", None)
        if kind == "artifact" or row_run_id(entry["h"]) == e["ri"]:
            del e[KIND_IDS[kind]]
    start, at, end = e.get("ri", "").rpartition("@")
    if at and len(at + end) >= ID_END_MIN:
        # A dbt run's id ends in its invocation, "@<uuid>", the same on every run of the page.
        e["ri"] = [start, at + end]
        texts.append(at + end)
    texts += [e[key] for key in TEXTS if key in e]
    if "p" in e:
        e["p"] = flat = [text for row in e["p"] for text in row]
        texts += flat
    if "a" in e:
        texts += e["a"]
    link = e.get("h")
    if link is not None and "/" in link and link.endswith(".html"):
        # "../versions/": a page's links share a few folders; "x-1a2b.html": the digest says it
        folder, _, page = link.rpartition("/")
        e["h"] = [folder + "/", page, short_page(page_key(entry), page)]
        texts.append(folder + "/")
    if "x" in e and grid != 1:
        e["x"] //= grid
    return e


def without_said(entry: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of an entry without the keys its id says: `k` when the id starts with
    it, a run's or a version's id as `ri`/`vi` (without its kind), a type's id made of its
    kind and group, and a label that is the id after its kind (a type's: its group)."""
    e = entry.copy()
    eid, kind = e["id"], e["k"]
    if kind == "type" and eid == f"type:{e.get('ck')}:{e.get('g')}":
        del e["id"]  # a type's id is its kind and group
    if eid.startswith(kind + ":"):
        del e["k"]
        if kind in KIND_IDS:
            e[KIND_IDS[kind]] = eid[len(kind) + 1 :]
            del e["id"]
    if e.get("l") == (e["g"] if kind == "type" else eid.partition(":")[2]):
        del e["l"]
    return e


def _string_table(texts: list[str]) -> list[str]:
    """Return the texts worth writing once: used twice or more, longer than their index."""
    repeated = [(-n, text) for text, n in Counter(texts).items() if n > 1]
    table: list[str] = []
    for minus_n, text in sorted(repeated):
        size = len(text) + 2  # its JSON string, near enough (escapes only make it longer)
        if -minus_n * (size - len(str(len(table)))) > size + 1:
            table.append(text)
    return table


def _refer(e: dict[str, Any], index: dict[str, int]) -> dict[str, Any]:
    """Return an entry with its texts that are in the table written as their index."""
    find = index.get
    for key in TEXTS:
        if key in e:
            e[key] = find(e[key], e[key])
    for key in LISTS:
        if key in e:
            e[key] = list(map(find, e[key], e[key]))  # each text's index, or the text
    if isinstance(e.get("ri"), list):  # [start, "@end"]: the end's index, or whole
        start, end = e["ri"]
        e["ri"] = [start, index[end]] if end in index else start + end
    if isinstance(e.get("h"), list):  # [folder, page], or whole if its folder is not
        folder, page, short = e["h"]
        if folder not in index:
            e["h"] = folder + page
        else:
            e["h"] = index[folder] if short == "" else [index[folder], short]
    return e


def _refer_producers(nodes: list[dict[str, Any]], coded: list[dict[str, Any]]) -> None:
    """Write each producer's link (`ph`) as the index of the entry with that link, if any.

    A version's producer is most often drawn beside it: its link is then already on the page.
    """
    first: dict[str, int] = {}
    for i, e in enumerate(nodes):
        if "h" in e:
            first.setdefault(e["h"], i)
    for e in coded:
        if e.get("ph") in first:
            e["ph"] = first[e["ph"]]


def _expand(
    entry: dict[str, Any], table: list[str], grid: int, rows: Rows = (), root: str = ""
) -> dict[str, Any]:
    """Return an entry as the expanded data has it (`root`: the page's way to the root that
    a fragment's links start from)."""
    e = dict(entry)
    if "wv" in e:  # a version's id and link are its row's
        e["h"], e["vi"] = _row(rows, e.pop("wv"))
    elif "wr" in e:  # a run's label and link are its row's; its id too, unless given
        e["h"], e["l"] = _row(rows, e.pop("wr"))
        e.setdefault("ri", row_run_id(e["h"]))
    if isinstance(e.get("ri"), list):  # a run id's start, and its end in the table
        e["ri"] = e["ri"][0] + table[e["ri"][1]]
    for key in TEXTS:
        if isinstance(e.get(key), int):
            e[key] = table[e[key]]
    for key in LISTS:
        if key in e:
            e[key] = _texts(e[key], table)
    if "p" in e:
        e["p"] = [e["p"][i : i + 2] for i in range(0, len(e["p"]), 2)]
    for kind, key in KIND_IDS.items():
        if key in e:
            e["id"] = f"{kind}:{e.pop(key)}"
    if "id" not in e:
        e["id"] = f"type:{e['ck']}:{e['g']}"
    if "k" not in e:
        e["k"] = e["id"].partition(":")[0]
    if "l" not in e:
        e["l"] = e["g"] if e["k"] == "type" else e["id"].partition(":")[2]
    if "j" in e:  # a fragment's links (fragments.py)
        e["h"] = link_of(e.pop("j"), page_key(e), root)
    if isinstance(e.get("h"), int):  # the folder: the page is the key's own name
        e["h"] = _folder_link(table[e["h"]], None, page_key(e))
    elif isinstance(e.get("h"), list):  # [folder, page], the page maybe only its digest
        e["h"] = _folder_link(table[e["h"][0]], e["h"][1], page_key(e))
    if "x" in e:
        e["x"] *= grid
    if "pj" in e:  # a fragment's producer: its link, its run id or the entry's own page
        e["ph"] = link_of(e.pop("pj"), None, root)
    elif "pr" in e:
        e["ph"] = link_of(FOLDERS.index("runs/"), e.pop("pr"), root)
    elif e.pop("po", None):
        e["ph"] = e["h"]
    return e


def _row_names(nodes: list[dict[str, Any]], rows: Rows) -> dict[int, int]:
    """Return, by entry index, the index of the row that names each node exactly: the row
    links to the node's page, and its text is the node's label and, for a version, its id
    after `artifact:` (the entry then needs neither)."""
    if not rows:
        return {}
    first = rows_by_link(rows)
    named = {}
    for i, e in enumerate(nodes):
        found = first.get(e.get("h"))  # type: ignore[arg-type]
        if found is not None and found[1] == e.get("l") and a_row_may_name(e):
            named[i] = found[0]
    return named


def rows_by_link(rows: Rows, root: str = "") -> dict[str, tuple[int, str]]:
    """Return the first of a page's rows that links each page, as its index and its text;
    the links from the site's root when `root` (the page's way there) is given."""
    first: dict[str, tuple[int, str]] = {}
    for index, (link, text) in enumerate(rows):
        if link.startswith(root):
            first.setdefault(link[len(root) :], (index, text))
    return first


def a_row_may_name(entry: dict[str, Any]) -> bool:
    """Tell whether a row whose link is the entry's and whose text is its label names the
    entry exactly: a run's or a version's (with its kind in its id), a version's text being
    its id after `artifact:` too."""
    kind = entry["k"]
    if kind not in ROW_IDS or not entry["id"].startswith(kind + ":"):
        return False
    return kind == "run" or entry.get("l") == page_key(entry)


def _row(rows: Rows, index: int) -> tuple[str, str]:
    """Return row `index` of a page's lineage lists; a page that lacks it is an error."""
    if not 0 <= index < len(rows):
        raise ValueError(f"the page data names row {index}, which the page does not list")
    return rows[index]


def row_run_id(link: str) -> str:
    """Return the run id a run's page link says when the id is its page name's own slug:
    the name less `-<digest>.html` (naming.page_stem)."""
    return link.rpartition("/")[2][: -(DIGEST + len("-.html"))]


def _texts(items: list, table: list[str]) -> list[str]:
    """Return a list of texts, each an index into the string table or the text itself."""
    return [table[t] if isinstance(t, int) else t for t in items]


def page_key(entry: dict[str, Any]) -> str | None:
    """Return the key an entry's page is named from: a node's id after its kind, a type's
    group (naming.node_path, naming.group_path); None for other entries."""
    kind = entry.get("k")
    if kind in ("run", "artifact"):
        return entry["id"].partition(":")[2]
    return entry.get("g") if kind == "type" else None


def page_of(key: str | None, digest: str) -> str:
    """Return the page named by an ASCII key and its digest, as naming.page_stem names it."""
    slug = _ASCII_UNSAFE.sub("-", (key or "").lower()).strip("-_")[:SLUG_CHARS].rstrip("-_")
    return f"{slug}-{digest}.html" if slug else f"{digest}.html"


@functools.lru_cache(maxsize=1 << 16)  # a node is linked from many pages
def short_page(key: str | None, page: str) -> str:
    """Return "" when `page_of` makes the page again from the key alone, the page's digest
    when it does so from the key and the digest, else the page."""
    digest = page[-DIGEST - 5 : -5]
    if key is not None and key.isascii() and page_of(key, digest) == page:
        return "" if digest == page_digest(key) else digest
    return page


def link_code(link: str, key: str | None) -> Any:
    """Return a link as a fragment writes it: its folder's index in FOLDERS when the page is
    its key's own, [folder, digest] or [folder, page], or the link whole."""
    folder, slash, page = link.rpartition("/")
    code = _FOLDER_CODES.get(folder + slash)
    if code is None:
        return link
    short = short_page(key, page) if key is not None else page
    return code if short == "" else [code, short]


def link_of(code: Any, key: str | None, root: str) -> str:
    """Return the link a fragment's `link_code` wrote, from the page (for decoding)."""
    if isinstance(code, str):
        return root + code
    if isinstance(code, int):
        return _folder_link(root + FOLDERS[code], None, key)
    return _folder_link(root + FOLDERS[code[0]], code[1], key)


def _folder_link(folder: str, page: str | None, key: str | None) -> str:
    """Return a link written as its folder and its page: the page whole, only the digest of
    its name (the rest made from the key), or None: named by the key alone (`page_of`)."""
    if page is None:
        return folder + page_of(key, page_digest(key))
    return folder + (page if page.endswith(".html") else page_of(key, page))
