"""Named constants and patterns used by page discovery (``discovery/pages.py``, ``urls.py``).

Heuristics are data: each pattern says what it catches, and thresholds have names, so a
site that is misread can be fixed here without touching the algorithms. Regular
expressions are matched case-insensitively against *paths* (``/category/news/``), link
texts (already lower-cased and stripped of arrows and punctuation, see
``discovery.clean_link_text``) or ``class``/``id`` attribute values.
"""

from __future__ import annotations

import re


def _segment_re(words: tuple[str, ...], tail: str) -> str:
    """A path segment that is one of ``words``, followed by ``tail``."""
    return r"/(?:%s)%s" % ("|".join(re.escape(w) for w in words), tail)


def _class_token_re(words: tuple[str, ...]) -> re.Pattern:
    """A class or id token made of '-'/'_'-joined parts, one of which is one of ``words``.

    Whole tokens only: "blog-pager" and "widget_tag_cloud" match, while atomic-CSS
    tokens such as "Ff($ff-secondary)" do not.
    """
    return re.compile(
        r"(?:^|\s)(?:[a-z0-9]+[-_])*(?:%s)(?:[-_][a-z0-9]+)*(?=\s|$)" % "|".join(words), re.I
    )


# --------------------------------------------------------------------------------------
# URL normalisation (urls.py)
# --------------------------------------------------------------------------------------

# Query parameters that only track a visit and never change the page.
TRACKING_PARAM_PREFIXES = ("utm_",)
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "_ga", "_gl",
        "yclid", "ref_src", "igshid", "ref", "ncid", "cmpid", "icid", "ito", "ocid", "xtor",
        "at_medium", "at_campaign", "wt_mc", "mkt_tok", "_hsenc", "_hsmi", "trk", "spm",
        "oly_enc_id", "oly_anon_id", "vero_id", "s_kwcid", "cmp",
        # session identifiers: one page would otherwise get one URL per visitor
        "phpsessid", "jsessionid", "sid", "sessionid", "session_id", "aspsessionid",
    }
)

# Session parameter names that some old CMSes use for story ids (PHP-Nuke's
# modules.php?name=News&file=article&sid=123): dropped only when not a plain number.
AMBIGUOUS_SESSION_PARAMS = frozenset({"sid"})

# Session ids some servers put in the path itself: /page.jsp;jsessionid=ABC?x=1
PATH_SESSION_RE = re.compile(r";(?:jsessionid|phpsessid|sid|sessionid)=[^/?#]*", re.I)

# Directory-index file names dropped from the end of a path ("/news/index.html" is
# "/news/"). Only static names: every web server serves these for the directory, while
# "index.php" without DirectoryIndex would break, so script names are kept.
DIRECTORY_INDEX_NAMES = frozenset({"index.html", "index.htm", "index.shtml"})

DEFAULT_PORTS = {"http": 80, "https": 443}

# <link rel=alternate type=...> values of feeds.
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})

# Links to these are never pages to crawl.
UNFOLLOWABLE_SCHEMES = frozenset({"mailto", "javascript", "tel", "file", "data", "ftp", "sms", "callto"})

# Endpoints that answer scripts, not readers (JSON APIs, AJAX handlers, admin).
NOT_A_PAGE_PATH_RE = re.compile(
    r"/(?:wp-json|api|ajax|graphql|wp-admin|admin-ajax\.php|xmlrpc\.php|cdn-cgi)(?:/|$)", re.I
)

# File extensions of downloads (documents, media, archives, executables, feeds of data).
BINARY_EXTENSIONS = frozenset(
    """
    pdf doc docx xls xlsx ppt pptx odt ods odp rtf epub mobi
    jpg jpeg png gif webp svg bmp tif tiff ico avif heic
    mp3 mp4 m4a m4v ogg oga ogv wav webm flac avi mov mkv wmv flv
    zip gz tgz bz2 xz 7z rar tar iso dmg exe msi apk deb rpm bin
    css js json woff woff2 ttf otf eot
    """.split()
)

# --------------------------------------------------------------------------------------
# URL shapes (discovery/pages.py)
# --------------------------------------------------------------------------------------

