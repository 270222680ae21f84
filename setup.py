# Only for scrapyd-deploy (scrapyd-client), which builds the egg it uploads to Scrapyd with
# `python setup.py bdist_egg`. Everything is declared in pyproject.toml, including the
# `scrapy` entry point that tells Scrapyd where the settings are.
from setuptools import setup

setup()
