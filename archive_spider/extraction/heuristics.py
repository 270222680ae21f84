"""Named heuristics of article extraction: limits, thresholds and patterns.

Everything tunable lives here, with a note on what it catches, so that the code in the
other modules reads as steps and the judgement calls can be reviewed in one place.
"""

from __future__ import annotations

import re

# --- limits -------------------------------------------------------------------------------

# Inputs larger than this are cut before parsing: a real article page is well under it,
# and parsing 20 MB of markup would stall a crawler worker for seconds.
MAX_INPUT_BYTES = 3_000_000

# Element budgets that keep the time per page bounded on pathological markup (a page of
# 200,000 spans, a table of 60,000 rows). Pages are cut after this many elements, in
# document order, before pruning (the article comes early; comments and feeds come late),
# and again before the finders run; the slowest fallbacks only run on pages below the
# last budget. The largest page of the development corpus has ~10,000 elements raw.
MAX_PAGE_ELEMENTS = 25_000
MAX_FINDER_ELEMENTS = 12_000
MAX_ELEMENTS_FOR_FALLBACKS = 6_000

# Binary input, the encoding and mojibake are decoding.py's (the one decoder).

# Body texts shorter than this (in words) earn the 'short-text' warning.
SHORT_TEXT_WORDS = 50

# --- content choice -----------------------------------------------------------------------

# Shingle size used to compare candidate bodies with each other and with the teaser.
SHINGLE_SIZE = 4

# readability-lxml's candidate is preferred (it is the more precise finder) unless it holds
# less than this share of trafilatura's words: then it has locked onto one fragment.
MIN_READABILITY_SHARE = 0.2

# Agreement between the finders. When nearly all of readability's body (this share of its
# shingles) lies inside trafilatura's, and trafilatura's is this many times longer,
# readability has locked onto one part of the article (an interview's answers, a list of
# signatories, one section): trafilatura's whole body wins.
MIN_FRAGMENT_CONTAINMENT = 0.9
MIN_FRAGMENT_GROWTH = 1.5
# When the two bodies hardly overlap (each holds less than this share of the other's
# shingles), they found different things (the article and a comment, an author box, a
# notice, a list of teasers): the one that speaks of the page's topic (its title and
# description) wins, when it covers this much more of the topic's words (of at least
# TOPIC_WORD_LETTERS letters) than the other.
MAX_DISAGREEMENT_CONTAINMENT = 0.5
MIN_TOPIC_MARGIN = 0.2
TOPIC_WORD_LETTERS = 4

# JSON-LD articleBody acts as referee between candidates only when it is this long.
MIN_REFERENCE_SHINGLES = 30

# Merging: a block of the second finder is "covered" by the chosen body when this share of
# its shingles is there; uncovered blocks are added only if they are prose (a paragraph or
# list of at least this many words, mostly not link text), and only while the additions
# stay below this share of the chosen body (more means a list of other stories).
MIN_COVERED_SHARE = 0.5
MIN_MERGED_BLOCK_WORDS = 12
MIN_MERGED_WORDS_PER_LINE = 8
MIN_INNER_BLOCK_WORDS = 4  # blocks between two covered blocks need only this many words
MAX_MERGED_LINK_DENSITY = 0.5
MAX_MERGED_SHARE = 0.8
MIN_MERGE_AGREEMENT = 0.3  # shingle F1 between the two finders' bodies
PROSE_TAGS = frozenset({"p", "blockquote", "ul", "ol", "pre", "table", "h2", "h3", "h4", "figure"})

# Teasers are often an edited first sentence: this share of the teaser's shingles found in
# the body counts as "the body contains it" (a teaser under four words is one shingle).
TEASER_MIN_OVERLAP = 0.5
# Teasers are just as often a summary in the editor's own words: then this share of its
# content words (of at least TEASER_MIN_WORD_LETTERS letters, compared by their first
# TEASER_STEM_LETTERS) found in the body still counts. Summaries of other articles of the
# same site rarely reach it, so 'teaser-not-found' still flags a body that is not the one
# the index page described.
TEASER_MIN_STEM_OVERLAP = 0.35
TEASER_MIN_WORD_LETTERS = 4
TEASER_STEM_LETTERS = 5
# English function words long enough to pass TEASER_MIN_WORD_LETTERS: they occur in any
# body and say nothing about whether it is the teaser's. (Other languages go without, so
# the check is more lenient there: fewer warnings, never more.)
TEASER_IGNORED_WORDS = frozenset("""
about above after again against also among another because been before being below between
both could does doing down during each either every from further have having here however
into itself just more most much must neither never only other ours over same should since
some such than that their theirs them then there these they this those through together
under until upon very were what when where which while whom whose will with within without
would your yours""".split())

