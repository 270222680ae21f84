# Everything is declared in pyproject.toml, including the `scrapy` entry point that tells
# Scrapyd where the settings are. This file adds one build step, and lets scrapyd-deploy
# (scrapyd-client) build the egg it uploads with `python setup.py bdist_egg`.
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# Datasette's configuration in db/, shipped inside the package as archive_spider/site/.
SITE_FILES = ("metadata.yml", "settings.json", "templates/*.html", "plugins/*.py")


class BuildWithSite(build_py):
    """build_py that also copies db/'s Datasette configuration into the package."""

    def run(self):
        super().run()
        for pattern in SITE_FILES:
            for source in sorted((ROOT / "db").glob(pattern)):
                target = Path(self.build_lib, "archive_spider", "site", source.relative_to(ROOT / "db"))
                self.mkpath(str(target.parent))
                self.copy_file(str(source), str(target))


setup(cmdclass={"build_py": BuildWithSite})
