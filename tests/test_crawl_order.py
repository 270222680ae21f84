"""The order Scrapy's scheduler hands requests out in: a multi-page article's next page
first, then articles, then index pages and sources, each in the order they were found."""

from types import SimpleNamespace

from scrapy.http import Request
from scrapy.pqueues import ScrapyPriorityQueue
from scrapy.squeues import FifoMemoryQueue
from scrapy.utils.test import get_crawler

from archive_spider.crawl import CrawlOptions, build_settings
from archive_spider.vocabulary import ArticleLink
from archive_spider.spiders.articles import ArticlesSpider
from archive_spider.spiders.routing import ARTICLE_PRIORITY, CONTINUATION_PRIORITY
from archive_spider.vocabulary import SITE

from .test_routing import collect, make_spider, response


def test_continuations_come_before_articles_and_articles_before_index_pages():
    spider, _ = make_spider(url="https://example.org/", settings={"ARCHIVE_MAX_ARTICLE_PAGES": 20})
    index = response("https://example.org/", "<html></html>", {"archive_role": "start", SITE: "example.org"})
    link = ArticleLink("https://example.org/2024/01/one-two-three/", "One", "Teaser.", None)
    [article] = spider.article_requests(index, [link])
    [next_index] = spider.index_requests(index, ["https://example.org/page/2/"], new_links=1)
    first_page = response(article.url, "<html></html>", article.meta)
    [continuation] = collect(spider.continue_or_extract(
        first_page, SimpleNamespace(continuation=article.url + "2/"), [(article.url, "<html></html>")], link))
    assert continuation.meta["pages"] == [(article.url, "<html></html>")]
    assert continuation.priority == CONTINUATION_PRIORITY > article.priority == ARTICLE_PRIORITY > next_index.priority


def test_depth_does_not_reorder_them():
    # DepthMiddleware lowers a request's priority by DEPTH_PRIORITY per link from a start
    # URL: page 2 of an article found far down a listing would wait behind the rest, and
    # an article listed ten pages down behind the next index page.
    assert build_settings(CrawlOptions()).getint("DEPTH_PRIORITY") == 0


def test_the_scheduler_queue_hands_them_out_in_that_order():
    queue = ScrapyPriorityQueue.from_crawler(get_crawler(ArticlesSpider), FifoMemoryQueue, key="")
    for url, priority in [("index-2", 0), ("article-1", ARTICLE_PRIORITY), ("index-3", 0),
                          ("article-2", ARTICLE_PRIORITY), ("article-1/2", CONTINUATION_PRIORITY)]:
        queue.push(Request(f"https://example.org/{url}/", priority=priority))
    order = ["/".join(queue.pop().url.split("/")[3:-1]) for _ in range(5)]
    assert order == ["article-1/2", "article-1", "article-2", "index-2", "index-3"]