# Path words, by what the page behind them is. Each is matched as a whole path segment.
# Taxonomy listings, in several languages (WordPress, Drupal, Blogger, hand-made sites).
SECTION_WORDS = (
    "category", "categories", "cat", "section", "sections", "rubrik", "rubriken",
    "kategorie", "kategorien", "categorie", "categoria", "categorias", "ressort", "topic",
    "topics", "thema", "themen", "archive", "archives", "archiv",
)
# Tags: listings too, but many and overlapping; never worth visiting as sections.
TAG_WORDS = (
    "tag", "tags", "label", "labels", "schlagwort", "schlagworte", "etiquette",
    "etiquettes", "etiqueta", "etiquetas", "trefwoord",
)
# People.
PEOPLE_WORDS = (
    "author", "authors", "autor", "autoren", "auteur", "auteurs", "autore", "autores",
    "auteurs", "user", "users", "profile", "profiles", "people", "contributor",
    "contributors", "member", "members",
)
# Search, accounts, shop and mailing pages.
SERVICE_WORDS = (
    "search", "suche", "recherche", "buscar", "busca", "zoeken", "cerca", "login", "log-in",
    "signin", "sign-in", "signup", "sign-up", "register", "registration", "logout",
    "account", "my-account", "anmelden", "connexion", "wp-login.php", "wp-admin", "wp-json",
    "cart", "checkout", "subscribe", "newsletter", "newsletters", "feed", "rss", "atom",
    "shop", "store", "basket", "donate", "membership",
    "comments", "comment", "print", "share",
    # old article directories' utility scripts: email.php?id=3, tellafriend.php, submit.php
    "email", "e-mail", "tellafriend", "tell-a-friend", "sendtofriend", "send-to-friend",
    "submit", "submit-article", "printer", "printable",
)
# Site information and legal pages (English, German, French, Spanish, Italian, Dutch,
# Portuguese).
SITE_INFO_WORDS = (
    "about", "about-us", "about-me", "contact", "contact-us", "imprint", "impressum",
    "privacy", "privacy-policy", "datenschutz", "datenschutzerklaerung", "terms",
    "terms-of-service", "terms-of-use", "legal", "cookie", "cookies", "cookie-policy",
    "disclaimer", "kontakt", "ueber-uns", "uber-uns", "ueber-mich", "uber-mich",
    "a-propos", "qui-suis-je", "mentions-legales", "contacto", "contato", "sobre",
    "sobre-mi", "sobre-nosotros", "quienes-somos", "chi-siamo", "chi-sono", "contatti",
    "over-ons", "over-mij", "privacybeleid", "sitemap", "faq", "help", "advertise",
    "advertising", "get-in-touch", "kontaktformular", "contact-form", "team", "our-team",
    "staff", "jobs", "careers", "karriere", "press", "presse", "support",
    "mediadaten", "agb", "nutzungsbedingungen", "cgu", "cgv", "aviso-legal", "note-legali",
)


# Paths of pages that are never articles: listings, people, accounts, site information.
NON_ARTICLE_PATH_PATTERNS = (
    # listings and people: /category/x/, /tag/x/, /author/x/ (and the bare word)
    _segment_re(SECTION_WORDS + TAG_WORDS + PEOPLE_WORDS, r"(?:/|$)"),
    # search and accounts, also as scripts: /search?q=, /login.php
    _segment_re(SERVICE_WORDS, r"(?:/|$|\.)"),
    # site information as the last segment, also as a file: /about/, /impressum.html
    _segment_re(SITE_INFO_WORDS, r"(?:\.\w{2,5})?/?$"),
    # pagination of a listing: /page/2/, and Jekyll's /page2/; WordPress comment pages
    r"/(?:page|seite|pagina|pagine|strona)[/-]?\d+/?$",
    r"/comment-page-\d+/?$",
    # date archives: /2024/, /2024/05/, /2024/05/03/ with nothing after
    r"^/\d{4}(?:/\d{1,2}){0,2}/?$",
    # hand-made PHP/ASP listings: category.php?id=3, search.asp
    r"/(?:category|categories|cat|tag|author|search|list|login|register|contact|about)"
    r"\.(?:php|asp|aspx|jsp|cgi|html?)$",
)
NON_ARTICLE_PATH_RE = re.compile("|".join(NON_ARTICLE_PATH_PATTERNS), re.I)

# Query parameters that make any page a listing (search results, taxonomy, pagination).
NON_ARTICLE_QUERY_PARAMS = frozenset(
    {"s", "q", "query", "search", "cat", "category", "tag", "author", "page", "paged", "pg"}
)

