"""HTML pages and fragments rendered from the jinja2 templates in ``reports/templates/``.

One environment for every presenter that writes HTML (the portal, the cookbooks).
Autoescape is on: every value put into a template is escaped with :func:`html.escape`
(``&quot;``, ``&#x27;``, as the pages always were) unless it is already
:class:`markupsafe.Markup` — the result of a macro or of the ``inline`` filter
(:func:`inline_markdown`). An undefined name is an error, not an empty string. As jinja2
does by default, the one line break that ends a template file is not part of its output.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup

_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")


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
    return env


def render(template: str, /, **context: Any) -> str:
    """``reports/templates/<template>`` rendered with ``context``."""
    return environment().get_template(template).render(**context)
