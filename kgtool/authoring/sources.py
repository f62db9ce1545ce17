"""``kgtool add source``: register a document so that sheets can quote it.

A ``.txt`` file is copied byte for byte; a saved news page (``.html``) gives
its article text and metadata through trafilatura (htmldate for the date).
The source's RDF is written to ``graph/sources/<name>.source.ttl`` beside
the text, with its sha256, character count and metadata; its publisher and
author are entities found by label, or created in that same file.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from kgtool.authoring.anchor import reanchor
from kgtool.authoring.context import SourceInfo, load_context
from kgtool.authoring.review import Review, write_reviews
from kgtool.errors import InputError
from kgtool.project import Project

AGENT = "https://w3id.org/kgtool/ontology#Agent"
ENT = "https://w3id.org/kgtool/entity/"


@dataclass
class Metadata:
    headline: str | None = None
    publisher: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    url: str | None = None
    language: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Added:
    iri: str
    text_path: Path
    rdf_path: Path
    characters: int
    created: list[str]
    reviews: list[Review] = field(default_factory=list)


def slug(text: str) -> str:
    """'Kang Hyun-kyung' -> 'kang-hyun-kyung': the local name of a new IRI."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "source"


def _read_html(file: Path, shown: str) -> tuple[str, Metadata]:
    import trafilatura
    from htmldate import find_date

    html = file.read_bytes().decode("utf-8", errors="replace")
    text = trafilatura.extract(html, output_format="txt", include_comments=False)
    if not text or not text.strip():
        raise InputError(
            "no article text found in the HTML page",
            path=shown,
            hint="save the article's page itself, or give its text as a .txt file",
        )
    meta = trafilatura.extract_metadata(html)
    found = Metadata()
    if meta is not None:
        found.headline = meta.title or None
        found.publisher = meta.sitename or None
        found.authors = [a.strip() for a in (meta.author or "").split(";") if a.strip()]
        found.url = meta.url or None
        found.language = (meta.language or None) if hasattr(meta, "language") else None
    day = find_date(html, extensive_search=False, original_date=True)
    found.published = day or (meta.date if meta is not None else None)
    found.notes.append("Text extracted from a saved web page with trafilatura.")
    return text.strip(), found


def _published(value: str, shown: str) -> tuple[str, str | None]:
    """An xsd:dateTime with a zone, and a note when only the day is known."""
    text = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            date.fromisoformat(text)
            return f"{text}T00:00:00Z", "Only the day of publication is known; the time is not."
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"'{value}' is not a date",
            path=shown,
            hint="write --published 2014-07-27 or 2014-07-27T16:31:00+09:00",
        ) from None
    if moment.tzinfo is None:
        raise InputError(
            f"'{value}' has no time zone",
            path=shown,
            hint="add one, e.g. 2014-07-27T16:31:00+09:00",
        )
    return moment.isoformat(), None