# The body is made to start at the teaser when at most this many words come before it
# (kicker, dateline, "4 min read"); the teaser's first shingles locate it.
MAX_TEASER_LEAD_WORDS = 40
TEASER_ANCHOR_SHINGLES = 4

# --- patterns of page furniture -----------------------------------------------------------

# class/id tokens of blocks that are never part of an article body. Matched against each
# hyphen/underscore separated token of class and id, so "share" catches "post-share-bar"
# but not "shareholder".
BOILERPLATE_TOKENS = frozenset(
    {
        "share", "sharing", "sharebar", "social", "socials", "sociallinks",
        "comment", "comments", "commentlist", "disqus", "respond",
        "newsletter", "subscribe", "subscription", "signup",
        "related", "recommended", "readmore", "read-more", "more-stories", "teasers",
        "advert", "advertisement", "ad", "ads", "adslot", "adunit", "sponsor", "sponsored",
        "promo", "banner", "popup", "modal", "cookie", "cookies", "consent",
        "breadcrumb", "breadcrumbs", "pagination", "pager",
        "sidebar", "widget", "navbar", "nav", "menu", "footer", "masthead",
        "authorbox", "author-box", "author-bio", "bio", "byline-bio", "about-author",
        "tags", "tagcloud", "print", "skip", "byline", "dateline", "author", "authors",
    }
)

# Whole class/id values (after lowercasing) of author bio boxes and similar furniture that
# the token rule above cannot express as a single token.
BOILERPLATE_JOINED_RE = re.compile(
    r"(author[-_]?(box|bio|card|info|profile)|about[-_]the[-_]author|"
    r"read[-_]?more|more[-_]from|you[-_]may[-_]also|also[-_]like|share[-_]?(bar|buttons|tools)|"
    r"social[-_]?(bar|buttons|links|share)|newsletter|comment[-_]?(s|list|section|form)|"
    r"(entry|post|article)[-_]?meta$)",
    re.IGNORECASE,
)

# A furniture block holding more than this share of the page's text is probably the
# article itself wearing an unlucky class name ("has-sidebar", "comments-open").
MAX_FURNITURE_TEXT_SHARE = 0.35

# Class names and ids with more parts than this are slugs of headings, not layout names.
MAX_FURNITURE_NAME_TOKENS = 4

# Elements removed outright before extraction: never article text.
UNWANTED_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed",
                 "form", "button", "input", "select", "textarea", "svg", "canvas", "dialog")

# ARIA roles of page furniture.
BOILERPLATE_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary",
                               "search", "dialog", "alertdialog", "menu", "menubar"})

# Text of a whole paragraph/row that is furniture, not prose.
# The label may be set between dashes, stars or brackets ("- Anzeige -", "[Advertisement]").
ADVERTISEMENT_TEXT_RE = re.compile(
    r"^\s*[-–—*\[(]*\s*(advertisement|advertisements|advert|anzeige|werbung|publicité|publicidad|"
    r"publicidade|pubblicità|reklama|sponsored( content)?|ad|ads|pub)\s*[-–—*\])]*\s*:?\s*$",
    re.IGNORECASE,
)

# Menus and link columns: a block with at least this many links whose text is nearly all
# link text (Categories / Business / Health / ...). Article paragraphs with links stay far
# below this density.
MIN_LINK_LIST_LINKS = 5
MIN_LINK_LIST_DENSITY = 0.8

# Utility rows left in an article body: at most this many words, nearly all link text.
MAX_LINK_ROW_WORDS = 10
MIN_LINK_ROW_DENSITY = 0.8  # link characters over all characters but spaces and separators
ROW_SEPARATORS_RE = re.compile(r"[\s|·•/\[\]()]+")

# A block whose link text is more than this share of its text is a link list, not prose
# (used for what follows a "Read More" heading).
LINK_HEAVY_DENSITY = 0.5

# Ad rows and share bars are short lines; longer blocks are not tested against the patterns.
MAX_FURNITURE_LINE_CHARS = 160
# Before its white space is tidied, a line is looked at only up to this length (leftover
# rows are short even with their indentation; containers of paragraphs are not rows).
MAX_FURNITURE_RAW_CHARS = 4 * MAX_FURNITURE_LINE_CHARS

