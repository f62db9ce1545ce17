"""Servers' answers read as the same terms the embedded store gives.

The SPARQL results JSON of every server is read here rather than by
pyoxigraph's strict parser, because servers differ in ways the format allows
or tolerates: Virtuoso labels blank nodes ``nodeID://b10168`` (not a valid
blank node label), and writes the old ``typed-literal`` type. A blank-node
label that is not valid becomes a stable valid one (the same server label,
the same kgtool label), so blank nodes still join up across one export.

Virtuoso also stores some XSD values natively and answers with another
lexical form of the same value: ``xsd:boolean`` as ``1``/``0``, durations as
a number of months (``P1Y`` is ``12``) or of seconds (``PT1H`` is ``3600.0``).
Those are read back in the XSD canonical form, the form Oxigraph keeps.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from kgtool.errors import RemoteError
from kgtool.results import QueryResult

_BLANK_LABEL = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")


def blank_node(label: str) -> Any:
    """A blank node for a server's label: kept if valid, else a stable derived one."""
    import pyoxigraph as ox

    if _BLANK_LABEL.fullmatch(label):
        return ox.BlankNode(label)
    return ox.BlankNode("r" + hashlib.sha1(label.encode("utf-8")).hexdigest()[:20])


XSD = "http://www.w3.org/2001/XMLSchema#"
_DURATIONS = {XSD + "duration", XSD + "yearMonthDuration", XSD + "dayTimeDuration"}
_NUMBER = re.compile(r"-?\d+(\.\d*)?")


def canonical_lexical(text: str, datatype: str) -> str:
    """The XSD canonical form of a boolean or duration a server wrote as a number."""
    if datatype == XSD + "boolean" and text in {"1", "0"}:
        return "true" if text == "1" else "false"
    if datatype in _DURATIONS and _NUMBER.fullmatch(text):
        sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
        if "." not in digits:  # a number of months
            years, months = divmod(int(digits), 12)
            parts = (f"{years}Y" if years else "") + (f"{months}M" if months else "")
            return f"{sign}P{parts}" if parts else "PT0S"
        return sign + _seconds_duration(float(digits))
    return text


def _seconds_duration(seconds: float) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, rest = divmod(rest, 60)
    time = (
        (f"{int(hours)}H" if hours else "")
        + (f"{int(minutes)}M" if minutes else "")
        + (f"{rest:g}S" if rest else "")
    )
    day = f"{int(days)}D" if days else ""
    if not day and not time:
        return "PT0S"
    return f"P{day}" + (f"T{time}" if time else "")


def term(value: dict[str, Any]) -> Any:
    """One RDF term of the SPARQL results JSON format."""
    import pyoxigraph as ox

    kind = value.get("type")
    text = value.get("value")
    if not isinstance(text, str):
        raise ValueError(f"a term without a string value: {value!r}")
    if kind == "uri":
        return ox.NamedNode(text)
    if kind == "bnode":
        return blank_node(text)
    if kind in {"literal", "typed-literal"}:
        language = value.get("xml:lang")
        if language:
            return ox.Literal(text, language=language)
        datatype = value.get("datatype")
        if datatype:
            text = canonical_lexical(text, datatype)
            return ox.Literal(text, datatype=ox.NamedNode(datatype))
        return ox.Literal(text)
    if kind == "triple":
        inner = value.get("value")
        if isinstance(inner, dict):
            return ox.Triple(
                term(inner["subject"]), term(inner["predicate"]), term(inner["object"])
            )
    raise ValueError(f"unknown term type {kind!r}")


def results_json(body: bytes) -> QueryResult:
    """A SELECT or ASK answer in the SPARQL 1.1 Query Results JSON Format."""
    try:
        document = json.loads(body)
        if "boolean" in document:
            return QueryResult("ask", boolean=bool(document["boolean"]))
        names = list(document["head"]["vars"])
        rows = [
            [term(binding[name]) if name in binding else None for name in names]
            for binding in document["results"]["bindings"]
        ]
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"not SPARQL results JSON: {error}") from None
    return QueryResult("select", names, rows)


def graph(body: bytes, media: str) -> QueryResult:
    """A CONSTRUCT or DESCRIBE answer in an RDF syntax pyoxigraph reads."""
    import pyoxigraph as ox

    rdf_format = ox.RdfFormat.from_media_type(media) if media else None
    if rdf_format is None:
        rdf_format = ox.RdfFormat.N_TRIPLES if media == "text/plain" else None
    if rdf_format is None:
        raise ValueError(f"not an RDF syntax: {media or 'no content type'}")
    quads = ox.parse(body, format=rdf_format)
    return QueryResult("graph", triples=[q.triple for q in quads])


def parse_answer(body: bytes, media: str, *, graph_form: bool, origin: str) -> QueryResult:
    """The answer of a query, whatever the server chose among the formats asked for."""
    import pyoxigraph as ox

    try:
        if graph_form:
            return graph(body, media)
        if media in {"application/sparql-results+json", "application/json", ""}:
            return results_json(body)
        results_format = ox.QueryResultsFormat.from_media_type(media)
        if results_format is None:
            raise ValueError(f"unexpected content type {media}")
        return QueryResult.from_pyoxigraph(ox.parse_query_results(body, format=results_format))
    except (SyntaxError, ValueError) as error:
        from kgtool.remote.http import short

        raise RemoteError(
            f"{origin} did not answer with SPARQL results "
            f"({media or 'no content type'}): {short(str(error))}"
        ) from None
