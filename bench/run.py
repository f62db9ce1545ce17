"""Benchmark kgtool's pipeline against the rdflib + pyshacl baseline on a generated corpus.

Every step runs in its own child process so that its wall time and peak RSS
(from ``os.wait4``) are its own. The baseline runs its three phases in one
child, which is killed at ``--bound`` seconds; the phases it did not finish
are reported as "> bound", with how far it got. A named query is cut off when
one of its runs takes more than ``--query-bound`` seconds (60); it is reported
with the median of the runs that finished.

    python bench/run.py --claims 100000 [--json] [--bound 1200]
    python bench/run.py --claims 1000000 --no-baseline --steps build
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import selectors
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))  # jena.py and search.py, scripts beside this one
PYTHON = sys.executable
KGTOOL = str(Path(PYTHON).parent / "kgtool")


def measure(
    argv: list[str], bound: float | None = None, idle: float | None = None
) -> dict[str, object]:
    """Run a child; its wall seconds, exit code and its stdout JSON lines merged in order.

    The child is killed (with its process group) at ``bound`` seconds in all,
    or when more than ``idle`` seconds pass between two of its lines, counted
    from its first line: a child that prints a line as each unit of work ends
    (the query step: one per run) is then bounded per unit, and what it
    finished before the kill is still in the report. ``cut_by`` says which
    limit ended a killed child.
    """
    started = time.perf_counter()
    child = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    assert child.stdout is not None and child.stderr is not None
    out, err = bytearray(), bytearray()
    last: float | None = None  # when the child last completed a line
    cut_by: str | None = None
    with selectors.DefaultSelector() as pipes:
        pipes.register(child.stdout, selectors.EVENT_READ, out)
        pipes.register(child.stderr, selectors.EVENT_READ, err)
        while pipes.get_map():
            limits: list[tuple[float, str]] = []
            if cut_by is None and bound is not None:
                limits.append((started + bound, "bound"))
            if cut_by is None and idle is not None and last is not None:
                limits.append((last + idle, "idle"))
            due, limit = min(limits) if limits else (None, None)
            now = time.perf_counter()
            if due is not None and due <= now:
                os.killpg(child.pid, signal.SIGKILL)  # then read the pipes to their end
                cut_by = limit
                continue
            for key, _ in pipes.select(None if due is None else due - now):
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    pipes.unregister(key.fileobj)
                elif key.data is out and b"\n" in chunk:
                    last = time.perf_counter()
                key.data.extend(chunk)
    child.wait()
    seconds = time.perf_counter() - started
    # The step's peak RSS comes from the --rss wrapper around it (see wrapped()).
    report: dict[str, object] = {"seconds": seconds, "code": child.returncode}
    report["timeout"] = cut_by is not None
    if cut_by:
        report["cut_by"] = cut_by
    # Each line adds what the child learned since the one before (the baseline repeats
    # every figure so far), so merging them in order keeps all it reported before a kill.
    for line in out.decode().split("\n")[:-1]:  # not a line cut short by the kill
        if line.startswith("{"):
            report.update(json.loads(line))
    if child.returncode != 0 and not cut_by:
        report["error"] = err.decode()[-400:]
    return report


def wrapped(argv: list[str]) -> list[str]:
    """Run ``argv`` under this script's ``--rss`` wrapper, which reports the child's own peak."""
    return [PYTHON, __file__, "--rss", "--", *argv]


def rss_wrapper(argv: list[str]) -> int:
    """Run argv, passing its JSON lines on as they come; then its peak RSS (MB) on the last line.

    Lines are passed on at once so that a step killed at its bound has still
    reported what it finished.
    """
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    tree_peak = [0.0]
    sampling = threading.Event()
    sampler = threading.Thread(target=_sample_tree, args=(child.pid, tree_peak, sampling))
    sampler.start()
    payload: dict[str, object] = {}
    try:
        for line in child.stdout:
            if line.startswith("{"):
                payload = json.loads(line)
                print(line, end="", flush=True)
        child.wait()
    finally:
        sampling.set()
        sampler.join()
    # The wrapper has this one child, so the children's peak is the largest one
    # process of that child's tree reached; worker processes add to it, so the
    # tree's sampled sum is reported beside it.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    payload["rss_mb"] = round(peak, 1)
    payload["tree_rss_mb"] = round(max(tree_peak[0], peak), 1)
    print(json.dumps(payload))
    return child.returncode


def _tree_rss_mb(root: int) -> float:
    """The summed resident set of ``root`` and all its descendants now (from /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:  # the process ended while /proc was read
            continue
        pid = int(entry.name)
        parents[pid], rss[pid] = int(fields[1]), int(fields[21]) * page
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(rss.get(pid, 0) for pid in tree) / (1 << 20)


def _sample_tree(root: int, peak: list[float], done: threading.Event) -> None:
    """Keep in ``peak[0]`` the largest summed RSS of ``root``'s tree, sampled 4 times a second."""
    while not done.wait(0.25):
        peak[0] = max(peak[0], _tree_rss_mb(root))


# Steps run in children -----------------------------------------------------------


def step_build(project: str, warm: bool = False) -> None:
    """``kgtool build --force`` in its phases; one JSON line of timings.

    Cold (the default): the store, its piece cache, the saved report and the
    search index of an earlier run are deleted first, so every file is parsed
    and rendered again, as on a new corpus. ``warm`` keeps them: the load then
    takes unchanged pieces from the cache, and the figures are labelled so.

    load = parse every file into its export piece and bulk-load the store;
    index = the full-text index read from the store; validate = every shape
    on every node (SPARQL engine), report saved for the incremental rebuild;
    export = the dist files from the pieces.
    """
    import shutil
    from collections import Counter

    from kgtool.export import write_dist
    from kgtool.incremental import validate_incrementally
    from kgtool.project import Project
    from kgtool.search import index_path, update_index
    from kgtool.store import build_store

    proj = Project(Path(project))
    # build_store refuses a store folder holding files it does not list, and it does not
    # list the compiled shapes that validation keeps there: without this a warm build fails.
    (proj.store_path / "shacl-plan.pickle").unlink(missing_ok=True)
    if not warm:
        for path in (proj.root / ".kgtool", proj.store_path, proj.dist_dir):
            shutil.rmtree(path, ignore_errors=True)
        index = index_path(proj.store_path)
        for leftover in (index, Path(f"{index}-wal"), Path(f"{index}-shm")):
            leftover.unlink(missing_ok=True)
    t0 = time.perf_counter()
    kgstore, stats = build_store(proj)
    t1 = time.perf_counter()
    update_index(kgstore)
    t2 = time.perf_counter()
    report = validate_incrementally(kgstore, engine="sparql")
    t3 = time.perf_counter()
    write_dist(kgstore, proj.dist_dir)
    t4 = time.perf_counter()
    components = Counter(r.component.rsplit("#", 1)[-1] for r in report.results)
    print(json.dumps({"load": t1 - t0, "index": t2 - t1, "validate": t3 - t2, "export": t4 - t3,
                      "quads": stats.quads, "results": len(report.results),
                      "components": dict(sorted(components.items())),
                      "cache": "warm" if warm else "cold"}))  # fmt: skip


#: Values for the queries' parameters, found in the generated corpus: the defaults name
#: entities of the shipped article (ent:north-korea, ...), which a generated corpus does
#: not have, so with them a query would be timed on an empty lookup. Each kind is
#: the entity with the most facts; "{country}" is the value found for "country".
#: "person" is the person whose position is stated most often (person-profile): the
#: busiest speaker of a large corpus is someone quoted at random, with no position.
PARAMETER_SEARCHES: dict[str, str] = {
    "country": "SELECT ?x WHERE { ?f a kg:TradeFlow ; kg:exporter ?x } "
    "GROUP BY ?x ORDER BY DESC(COUNT(?f)) ?x LIMIT 1",
    "partner": "SELECT ?x WHERE { ?f a kg:TradeFlow ; kg:exporter <{country}> ; kg:importer ?x } "
    "GROUP BY ?x ORDER BY DESC(COUNT(?f)) ?x LIMIT 1",
    "commodity": "SELECT ?x WHERE { ?f kg:commodity ?x } GROUP BY ?x ORDER BY DESC(COUNT(?f)) ?x "
    "LIMIT 1",
    "claim": "SELECT ?x WHERE { ?x kg:states ?f . ?f kg:exporter <{country}> } ORDER BY ?x LIMIT 1",
    "speaker": "SELECT ?x WHERE { ?f kg:speaker ?x } GROUP BY ?x ORDER BY DESC(COUNT(?f)) ?x "
    "LIMIT 1",
    "person": "SELECT ?x WHERE { ?f a kg:PositionHolding ; kg:holder ?x } GROUP BY ?x "
    "ORDER BY DESC(COUNT(?f)) ?x LIMIT 1",
    "party": "SELECT ?x WHERE { ?c prov:wasAttributedTo ?x } GROUP BY ?x "
    "ORDER BY DESC(COUNT(?c)) ?x LIMIT 1",
}

#: which kind of value each parameter name takes (parameters not named keep their default)
PARAMETER_KINDS: dict[str, str] = {
    **dict.fromkeys(
        ("exporter", "reporter", "holder", "earner", "target", "location", "entity"), "country"
    ),
    **dict.fromkeys(("importer", "partner"), "partner"),
    "speaker": "speaker",
    "person": "person",
    "commodity": "commodity",
    "claim": "claim",
    "party": "party",
}


def corpus_parameters(kgstore: Any) -> dict[str, str]:
    """One value per kind of :data:`PARAMETER_SEARCHES` (kind -> IRI), where the corpus has one."""
    found: dict[str, str] = {}
    for kind, search in PARAMETER_SEARCHES.items():
        if "{country}" in search and "country" not in found:
            continue
        rows = list(kgstore.query(search.replace("{country}", found.get("country", ""))))
        if rows:
            found[kind] = rows[0]["x"].value
    return found


def query_parameters(query: Any, found: dict[str, str]) -> dict[str, str]:
    """The values a named query is run with: required parameters from the corpus."""
    out: dict[str, str] = {}
    for param in query.parameters:
        kind = PARAMETER_KINDS.get(param.name)
        if kind in found and param.default is not None:  # optional ones stay unset
            out[param.name] = found[kind]
    return out


def step_parameters(project: str) -> None:
    """The corpus's parameter values (kind -> IRI), searched once for every query."""
    from kgtool.project import Project
    from kgtool.store import open_store

    kgstore = open_store(Project(Path(project)), refresh=False)
    print(json.dumps({"found": corpus_parameters(kgstore)}))


#: rows of the first page a query is timed on: the JSON API's default page
PAGE = 100
#: what a named query may take: this much plus :data:`PER_ROW` for each row of its answer
BASE_ALLOWANCE = 0.050
PER_ROW = 0.0001
#: what its first page of :data:`PAGE` rows may take
PAGE_ALLOWANCE = 0.050


def step_query(project: str, name: str, repeats: int, found: dict[str, str]) -> None:
    """One named query on the built store, with corpus parameters, ``repeats`` times,
    then its first page (``limit`` :data:`PAGE`) as many times.

    Prints the parameters once, then one line per finished run with every run
    time so far (wall and this process's CPU seconds): the parent bounds each run
    by the time between two lines and, if it kills a slow run, still has the runs
    before it (see :func:`measure`).
    """
    from kgtool.project import Project
    from kgtool.query import LocalExecutor, find_query, run
    from kgtool.store import open_store

    proj = Project(Path(project))
    kgstore = open_store(proj, refresh=False)
    query = find_query(name, proj.queries_dir)
    params = query_parameters(query, found)
    print(json.dumps({"params": params}), flush=True)
    # the first page first: a whole answer cut off at the bound still leaves its page's figure
    for key, limit in (("page_", PAGE), ("", None)):
        times: list[float] = []
        cpu: list[float] = []
        for _ in range(repeats):
            started, used = time.perf_counter(), time.process_time()
            result = run(query, params, executor=LocalExecutor(kgstore), project=proj, limit=limit)
            rows = len(result.triples) if result.kind == "graph" else len(result.rows)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - used)
            print(json.dumps({f"{key}times": times, f"{key}cpu": cpu, f"{key}rows": rows}),
                  flush=True)  # fmt: skip


