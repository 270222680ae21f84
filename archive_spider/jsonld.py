"""JSON-LD: the ``<script type="application/ld+json">`` blocks of a page, parsed.

The one reader of the project: discovery reads the schema.org types of a page from it
(``discovery/pages.py``), extraction the fields of the article object
(``extraction/metadata.py``). What each makes of the objects is its own business; finding
the scripts, unwrapping them and parsing them is done here, the same way for both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from lxml.html import HtmlElement

# Wrappers CMSes put around the JSON inside the script: an HTML comment, or a CDATA
# section (often behind "//" so that old browsers' scripts ignore it).
WRAPPER_RE = re.compile(r"^\s*(?:<!--|(?://\s*)?<!\[CDATA\[)|(?:-->|(?://\s*)?\]\]>)\s*$")


def load_json_ld(text: str | None) -> list:
    """The JSON-LD documents of one script's text, as a list (a script holding a list
    gives its items); a broken script gives nothing."""
    text = WRAPPER_RE.sub("", (text or "").strip())
    try:
        data = json.loads(text)
    except ValueError:
        return []
    return data if isinstance(data, list) else [data]


def json_ld_documents(tree: HtmlElement) -> Iterator:
    """Every JSON-LD document of the page, in page order (see ``load_json_ld``)."""
    for script in tree.iterfind(".//script[@type]"):
        if "ld+json" in (script.get("type") or "").lower():
            yield from load_json_ld(script.text)
