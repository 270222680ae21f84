"""Score article extraction on the development corpora, side by side with trafilatura
and readability-lxml, in one run.

Two layouts are understood (each corpus's README says how it is scored; see
extraction_scoring.py):

- Mozilla Readability's test pages: a folder per page with ``source.html``,
  ``expected.html`` and ``expected-metadata.json``. Body F1 from 4-gram shingles,
  macro-averaged over pages; title and byline match rates.
- trafilatura's evaluation pages: ``evaldata.json`` (snippets that must and must not
  appear) with the pages in ``pages.tar.xz`` (or a ``pages/`` folder). Body F1 from
  snippets, summed over pages. The page's URL is passed along.

For each corpus: F1, precision, recall, the median time per page (CPU time of this
process unless ``--clock wall``) and its ratio to trafilatura's measured in the same run
(every extractor runs on a page before the next page, so that load from other processes
affects all alike), then the losses broken down
by kind (text missing: empty, body missed, cut short, start missed, gaps; text that
should not be there: repeated blocks, captions and credits, share rows, related widgets,
comments, dates and bylines, cookie and sign-up notices, other) and the K worst pages.

Example:
    python benchmarks/extraction.py --worst 10
    python benchmarks/extraction.py --corpus ../shared/corpus/trafilatura-eval --only archive-spider
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tarfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from extraction_scoring import (  # noqa: E402
    PageScore,
    average_scores,
    classify_extra,
    classify_missing,
    extra_paragraphs,
    match_exactly,
    missed_positions,
    score_snippets,
    score_text,
    sum_scores,
    visible_text,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPORA = [ROOT.parent / "shared" / "corpus" / "readability",
                   ROOT.parent / "shared" / "corpus" / "trafilatura-eval"]

# An extractor maps (html, url) to (text, title, byline).
Extractor = Callable[[str | bytes, str | None], tuple[str, str | None, str | None]]


@dataclass
class Reference:
    """What a page of the Readability layout should give: its text, title and byline."""

    text: str
    title: str | None
    byline: str | None


@dataclass
class Snippets:
    """What a page of the snippet layout must (``with_``) and must not (``without``) give."""

    with_: list[str]
    without: list[str]


@dataclass
class Page:
    name: str
    html: str | bytes
    expected: Reference | Snippets
    url: str | None = None


@dataclass
class Corpus:
    name: str
    kind: str  # "readability" or "snippets"
    pages: list[Page]


@dataclass
class Results:
    name: str
    scores: dict[str, PageScore] = field(default_factory=dict)
    titles: dict[str, bool] = field(default_factory=dict)
    bylines: dict[str, bool] = field(default_factory=dict)
    millis: list[float] = field(default_factory=list)
    errors: int = 0
    losses: Counter = field(default_factory=Counter)  # (side, kind) -> amount
    examples: dict[tuple[str, str], list[str]] = field(default_factory=dict)


def load_corpus(path: Path, limit: int | None) -> Corpus:
    """Read a corpus of either layout (at most ``limit`` pages, in name order)."""
    if (path / "evaldata.json").is_file():
        return load_snippet_corpus(path, limit)
    return load_readability_corpus(path, limit)


def load_readability_corpus(corpus: Path, limit: int | None) -> Corpus:
    pages = []
    for folder in sorted(p for p in corpus.iterdir() if (p / "source.html").is_file()):
        meta_path = folder / "expected-metadata.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        expected = Reference(visible_text((folder / "expected.html").read_text(encoding="utf-8")),
                             meta.get("title"), meta.get("byline"))
        pages.append(Page(folder.name, (folder / "source.html").read_text(encoding="utf-8", errors="replace"),
                          expected))
        if limit and len(pages) >= limit:
            break
    return Corpus(corpus.name, "readability", pages)


def load_snippet_corpus(corpus: Path, limit: int | None) -> Corpus:
    """The pages are kept as bytes: each extractor decodes them its own way."""
    data = json.loads((corpus / "evaldata.json").read_text(encoding="utf-8"))
    files: dict[str, bytes] = {}
    if (corpus / "pages").is_dir():
        files = {p.name: p.read_bytes() for p in (corpus / "pages").iterdir()}
    else:
        with tarfile.open(corpus / "pages.tar.xz") as archive:
            for member in archive:
                if member.isfile():
                    files[Path(member.name).name] = archive.extractfile(member).read()
    pages = []
    for key in sorted(data, key=lambda k: data[k]["file"]):
        entry = data[key]
        if entry["file"] not in files:
            continue
        pages.append(Page(entry["file"], files[entry["file"]],
                          Snippets(entry.get("with", []), entry.get("without", [])),
                          url=key if key.startswith(("http://", "https://")) else None))
        if limit and len(pages) >= limit:
            break
    return Corpus(corpus.name, "snippets", pages)


def extract_with_archive_spider(html, url):
    from archive_spider.extraction import extract_article

    article = extract_article(html, url=url)
    return article.text, article.title, article.author


def extract_with_trafilatura(html, url):
    import trafilatura

    document = trafilatura.bare_extraction(html, url=url, include_comments=False, with_metadata=True)
    if document is None:
        return "", None, None
    return document.text or "", document.title, document.author


def extract_with_readability(html, url):
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


CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


def run_extractors(extractors: dict[str, Extractor], corpus: Corpus, clock: str = "cpu") -> list[Results]:
    """Run every extractor on each page in turn (interleaved, so that load from other
    processes affects all of them alike), score them and sort their losses. Times are
    this process's CPU time by default: on a shared machine, wall-clock time mostly
    measures the other processes."""
    now = CLOCKS[clock]
    all_results = {name: Results(name) for name in extractors}
    for page in corpus.pages:
        for name, extractor in extractors.items():
            results = all_results[name]
            start = now()
            try:
                text, title, byline = extractor(page.html, page.url)
            except Exception as error:  # a benchmark reports failures, it does not stop
                print(f"  {name} failed on {page.name}: {error!r}", file=sys.stderr)
                results.errors += 1
                results.losses[("missing", "raised")] += 1
                text, title, byline = "", None, None
            results.millis.append((now() - start) * 1000)
            if corpus.kind == "snippets":
                score_snippet_page(results, page, text)
            else:
                score_readability_page(results, page, text, title, byline)
    return list(all_results.values())


def note(results: Results, side: str, kind: str, amount: int, example: str) -> None:
    results.losses[(side, kind)] += amount
    results.examples.setdefault((side, kind), []).append(example)


def score_readability_page(results: Results, page: Page, text: str, title, byline) -> None:
    expected = page.expected
    score = score_text(text, expected.text)
    results.scores[page.name] = score
    results.titles[page.name] = match_exactly(title, expected.title)
    results.bylines[page.name] = match_exactly(byline, expected.byline)
    if score.fn:
        kind = classify_missing(score.recall, text, missed_positions(text, expected.text))
        note(results, "missing", kind, score.fn, page.name)
    for paragraph, outside, repeated in extra_paragraphs(text, expected.text):
        note(results, "extra", classify_extra(paragraph, repeated), outside,
             f"{page.name}: {paragraph[:70]!r}")


def score_snippet_page(results: Results, page: Page, text: str) -> None:
    score, missed, kept = score_snippets(text, page.expected.with_, page.expected.without)
    results.scores[page.name] = score
    if missed:
        positions = [i / max(len(page.expected.with_) - 1, 1) for i in missed]
        kind = classify_missing(score.recall, text, positions)
        note(results, "missing", kind, len(missed), page.name)
    for snippet in kept:
        note(results, "extra", classify_extra(snippet), 1, f"{page.name}: {snippet[:70]!r}")
    paragraphs = [p.strip() for p in text.split("\n") if len(p.split()) >= 3]
    if len(paragraphs) != len(set(paragraphs)):
        results.losses[("pages with", "a repeated paragraph")] += 1


def corpus_scores(results: Results, corpus: Corpus) -> tuple[float, float, float]:
    scores = list(results.scores.values())
    return sum_scores(scores) if corpus.kind == "snippets" else average_scores(scores)


def print_table(all_results: list[Results], corpus: Corpus) -> None:
    """One row per extractor; the last column is its median time over trafilatura's."""
    anchor = next((r for r in all_results if r.name == "trafilatura" and r.millis), None)
    anchor_median = statistics.median(anchor.millis) if anchor else None
    metadata = corpus.kind == "readability"
    print(f"{'extractor':<18} {'F1':>6} {'prec':>6} {'recall':>6}"
          + (f" {'title':>6} {'byline':>6}" if metadata else "")
          + f" {'ms/page':>8}" + (f" {'x traf':>6}" if anchor_median else ""))
    for results in all_results:
        precision, recall, f1 = corpus_scores(results, corpus)
        count = len(results.scores) or 1
        median = statistics.median(results.millis) if results.millis else 0.0
        print(f"{results.name:<18} {f1:6.3f} {precision:6.3f} {recall:6.3f}"
              + (f" {sum(results.titles.values()) / count:6.3f} {sum(results.bylines.values()) / count:6.3f}"
                 if metadata else "")
              + f" {median:8.1f}"
              + (f" {median / anchor_median:6.2f}" if anchor_median else "")
              + (f"  ({results.errors} errors)" if results.errors else ""))