# Paths that look like one article: a date followed by a slug, a slug of several words, a
# numeric id, or a static .html file.
ARTICLE_PATH_PATTERNS = (
    r"/\d{4}/\d{1,2}/(?:\d{1,2}/)?[^/]+",  # /2024/05/slug/ and /2024/05/03/slug
    r"/[^/]*[a-z][^/]*-[^/]+-[^/]+/?$",  # /a-slug-of-several-words/
    r"/[^/]*[a-z][^/]*-[^/]+-[^/]+/\d{1,3}/?$",  # /a-slug-of-several-words/2/ (page 2)
    r"[/-]\d{5,}(?:\.\w+)?/?$",  # /news/12345678 or /headline-1234567.html
    r"/(?:node|story|article|post|p)/\d+/?$",  # Drupal's /node/123, /story/42
    r"/[^/]+\.s?html?$",  # /stories/whales.html
)
ARTICLE_PATH_RE = re.compile("|".join(ARTICLE_PATH_PATTERNS), re.I)

# Script pages showing one article by id: article.php?id=12, story.asp?sid=3, ?p=123
ARTICLE_QUERY_RE = re.compile(
    r"(?:^|&)(?:id|aid|article_?id|articleid|story_?id|post_?id|p|nid|sid)=\d+(?:&|$)", re.I
)

# Paths that name a section index explicitly: worth visiting from anywhere on a page.
SECTION_PATH_RE = re.compile(
    _segment_re(tuple(w for w in SECTION_WORDS if not w.startswith("archiv")), r"(?:/[^/]+)+/?$")
    + r"|/(?:category|categories|section)\.(?:php|asp|aspx|jsp)$",
    re.I,
)
SECTION_QUERY_RE = re.compile(r"(?:^|&)(?:cat|category|section|catid)=[^&]+", re.I)

# Links never worth visiting as a section, even from the main menu.
SECTION_EXCLUDE_RE = re.compile(
    _segment_re(TAG_WORDS + PEOPLE_WORDS + SERVICE_WORDS + SITE_INFO_WORDS, r"(?:/|$|\.)"),
    re.I,
)

# What only selects another view of one document: /print/, /amp/, ?print=1, ?replytocom=3.
VIEW_PATH_SUFFIX_RE = re.compile(r"/(?:print|amp|printable|drucken|imprimer)/?$", re.I)
VIEW_QUERY_PARAMS = frozenset(
    {"print", "printable", "output", "amp", "replytocom", "share"}
)

# Query parameters that number the pages of a listing: ?page=2, ?paged=3, ?start=20
PAGE_QUERY_PARAMS = frozenset({"page", "paged", "pg", "p_page", "seite", "pagina", "start", "offset"})
# Path suffixes that number the pages of a listing or an article: /page/2/, /2/
PAGE_PATH_RE = re.compile(r"/(?:page|seite|pagina|pagine|strona)[/-]?(\d{1,4})/?$", re.I)
# A bare number as the last path segment: a page of a split article (/essays/slug/2/).
PAGE_NUMBER_SEGMENT_RE = re.compile(r"/(\d{1,3})/?$")

# --------------------------------------------------------------------------------------
# Link texts (lower-cased, arrows and punctuation stripped)
# --------------------------------------------------------------------------------------

