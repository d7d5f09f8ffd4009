"""The name mkdocs.yml files written before the package had stages use for the toc slugify
(``!!python/name:kbsite.slugs.slugify``); the function lives in ``kbsite.markdown.slugs``."""

from kbsite.markdown.slugs import slugify

__all__ = ["slugify"]
