"""Apache Jena as a second peer in the benchmark: riot, ``shacl validate`` and TDB2's loader.

Uses the Debian package ``libapache-jena-java`` (jars in /usr/share/java). Its
commands live in ``jena-cmds.jar``; as packaged they stop at start-up on a
missing xerces message resource, so a small jar with the ``.properties`` files
of ``org/apache/jena/ext/xerces/`` copied to ``xerces/`` is built into
``bench/out/`` when the benchmark runs (never committed). The class path is
the unversioned jars of /usr/share/java with one SLF4J binding.

Each step is a child of bench/run.py, so its wall time and peak RSS (the JVM's)
are its own; each prints one JSON line.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

JARS = Path("/usr/share/java")
OUT = Path(__file__).resolve().parent / "out"
#: SLF4J bridges and bindings that must not share the class path with slf4j-simple
_LOGGING = (
    "log4j-over-slf4j",
    "slf4j-log4j12",
    "slf4j-jcl",
    "slf4j-jdk14",
    "slf4j-nop",
    "slf4j-migrator",
    "maven3-slf4j-provider",
    "jcl-over-slf4j",
    "jul-to-slf4j",
)
SH = "http://www.w3.org/ns/shacl#"


def available() -> bool:
    return shutil.which("java") is not None and (JARS / "jena-cmds.jar").is_file()


def messages_jar() -> Path:
    """bench/out/jena-xerces-messages.jar: the xerces messages where Jena's commands look."""
    target = OUT / "jena-xerces-messages.jar"
    if target.is_file():
        return target
    OUT.mkdir(parents=True, exist_ok=True)
    prefix = "org/apache/jena/ext/xerces/"
    tmp = target.with_suffix(".tmp")
    with zipfile.ZipFile(JARS / "jena-core.jar") as core, zipfile.ZipFile(tmp, "w") as extra:
        for name in core.namelist():
            if name.startswith(prefix) and name.endswith(".properties"):
                extra.writestr("xerces/" + name[len(prefix) :], core.read(name))
    tmp.replace(target)
    return target


def classpath() -> str:
    names = sorted(
        p.name
        for p in JARS.glob("*.jar")
        if not re.search(r"-\d", p.name) and not p.name.startswith(_LOGGING)
    )
    return ":".join([str(messages_jar()), *(str(JARS / n) for n in names)])


def java(main_class: str, *args: str) -> list[str]:
    return ["java", "-cp", classpath(), main_class, *args]


def rdf_files(root: Path) -> list[Path]:
    """The Turtle files every peer reads: ontology/ (shapes too) and graph/."""
    return sorted((root / "ontology").glob("*.ttl")) + sorted(root.glob("graph/**/*.ttl"))


def data_file(root: Path) -> Path:
    """One Turtle file of the data as kgtool validates it: ontology, graph and source texts.

    kgtool stores each source text as ``schema:text`` (the quote checks
    compare against it); the baseline adds the same triples after parsing.
    Written before the timed step, like the corpus itself.
    """
    import pyoxigraph as ox

    target = OUT / f"jena-data-{root.resolve().name}.ttl"
    files = [p for p in rdf_files(root) if p.name != "shapes.ttl"]
    OUT.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        for path in files:
            out.write(path.read_bytes())
            out.write(b"\n")
        kg, schema = "https://w3id.org/kgtool/ontology#", "http://schema.org/"
        local_path = ox.NamedNode(kg + "localPath")
        documents = [
            (triple.subject, triple.object.value)
            for path in files
            for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
            if triple.predicate == local_path
        ]
        for subject, local in documents:
            text = root / "graph" / local
            if text.is_file():
                literal = ox.Literal(text.read_text(encoding="utf-8"))
                out.write(f"{subject} <{schema}text> {literal} .\n".encode())
    return target


def _run(argv: list[str], stdout: Any = subprocess.DEVNULL) -> tuple[float, int, str]:
    started = time.perf_counter()
    done = subprocess.run(argv, stdout=stdout, stderr=subprocess.PIPE, check=False)
    return time.perf_counter() - started, done.returncode, done.stderr.decode()[-400:]


def step_parse(project: str) -> None:
    """riot parses every Turtle file of the project (``--count``: no output written)."""
    argv = java("riotcmd.riot", "--count", *map(str, rdf_files(Path(project))))
    seconds, code, err = _run(argv, stdout=subprocess.PIPE)
    out: dict[str, Any] = {"parse": seconds, "code": code}
    total = re.search(r"Total\s*:.*?: ([\d,]+) Triples", err)  # riot --count, on stderr
    each = re.findall(r"Triples = ([\d,]+)", err)
    if total or each:
        out["triples"] = int((total[1] if total else each[-1]).replace(",", ""))
    if code:
        out["error"] = err
    print(json.dumps(out))


def step_validate(project: str) -> None:
    """``shacl validate`` with the project's shapes on the data file (texts included)."""
    root = Path(project)
    data = data_file(root)
    report = OUT / f"jena-report-{root.resolve().name}.ttl"
    argv = java("shacl.shacl", "validate", "--shapes", str(root / "ontology" / "shapes.ttl"),
                "--data", str(data))  # fmt: skip
    with report.open("wb") as sink:
        seconds, code, err = _run(argv, stdout=sink)
    out: dict[str, Any] = {"validate": seconds, "code": code, "report": str(report)}
    if code:
        out["error"] = err
    else:
        out["components"] = report_components(report)
        out["results"] = sum(out["components"].values())
    print(json.dumps(out))


def step_load(project: str) -> None:
    """TDB2's bulk loader (``tdb2.tdbloader``, default loader) into a new database."""
    root = Path(project)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=OUT, prefix="tdb2-") as folder:
        argv = java("tdb2.tdbloader", "--loc", folder, *map(str, rdf_files(root)))
        seconds, code, err = _run(argv)
    out: dict[str, Any] = {"load": seconds, "code": code}
    if code:
        out["error"] = err
    print(json.dumps(out))


def report_components(report: Path) -> dict[str, int]:
    """Results of a SHACL report (Turtle), counted by constraint component (local name)."""
    import pyoxigraph as ox

    store = ox.Store()
    store.load(path=str(report), format=ox.RdfFormat.TURTLE)
    rows = store.query(
        f"SELECT ?c WHERE {{ ?r a <{SH}ValidationResult> ; <{SH}sourceConstraintComponent> ?c }}"
    )
    return dict(sorted(Counter(local_name(row["c"].value) for row in rows).items()))


def local_name(iri: str) -> str:
    return re.split(r"[#/:]", iri)[-1]


def differences(ours: dict[str, int], jena: dict[str, int]) -> dict[str, dict[str, int]]:
    """Components where the two counts differ: {component: {kgtool: n, jena: m}}."""
    return {
        component: {"kgtool": ours.get(component, 0), "jena": jena.get(component, 0)}
        for component in sorted(set(ours) | set(jena))
        if ours.get(component, 0) != jena.get(component, 0)
    }