def run_queries(project: Path, repeats: int, bound: float) -> dict[str, dict[str, object]]:
    """Each query in its own child, each run bounded, so one slow query cannot stall the run.

    A query is cut off when one run takes more than ``bound`` seconds; its
    entry then has the median of the runs that finished before (``runs`` of
    ``repeats``; ``median`` None if none did) and ``timeout`` true.
    """
    out: dict[str, dict[str, object]] = {}
    search = measure([PYTHON, __file__, "--step", "parameters", str(project)])
    if "found" not in search:  # timing every query on its defaults would mislead
        raise RuntimeError(f"the parameter search failed: {search.get('error', '')[-400:]}")
    found = json.dumps(search["found"])
    for path in sorted((project / "queries").glob("*.rq")):
        # Per run, the bound is the time between two of the child's lines (idle).
        # The total cap is only a backstop so the suite cannot run forever: every
        # run may use the whole bound, and opening the store before the first line
        # gets one bound more plus what the runs leave unused. A smaller fixed cap
        # would again cut off queries whose every run is within the bound.
        m = measure([PYTHON, __file__, "--step", "query", str(project), path.stem, str(repeats),
                     found], bound * (repeats + 1), idle=bound)  # fmt: skip
        times = m.get("times") or []
        assert isinstance(times, list)
        entry: dict[str, object] = {
            "median": statistics.median(times) if times else None,
            "rows": m.get("rows"),
            "params": m.get("params"),
            "runs": len(times),
            "times": times,
            "repeats": repeats,
            "timeout": bool(m.get("timeout")),
        }
        entry.update(verdicts(m, repeats))
        if m.get("timeout"):
            # "idle": a run took more than the bound; "bound": the total cap was reached
            # (before the parameters were printed, or by a slow search plus slow runs).
            entry["cut_by"] = m.get("cut_by")
        if "error" in m:
            entry["error"] = m["error"]
        out[path.stem] = entry
    return out