# Share bars: "Share this: Twitter | Facebook | Email", "Share on Facebook", ...
SHARE_TEXT_RE = re.compile(
    r"^\s*(share( this( (article|story|post))?)?( on)?|tweet|follow( us| [\w.-]+)?( on)?)\b[^.!?]{0,120}$",
    re.IGNORECASE,
)
SOCIAL_NETWORK_WORDS = frozenset(
    {"twitter", "facebook", "linkedin", "email", "e-mail", "reddit", "whatsapp", "pinterest",
     "mastodon", "bluesky", "threads", "telegram", "print", "copy", "link", "x", "share"}
)

# Headings that introduce teaser lists, comment sections, newsletter and author boxes.
FURNITURE_HEADING_RE = re.compile(
    r"^\s*(read more|more (stories|articles|from|on)\b.*|other (articles|stories|posts)\b.*|"
    r"related( (articles|stories|posts|reading|content))?|"
    r"you (may|might) also (like|enjoy)|recommended( for you)?|popular( now)?|most (read|popular)|"
    r"trending|comments?|\d+ (comments?|responses?|replies)|\d+ thoughts? on\b.*|"
    r"leave a (comment|reply)|join the (discussion|conversation)|"
    r"about the (author|writer)|(subscribe|sign up|get our|join our)\b.{0,60}|.{0,40}\bnewsletter\b.{0,30}|"
    r"share this( article| story| post)?|read next|up next|what to read next|don'?t miss|"
    # the same widgets in other languages (German, French, Spanish, Italian, Portuguese,
    # Polish, Dutch): "most read", "read also", "related articles", "you may also like",
    # "comments"
    r"meist ?gelesen|lesen sie (auch|mehr)|auch interessant|das könnte (sie|dich) auch interessieren|"
    r"mehr zum thema|weitere (artikel|beiträge|nachrichten)( zum thema)?|(ähnliche|verwandte) (artikel|beiträge|themen)|"
    r"kommentare?|\d+ kommentare?|keine kommentare|(schreibe|hinterlasse) einen kommentar|"
    r"(à )?lire aussi|sur le même sujet|articles similaires|les plus lus|commentaires?|laisser un commentaire|"
    r"(le|te) puede interesar|lea también|(noticias|artículos) relacionad[oa]s|lo más leído|comentarios?|"
    r"deja un comentario|leggi anche|potrebbe interessarti|articoli correlati|i più letti|commenti|"
    r"leia também|veja também|(notícias|artigos) relacionad[oa]s|mais lidas|comentários|"
    r"czytaj (też|także)|zobacz (też|także)|najczęściej czytane|komentarze|podobne artykuły|"
    r"lees ook|meest gelezen|gerelateerde artikelen|reacties)\s*[:!.]?\s*$",
    re.IGNORECASE,
)

# Lines that only point elsewhere: to the next or previous page or post, or to another
# article on the same subject ("Next page: Security>>", "← Previous: Chasing Quick Fixes",
# "Main article: Firefox", "See also: Irreligion in New Zealand"). A bare "Next:" or
# "Previous:" counts only with an arrow beside it: "Next: fold in the flour." is a step.
POINTER_LINE_RE = re.compile(
    r"^\s*([←«‹<]+\s*(next|previous|prev|older|newer)\b|"
    r"(next|previous|prev|older|newer)\s*[→»›>]+|"
    r"(next|previous|older|newer) (page|post|article|story|entry|chapter)s?\s*(:|[→»›>]|$)|"
    r"main articles?\s*:|see also\s*:|further information\s*:|read next\s*:|up next\s*:|"
    r"read more\s*:|related\s*:|also read\s*:|"
    # other languages: "read also:", "you may be interested in:", "more on the subject:"
    r"lesen sie (auch|mehr)\s*:|auch lesen\s*:|mehr zum thema\s*:|auch interessant\s*:|(à )?lire aussi\s*:|"
    r"(le|te) puede interesar\s*:|lea también\s*:|leggi anche\s*:|leia também\s*:|veja também\s*:|"
    r"czytaj (też|także)\s*:|zobacz (też|także)\s*:|lees ook\s*:|"
    # a way back, alone on its line: "Back to top", "Zurück zur Übersicht", "zurück"
    r"back to (the )?(top|home|homepage|start|overview|list|index)\s*[↑]?\s*$|"
    r"zurück( (zur|zum) [\w-]+)?\s*$)",
    re.IGNORECASE,
)
MAX_POINTER_LINE_WORDS = 14
# A row of the article's tags or categories: the label, then links ("Tags: python, docker").
TAG_ROW_RE = re.compile(
    r"^\s*(tags?|tagged( with)?|filed under|categories|category|schlagw(ö|o)rter|schlagworte|stichw(ö|o)rter|"
    r"themen|kategorien?|étiquettes|mots-clés|etiquetas|tag|temas|argomenti|tagi)\s*:",
    re.IGNORECASE,
)
# Of a tag row's characters (but spaces and separators), at least this share is link text.
MIN_TAG_ROW_LINK_SHARE = 0.5
# Standalone lines that are the label of a page tool ("Reuse content", "Report an error")
# or of a likes widget ("Like this:").
UTILITY_LINE_RE = re.compile(
    r"^\s*(reuse (this )?content|report (an? )?(error|typo|correction|problem)|"
    r"(print|email|save|bookmark) (this )?(article|page|story|post)|like this)\s*:?\s*$",
    re.IGNORECASE,
)