def _lit(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def add_source(project: Project, file: Path, *, given: Metadata, replace: bool = False) -> Added:
    """Copy the text under graph/sources/ and write its RDF; nothing is written on error."""
    shown = str(file)
    if not file.is_file():
        raise InputError("no such file", path=shown)
    if file.suffix.lower() in (".html", ".htm"):
        text, meta = _read_html(file, shown)
        data = text.encode("utf-8")
        media = "text/plain"
    elif file.suffix.lower() == ".txt":
        data = file.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InputError(
                f"the text is not UTF-8 (byte {error.start})",
                path=shown,
                hint="convert it to UTF-8, e.g. iconv -t UTF-8",
            ) from None
        if not text.strip():
            raise InputError("the text file is empty", path=shown)
        meta, media = Metadata(), "text/plain"
    else:
        raise InputError("a source is a .txt or a saved .html page", path=shown)
    for name in ("headline", "publisher", "published", "url", "language"):
        if getattr(given, name):
            setattr(meta, name, getattr(given, name))
    if given.authors:
        meta.authors = given.authors
    meta.notes = [*meta.notes, *given.notes]
    name = slug(file.stem)
    folder = project.graph_dir / "sources"
    text_path, rdf_path = folder / f"{name}.txt", folder / f"{name}.source.ttl"
    if (text_path.exists() or rdf_path.exists()) and not replace:
        raise InputError(
            f"the source graph/sources/{name} already exists",
            path=shown,
            hint="pass --replace to replace it (its claims are then re-anchored)",
        )
    ttl, created = _turtle(project, name, text, data, meta, media, shown, _defined_in(rdf_path))
    iri = "https://w3id.org/kgtool/source/" + name
    elsewhere = _described_elsewhere(project, iri, rdf_path) if replace else []
    if elsewhere:
        raise InputError(
            f"src:{name} is described in {', '.join(elsewhere)}, not by 'kgtool add source'",
            path=shown,
            hint="remove its description there first (the new one goes to "
            f"graph/sources/{name}.source.ttl), then run the command again",
        )
    reviews = _reanchor(project, iri, text_path, text) if text_path.exists() else []
    folder.mkdir(parents=True, exist_ok=True)
    text_path.write_bytes(data)
    rdf_path.write_text(ttl, encoding="utf-8")
    write_reviews(project, reviews)
    return Added(iri, text_path, rdf_path, len(text), created, reviews)


def _reanchor(project: Project, iri: str, old_path: Path, text: str) -> list[Review]:
    """Every quote of the replaced text placed in the new one (none when the text is the same)."""
    old = load_context(project).sources.get(iri)
    if old is None:  # its description was removed: the text on disk is the old version
        from kgtool.source_text import read_source_text

        local = "sources/" + old_path.name
        old = SourceInfo(iri, local, read_source_text(project, old_path), None, None, None)
    if old.problem is not None:  # the quotes cannot be followed from an unreadable text
        raise old.problem
    if old.text == text:
        return []
    return reanchor(project, old, text)


def _described_elsewhere(project: Project, iri: str, own: Path) -> list[str]:
    """The files other than ``own`` that record the source's sha256 (a second description)."""
    import pyoxigraph as ox

    from kgtool.authoring.context import KG, context_files

    found = []
    for path in context_files(project):
        if path == own or path.suffix != ".ttl":
            continue
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            if triple.subject.value == iri and triple.predicate.value == KG + "sha256":
                found.append(project.relative(path))
                break
    return found


def _defined_in(path: Path) -> set[str]:
    """The entities a source file being replaced defines: they are written again, not reused."""
    import pyoxigraph as ox

    if not path.is_file():
        return set()
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    return {
        t.subject.value
        for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
        if t.predicate.value == rdf_type
    }


def _turtle(
    project: Project,
    name: str,
    text: str,
    data: bytes,
    meta: Metadata,
    media: str,
    shown: str,
    replaced: set[str],
) -> tuple[str, list[str]]:
    ctx = load_context(project)
    lines = [
        "@prefix kg: <https://w3id.org/kgtool/ontology#> .",
        "@prefix ent: <https://w3id.org/kgtool/entity/> .",
        "@prefix src: <https://w3id.org/kgtool/source/> .",
        "@prefix schema: <http://schema.org/> .",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        "",
        f"# Registered with 'kgtool add source'; the text is sources/{name}.txt.",
        "",
    ]
    lang = meta.language or "en"
    body = [f"src:{name} a kg:SourceDocument, schema:NewsArticle"]
    if meta.headline:
        body.append(f"schema:headline {_lit(meta.headline)}@{lang}")
    created: list[str] = []
    entities: list[str] = []
    for role, names, cls in (
        ("publisher", [meta.publisher] if meta.publisher else [], "kg:Organization"),
        ("author", meta.authors, "kg:Person"),
    ):
        for who in names:
            found = sorted(i for i in ctx.lookup(who) if ctx.is_a(i, AGENT) and i not in replaced)
            if found:
                curie = found[0].replace(ENT, "ent:") if found[0].startswith(ENT) else None
                body.append(f"schema:{role} {curie or '<' + found[0] + '>'}")
                continue
            local = slug(who)
            body.append(f"schema:{role} ent:{local}")
            created.append(f"ent:{local}")
            entities.append(f"ent:{local} a {cls} ;\n    skos:prefLabel {_lit(who)}@{lang} .")
    if meta.published:
        moment, note = _published(meta.published, shown)
        body.append(f"schema:datePublished {_lit(moment)}^^xsd:dateTime")
        if note:
            meta.notes.append(note)
    if meta.url:
        body.append(f"schema:url {_lit(meta.url)}^^xsd:anyURI")
    body.append(f"schema:inLanguage {_lit(lang)}")
    body.append(f"schema:encodingFormat {_lit(media)}")
    body.append(f'kg:localPath "sources/{name}.txt"')
    body.append(f'kg:sha256 "{hashlib.sha256(data).hexdigest()}"')
    body.append(f'kg:characterCount "{len(text)}"^^xsd:nonNegativeInteger')
    for note in meta.notes:
        body.append(f"kg:note {_lit(note)}@en")
    lines.append(" ;\n    ".join(body) + " .")
    for entity in entities:
        lines += ["", entity]
    return "\n".join(lines) + "\n", created