def verdicts(m: dict[str, object], repeats: int) -> dict[str, object]:
    """A query's CPU median, its allowance for the rows it answered and whether it met it,
    and the same for its first page; ``met`` is None when the runs did not all finish."""
    out: dict[str, object] = {}
    times, cpu, rows = m.get("times") or [], m.get("cpu") or [], m.get("rows")
    assert isinstance(times, list) and isinstance(cpu, list)
    out["cpu_median"] = statistics.median(cpu) if cpu else None
    if isinstance(rows, int):
        out["allowance"] = BASE_ALLOWANCE + PER_ROW * rows
    if len(times) == repeats and "allowance" in out:
        out["met"] = statistics.median(times) <= out["allowance"]  # type: ignore[operator]
    else:
        out["met"] = None
    page, page_cpu = m.get("page_times") or [], m.get("page_cpu") or []
    assert isinstance(page, list) and isinstance(page_cpu, list)
    out["page"] = {
        "limit": PAGE,
        "rows": m.get("page_rows"),
        "median": statistics.median(page) if page else None,
        "cpu_median": statistics.median(page_cpu) if page_cpu else None,
        "times": page,
        "allowance": PAGE_ALLOWANCE,
        "met": statistics.median(page) <= PAGE_ALLOWANCE if len(page) == repeats else None,
    }
    return out


