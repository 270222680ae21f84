"""A small single-page app magazine for the rendering tests, built in code.

Every HTML page the server sends is the same shell: a header, an empty ``<div id="app">``
saying "Loading…" and ``/static/app.js``. The script reads the address: on ``/`` it asks
``/api/stories?page=1`` for the first teasers (JSON) and draws them, with a "Load more"
button that appends the next page of teasers each time it is clicked; on
``/stories/<slug>`` it asks ``/api/stories/<slug>.json`` for the story and draws its title,
byline, date and paragraphs. Without a browser the crawl sees nothing but the shell.
"""

from __future__ import annotations

import json

from .builtsites import esc, make_posts
from .sitekit import Reply, html

STORIES = make_posts("jsapp", 11, lambda i, slug, day, s: f"/stories/{slug}",
                     authors=("Ines Varga", "Olu Mensah"))
JS_ARTICLES = {post.path for post in STORIES}
PER_PAGE = 4

APP_JS = r"""
(function () {
  const app = document.getElementById("app");
  const el = (tag, attrs, text) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text) node.textContent = text;
    return node;
  };
  function teaser(story) {
    const item = el("article", {class: "teaser"});
    const h2 = el("h2", {class: "teaser-title"});
    h2.appendChild(el("a", {href: "/stories/" + story.slug}, story.title));
    item.appendChild(h2);
    item.appendChild(el("time", {datetime: story.published}, story.published));
    const p = el("p", {class: "summary"}, story.teaser + " ");
    p.appendChild(el("a", {href: "/stories/" + story.slug, class: "read-more"}, "Read more"));
    item.appendChild(p);
    return item;
  }
  async function listing() {
    document.title = "Latest stories - Lumen";
    const main = el("main", {class: "listing"});
    main.appendChild(el("h1", {}, "Latest stories"));
    const list = el("section", {class: "stories"});
    main.appendChild(list);
    const more = el("button", {type: "button", class: "more-button"}, "Load more");
    main.appendChild(more);
    app.replaceChildren(main);
    let next = "/api/stories?page=1";
    async function load() {
      more.disabled = true;
      const data = await (await fetch(next)).json();
      data.items.forEach(s => list.appendChild(teaser(s)));
      next = data.next;
      more.disabled = false;
      if (!next) more.remove();
    }
    more.addEventListener("click", load);
    await load();
  }
  async function story(slug) {
    const data = await (await fetch("/api/stories/" + slug + ".json")).json();
    document.title = data.title + " - Lumen";
    const article = el("article", {class: "story"});
    article.appendChild(el("h1", {}, data.title));
    const byline = el("p", {class: "byline"}, "By ");
    byline.appendChild(el("span", {class: "author", rel: "author"}, data.author));
    byline.appendChild(el("time", {datetime: data.published}, " · " + data.published));
    article.appendChild(byline);
    data.paragraphs.forEach(text => article.appendChild(el("p", {}, text)));
    const main = el("main", {});
    main.appendChild(article);
    app.replaceChildren(main);
  }
  const path = location.pathname;
  if (path === "/") listing();
  else if (path.startsWith("/stories/")) story(path.slice("/stories/".length));
})();
"""


def shell(title: str) -> str:
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<meta name="viewport" content="width=device-width"><script src="/static/app.js" defer></script></head>
<body><header class="masthead"><a href="/">Lumen</a></header>
<div id="app"><p class="loading">Loading…</p></div>
<footer><a href="/about">About Lumen</a></footer></body></html>"""


def json_reply(data) -> Reply:
    return Reply(json.dumps(data).encode("utf-8"), content_type="application/json")


def build_jsapp(base_url: str) -> dict[str, Reply]:
    return app_pages(STORIES)


def app_pages(stories, per_page: int = PER_PAGE) -> dict[str, Reply]:
    """The app's pages for ``stories`` (Posts), ``per_page`` teasers per "Load more"."""
    pages: dict[str, Reply] = {
        "/": html(shell("Lumen")),
        "/about": html(shell("About Lumen")),
        "/static/app.js": Reply(APP_JS.encode("utf-8"), content_type="application/javascript"),
        "/robots.txt": Reply(b"User-agent: *\nAllow: /\n", content_type="text/plain"),
    }
    chunks = [stories[i:i + per_page] for i in range(0, len(stories), per_page)]
    for n, chunk in enumerate(chunks, start=1):
        pages[f"/api/stories?page={n}"] = json_reply({
            "items": [{"slug": p.path.rsplit("/", 1)[1], "title": p.title, "teaser": p.teaser,
                       "published": p.published} for p in chunk],
            "next": f"/api/stories?page={n + 1}" if n < len(chunks) else None,
        })
    for post in stories:
        slug = post.path.rsplit("/", 1)[1]
        pages[post.path] = html(shell("Lumen"))
        pages[f"/api/stories/{slug}.json"] = json_reply({
            "title": post.title, "author": post.author, "published": post.published,
            "paragraphs": list(post.paragraphs)})
    return pages