# A furniture heading's enclosing box is removed whole when it holds at most this many
# characters (an author bio, a newsletter sign-up), else only the heading and what follows.
MAX_FURNITURE_BOX_CHARS = 600

# Leftovers of markdown-ish converters: "![](...)" and lines made only of table pipes.
MARKDOWN_IMAGE_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
PIPES_ONLY_RE = re.compile(r"^[\s|:\-]*\|[\s|:\-]*$")

# The byline patterns (BYLINE_PREFIX_RE, LEADING_BYLINE_RE...) are in archive_spider/bylines.py.

# A leading block of at most this many words that starts with a byline word and a
# capitalised name ("By Nathan Willis March 25, 2015") is a byline, not article text.
MAX_BYLINE_BLOCK_WORDS = 12
MAX_LEADING_BLOCKS_CHECKED = 3

# Words that appear in author-ish links and boxes but never in a name.
NOT_NAME_WORDS = frozenset(
    {"login", "log", "sign", "signin", "author", "authors", "profile", "posts", "view", "follow",
     "contact", "about", "more", "all", "staff", "page", "archive", "subscribe", "home"}
)
AUTHOR_ROLE_RE = re.compile(
    r"\b(staff writer|contributing (writer|editor)|senior (writer|editor|reporter|correspondent)|"
    r"correspondent|reporter|editor|columnist|photographer|contributor|updated|posted|"
    r"published)\b.*$",
    re.IGNORECASE,
)

# Spacer and tracking images: tiny declared sizes, or file names that say so.
TRACKING_IMAGE_RE = re.compile(
    r"(spacer|blank|pixel|tracking|transparent|1x1|beacon|clear)\.(gif|png)|/pixel[/?]|"
    r"[?&](utm_|pixel)|doubleclick|/b\.gif|/t\.gif",
    re.IGNORECASE,
)
MAX_SPACER_IMAGE_SIZE = 2
MAX_PLACEHOLDER_DATA_URI = 200  # a data:image/gif shorter than this is a 1x1 placeholder

# Lazy loading: attributes holding an image's real source, tried in turn, and the look of
# the placeholder src they replace (a data: URI, or a file named like a placeholder).
LAZY_SRC_ATTRIBUTES = ("data-src", "data-lazy-src", "data-original", "data-url", "data-srcset", "srcset")
PLACEHOLDER_SRC_RE = re.compile(r"^data:|placeholder|blank|lazy|spacer|loading|1x1", re.IGNORECASE)  # width or height in px at or below which an image is a spacer

# Title suffixes/prefixes: "Article title | Site", "Site - Article title".
TITLE_SEPARATORS_RE = re.compile(r"\s+(?:\||-|–|—|::|·|»|/|:)\s+")

# A trailing title part after one of these separators, at most this many words long, with
# at least this many words before it, is the site's name ("Lorem ipsum dolor – My site").
# A plain hyphen is too common inside real titles to count.
SITE_SEPARATORS = frozenset({"|", "–", "—", "·", "»", "::"})
MAX_SITE_NAME_WORDS = 3
MAX_HOME_LINKS = 10  # links to the home page read for the site's name
MIN_TITLE_WORDS = 3

