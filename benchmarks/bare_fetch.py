"""The wire speed: a bare Scrapy crawl that fetches a list of URLs and does nothing else.

Used by ``benchmarks/crawl.py`` as measurement (a); settings as ``archive-spider crawl
--concurrency N`` uses them (no AutoThrottle, no delay), nothing parsed, nothing stored.

Example:
    python benchmarks/bare_fetch.py urls.txt --concurrency 16
"""

from __future__ import annotations

import argparse
import json
import time

import scrapy
from scrapy.crawler import CrawlerProcess


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, urls: list[str], **kwargs):
        super().__init__(**kwargs)
        self.urls = urls
        self.fetched = 0
        self.bytes = 0

    async def start(self):
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response):
        self.fetched += 1
        self.bytes += len(response.body)
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url_file", help="file with one URL per line")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with open(args.url_file, encoding="utf-8") as f:
        urls = [line.strip() for line in f if line.strip()]
    process = CrawlerProcess({
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "ROBOTSTXT_OBEY": False,
        "COOKIES_ENABLED": False,
        "CONCURRENT_REQUESTS": max(16, args.concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": args.concurrency,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
    })
    crawler = process.create_crawler(BareSpider)
    started = time.monotonic()
    process.crawl(crawler, urls=urls)
    process.start()
    spider = crawler.spider
    print(json.dumps({"fetched": spider.fetched, "bytes": spider.bytes,
                      "seconds": time.monotonic() - started}))


if __name__ == "__main__":
    main()