def step_rebuild(project: str) -> None:
    """Edit one claims file, then bring store, validation and dist up to date."""
    from kgtool.build import build
    from kgtool.project import Project

    proj = Project(Path(project))
    target = sorted((proj.graph_dir / "claims").glob("*.ttl"))[0]
    text = target.read_text(encoding="utf-8")
    edited = text.replace('rdfs:label "Edited: ', 'rdfs:label "', 1)
    if edited == text:
        edited = text.replace('rdfs:label "', 'rdfs:label "Edited: ', 1)
    target.write_text(edited, encoding="utf-8")
    messages: list[str] = []
    started = time.perf_counter()
    outcome = build(proj, engine="sparql", progress=messages.append)
    seconds = time.perf_counter() - started
    validated = [m for m in messages if m.startswith("validating")]
    print(json.dumps({"rebuild": seconds, "action": outcome.stats.action,
                      "reloaded": outcome.stats.reloaded, "validated": validated,
                      "conforms": outcome.report.conforms}))  # fmt: skip


def floor_files(root: Path) -> list[Path]:
    """The Turtle files both floors load: the ontology's, then the graph's."""
    return sorted((root / "ontology").glob("*.ttl")) + sorted(root.glob("graph/**/*.ttl"))


def step_floor(project: str) -> None:
    """pyoxigraph alone: one bulk load of every Turtle file of the project into a new store.

    The files are streamed one after another (Turtle allows ``@prefix`` anywhere;
    each generated file ends with a newline)
    into the default graph: no pieces, no named graphs, no source texts. This is
    the engine's own speed on the same input, the floor under kgtool's load.
    """
    import tempfile

    import pyoxigraph as ox

    from kgtool.store import ConcatenatedFiles

    root = Path(project)
    with tempfile.TemporaryDirectory(dir=root.parent) as folder:
        started = time.perf_counter()
        store = ox.Store(str(Path(folder) / "db"))
        stream = io.BufferedReader(ConcatenatedFiles(floor_files(root)), 1 << 20)
        store.bulk_load(stream, format=ox.RdfFormat.TURTLE)
        store.flush()
        seconds = time.perf_counter() - started
        print(json.dumps({"floor": seconds, "quads": len(store)}))
        del store


def step_floor_named(project: str) -> None:
    """pyoxigraph alone: the same quads bulk-loaded into one named graph per file.

    kgtool's store keeps each file in a graph of its own, which the database
    indexes in three more orders than the default graph: this is the
    engine's own price for that layout. The files are turned into one
    N-Quads file first, outside the timing.
    """
    import tempfile

    import pyoxigraph as ox

    from kgtool.project import Project

    root = Path(project)
    kgproject = Project(root)
    with tempfile.TemporaryDirectory(dir=root.parent) as scratch:
        nquads = Path(scratch) / "named.nq"
        with nquads.open("wb") as out:
            for path in floor_files(root):
                graph = ox.NamedNode(kgproject.graph_iri(path))
                quads = (
                    ox.Quad(t.subject, t.predicate, t.object, graph)
                    for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
                )
                ox.serialize(quads, out, format=ox.RdfFormat.N_QUADS)
        started = time.perf_counter()
        store = ox.Store(str(Path(scratch) / "db"))
        store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        store.flush()
        seconds = time.perf_counter() - started
        print(json.dumps({"floor": seconds, "quads": len(store)}))
        del store


