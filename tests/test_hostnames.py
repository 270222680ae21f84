"""Crawls of sites named by host names, through the real resolver path.

Every other end-to-end test names its site 127.0.0.1, which needs no DNS. Here the crawl
runs in a private network and mount namespace (``tests/netns_scenario.py``) with its own
DNS server on 127.0.0.1:53, so ``site.test`` is resolved by libc, Scrapy's resolver and
``GuardedResolver`` as a real site's name would be, and nothing can leave the machine.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.e2e


def namespace_command() -> list[str] | None:
    """How to enter a private network and mount namespace here, or None if we can't."""
    if not sys.platform.startswith("linux") or not shutil.which("unshare") or not shutil.which("mount"):
        return None
    for command in (["unshare", "--mount", "--net"], ["unshare", "--user", "--map-root-user", "--mount", "--net"]):
        probe = subprocess.run([*command, "true"], capture_output=True)
        if probe.returncode == 0:
            return command
    return None


@pytest.fixture(scope="module")
def scenario():
    command = namespace_command()
    if command is None:
        pytest.skip("cannot create a private network namespace here (needs unshare and root or user namespaces)")
    result = subprocess.run([*command, sys.executable, "-m", "tests.netns_scenario"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def test_a_site_named_by_a_host_name_is_crawled(scenario):
    assert scenario["returncode"] == 0, scenario["stderr"]
    assert scenario["crawls"] == [["ok", len(scenario["expected_paths"])]]
    archived = {urlsplit(url).path for url in scenario["articles"]}
    assert archived == set(scenario["expected_paths"])
    assert {urlsplit(url).hostname for url in scenario["articles"]} == {"site.test"}
    # The name was really asked of DNS, not short-cut as a literal.
    assert ["site.test", 1] in scenario["dns_questions"]
    assert "Traceback" not in scenario["stderr"]


def test_names_found_on_pages_cannot_reach_internal_addresses(scenario):
    # inner.site.test is internal from the start; rebind.site.test answered a public
    # address to the first lookup and 127.0.0.1 when the crawler connected.
    hosts_served = {host.split(":")[0] for host, _ in scenario["requests"]}
    assert hosts_served == {"site.test"}
    reasons = {urlsplit(url).hostname: (reason, detail) for url, reason, detail in scenario["failures"]
               if not url.endswith("/robots.txt")}
    assert reasons["inner.site.test"][0] == "blocked-address"
    assert reasons["rebind.site.test"][0] == "blocked-address"
    assert "resolved to 127.0.0.1" in reasons["rebind.site.test"][1]
    # The rebinding name was looked up twice: once by the safety check (public), once to connect.
    assert [q for q in scenario["dns_questions"] if q == ["rebind.site.test", 1]][:2] == [["rebind.site.test", 1]] * 2
