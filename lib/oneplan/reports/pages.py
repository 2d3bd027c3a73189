"""HTML pages and fragments rendered from the jinja2 templates in ``reports/templates/``.

One environment for every presenter that writes HTML (the portal, the cookbooks):
autoescape is on, so every value put into a template is escaped unless it is already
:class:`markupsafe.Markup`; an undefined name is an error, not an empty string.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The templates' environment (autoescaped, strict about undefined names)."""
    return jinja2.Environment(loader=jinja2.PackageLoader("oneplan.reports", "templates"),
                              autoescape=True, keep_trailing_newline=True,
                              undefined=jinja2.StrictUndefined)


def render(template: str, /, **context: Any) -> str:
    """``reports/templates/<template>`` rendered with ``context``."""
    return environment().get_template(template).render(**context)