# "Read More"-style links that lead from a teaser to its article. Matched at the start of
# the link text, so "Continue reading 'Title'" and "Read more about whales" are caught;
# only phrases no title starts with belong here.
READ_MORE_PHRASES = (
    # English
    "read more", "read the rest", "read full", "read the full", "read article",
    "read the article", "read post", "read story", "continue reading", "keep reading",
    "view article", "view post",
    # German
    "weiterlesen", "weiter lesen", "mehr lesen", "zum artikel", "zum beitrag",
    "artikel lesen", "den ganzen artikel", "den ganzen beitrag", "beitrag lesen",
    "lesen sie mehr",
    # French
    "lire la suite", "lire plus", "lire l'article", "lire l’article",
    "continuer la lecture", "poursuivre la lecture", "voir l'article",
    # Spanish
    "leer más", "leer mas", "seguir leyendo", "continuar leyendo", "leer el artículo",
    "leer artículo", "sigue leyendo", "leer la nota",
    # Portuguese
    "leia mais", "ler mais", "continuar lendo", "continue lendo", "leia a matéria",
    "ler artigo", "continuar a ler",
    # Italian
    "leggi tutto", "leggi di più", "leggi di piu", "continua a leggere",
    "leggi l'articolo", "leggi l’articolo", "leggi articolo", "leggi ancora",
    # Dutch
    "lees meer", "lees verder", "verder lezen", "meer lezen", "lees het artikel",
    "lees het hele artikel", "lees het volledige artikel",
)
READ_MORE_RE = re.compile(
    r"^(?:%s)\b" % "|".join(re.escape(p) for p in READ_MORE_PHRASES), re.I
)
# Texts that mean "read more" only when they are the whole link text (a title may start
# with "La suite" or "Full story").
READ_MORE_WORDS = frozenset(
    {"more", "continue", "read", "read on", "full story", "full article", "the full story",
     "mehr", "weiter", "mehr erfahren", "mehr dazu", "ganzen artikel",
     "suite", "plus", "la suite", "en savoir plus", "lire",
     "más", "mas", "ver más", "mais", "saiba mais", "continua", "altro", "leggi",
     "meer", "verder"}
)
# Link texts made only of these characters are "Read More" links when they lead to an
# article: "…", "...", "[…]", "»", "→".
READ_MORE_SYMBOLS_RE = re.compile(r"^[\s.…\[\]()»›→>+]+$")

# Next page of a listing or of an article.
NEXT_PAGE_RE = re.compile(
    r"^(?:next|next page|next posts|next entries|older|older posts|older entries|"
    r"older articles|older stories|more posts|more articles|more stories|"
    r"previous posts|previous entries|earlier posts|"
    r"load more|show more|load more posts|load more articles|view more|see more|"
    r"weiter|nächste|nächste seite|naechste seite|vorwärts|ältere beiträge|ältere artikel|"
    r"ältere einträge|mehr laden|mehr anzeigen|"
    r"suivant|suivante|page suivante|articles plus anciens|articles précédents|"
    r"articles suivants|charger plus|voir plus|"
    r"siguiente|página siguiente|entradas anteriores|entradas antiguas|cargar más|"
    r"ver más|próxima|próxima página|seguinte|mensagens mais antigas|"
    r"posts mais antigos|carregar mais|"
    r"successivo|successiva|pagina successiva|avanti|articoli precedenti|post più vecchi|"
    r"carica altri|"
    r"volgende|volgende pagina|oudere berichten|oudere artikelen|meer laden|"
    r"»|›|>|>>|→|page \d+|seite \d+|página \d+|pagina \d+)$",
    re.I,
)
NEXT_SYMBOLS = frozenset({"»", "›", ">", ">>", "→", "⟶", "⇒"})
# Counts around a pagination word: "Next 10", "Next page (2 of 5)".
PAGE_COUNT_RE = re.compile(r"[\d()/]+|\b(?:of|von|sur|de|di|van|results?|items?)\b", re.I)
# Previous page of a listing: still pagination (reachable pages of the same listing).
PREVIOUS_PAGE_RE = re.compile(
    r"^(?:prev|previous|previous page|newer|newer posts|newer entries|newer articles|"
    r"zurück|vorherige|vorherige seite|neuere beiträge|neuere artikel|"
    r"précédent|précédente|page précédente|articles plus récents|"
    r"anterior|página anterior|entradas más recientes|entradas recentes|"
    r"precedente|pagina precedente|articoli successivi|"
    r"vorige|vorige pagina|nieuwere berichten|«|‹|<|<<|←)$",
    re.I,
)
PREVIOUS_SYMBOLS = frozenset({"«", "‹", "<", "<<", "←"})
# Links to the previous or next post from an article: other articles, but their text is
# no title.
ADJACENT_POST_RE = re.compile(
    r"^(?:(?:previous|prev|next|older|newer) (?:post|article|entry|story)|"
    r"(?:vorheriger|nächster|naechster|älterer|neuerer) (?:beitrag|artikel|eintrag)|"
    r"article (?:précédent|suivant)|(?:entrada|artículo|post) (?:anterior|siguiente)|"
    r"(?:post|artigo) (?:anterior|seguinte)|próximo post|"
    r"articolo (?:precedente|successivo)|(?:vorige|volgende) (?:bericht|artikel))\b",
    re.I,
)
# "Load more" buttons: pagination only if they carry a real href.
LOAD_MORE_RE = re.compile(
    r"^(?:load more|show more|more posts|more articles|mehr laden|mehr anzeigen|"
    r"charger plus|cargar más|carregar mais|carica altri|meer laden)\b",
    re.I,
)

