"""`crawl --concurrency N` and `--workers N`: what they change in Scrapy's settings."""

from archive_spider.crawl import CrawlOptions, build_settings


def test_polite_defaults_stay_the_default():
    settings = build_settings(CrawlOptions())
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getfloat("DOWNLOAD_DELAY") > 0
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 2
    assert settings.get("ARCHIVE_EXTRACT_WORKERS") is None  # one worker per core


def test_concurrency_lifts_throttling_and_delays():
    settings = build_settings(CrawlOptions(concurrency=16))
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 16
    assert settings.getint("CONCURRENT_REQUESTS") >= 16
    assert not settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getfloat("DOWNLOAD_DELAY") == 0
    assert settings.getfloat("DOWNLOAD_DELAY_JITTER") == 0
    assert build_settings(CrawlOptions(concurrency=64)).getint("CONCURRENT_REQUESTS") == 64


def test_workers_option_sets_the_extraction_pool_size():
    assert build_settings(CrawlOptions(extract_workers=0)).getint("ARCHIVE_EXTRACT_WORKERS") == 0
    assert build_settings(CrawlOptions(extract_workers=3)).getint("ARCHIVE_EXTRACT_WORKERS") == 3