def step_baseline(project: str) -> None:
    """rdflib + pyshacl in one process: parse everything (with texts), validate, serialize.

    A JSON line with every figure so far (and this process's peak RSS) is
    printed as each phase ends, and every ~10 s while parsing, so a run
    killed at the bound still tells how far it got.
    """
    from pyshacl import validate as shacl
    from rdflib import Graph, Literal, Namespace

    root = Path(project)
    kg, schema = Namespace("https://w3id.org/kgtool/ontology#"), Namespace("http://schema.org/")
    out: dict[str, object] = {}

    def emit(**fields: object) -> None:
        out.update(fields)
        out["rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        print(json.dumps(out), flush=True)

    started = time.perf_counter()
    data, shapes = Graph(), Graph()
    files = sorted((root / "ontology").glob("*.ttl")) + sorted(root.glob("graph/**/*.ttl"))
    shown = started
    for index, path in enumerate(files, 1):
        (shapes if path.name == "shapes.ttl" else data).parse(path, format="turtle")
        if time.perf_counter() - shown > 10:
            shown = time.perf_counter()
            emit(parsed_files=f"{index}/{len(files)}", parsed_triples=len(data),
                 parsing_seconds=shown - started)  # fmt: skip
    for doc, rel in list(data.subject_objects(kg.localPath)):
        text = root / "graph" / str(rel)
        if text.is_file():
            data.add((doc, schema.text, Literal(text.read_text(encoding="utf-8"))))
    parsed = time.perf_counter()
    emit(parse=parsed - started, triples=len(data))
    conforms, _, _ = shacl(data, shacl_graph=shapes, inference="none", advanced=True)
    validated = time.perf_counter()
    emit(validate=validated - parsed, conforms=bool(conforms))
    data.serialize(format="turtle")
    emit(serialize=time.perf_counter() - validated)


def step_search(project: str) -> None:
    """bench/search.py on the built store: the index from scratch, each kind of search."""
    import search

    print(json.dumps(search.bench(Path(project), repeats=21, limit=20)))


def step_load(project: str) -> None:
    """bench/load.py on the built store: the pages and a named query of the API under load."""
    import load

    print(json.dumps(load.bench(Path(project))))


def run_jena(project: Path, bound: float) -> dict[str, object]:
    """Jena's riot, ``shacl validate`` and TDB2 loader on the same files, each bounded."""
    import jena

    if not jena.available():
        return {"skipped": "java or /usr/share/java/jena-cmds.jar is missing"}
    jena.messages_jar()  # built once, before any step is timed
    return {
        part: measure(child(f"jena-{part}", str(project)), bound)
        for part in ("parse", "validate", "load")
    }


# The driver ---------------------------------------------------------------------


def ensure_corpus(claims: int, seed: int, root: Path, violations: int = 0) -> Path:
    """The corpus of ``claims``, ``seed`` and ``violations`` under ``root``, generated if missing.

    A corpus kept from an earlier run gets the repository's current ontology/
    and queries/ (the generator copies them once), so a rerun measures the
    shapes and queries of this checkout; the build then brings the store up to date.
    """
    out = root / (f"kg-{claims}-s{seed}" + (f"-v{violations}" if violations else ""))
    stamp = out / "violations.json"
    if not stamp.is_file():
        subprocess.run([PYTHON, str(REPO / "bench" / "generate.py"), "--claims", str(claims),
                        "--seed", str(seed), "--violations", str(violations),
                        "--out", str(out)], check=True)  # fmt: skip
        return out
    for folder in ("ontology", "queries"):
        _sync_folder(REPO / folder, out / folder)
    return out


def _sync_folder(source: Path, target: Path) -> None:
    """Make ``target`` hold the files of ``source``; unchanged files keep their mtime."""
    target.mkdir(exist_ok=True)
    wanted = {path.name for path in source.iterdir() if path.is_file()}
    for path in target.iterdir():
        if path.is_file() and path.name not in wanted:
            path.unlink()
    for name in sorted(wanted):
        data = (source / name).read_bytes()
        if not (target / name).is_file() or (target / name).read_bytes() != data:
            (target / name).write_bytes(data)


def child(*args: str) -> list[str]:
    return wrapped([PYTHON, __file__, "--step", *args])


def startup(argv: list[str], repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


STEPS = ("build", "floor", "queries", "rebuild", "startup", "search", "load", "jena")


def bench(
    claims: int,
    seed: int,
    bound: float,
    workdir: Path,
    baseline: bool,
    steps: set[str],
    query_bound: float = 60.0,
    warm: bool = False,
    violations: int = 0,
) -> dict[str, object]:
    project = ensure_corpus(claims, seed, workdir, violations)
    results: dict[str, object] = {"claims": claims, "project": str(project)}
    results["build"] = measure(child("build-warm" if warm else "build", str(project)))
    if "floor" in steps:
        results["floor"] = measure(child("floor", str(project)))
        results["floor_named"] = measure(child("floor-named", str(project)))
    queries = run_queries(project, 5, query_bound) if "queries" in steps else {}
    results["queries"] = {"queries": queries, "bound": query_bound, "repeats": 5}
    if "rebuild" in steps:
        results["rebuild"] = measure(child("rebuild", str(project)))
    if "search" in steps:
        results["search"] = measure(child("search", str(project)))
    if "load" in steps:
        results["load"] = measure(child("load", str(project)), bound)
    if "jena" in steps:
        results["jena"] = run_jena(project, bound)
        validated = results["jena"].get("validate")  # type: ignore[union-attr]
        ours = results["build"].get("components")  # type: ignore[union-attr]
        if isinstance(validated, dict) and "components" in validated and isinstance(ours, dict):
            import jena

            results["shacl_differences"] = jena.differences(ours, validated["components"])
    if "startup" in steps:
        results["help_seconds"] = startup([KGTOOL, "--help"])
    medians = {k: v["median"] for k, v in queries.items() if v["median"] is not None}
    names = sorted((v, k) for k, v in medians.items())
    names = [name for _, name in names]  # start-up is measured on the fastest query
    if names and "startup" in steps:
        results["query_cli_seconds"] = startup(
            [KGTOOL, "--project", str(project), "query", names[0]], repeats=3
        )
        results["query_cli_name"] = names[0]
    if baseline:
        results["baseline"] = measure(child("baseline", str(project)), bound)
    results["targets"] = target_verdicts(results)
    return results


def _secs(value: object) -> str:
    return f"{value:.2f} s" if isinstance(value, float) else str(value)


def _query_line(value: dict[str, object], bound: float) -> str:
    """One query's cell: its median, or how far it got before a run passed the bound."""
    median, timeout, params = value.get("median"), value.get("timeout"), value.get("params")
    capped = value.get("cut_by") == "bound"  # the step's total cap, not one run over the bound
    if isinstance(median, float):
        shown = f"{_ms(median)} (CPU {_ms(value.get('cpu_median'))}), {value.get('rows')} rows"
        allowance, met = value.get("allowance"), value.get("met")
        if isinstance(allowance, float) and met is not None:
            shown += f", allowed {_ms(allowance)}: {'met' if met else 'MISSED'}"
        if timeout:
            shown += f", {value.get('runs')} of {value.get('repeats')} runs within the bound"
            shown += ", then the step's cap" if capped else ""
    elif timeout and params is None:
        shown = "killed before its first run (the step's cap)"
    elif timeout:
        during = "killed during the first run"
        shown = f"{during} (the step's cap)" if capped else f"> {bound:g} s ({during})"
    else:
        lines = str(value.get("error") or "").strip().splitlines()
        shown = "failed: " + (lines[-1] if lines else "no result")
    page = value.get("page")
    if isinstance(page, dict) and isinstance(page.get("median"), float):
        verdict = {True: "met", False: "MISSED", None: "not all runs finished"}[page.get("met")]
        shown += (
            f"; first page ({page.get('rows')} of limit {page.get('limit')}): "
            f"{_ms(page['median'])} (CPU {_ms(page.get('cpu_median'))}), "
            f"allowed {_ms(page.get('allowance'))}: {verdict}"
        )
    if isinstance(params, dict) and params:
        shown += " (" + ", ".join(f"{k}={v}" for k, v in params.items()) + ")"
    return shown


def _ms(value: object) -> str:
    """Seconds as milliseconds below a second, else seconds."""
    if not isinstance(value, float):
        return "-"
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def _jena_lines(r: dict[str, object], b: dict[str, object]) -> list[str]:
    """Jena's three steps beside kgtool's, and where the two SHACL reports differ."""
    j = r.get("jena")
    if not isinstance(j, dict):
        return []
    if "skipped" in j:
        return [f"Apache Jena: not run ({j['skipped']})"]
    lines = []
    for part, ours in (("parse", "load"), ("validate", "validate"), ("load", "load")):
        m = j.get(part)
        if not isinstance(m, dict):
            continue
        value = m.get(part)
        if m.get("timeout"):
            shown = "killed at the bound"
        elif isinstance(value, float) and not m.get("code"):
            shown = f"{_secs(value)}, {m.get('rss_mb')} MB"
        else:
            said = str(m.get("error", "")).strip().splitlines()
            shown = "failed: " + (said[-1] if said else f"exit code {m.get('code')}")
        name = {"parse": "riot parse", "validate": "shacl validate", "load": "tdb2.tdbloader"}
        extra = f", {m['triples']:,} triples" if isinstance(m.get("triples"), int) else ""
        extra += f", {m['results']} results" if "results" in m else ""
        lines.append(
            f"Apache Jena {name[part]}: {shown}{extra} (kgtool {ours}: {_secs(b.get(ours))})"
        )
    diff = r.get("shacl_differences")
    if isinstance(diff, dict):
        if diff:
            shown = "; ".join(
                f"{c}: kgtool {v['kgtool']}, Jena {v['jena']}" for c, v in diff.items()
            )
            lines.append(f"SHACL results by constraint component that differ: {shown}")
        else:
            lines.append("SHACL results by constraint component: kgtool and Jena agree")
    return lines


#: the figures a run is judged by: (what, limit); a ratio or seconds must stay at or under it
LIMITS = {
    "build / floor": 1.5,
    "build / floor in named graphs": 1.5,
    "build peak RSS / floor's": 1.2,
    "validation / floor": 0.5,
    "search median ms (slowest search)": 20.0,
    "one-file rebuild s": 2.0,
}


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def target_verdicts(r: dict[str, Any]) -> dict[str, dict[str, object]]:
    """Each target's figure from this run beside its limit, and whether it is met.

    Ratios compare in-process times of the same run: kgtool's phases summed
    against the engine's own bulk load, so start-up is counted in neither.
    """
    b, fl, fn = r.get("build") or {}, r.get("floor") or {}, r.get("floor_named") or {}
    build = sum(_number(b.get(k)) or 0.0 for k in ("load", "index", "validate", "export"))
    figures: dict[str, float | None] = {}
    floor, named = _number(fl.get("floor")), _number(fn.get("floor"))
    figures["build / floor"] = build / floor if floor and build else None
    figures["build / floor in named graphs"] = build / named if named and build else None
    ours, theirs = _number(b.get("tree_rss_mb")), _number(fl.get("tree_rss_mb"))
    figures["build peak RSS / floor's"] = ours / theirs if ours and theirs else None
    validate = _number(b.get("validate"))
    figures["validation / floor"] = validate / floor if floor and validate is not None else None
    searches = (r.get("search") or {}).get("searches") or {}
    medians = [_number(s.get("median_ms")) for s in searches.values()]
    figures["search median ms (slowest search)"] = max(
        (m for m in medians if m is not None), default=None
    )
    figures["one-file rebuild s"] = _number((r.get("rebuild") or {}).get("rebuild"))
    out: dict[str, dict[str, object]] = {}
    for name, limit in LIMITS.items():
        figure = figures[name]
        out[name] = {"figure": figure, "limit": limit,
                     "met": None if figure is None else figure <= limit}  # fmt: skip
    queries = (r.get("queries") or {}).get("queries") or {}
    if queries:
        met = sum(1 for v in queries.values() if v.get("met"))
        pages = sum(1 for v in queries.values() if (v.get("page") or {}).get("met"))
        out["named queries within 50 ms + 0.1 ms a row"] = {
            "figure": met, "limit": len(queries), "met": met == len(queries)}  # fmt: skip
        out["first pages within 50 ms"] = {
            "figure": pages, "limit": len(queries), "met": pages == len(queries)}  # fmt: skip
    load = (r.get("load") or {}).get("targets") or {}
    targets = {k: v for k, v in load.items() if v.get("met") is not None}  # those with limits
    if targets:
        met = sum(1 for v in targets.values() if v.get("met"))
        out["pages under load within p50/p99, no error"] = {
            "figure": met, "limit": len(targets), "met": met == len(targets)}  # fmt: skip
    return out


def _verdict_lines(r: dict[str, Any]) -> list[str]:
    lines = ["targets (figure of this run, limit, verdict):"]
    for name, v in target_verdicts(r).items():
        figure, limit = v["figure"], v["limit"]
        shown = "not measured" if figure is None else (
            f"{figure:.2f}" if isinstance(figure, float) else f"{figure} of {limit}"
        )  # fmt: skip
        said = "-" if v["met"] is None else ("met" if v["met"] else "MISSED")
        bound = "" if isinstance(figure, int) else f" (limit {limit:g})"
        lines.append(f"  {name}: {shown}{bound}: {said}")
    return lines


def table(r: dict[str, object], bound: float) -> str:
    b = r["build"]
    assert isinstance(b, dict)
    quads = int(b.get("quads", 0))
    rows = [("step", "kgtool", "rss", "baseline", "rss", "kgtool/baseline")]

    m = r.get("baseline")

    def base(part: str) -> tuple[float | None, str, str]:
        """The baseline's seconds for one phase, that cell's text and the peak RSS so far."""
        if not isinstance(m, dict):
            return None, "-", "-"
        value, rss = m.get(part), f"{m.get('rss_mb', '?')} MB"
        if isinstance(value, float):
            return value, _secs(value), rss
        if not m.get("timeout"):
            return None, "failed", rss
        spent = sum(float(m.get(k, 0.0)) for k in ("parse", "validate"))  # type: ignore[arg-type]
        if part == "parse":
            got = f"{m.get('parsed_files', '?')} files, {m.get('parsed_triples', '?')} triples"
            return None, f"> {bound:.0f} s (killed; parsed {got})", rss
        if part == "validate" and "parse" in m:
            return None, f"> {bound - spent:.0f} s (killed)", rss
        return None, "not reached", "-"

    total_base: float | None = 0.0
    rss = f"{b.get('rss_mb')} MB"
    for mine, part in (
        ("load", "parse"),
        ("index", "-"),
        ("validate", "validate"),
        ("export", "serialize"),
    ):
        if part == "-":  # the search index has no counterpart in the baseline
            rows.append((f"{mine} (full-text search)", _secs(b.get(mine)), rss, "-", "-", "-"))
            continue
        seconds, text, brss = base(part)
        total_base = None if seconds is None or total_base is None else total_base + seconds
        ours = b.get(mine)
        ratio = f"{ours / seconds:.3f}" if seconds and isinstance(ours, float) else "-"
        rows.append((f"{mine} ({part})", _secs(ours), rss, text, brss, ratio))
    ours_total = sum(float(b.get(k, 0.0)) for k in ("load", "index", "validate", "export"))  # type: ignore[arg-type]
    ratio = f"{ours_total / total_base:.3f}" if total_base else "-"
    base_total = _secs(total_base) if total_base else "-"
    if isinstance(m, dict) and m.get("timeout"):  # the baseline ran for the whole bound
        base_total, ratio = f"> {bound:.0f} s", f"< {ours_total / bound:.3f}"
    rows.append(("full build", _secs(ours_total), rss, base_total, "", ratio))
    lines = [" | ".join(row) for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    q = r["queries"]
    medians = q.get("queries", {}) if isinstance(q, dict) else {}
    qbound = float(q.get("bound", 60.0)) if isinstance(q, dict) else 60.0
    cache = b.get("cache", "cold")
    label = (
        "a cold build: new store, no piece cache of an earlier run"
        if cache == "cold"
        else "a WARM build: the piece cache and search index of an earlier run were reused"
    )
    extra = [
        f"claims {r['claims']}, quads {quads}, {quads / max(ours_total, 1e-9):,.0f} quads/s "
        f"(kgtool full build, {label}); validation results: {b.get('results')}",
    ]
    if "error" in b:
        said = str(b["error"]).strip().splitlines()
        extra.append("kgtool build FAILED: " + (said[-1] if said else f"exit code {b.get('code')}"))
    extra.extend(_jena_lines(r, b))
    sr = r.get("search")
    if isinstance(sr, dict) and "searches" in sr:
        import search

        extra.extend(["", *search.table(sr).splitlines(), ""])
    elif isinstance(sr, dict):
        extra.append(f"search: failed {str(sr.get('error', ''))[-200:]}")
    ld = r.get("load")
    if isinstance(ld, dict) and "targets" in ld:
        import load

        extra.extend(["", "pages under load (bench/load.py):", *load.table(ld).splitlines(), ""])
    elif isinstance(ld, dict):
        extra.append(f"load: failed {str(ld.get('error', ''))[-200:]}")
    for key, what in (
        ("floor", "one bulk load of the same Turtle files (no pieces, no texts)"),
        ("floor_named", "the same quads bulk-loaded into one named graph per file "
                        "(as kgtool's store holds them)"),
    ):  # fmt: skip
        fl = r.get(key)
        if isinstance(fl, dict) and isinstance(fl.get("floor"), float):
            extra.append(
                f"pyoxigraph alone, {what}: {_secs(fl['floor'])}, "
                f"{int(fl['quads']) / fl['floor']:,.0f} quads/s, {fl.get('rss_mb')} MB"
            )
    if isinstance(b.get("tree_rss_mb"), float):
        extra.append(
            f"kgtool build's peak RSS summed over its processes (workers included): "
            f"{b['tree_rss_mb']} MB"
        )
    rb = r.get("rebuild")
    if isinstance(rb, dict):
        extra.append(
            f"incremental rebuild after editing one claims file: {_secs(rb.get('rebuild'))}"
            f" (process {_secs(rb.get('seconds'))}, {rb.get('rss_mb')} MB;"
            f" {'; '.join(rb.get('validated') or ['-'])})"  # type: ignore[arg-type]
        )
    if "help_seconds" in r:
        extra.append(f"kgtool --help: {_secs(r['help_seconds'])}")
    if "query_cli_seconds" in r:
        extra.append(f"kgtool query {r['query_cli_name']}: {_secs(r['query_cli_seconds'])}")
    if medians:
        # "finished": every run ended within the bound. The sum is over those alone;
        # queries cut off are counted apart rather than summed short.
        timed = {
            k: v for k, v in medians.items() if v.get("median") is not None and not v["timeout"]
        }
        fast = sum(1 for v in timed.values() if v["median"] <= 0.05)
        total = sum(v["median"] for v in timed.values())
        cut = sum(1 for v in medians.values() if v.get("timeout"))
        repeats = q.get("repeats", 5)
        extra.append(
            f"queries: {len(medians)}, {len(timed)} finished within {qbound:g} s, "
            f"{fast} within 50 ms; whole suite {total:.2f} s (sum of their medians of {repeats} "
            f"runs; parameters from the corpus)"
            + (f"; {cut} cut off, not in the sum" if cut else "")
        )
        met = sum(1 for v in medians.values() if v.get("met"))
        pages = sum(1 for v in medians.values() if (v.get("page") or {}).get("met"))
        extra.append(
            f"answers priced per row: {met} of {len(medians)} within "
            f"{BASE_ALLOWANCE * 1000:g} ms + {PER_ROW * 1000:g} ms a row (median wall time); "
            f"first pages of {PAGE} rows: {pages} of {len(medians)} within "
            f"{PAGE_ALLOWANCE * 1000:g} ms"
        )
        for name, value in sorted(medians.items()):
            extra.append(f"  {name}: {_query_line(value, qbound)}")
    else:
        extra.append("queries: not run")
    return "\n".join([*lines, "", *extra, "", *_verdict_lines(r)])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--rss"]:
        return rss_wrapper(argv[2:])
    if argv[:1] == ["--step"]:
        name, *rest = argv[1:]
        if name == "build":
            step_build(rest[0])
        elif name == "parameters":
            step_parameters(rest[0])
        elif name == "query":
            step_query(rest[0], rest[1], int(rest[2]), json.loads(rest[3]))
        elif name == "rebuild":
            step_rebuild(rest[0])
        elif name == "floor":
            step_floor(rest[0])
        elif name == "floor-named":
            step_floor_named(rest[0])
        elif name == "baseline":
            step_baseline(rest[0])
        elif name == "build-warm":
            step_build(rest[0], warm=True)
        elif name == "search":
            step_search(rest[0])
        elif name == "load":
            step_load(rest[0])
        elif name in ("jena-parse", "jena-validate", "jena-load"):
            import jena

            {"jena-parse": jena.step_parse, "jena-validate": jena.step_validate,
             "jena-load": jena.step_load}[name](rest[0])  # fmt: skip
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--bound", type=float, default=1200.0, help="seconds the whole baseline may take"
    )
    parser.add_argument(
        "--query-bound",
        type=float,
        default=60.0,
        help="seconds one run of a named query may take (default 60)",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--no-baseline", action="store_true", help="measure kgtool alone")
    parser.add_argument(
        "--warm",
        action="store_true",
        help="keep the store and piece cache of an earlier run (the build is labelled warm)",
    )
    parser.add_argument(
        "--violations", type=int, default=0, help="faults of each kind in the corpus (default 0)"
    )
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/kgtool-bench"))
    parser.add_argument(
        "--steps",
        default=",".join(STEPS),
        help=f"comma-separated kgtool steps besides the build (default: all of {', '.join(STEPS)})",
    )
    args = parser.parse_args(argv)
    steps = {step.strip() for step in args.steps.split(",") if step.strip()}
    unknown = steps - set(STEPS)
    if unknown:
        parser.error(
            f"unknown step(s) {', '.join(sorted(unknown))}; choose from {', '.join(STEPS)}"
        )
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = bench(
        args.claims,
        args.seed,
        args.bound,
        args.workdir,
        not args.no_baseline,
        steps,
        args.query_bound,
        args.warm,
        args.violations,
    )
    print(json.dumps(results, indent=2) if args.json else table(results, args.bound))
    return 0


if __name__ == "__main__":
    sys.exit(main())