# Bylines in teasers ("By Maren Holt"): bylines.TEASER_BYLINE_RE.

# --------------------------------------------------------------------------------------
# Page regions (class and id values)
# --------------------------------------------------------------------------------------

# Site chrome: header, menus, breadcrumbs, footer. Links there are navigation.
CHROME_TAGS = frozenset({"nav", "header", "footer"})
CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "menubar", "menu"})
CHROME_CLASS_RE = re.compile(
    r"(?:^|\s)(?:nav|navbar|navigation|nav-menu|main-nav|site-nav|menu|main-menu|"
    r"primary-menu|menu-[\w-]+|[\w-]+-menu|[\w-]+-nav|[\w-]+-navigation|site-header|"
    r"site-footer|global-header|global-footer|page-header|page-footer|footer|header|"
    r"masthead|topbar|top-bar|breadcrumb|breadcrumbs|skip-link|colophon|copyright)(?:\s|$)",
    re.I,
)
# Blocks whose <header> and <footer> are their own, not the page's: sectioning elements,
# and elements a class names as a post, card or teaser.
CONTENT_TAGS = frozenset({"article", "section", "aside", "main"})
CONTENT_CLASS_RE = _class_token_re(
    ("entry", "post", "article", "card", "teaser", "item", "story", "excerpt", "hentry")
)
# Containers of pagination links.
PAGINATION_CLASS_RE = _class_token_re(
    (
        "pagination", "pager", "paging", "page-numbers", "pagenav", "page-nav", "nav-links",
        "nav-previous", "nav-next", "wp-pagenavi", "posts-navigation", "page-links", "pages",
        "seitennavigation", "load-more", "loadmore",
    )
)
# Sidebars and "related" boxes: their teasers are article links, but do not make the page
# an index.
SIDEBAR_CLASS_RE = _class_token_re(
    (
        "sidebar", "widget-area", "secondary", "related", "relatedposts", "more-stories",
        "recommended", "read-next", "also-read",
    )
)
# Tag clouds: many links, never sections.
TAG_CLOUD_CLASS_RE = _class_token_re((r"tag[-_]?cloud", r"tags?[-_]list", r"widget[-_]tag"))
# Teaser metadata: dates, bylines, taxonomy, sharing. Not teaser text.
TEASER_META_CLASS_RE = re.compile(
    r"\b(?:meta|byline|by-line|author|date|time|posted|posted-on|published|dateline|datum|fecha|"
    r"tags?|categor(?:y|ies)|cat-links|tag-links|comments?|comments?-link|read-?more|"
    r"more-link|share|sharing|social|kicker|labels?|badge|screen-reader-text|sr-only|"
    r"entry-footer|post-footer|card-footer|article-footer|eyebrow|overline|rubric|"
    r"section-label|section-name|tile-section|card-section|teaser-section|"
    r"visually-hidden)\b",
    re.I,
)
# Text hidden from sighted readers: skipped when reading link texts.
HIDDEN_TEXT_CLASS_RE = re.compile(r"\b(?:screen-reader-text|sr-only|visually-hidden)\b", re.I)

HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Teaser blocks that hold only a title; their text follows them (flat listings, <dl>).
TITLE_ONLY_TAGS = HEADING_TAGS | {"dt"}
# How many following siblings of such a title may carry its teaser text and date.
MAX_SIBLINGS_AFTER_TITLE = 3
BLOCK_TAGS = frozenset(
    {
        "p", "div", "section", "article", "aside", "header", "footer", "main", "ul", "ol",
        "li", "dl", "dt", "dd", "table", "tbody", "thead", "tr", "td", "th", "blockquote",
        "figure", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "br", "hr", "pre",
        "address", "form", "fieldset", "nav",
    }
)
# Elements inside a teaser block whose text is not teaser text.
NON_TEASER_TAGS = frozenset({"time", "figcaption", "img", "button", "form", "select", "label"})
# Elements whose text is never page text.
# (<noscript> stays: sites with "load more" buttons put their plain pagination links there.)
INVISIBLE_TAGS = ("script", "style", "template", "svg", "iframe", "object")

# --------------------------------------------------------------------------------------
# Page types (discovery.classify_page)
# --------------------------------------------------------------------------------------