# Bylines: how far to look, and what a name can look like.
MAX_BYLINE_ELEMENTS = 20
MAX_BYLINE_CHARS = 100
MAX_NAME_WORDS = 5
MAX_NAME_CHARS = 60
# Month names and relative times that follow a name in a byline ("Jane Roe March 11").
DATE_WORD_RE = re.compile(
    r"\b(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|"
    r"oct(ober)?|nov(ember)?|dec(ember)?)\.?\s+\d|\b(today|yesterday|ago|(last\s+)?updated|published)\b",
    re.IGNORECASE,
)

# Site boilerplate (archive/site_boilerplate.py): a paragraph repeated across a site's articles is
# dropped only when it is at most this many words long. A long repeated block is more
# likely a syndicated or quoted passage than furniture, and losing text is worse than
# keeping a footer.
MAX_BOILERPLATE_WORDS = 60
# At most this many known boilerplate blocks are handed to one extraction per site (the
# most widespread first): they travel to the worker processes with every page.
MAX_BOILERPLATE_BLOCKS = 500

# Figures put back into the body (figures.py): at most this many figures of a page are
# looked at; a caption longer than this is a text box, not a caption; a caption whose text
# is more than this share link text is a teaser card.
MAX_RESTORED_FIGURES_CHECKED = 60
MAX_CAPTION_WORDS = 80
MAX_CAPTION_LINK_SHARE = 0.5

# --- captions, credits and slideshows (captions.py: the text policy) ------------------------

# Picture agencies and stock libraries whose name alone, on a line of its own, is a photo
# credit ("Getty Images", "Reuters", "AFP/Getty", "dpa"). Lowercase; a credit line may join
# several with "/", ",", "via" or "and".
PHOTO_AGENCIES = (
    "getty", "getty images", "gettyimages", "reuters", "ap", "ap photo", "associated press",
    "afp", "epa", "epa-efe", "efe", "dpa", "pa", "pa wire", "pa images", "pa media", "rex",
    "rex features", "rex/shutterstock", "shutterstock", "istock", "istockphoto", "imago",
    "imago images", "picture alliance", "picture-alliance", "alamy", "ansa", "anp", "keystone",
    "sipa", "xinhua", "zuma", "zuma press", "corbis", "unsplash", "pexels", "pixabay",
    "adobe stock", "stock.adobe.com", "fotolia", "bloomberg", "nurphoto", "abaca", "ddp",
    "sz photo", "ullstein bild", "action images", "sportsfile", "wireimage", "filmmagic",
)
_AGENCY = "(?:" + "|".join(re.escape(a) for a in sorted(PHOTO_AGENCIES, key=len, reverse=True)) + ")"
# A line that is nothing but a credit: "Photo: Jane Roe, AP", "Foto: dpa", "(Bild: Hersteller)",
# "Image credit: NASA", "© Jane Roe 2019", "Photograph by Jane Roe", "Getty Images/iStockphoto",
# "Quelle: jorisvo / Fotolia.com", "TebNad/Shutterstock.com". A full stop ends a sentence,
# not a credit, unless a letter follows it (a domain name) or it follows an initial.
_NAME = r"(?:[^.!?]|\.(?=\w)|(?<=\b\w)\.)"
_AGENCIES = rf"{_AGENCY}(?:\.com)?(?:\s*(?:/|,|via|and|&|und)\s*{_AGENCY}(?:\.com)?)*"
CREDIT_LINE_RE = re.compile(
    r"(?i)^[\[(]?\s*(?:"
    r"(?:photos?|photograph(?:y|s)?|photo credit|image(?:s)?(?: credit)?|picture(?:s)?|pic|credits?|"
    r"foto(?:s|grafie|graf)?|bild(?:er|quelle)?|quelle|source|fuente|crédit(?:s|os?)?(?: photo)?|"
    rf"illustration|grafik|video|zdjęcie|fot\.)\s*(?::|by|von|de|via|/|©|\|)\s*{_NAME}{{1,80}}"
    rf"|©\s*{_NAME}{{1,80}}|\(c\)\s*{_NAME}{{1,80}}"
    rf"|{_AGENCIES}(?:\s*/\s*[^.!?/]{{1,40}})?"
    rf"|[^.!?/]{{1,40}}/\s*{_AGENCIES}"
    r")\s*[\])]?\.?$"
)
# Credit lines are short; a sentence that merely starts with "Source: " is not one.
MAX_CREDIT_WORDS = 8
MAX_CREDIT_CHARS = 100

