"""Text from assumption files, made safe to put into Markdown (the ``.md`` briefing, the app's titles,
captions and messages): it is shown as the characters it is, never as a link, an image, HTML or
formatting.

Two strengths:

* :func:`literal` for a string that comes wholly from a file (a title, an area, an agency's name):
  every character Markdown (or Streamlit's extensions) could read as syntax is backslash-escaped,
  except those that only act at the start of a line (these strings are never placed there);
* :func:`inline` for sentences costmodel writes around file text (a verdict naming agencies, a
  validation message quoting a value): raw HTML, links, images, entities, maths and Streamlit's
  ``:color[...]`` directives are broken, ordinary punctuation is left as it is.

Both turn line breaks into spaces, so file text cannot start a heading or a list, and both break
bare web addresses (``http://…``, ``www.…``), which GitHub-flavoured Markdown would make links.
"""

from __future__ import annotations

import re

_LITERAL = re.compile(r"([\\`*_\[\]<>|$~])")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_LINK = re.compile(r"\]\(")
_IMAGE = re.compile(r"!\[")
_DIRECTIVE = re.compile(r":([A-Za-z0-9_/-]+)([\[:])")
_ANGLE = re.compile(r"([<>$])")
_AUTOLINK = re.compile(r"(?i)\b(?:https?|ftp|file|mailto|javascript|data):|\bwww\.|@(?=\w)")
WORD_JOINER = "\u2060"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _no_autolinks(text: str) -> str:
    """GitHub-flavoured Markdown (Streamlit's) turns bare ``http://…``, ``www.…`` and ``name@host`` into
    links after parsing, whatever escapes they carry: an invisible WORD JOINER (U+2060) after the scheme,
    the ``www`` or the ``@`` stops that (the text reads the same)."""
    return _AUTOLINK.sub(lambda m: m.group(0)[:-1] + WORD_JOINER + m.group(0)[-1], text)


def literal(text: str) -> str:
    """A string from a file, escaped so Markdown shows every character as written."""
    out = _LITERAL.sub(r"\\\1", _one_line(text))
    out = _ENTITY.sub(r"\\&", out)
    return _no_autolinks(_DIRECTIVE.sub(r"\\:\1\\\2", out))


def inline(text: str) -> str:
    """A sentence that may contain file text: no HTML, links, images, entities, maths or directives."""
    out = _ANGLE.sub(r"\\\1", _one_line(text))
    out = _LINK.sub(r"]\\(", out)
    out = _IMAGE.sub(r"\\![", out)
    out = _ENTITY.sub(r"\\&", out)
    return _no_autolinks(_DIRECTIVE.sub(r"\\:\1\\\2", out))


def url(address: str) -> str:
    """A URL inside Markdown's ``<...>`` autolink: characters that could close it are %-encoded."""
    return address.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20").replace("\n", "%0A")


def code(text: str) -> str:
    """Text shown as a Markdown code span (a file name, a message): nothing inside is interpreted, and
    a backtick in the text cannot close the span early."""
    return "`" + _one_line(text).replace("`", "'") + "`"
