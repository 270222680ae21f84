"""``python -m archive_spider`` is the ``archive-spider`` command."""

from archive_spider.cli import cli

if __name__ == "__main__":
    cli(prog_name="archive-spider")
