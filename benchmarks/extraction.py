"""Score article extraction on a corpus laid out like Mozilla Readability's test pages.

Each page is a folder with ``source.html``, ``expected.html`` and
``expected-metadata.json`` (``title``, ``byline``). Prints body F1 / precision / recall,
title and byline match rates and the median time per page for archive-spider's
``extract_article`` and, measured in the same run, for trafilatura and readability-lxml
(each skipped with a note when not installed), each median also as a multiple of
trafilatura's, then the K worst pages for ours.

Example:
    python benchmarks/extraction.py --corpus /work/shared/corpus/readability --worst 10
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from extraction_scoring import (  # noqa: E402
    PageScore,
    average_scores,
    match_exactly,
    score_text,
    visible_text,
)

# An extractor maps (html, url) to (text, title, byline).
Extractor = Callable[[str, str | None], tuple[str, str | None, str | None]]


@dataclass
class Page:
    name: str
    html: str
    reference_text: str
    title: str | None
    byline: str | None


@dataclass
class Results:
    name: str
    scores: dict[str, PageScore] = field(default_factory=dict)
    titles: dict[str, bool] = field(default_factory=dict)
    bylines: dict[str, bool] = field(default_factory=dict)
    millis: list[float] = field(default_factory=list)
    errors: int = 0


def load_corpus(corpus: Path, limit: int | None) -> list[Page]:
    """Read every page folder of ``corpus`` (sorted by name, at most ``limit``)."""
    pages = []
    for folder in sorted(p for p in corpus.iterdir() if (p / "source.html").is_file()):
        meta_path = folder / "expected-metadata.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        pages.append(
            Page(
                name=folder.name,
                html=(folder / "source.html").read_text(encoding="utf-8", errors="replace"),
                reference_text=visible_text((folder / "expected.html").read_text(encoding="utf-8")),
                title=meta.get("title"),
                byline=meta.get("byline"),
            )
        )
        if limit and len(pages) >= limit:
            break
    return pages


def extract_with_archive_spider(html: str, url: str | None):
    from archive_spider.extraction import extract_article

    article = extract_article(html, url=url)
    return article.text, article.title, article.author


def extract_with_trafilatura(html: str, url: str | None):
    import trafilatura

    document = trafilatura.bare_extraction(html, url=url, include_comments=False, with_metadata=True)
    if document is None:
        return "", None, None
    return document.text or "", document.title, document.author


def extract_with_readability(html: str, url: str | None):
    import lxml.html
    from readability import Document

    document = Document(html, url=url)
    summary = document.summary(html_partial=True)
    text = lxml.html.fromstring(summary).text_content() if summary.strip() else ""
    return text, document.short_title(), None


EXTRACTORS: dict[str, tuple[str, Extractor]] = {
    "archive-spider": ("archive_spider.extraction", extract_with_archive_spider),
    "trafilatura": ("trafilatura", extract_with_trafilatura),
    "readability-lxml": ("readability", extract_with_readability),
}


def run_extractors(extractors: dict[str, Extractor], pages: list[Page]) -> list[Results]:
    """Run every extractor on each page in turn (interleaved, so that load from other
    processes affects all of them alike) and score them."""
    all_results = {name: Results(name) for name in extractors}
    for page in pages:
        for name, extractor in extractors.items():
            results = all_results[name]
            start = time.perf_counter()
            try:
                text, title, byline = extractor(page.html, None)
            except Exception as error:  # a benchmark reports failures, it does not stop
                print(f"  {name} failed on {page.name}: {error!r}", file=sys.stderr)
                results.errors += 1
                text, title, byline = "", None, None
            results.millis.append((time.perf_counter() - start) * 1000)
            results.scores[page.name] = score_text(text, page.reference_text)
            results.titles[page.name] = match_exactly(title, page.title)
            results.bylines[page.name] = match_exactly(byline, page.byline)
    return list(all_results.values())


def print_table(all_results: list[Results]) -> None:
    """One row per extractor; the last column is its median time over trafilatura's."""
    anchor = next((r for r in all_results if r.name == "trafilatura" and r.millis), None)
    anchor_median = statistics.median(anchor.millis) if anchor else None
    print(f"{'extractor':<18} {'F1':>6} {'prec':>6} {'recall':>6} {'title':>6} {'byline':>6} {'ms/page':>8}"
          + (f" {'x traf':>6}" if anchor_median else ""))
    for results in all_results:
        precision, recall, f1 = average_scores(list(results.scores.values()))
        count = len(results.scores) or 1
        title_rate = sum(results.titles.values()) / count
        byline_rate = sum(results.bylines.values()) / count
        median = statistics.median(results.millis) if results.millis else 0.0
        print(
            f"{results.name:<18} {f1:6.3f} {precision:6.3f} {recall:6.3f} "
            f"{title_rate:6.3f} {byline_rate:6.3f} {median:8.1f}"
            + (f" {median / anchor_median:6.2f}" if anchor_median else "")
            + (f"  ({results.errors} errors)" if results.errors else "")
        )


def print_worst(results: Results, count: int) -> None:
    worst = sorted(results.scores.items(), key=lambda item: item[1].f1)[:count]
    print(f"\n{count} worst pages for {results.name}:")
    for name, score in worst:
        print(f"  {name:<40} F1 {score.f1:.3f}  P {score.precision:.3f}  R {score.recall:.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="folder of page folders")
    parser.add_argument("--limit", type=int, default=None, help="score only the first N pages")
    parser.add_argument("--worst", type=int, default=10, help="list the K worst pages (ours)")
    parser.add_argument(
        "--only", choices=sorted(EXTRACTORS), action="append", help="run only these extractors"
    )
    args = parser.parse_args(argv)

    pages = load_corpus(args.corpus, args.limit)
    print(f"{len(pages)} pages from {args.corpus}\n")
    chosen: dict[str, Extractor] = {}
    for name, (module, extractor) in EXTRACTORS.items():
        if args.only and name not in args.only:
            continue
        try:
            __import__(module)
        except ImportError:
            print(f"note: {name} skipped ({module} is not installed)")
            continue
        chosen[name] = extractor
    all_results = run_extractors(chosen, pages)
    print_table(all_results)
    if all_results and all_results[0].name == "archive-spider" and args.worst:
        print_worst(all_results[0], args.worst)
    return 0


if __name__ == "__main__":
    sys.exit(main())