# schema.org types of one article.
ARTICLE_SCHEMA_TYPES = frozenset(
    {
        "article", "newsarticle", "blogposting", "report", "scholarlyarticle",
        "techarticle", "opinionnewsarticle", "analysisnewsarticle",
        "reportagenewsarticle", "reviewnewsarticle", "backgroundnewsarticle",
        "satiricalarticle", "advertiserContentArticle".lower(), "liveblogposting",
        "askpublicnewsarticle", "medicalscholarlyarticle", "posting",
    }
)
# schema.org types of pages that are not articles.
NON_ARTICLE_SCHEMA_TYPES = frozenset(
    {"collectionpage", "searchresultspage", "profilepage", "aboutpage", "contactpage",
     "itemlist", "checkoutpage", "faqpage", "qapage"}
)

# Titles of error pages served with status 200 ("soft 404s").
ERROR_PAGE_TITLE_RE = re.compile(
    r"^(?:error\s*)?404\b|\b404\s*(?:error|-|–|:)|page not found|"
    r"seite nicht gefunden|page (?:introuvable|non trouvée)|página no encontrada|"
    r"pagina non trovata|pagina niet gevonden|página não encontrada|nothing (?:was )?found",
    re.I,
)

# rel values of links that never lead to an article ("category tag" is WordPress' rel on
# category links, which are sections).
NON_ARTICLE_RELS = frozenset({"tag", "author", "category", "search", "license", "privacy-policy", "terms-of-service"})

# <body class> of CMS themes: WordPress marks listings, pages and errors (and posts with
# "single"/"postid-N"); Drupal marks node types.
NON_ARTICLE_BODY_CLASS_RE = re.compile(
    r"(?:^|\s)(?:archive|category|tag|author|search|search-results|error404|paged|blog|"
    r"page-id-\d+|page-template(?:-[\w-]+)?|node-type-page|page-node-type-page)(?:\s|$)",
    re.I,
)
ARTICLE_BODY_CLASS_RE = re.compile(
    r"(?:^|\s)(?:single|single-post|postid-\d+|node-type-article|page-node-type-article)(?:\s|$)", re.I
)

# Text density: an article body is one run of prose at least this long (characters of
# paragraph text under one parent, links excepted).
MIN_ARTICLE_PROSE_CHARS = 500
# Prose this long makes a page an article without any metadata.
LONG_ARTICLE_PROSE_CHARS = 1500
# Elements whose text is prose when they hold few links, and elements whose own loose
# text (outside block children) is prose.
PROSE_TAGS = frozenset({"p", "blockquote", "pre"})
LOOSE_PROSE_TAGS = frozenset({"div", "td", "section", "article", "main", "body", "font", "center"})
MIN_LOOSE_PROSE_CHARS = 80
# Chinese, Japanese and Korean characters: one says about as much as a short word.
CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
CJK_CHAR_WEIGHT = 3
# A paragraph with more link text than this share is navigation, not prose.
MAX_PROSE_LINK_DENSITY = 0.5
# A page listing this many teasers in its main content is an index, whatever its prose.
MIN_INDEX_TEASERS = 3
# A lone teaser (not repeated, no "Read More") is accepted only if this short.
MAX_SINGLE_TEASER_CHARS = 1200
# A line this short that holds a date is a dateline ("Posted on May 3, 2024 by Anna").
MAX_DATELINE_CHARS = 100
# Lines of a teaser block with fewer words are labels ("Kitchen", "Exclusive"), not text.
MIN_TEASER_LINE_WORDS = 3
# Teaser texts shorter than this are noise (a date, "0 comments").
MIN_TEASER_CHARS = 15
# A link to a path that does not look like an article (no slug, date or id) needs a title
# of at least this many words to be taken for an article link.
MIN_WEAK_URL_TITLE_WORDS = 3
# A teaser's first line is its title (when nothing else is) only if this short.
MAX_PLAIN_TITLE_CHARS = 150
# A main-content list of this many bare titles (no heading, no text) is an archive page.
MIN_INDEX_TITLES = 5
# A link is a title on its own line when its line holds at most this much more text
# ("Title (3 comments)", "Title - May 3").
MAX_TITLE_EXTRA_CHARS = 30
# A link in a list is a title (and not a menu entry) with at least this many words.
MIN_TITLE_WORDS = 2

# --------------------------------------------------------------------------------------
# Dates shown with teasers
# --------------------------------------------------------------------------------------

# The month names and date patterns are in archive_spider/dates.py.