class CaselessPattern:
    """A case-insensitive pattern written in lower case, searched the fast way.

    Python's ``re`` cannot skip ahead in a case-insensitive alternation of words, and
    tries every position of the text: 10 to 25 microseconds for a line, on every line of
    every body. Lowering the text and searching case-sensitively finds the same matches
    ten times faster, except for three letters ``re`` folds otherwise than ``str.lower``
    (dotless ı and long ſ match i and s; İ lowers to two characters), for which the
    case-insensitive pattern is asked. Only whether it matches is answered.
    """

    FOLDED_APART = ("ı", "ſ", "İ")

    def __init__(self, pattern: str) -> None:
        self.caseless = re.compile(pattern, re.IGNORECASE)
        self.lowered = re.compile(pattern)

    def search(self, text: str) -> bool:
        if not text.isascii() and any(letter in text for letter in self.FOLDED_APART):
            return self.caseless.search(text) is not None
        return self.lowered.search(text.lower()) is not None


# Words a credit needs: a label or a copyright sign (also all a credit after a caption can
# start with), or an agency's name. Lines without any are not looked at further.
CREDIT_HINT_RE = CaselessPattern(
    r"photo|foto|bild|image|picture|credit|cr[ée]dit|quelle|source|fuente|illustration|grafik|"
    r"video|zdj|fot\.|©|\(c\)")
AGENCY_HINT_RE = CaselessPattern(rf"\b{_AGENCY}\b")
# A credit written after a caption on the same line: "The pier at dusk. | Photo: Jane Roe/AP".
# The name may hold a web address ("Bild: TebNad/Shutterstock.com"); a credit may also be
# an agency in brackets, after a name or alone ("(mlharing / iStock.com)").
_CREDIT_NAME = r"(?:[^.!?|()\[\]]|\.(?=\w))"
TRAILING_CREDIT_RE = re.compile(
    r"(?i)(?:\s*[|–—-]\s*|\s+[(\[]\s*|\s+)"
    r"(?:photos?|photograph|image|picture|credit|foto(?:s)?|bild|quelle|source|fuente|crédit(?:os?)?)"
    rf"\s*(?::|by|/|©)\s*{_CREDIT_NAME}{{1,60}}[)\]]?\.?\s*$|\s*(?:\||\s)©\s*[^.!?|]{{1,60}}$"
    rf"|\s+[(\[]\s*(?:[^()\[\]/]{{1,40}}/\s*)?{_AGENCIES}\s*[)\]]\.?\s*$"
)
# Captions are short: only blocks up to this many words have a trailing credit cut off.
MAX_CAPTION_WORDS = 60
# A line next to a picture (not in a figcaption) is taken for its caption only up to this
# many words: a longer one is prose, which may repeat on purpose.
MAX_LOOSE_CAPTION_WORDS = 20
# A line that only names the kind of media a player or picture showed ("Photo", "Video").
# Singular only: "Images" or "Videos" alone is more often the title of a section.
MEDIA_LABEL_RE = re.compile(r"(?i)^(?:photo|image|picture|video|audio|foto|bild|grafik)$")
# A slideshow's position counter, alone on a line: "3/50", "3 of 50", "Bild 3 von 12".
SLIDE_COUNTER_RE = re.compile(
    r"(?i)^(?:(?:photo|image|picture|slide|foto|bild)\s*)?(\d{1,3})\s*(?:/|of|von|de|di|sur|z|из)\s*(\d{1,3})$"
)
MAX_COUNTER_CHARS = 40  # a counter line, with spaces around it
# This many counters of one slideshow (same total) mark it as a slideshow.
MIN_SLIDESHOW_COUNTERS = 3
# A slideshow is removed only while the article keeps at least this many words without it
# (a page that is a gallery keeps its captions: they are its text).
MIN_WORDS_BESIDE_SLIDESHOW = 150

# --- the standfirst (leads.py) ----------------------------------------------------------------

# A description shorter than this (in words) is a slogan, not a lead paragraph.
MIN_STANDFIRST_WORDS = 8
# The block on the page must start with the description's first words...
STANDFIRST_KEY_WORDS = 5
# ...hold this share of its shingles (a description may be cut short with "...")...
MIN_STANDFIRST_MATCH = 0.8
# ...and not be much longer than it (else it is the article, or a box holding the lead).
MAX_STANDFIRST_GROWTH = 1.5
STANDFIRST_SLACK_WORDS = 10
