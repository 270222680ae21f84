"""archive-spider: crawl article sites into a clean, searchable SQLite archive.

The public Python API is :func:`extract_article`; the rest of the package is the Scrapy
project behind the ``archive-spider`` command.
"""

__version__ = "0.1.0"

__all__ = ["Article", "extract_article", "__version__"]


def __getattr__(name):
    # Lazy, so that `import archive_spider` (Scrapy's settings import) does not load the
    # extraction stack (trafilatura, lxml) before it is needed.
    if name in ("Article", "extract_article"):
        from archive_spider import extraction

        return getattr(extraction, name)
    raise AttributeError(f"module 'archive_spider' has no attribute {name!r}")
