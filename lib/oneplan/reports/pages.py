"""The one escaping point of the reports: every text that reaches a report's HTML.

A report's HTML is made three ways, and each escapes here:

* **Tables** (pandas ``Styler``, :func:`oneplan.reports.tables.style`): every cell and
  header label through :func:`escape_html`.
* **Sentences** (Markdown a notebook ``display()``-s; nbconvert turns it into HTML and
  lets raw HTML and ``javascript:`` links through): every value put into a sentence of
  the catalogue goes through :func:`sentence` → :func:`escape_markdown`, so a proposal
  named ``<script>…`` or ``[x](javascript:…)`` reads as typed and never runs.
  :func:`markdown_to_html` is the batch's Markdown → HTML step: raw HTML in Markdown is
  shown as text and harmful link targets are dropped, whatever a notebook displays.
* **Pages** rendered from the jinja2 templates in ``reports/templates/`` (the portal, the
  cookbooks), one environment for every presenter that writes HTML. Autoescape is on:
  every value put into a template is escaped with :func:`html.escape` (``&quot;``,
  ``&#x27;``, as the pages always were) unless it is already :class:`markupsafe.Markup`
  — the result of a macro or of the ``inline`` filter (:func:`inline_markdown`); only
  HTML the project builds itself is ``Markup``. An undefined name is an error, not an
  empty string. As jinja2 does by default, the one line break that ends a template file
  is not part of its output. A link target goes through the ``url`` filter
  (:func:`safe_url`): escaping alone would leave ``href="javascript:…"`` live.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup

from oneplan.core.text import text

_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~$])")
_URL_SCHEME = re.compile(r"(?<=[A-Za-z0-9]):(?=//)")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]+")


def escape_html(value: Any) -> str:
    """``value`` as HTML text: ``&``, ``<``, ``>``, ``"`` and ``'`` escaped."""
    return html.escape(str(value))


def escape_markdown(value: Any) -> str:
    """``value`` as literal text inside Markdown: the characters Markdown or HTML would
    read (``< > & [ ] * _ ` | ~ $ \\``) backslash-escaped, ``://`` kept from becoming a
    link, line breaks as spaces (no heading, list or table can start). Text without
    those characters (Thai names, formatted numbers) is returned unchanged."""
    out = _LINE_BREAK.sub(" ", str(value))
    out = _MARKDOWN_SPECIAL.sub(r"\\\1", out)
    return _URL_SCHEME.sub(r"\\:", out)


def sentence(key: str, lang: str, /, **fields: Any) -> str:
    """The catalogue text ``key`` in ``lang`` (:func:`oneplan.core.text.text`) with every
    text field escaped for Markdown (:func:`escape_markdown`); numbers keep their format
    specs (``{pct:.1f}``). Use it for every sentence a report shows as Markdown."""
    safe = {k: escape_markdown(v) if isinstance(v, str) else v for k, v in fields.items()}
    return text(key, lang, **safe)


def markdown_to_html(source: str, *, attachments: dict | None = None,
                     **renderer: Any) -> str:
    """Markdown of a report notebook as HTML, inert: raw HTML in the Markdown is shown as
    text, links to ``javascript:``, ``vbscript:``, ``data:`` or ``file:`` go nowhere. The
    project's Markdown (headings, bold, tables, code) renders as with nbconvert's own
    filter, which it replaces in the batch's HTML export. ``renderer`` options go to
    nbconvert's ``IPythonRenderer`` (anchor links, embedded images)."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    r = IPythonRenderer(escape=True, allow_harmful_protocols=False,
                        attachments=attachments or {}, **renderer)
    return MarkdownWithMath(renderer=r).render(source)


_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*)\s*:")
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
"""URL schemes a link of a page may have (besides relative links and ``#anchors``)."""


def safe_url(value: Any) -> str:
    """``value`` as a link target that cannot run: a relative path, an ``#anchor`` or an
    ``http``/``https``/``mailto`` URL as it is; anything else (``javascript:``,
    ``data:``, ``vbscript:`` …, also with spaces or control characters hidden in it)
    becomes ``#`` (the template filter ``url``; autoescape still escapes the result)."""
    url = str(value)
    visible = re.sub(r"[\x00-\x20\x7f]", "", url)
    m = _SCHEME.match(visible)
    if m and m.group(1).lower() not in SAFE_SCHEMES:
        return "#"
    return url


def inline_markdown(text: str) -> Markup:
    """``text`` escaped for HTML, then `code` and **bold** as in Markdown (the template
    filter ``inline``)."""
    out = html.escape(str(text).strip())
    out = _CODE.sub(r"<code>\1</code>", out)
    return Markup(_BOLD.sub(r"<strong>\1</strong>", out))


def _escape(value: Any) -> Any:
    """Every ``{{ value }}`` of a template: markup as it is, anything else escaped."""
    return value if isinstance(value, Markup) else Markup(html.escape(str(value)))


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The templates' environment (autoescaped, strict about undefined names)."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("oneplan.reports", "templates"),
                             autoescape=True, finalize=_escape,
                             undefined=jinja2.StrictUndefined)
    env.filters["inline"] = inline_markdown
    env.filters["url"] = safe_url
    return env


def render(template: str, /, **context: Any) -> str:
    """``reports/templates/<template>`` rendered with ``context``."""
    return environment().get_template(template).render(**context)
