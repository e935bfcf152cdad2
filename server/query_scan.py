"""A careful look at a SPARQL query's tokens, for the few facts the server needs before running it.

pyoxigraph parses queries but does not expose their algebra, so the server reads the token
stream itself to find:

- the endpoints of ``SERVICE`` clauses (to refuse any endpoint that is not a configured partner,
  and a variable in SERVICE position, whose endpoint is only known at run time);
- whether the query names its own dataset (``FROM`` / ``FROM NAMED``): only a query without one
  gets the union of all record graphs as its default graph.

The lexer skips string literals (all four quote forms, with escapes), IRIs, comments and
escaped characters in prefixed names, so ``"SERVICE <x>"`` in a string or ``# SERVICE`` in a
comment is not taken for a clause. It resolves prefixed names with the query's ``PREFIX``
declarations and relative IRIs against ``BASE`` (or the endpoint URL, the base IRI the query is
parsed with), and decodes ``\\u`` escapes inside IRIs as Oxigraph does.

It fails closed: Oxigraph reads ``1SERVICE``, ``trueSERVICE`` or ``?o .SERVICE`` as a SERVICE
clause, so a bare word that contains "service" without being the keyword, or a SERVICE whose
endpoint it cannot read, is refused (:class:`ScanError`) rather than let through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

_STRING = re.compile(
    r"'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|"(?:[^"\\\n\r]|\\.)*"',
    re.DOTALL,
)
_IRI = re.compile(r"<([^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>")
_VARIABLE = re.compile(r"[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+")
# a bare word: keyword, prefixed name, number; backslash escapes (ex:a\#b) are part of it
_WORD = re.compile(r"(?:[^\s{}()\[\];,<>\"'#=!&|+*/^@?$\\]|\\.)+")
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LOCAL_ESCAPE = re.compile(r"\\(.)")
_LANGTAG = re.compile(r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*")


@dataclass
class Token:
    kind: str  # "iri", "word", "var", "lang", "punct"
    text: str
    start: int = 0  # the token's span in the query text (for rewriting SERVICE endpoints)
    end: int = 0


@dataclass
class QueryScan:
    """What the server must know about a query before running it."""

    services: list[str | None] = field(default_factory=list)  # resolved endpoint IRIs; None = a variable
    has_dataset_clause: bool = False  # FROM or FROM NAMED
    service_spans: list[tuple[int, int]] = field(default_factory=list)  # where each SERVICE endpoint is written

    @property
    def is_federated(self) -> bool:
        return bool(self.services)


class ScanError(ValueError):
    """A SERVICE clause the scanner cannot read with certainty (the query is refused)."""


def tokens(query: str) -> list[Token]:
    """The query's tokens, without whitespace, comments and string literals."""
    out: list[Token] = []
    i, n = 0, len(query)
    while i < n:
        char = query[i]
        if char.isspace():
            i += 1
        elif char == "#":
            end = query.find("\n", i)
            i = n if end < 0 else end + 1
        elif char in "'\"":
            match = _STRING.match(query, i)
            i = match.end() if match else n  # an unterminated string: Oxigraph reports the error
        elif char == "<" and (match := _IRI.match(query, i)):
            out.append(Token("iri", _UCHAR.sub(_decode_uchar, match.group(0)[1:-1]), i, match.end()))
            i = match.end()
        elif char in "?$" and (match := _VARIABLE.match(query, i)):
            out.append(Token("var", match.group(0), i, match.end()))
            i = match.end()
        elif char == "@" and (match := _LANGTAG.match(query, i)):
            out.append(Token("lang", match.group(0)))
            i = match.end()
        elif match := _WORD.match(query, i):
            word = match.group(0)
            if ":" in word:  # a prefixed name or blank node label: dots inside belong to it
                out.append(Token("word", word, i, match.end()))
            else:  # elsewhere a dot separates (Oxigraph reads "?o .SERVICE" as ". SERVICE")
                offset = i
                for part in word.split("."):
                    if part:
                        out.append(Token("word", part, offset, offset + len(part)))
                    offset += len(part) + 1
            i = match.end()
        else:
            out.append(Token("punct", char, i, i + 1))
            i += 1
    return out


def scan(query: str, base_iri: str) -> QueryScan:
    """Find the SERVICE endpoints and dataset clauses of ``query`` (parsed with ``base_iri``)."""
    result = QueryScan()
    prefixes: dict[str, str] = {}
    base = base_iri
    toks = tokens(query)
    for k, token in enumerate(toks):
        if token.kind != "word":
            continue
        word = token.text.upper()
        following = toks[k + 1] if k + 1 < len(toks) else None
        if word == "BASE" and following is not None and following.kind == "iri":
            base = urljoin(base, following.text)
        elif word == "PREFIX" and following is not None and following.kind == "word" and following.text.endswith(":"):
            target = toks[k + 2] if k + 2 < len(toks) else None
            if target is not None and target.kind == "iri":
                prefixes[following.text[:-1]] = urljoin(base, target.text)
        elif word == "FROM":
            result.has_dataset_clause = True
        elif word == "SERVICE":
            j = k + 1
            if j < len(toks) and toks[j].kind == "word" and toks[j].text.upper() == "SILENT":
                j += 1
            result.services.append(_endpoint(toks[j] if j < len(toks) else None, prefixes, base))
            result.service_spans.append((toks[j].start, toks[j].end))
        elif "SERVICE" in word and ":" not in word:
            raise ScanError(f"cannot read '{token.text}': write the SERVICE keyword as a word of its own")
    return result


def _endpoint(target: Token | None, prefixes: dict[str, str], base: str) -> str | None:
    """The endpoint IRI a SERVICE names (None for a variable)."""
    if target is not None and target.kind == "iri":
        return urljoin(base, target.text)
    if target is not None and target.kind == "var":
        return None
    if target is not None and target.kind == "word" and ":" in target.text:
        prefix, local = target.text.split(":", 1)
        if prefix not in prefixes:
            raise ScanError(f"SERVICE {target.text}: the prefix '{prefix}:' is not declared")
        return prefixes[prefix] + _LOCAL_ESCAPE.sub(r"\1", local)
    shown = target.text if target is not None else "the end of the query"
    raise ScanError(f"cannot read the endpoint of a SERVICE clause (found {shown}); write it as <IRI> or prefix:name")


def _decode_uchar(match: re.Match[str]) -> str:
    return chr(int(match.group(1) or match.group(2), 16))