def print_losses(all_results: list[Results], corpus: Corpus) -> None:
    unit = "snippets" if corpus.kind == "snippets" else "shingles"
    print(f"\nlosses by kind ({unit}; 'missing' counts pages' missing text by the page's kind):")
    keys = sorted({key for r in all_results for key in r.losses})
    print(f"  {'':<40}" + "".join(f" {r.name[:16]:>16}" for r in all_results))
    for key in keys:
        print(f"  {key[0] + ': ' + key[1]:<40}" + "".join(f" {r.losses.get(key, 0):>16}" for r in all_results))


def print_worst(results: Results, count: int) -> None:
    worst = sorted(results.scores.items(), key=lambda item: (item[1].f1, item[0]))[:count]
    print(f"\n{count} worst pages for {results.name}:")
    for name, score in worst:
        print(f"  {name:<40} F1 {score.f1:.3f}  P {score.precision:.3f}  R {score.recall:.3f}")


def figures(all_results: list[Results], corpus: Corpus) -> dict:
    """A JSON-ready summary, with every page's score, for comparing runs."""
    out = {}
    anchor = next((r for r in all_results if r.name == "trafilatura" and r.millis), None)
    for results in all_results:
        precision, recall, f1 = corpus_scores(results, corpus)
        median = statistics.median(results.millis) if results.millis else 0.0
        out[results.name] = {
            "f1": f1, "precision": precision, "recall": recall, "median_ms": median,
            "x_trafilatura": median / statistics.median(anchor.millis) if anchor else None,
            "errors": results.errors,
            "losses": {f"{side}: {kind}": n for (side, kind), n in results.losses.items()},
            "pages": {name: [s.precision, s.recall] for name, s in results.scores.items()},
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, action="append",
                        help="a corpus folder, either layout (repeatable; default: both development "
                             "corpora in ../shared/corpus)")
    parser.add_argument("--limit", type=int, default=None, help="score only the first N pages of each")
    parser.add_argument("--worst", type=int, default=10, help="list the K worst pages (ours)")
    parser.add_argument("--examples", type=int, default=0,
                        help="show N examples of each kind of loss (ours)")
    parser.add_argument("--only", choices=sorted(EXTRACTORS), action="append", help="run only these extractors")
    parser.add_argument("--json", type=Path, help="also write the figures, page by page, to this file")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                        help="time pages by this process's CPU time (default) or by wall-clock time")
    args = parser.parse_args(argv)

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
    summary = {}
    for path in args.corpus or DEFAULT_CORPORA:
        if not path.is_dir():
            print(f"note: {path} skipped (not a folder)")
            continue
        corpus = load_corpus(path, args.limit)
        print(f"== {len(corpus.pages)} pages from {path} ({corpus.kind})\n")
        all_results = run_extractors(chosen, corpus, args.clock)
        print_table(all_results, corpus)
        print_losses(all_results, corpus)
        ours = next((r for r in all_results if r.name == "archive-spider"), None)
        if ours and args.worst:
            print_worst(ours, args.worst)
        if ours and args.examples:
            for key, examples in sorted(ours.examples.items()):
                print(f"\n  {key[0]}: {key[1]}:")
                for example in examples[: args.examples]:
                    print(f"    {example}")
        print()
        summary[corpus.name] = figures(all_results, corpus)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
