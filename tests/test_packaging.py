"""The tool installed as pip, pipx or a Docker image installs it: from the built wheel,
not from the checkout. `serve` must publish the same site (search page, article pages)
as in a checkout, because the Datasette configuration of db/ ships inside the package.

The wheel is built from a copy of the sources (nothing is written into the checkout) and
installed without its dependencies into a fresh virtualenv that borrows the test
environment's: only archive-spider itself comes from the wheel.
"""

import shutil
import site
import subprocess
import sys
import sysconfig
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.polling import wait_until
from tests.test_publish import ARTICLES, article_id, make_archive

ROOT = Path(__file__).resolve().parent.parent
# What the source copy leaves out: archives, crawl files and caches in db/, build output.
NOT_SOURCES = shutil.ignore_patterns("*.db", "*.db-*", "*.lock", "warc", "__pycache__", "*.egg-info", "build")


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    sources = tmp_path_factory.mktemp("sources")
    for name in ("pyproject.toml", "README.md", "setup.py", "MANIFEST.in", "Makefile"):
        shutil.copy(ROOT / name, sources)
    for name in ("archive_spider", "db"):
        shutil.copytree(ROOT / name, sources / name, ignore=NOT_SOURCES)
    return sources


@pytest.fixture(scope="module")
def wheel(sources, tmp_path_factory):
    dist = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(sources)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "license" not in result.stderr.lower(), result.stderr  # no deprecation banner
    (built,) = dist.glob("*.whl")
    return built


def fresh_venv(venv: Path) -> Path:
    """A virtualenv at ``venv`` without pip, whose dependencies come from the test
    environment; its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    # The dependencies come from the test environment (a path, not a site dir: its .pth
    # files, among them an editable install of this checkout, are not run).
    dependencies = [sysconfig.get_path("purelib"), *site.getsitepackages()]
    Path(purelib, "test-dependencies.pth").write_text("\n".join(dict.fromkeys(dependencies)) + "\n")
    return python


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    """A fresh virtualenv with the wheel installed; its bin/ folder."""
    python = fresh_venv(tmp_path_factory.mktemp("venv"))
    result = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return python.parent


def test_the_wheel_carries_the_datasette_site(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("metadata.yml", "settings.json", "plugins/archive_pages.py", "templates/index.html",
                 "templates/row-archive-articles.html"):
        assert f"archive_spider/site/{name}" in names
    assert not any(name.endswith(".db") for name in names)
    assert "archive_spider/demo/essays/" in {name.rsplit("/", 1)[0] + "/" for name in names}


def read(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def test_an_installed_tool_serves_the_archive_site(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"  # no db/ here, and not the checkout
    elsewhere.mkdir()
    origin = subprocess.run([str(installed / "python"), "-c", "import archive_spider; print(archive_spider.__file__)"],
                            cwd=elsewhere, capture_output=True, text=True, check=True).stdout
    assert str(installed.parent) in origin and str(ROOT) not in origin
    archive = make_archive(elsewhere / "archive.db")
    server = subprocess.Popen([str(installed / "archive-spider"), "serve", "--db", "archive.db", "--port", "0"],
                              cwd=elsewhere, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stderr.readline()
        assert "Serving archive.db at http://127.0.0.1:" in line, line
        base = line.split(" at ", 1)[1].split()[0].rstrip("/")
        pages = {}
        pk = article_id(archive, ARTICLES[0]["url"])
        for path in ("/", "/archive/search?q=crawling", f"/archive/articles/{pk}"):
            pages[path] = wait_until(lambda url=base + path: read(url), 30, f"the installed serve answering {path}",
                                     interval=0.2, ignoring=(OSError,))
        assert 'action="/archive/search"' in pages["/"]  # the archive's home page, not Datasette's
        assert "<mark>Crawling</mark>" in pages["/archive/search?q=crawling"]
        assert '<h1 class="headline">' in pages[f"/archive/articles/{pk}"]
        assert "Crawling politely at scale" in pages[f"/archive/articles/{pk}"]
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_makefiles_editable_install_is_quiet_and_finds_the_site(sources, tmp_path):
    """`make install`'s pip command, without setuptools' banners (licence, editable
    finder); the checkout's db/ is the site it publishes."""
    import re

    import os

    makefile = (sources / "Makefile").read_text()
    command = re.search(r"\$\(EDITABLE_NOTE_OFF\) \$\(PY\) -m pip install --quiet -e '\.\[test\]'", makefile)
    warnings = re.search(r'EDITABLE_NOTE_OFF := PYTHONWARNINGS="([^"]+)"', makefile)
    assert command and warnings, "the Makefile's install line changed"
    python = fresh_venv(tmp_path / "venv")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
         "--no-build-isolation", "-e", str(sources)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONWARNINGS": warnings.group(1)},
    )
    assert result.returncode == 0, result.stderr
    banners = [line for line in result.stderr.splitlines() if "Warning" in line or "!!" in line]
    assert banners == []
    found = subprocess.run([str(python), "-c", "from archive_spider import publish; print(publish.site_dir())"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout.strip()
    assert found == str(sources / "db")
