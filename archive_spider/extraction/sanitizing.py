"""The last word on article HTML: an nh3 allow-list, safe to render as is."""

from __future__ import annotations

import nh3

ALLOWED_TAGS = frozenset(
    {"p", "br", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "code",
     "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "figure", "figcaption",
     "img", "a", "em", "strong", "b", "i", "sub", "sup", "dl", "dt", "dd", "hr"}
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
# Content of these tags is removed with the tag; other disallowed tags keep their text.
REMOVED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "noscript",
                                  "template", "svg", "math", "form", "select", "textarea",
                                  "button", "canvas"})
URL_SCHEMES = frozenset({"http", "https", "data"})
LINK_REL = "nofollow noopener noreferrer"


def filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Keep only absolute http(s) links, and data: URLs only for images."""
    if attribute == "href":
        return value if value.lower().startswith(("http://", "https://")) else None
    if attribute == "src":
        lowered = value.lower()
        if lowered.startswith(("http://", "https://")):
            return value
        return value if tag == "img" and lowered.startswith("data:image/") else None
    return value


def sanitize_html(html: str) -> str:
    """Return ``html`` reduced to the article allow-list (no scripts, handlers, bad URLs)."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(REMOVED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=filter_attribute,
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()
