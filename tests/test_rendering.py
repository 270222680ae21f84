"""rendering.py: which static pages need a browser, and the verdict kept per site."""

import pytest

from archive_spider import rendering
from archive_spider.sites import SiteConfigError, parse_sites

PROSE = " ".join(["The harbour master counted the boats that came in before the storm."] * 12)


def page(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head><title>t</title>{head}</head><body>{body}</body></html>"


def listing_page(control: str) -> str:
    """A listing of six teasers ending with ``control``, with a theme script."""
    teasers = "".join(f'<article><h2><a href="/p/{i}">Post {i}</a></h2><p>{PROSE[:150]}</p></article>' for i in range(6))
    return page(f"<main>{teasers}{control}</main>", '<script src="/theme.js"></script>')


def test_an_app_shell_with_a_script_bundle_is_rendered():
    html = page('<header><a href="/">Home</a></header><div id="root">Loading…</div>',
                '<script type="module" src="/assets/index-4f2a.js"></script>')
    assert rendering.needs_rendering(html) == rendering.Verdict(True, "empty-shell")


def test_an_article_with_analytics_scripts_is_not_rendered():
    html = page(f'<nav><a href="/">Home</a></nav><main><h1>Storms</h1><p>{PROSE}</p></main>'
                '<script src="https://stats.example/ga.js"></script><script>track("view")</script>')
    assert rendering.needs_rendering(html) == rendering.NO_RENDER


def test_an_empty_page_without_scripts_is_not_rendered_nor_parsed():
    # nothing a browser could add: no script to run
    assert rendering.needs_rendering(page("<p>Gone fishing.</p>")) == rendering.NO_RENDER
    assert not rendering.has_script(page("<p>Gone fishing.</p>"))


def test_a_listing_of_short_teasers_is_content_as_a_whole():
    teasers = "".join(f'<article><h2><a href="/p/{i}">Post {i}</a></h2><p>A short teaser of post {i}.</p></article>'
                      for i in range(10))
    html = page(f'<div class="content">{teasers}</div>', '<script src="/theme.js"></script>')
    assert rendering.read_signals(html).content_chars > rendering.MIN_CONTENT_CHARS
    assert rendering.needs_rendering(html) == rendering.NO_RENDER


def test_furniture_text_does_not_count_as_content():
    # a long menu and footer around an empty app root are still a shell
    menu = "".join(f'<li><a href="/section/{i}">Section number {i} of the magazine</a></li>' for i in range(20))
    html = page(f"<nav><ul>{menu}</ul></nav><div id='app'></div><footer>{PROSE}</footer>",
                '<script src="/app.js" defer></script>')
    signals = rendering.read_signals(html)
    assert signals.content_chars < rendering.MIN_CONTENT_CHARS
    assert signals.links == 20
    assert rendering.decide(signals).render


def test_a_noscript_asking_for_javascript_is_rendered_even_with_some_text():
    html = page(f"<noscript>You need to enable JavaScript to run this app.</noscript><p>{PROSE}</p>",
                "<script>var x = 1;</script>")
    assert rendering.needs_rendering(html).reason == "noscript"


def test_a_noscript_holding_a_tracking_pixel_is_not_a_request_for_javascript():
    html = page(f'<noscript><img src="/pixel.gif"></noscript><main><p>{PROSE}</p></main>',
                '<script src="/pixel.js"></script>')
    assert rendering.needs_rendering(html) == rendering.NO_RENDER


@pytest.mark.parametrize("control", [
    '<button type="button" class="btn">Load more</button>',
    '<a href="#" class="button">Show more stories</a>',
    '<a href="javascript:void(0)">Mehr laden</a>',
    '<div class="js-infinite-scroll" data-page="2"></div>',
    '<button data-load-more="/api/posts?page=2">More</button>',
])
def test_a_listing_whose_teasers_arrive_by_xhr_is_rendered(control):
    html = listing_page(control)
    assert rendering.needs_rendering(html).reason == "load-more"


def test_noscripts_and_controls_about_comments_do_not_ask_for_the_browser():
    disqus = ('<noscript>Please enable JavaScript to view the <a href="https://disqus.com/?ref_noscript">'
              'comments powered by Disqus.</noscript>')
    more_comments = '<button type="button">Load more comments</button><div class="wpd-comment load-more"></div>'
    html = page(f"<main><p>{PROSE}</p>{disqus}{more_comments}</main>", '<script src="/embed.js"></script>')
    assert rendering.needs_rendering(html) == rendering.NO_RENDER


def test_a_noscript_on_a_page_holding_a_whole_article_is_about_something_else():
    article = "".join(f"<p>{PROSE}</p>" for _ in range(3))
    html = page(f"<main>{article}</main><noscript>JavaScript is required for the video player.</noscript>",
                '<script src="/player.js"></script>')
    assert rendering.needs_rendering(html) == rendering.NO_RENDER


def test_load_more_counts_on_listings_only():
    html = listing_page('<button class="load-more">Show more stories</button>')
    assert rendering.needs_rendering(html, listing=True).render
    # the same control on a page asked for as an article: related posts, not the listing
    assert rendering.needs_rendering(html, listing=False) == rendering.NO_RENDER


def test_an_empty_teaser_list_filled_by_a_script_is_rendered_on_listings():
    intro = f"<h1>The newsroom</h1><p>{PROSE}</p>"  # enough text not to be an empty shell
    html = page(f'<main>{intro}<ul id="latest-posts" class="post-list"></ul></main>', '<script src="/feed.js"></script>')
    assert rendering.needs_rendering(html).reason == "xhr-listing"
    assert rendering.needs_rendering(html, listing=False) == rendering.NO_RENDER
    # filled already, or an empty comment list: nothing to wait for
    filled = html.replace('class="post-list"></ul>', 'class="post-list"><li><a href="/p/1">One</a></li></ul>')
    assert rendering.needs_rendering(filled) == rendering.NO_RENDER
    comments = html.replace('id="latest-posts" class="post-list"', 'id="comments" class="comment-list"')
    assert rendering.needs_rendering(comments) == rendering.NO_RENDER


def test_pagination_links_are_not_load_more():
    html = listing_page('<a class="next" href="/page/2/">Load more posts</a>')
    assert rendering.needs_rendering(html) == rendering.NO_RENDER


def test_rendering_helped_when_it_brought_text_or_links():
    shell = rendering.read_signals(page('<div id="app"></div>', '<script src="/a.js"></script>'))
    article = rendering.read_signals(page(f"<main><p>{PROSE}</p></main>"))
    listing = rendering.read_signals(page("".join(f'<a href="/p/{i}">p</a>' for i in range(5))))
    assert rendering.rendering_helped(shell, article)
    assert rendering.rendering_helped(shell, listing)
    assert not rendering.rendering_helped(article, article)
    # a cookie banner drawn on a long article is no help
    long_article = page(f"<main><p>{PROSE * 4}</p></main>")
    banner = long_article.replace("</main>", f'</main><div class="consent"><p>{PROSE[:400]}</p><a href="/privacy">Privacy</a></div>')
    assert not rendering.rendering_helped(rendering.read_signals(long_article), rendering.read_signals(banner))


def test_memory_a_site_that_needs_the_browser_is_rendered_from_then_on():
    memory = rendering.RenderMemory(sample=3)
    assert memory.verdict("app") == rendering.UNDECIDED
    assert memory.note_rendered("app", helped=True) == rendering.BROWSER
    # later pages, rendered without deciding, do not change the verdict
    assert memory.note_rendered("app", helped=False) == rendering.BROWSER
    assert memory.note_static("app") == rendering.BROWSER
    assert memory.verdict("other") == rendering.UNDECIDED


def test_memory_a_site_reading_well_without_the_browser_is_judged_static():
    memory = rendering.RenderMemory(sample=3)
    assert memory.note_static("blog") == rendering.UNDECIDED
    assert memory.note_rendered("blog", helped=False) == rendering.UNDECIDED  # rendered in vain
    assert memory.note_static("blog") == rendering.STATIC
    # once static, a page is not even looked at, and the verdict stays
    assert memory.note_rendered("blog", helped=True) == rendering.STATIC


def test_memory_with_sample_zero_never_judges_a_site_static():
    memory = rendering.RenderMemory(sample=0)
    for _ in range(50):
        memory.note_static("blog")
    assert memory.verdict("blog") == rendering.UNDECIDED


def test_parse_mode():
    assert rendering.parse_mode(" Auto ") == "auto"
    with pytest.raises(ValueError, match="never, auto, always"):
        rendering.parse_mode("sometimes")


def test_sites_toml_render_per_site():
    sites = parse_sites({"sites": {
        "app": {"start_urls": ["https://app.example/"], "render": "always"},
        "blog": {"start_urls": ["https://blog.example/"]},
    }})
    assert [s.render for s in sites] == ["always", None]
    with pytest.raises(SiteConfigError, match=r"site 'app': render: expected one of never, auto, always"):
        parse_sites({"sites": {"app": {"start_urls": ["https://app.example/"], "render": "yes"}}})
    with pytest.raises(SiteConfigError, match=r"render: must be one of"):
        parse_sites({"sites": {"app": {"start_urls": ["https://app.example/"], "render": True}}})


def test_render_settings_are_checked_before_a_crawl():
    from archive_spider.config import ConfigError, check_settings
    from archive_spider.crawl import CrawlOptions, build_settings
    from archive_spider.settings import project_settings

    assert build_settings(CrawlOptions(render="auto")).get("ARCHIVE_RENDER") == "auto"
    assert build_settings(CrawlOptions()).get("ARCHIVE_RENDER") == "never"
    with pytest.raises(ConfigError, match="ARCHIVE_RENDER: 'sometimes'"):
        check_settings(project_settings({"ARCHIVE_RENDER": "sometimes"}))
    with pytest.raises(ConfigError, match="ARCHIVE_RENDER_CONCURRENCY"):
        check_settings(project_settings({"ARCHIVE_RENDER_CONCURRENCY": 0}))
