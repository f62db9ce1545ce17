"""Incremental builds: after an edit only the affected nodes are validated again,
and the report is exactly what a full validation gives."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from kgtool.build import BuildOutcome, build
from kgtool.project import Project
from kgtool.shacl import plan as shacl_plan
from kgtool.store import KgStore
from kgtool.validate import validate

INCREMENTAL = "an edit of"
FULL = "validating everything"


def rebuild(project: Project) -> tuple[BuildOutcome, list[str]]:
    """Build, and check the report against a full validation of the same store."""
    messages: list[str] = []
    outcome = build(project, progress=messages.append)
    with outcome.store:
        full = validate(outcome.store, engine="sparql")
        assert outcome.report.results == full.results, messages
    return outcome, messages


def edit(path: Path, pattern: str, replacement: str, count: int = 1) -> str:
    """Replace the first match of a regex in a file; returns the matched text."""
    text = path.read_text(encoding="utf-8")
    match = re.search(pattern, text, flags=re.MULTILINE)
    assert match is not None, pattern
    path.write_text(re.sub(pattern, replacement, text, count=count, flags=re.MULTILINE), "utf-8")
    return match.group(0)


@pytest.fixture
def project(generated: Callable[..., Project]) -> Project:
    project = generated(200, 3, 0)
    outcome, messages = rebuild(project)
    assert outcome.report.conforms and any(FULL in m for m in messages)
    return project


def claims_file(project: Project) -> Path:
    return sorted((project.graph_dir / "claims").glob("*.ttl"))[0]


def test_unchanged_rebuild_reuses_the_report(project: Project) -> None:
    outcome, messages = rebuild(project)
    assert outcome.report.conforms
    assert any("nothing changed" in m for m in messages)


def test_label_edit_validates_a_few_nodes(project: Project) -> None:
    edit(claims_file(project), r'rdfs:label "', 'rdfs:label "Edited: ')
    outcome, messages = rebuild(project)
    assert outcome.report.conforms
    assert any(INCREMENTAL in m for m in messages), messages


def test_exporter_made_importer_is_found_then_fixed(project: Project) -> None:
    path = claims_file(project)
    before = path.read_text(encoding="utf-8")
    edit(path, r"(kg:exporter (ent:\S+) ;\n\s+kg:importer )ent:\S+", r"\1\2")
    outcome, messages = rebuild(project)
    assert any(INCREMENTAL in m for m in messages), messages
    assert not outcome.report.conforms
    assert {r.component.rsplit("#", 1)[-1] for r in outcome.report.results} >= {
        "SPARQLConstraintComponent"
    }
    path.write_text(before, encoding="utf-8")
    outcome, messages = rebuild(project)
    assert outcome.report.conforms and any(INCREMENTAL in m for m in messages)


def test_untyped_period_breaks_the_fact_that_points_at_it(project: Project) -> None:
    edit(claims_file(project), r"^(clm:\S+-time) a kg:TimeSpec ;", r'\1 kg:note "x"@en ;')
    outcome, messages = rebuild(project)
    assert any(INCREMENTAL in m for m in messages), messages
    assert any(r.component.endswith("ClassConstraintComponent") for r in outcome.report.results)


def test_fact_no_longer_stated_fails_on_the_fact(project: Project) -> None:
    edit(claims_file(project), r"kg:modality (kg:\w+) ;\n\s+kg:states \S+ \.", r"kg:modality \1 .")
    outcome, messages = rebuild(project)
    assert any(INCREMENTAL in m for m in messages), messages
    assert any("-fact" in r.focus for r in outcome.report.results)


def test_edited_source_text_fails_integrity_and_quotes(project: Project) -> None:
    text = sorted((project.graph_dir / "sources").glob("*.txt"))[0]
    content = text.read_text(encoding="utf-8")
    text.write_text(content.replace(" ", "_", 3), encoding="utf-8")
    outcome, messages = rebuild(project)
    assert any(INCREMENTAL in m for m in messages), messages
    components = {r.component.rsplit("#", 1)[-1] for r in outcome.report.results}
    assert "SourceIntegrityConstraintComponent" in components


def test_retyped_country_affects_the_facts_that_name_it(project: Project) -> None:
    edit(
        project.graph_dir / "entities.ttl",
        r"^(ent:c-\S+) a kg:Country ;",
        r"\1 a kg:Organization ;",
    )
    outcome, _ = rebuild(project)
    assert not outcome.report.conforms


def test_shapes_edit_validates_everything(project: Project) -> None:
    shapes = project.shapes_path
    shapes.write_text(shapes.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    outcome, messages = rebuild(project)
    assert outcome.report.conforms
    assert any(FULL in m for m in messages), messages


def test_blank_node_that_reaches_an_edited_node_is_checked_again(project: Project) -> None:
    """A blank-node claim cannot be named as a focus node: reaching one means a full check."""
    path = claims_file(project)
    fact = re.search(r"^(clm:\S+-fact) a kg:TradeFlow ;", path.read_text(encoding="utf-8"),
                     flags=re.MULTILINE)  # fmt: skip
    assert fact is not None
    extra = project.graph_dir / "claims" / "zz-blank.ttl"
    extra.write_text(
        "@prefix kg: <https://w3id.org/kgtool/ontology#> .\n"
        "@prefix clm: <https://w3id.org/kgtool/claim/> .\n"
        f"[] a kg:Claim ; kg:states {fact.group(1)} .\n",
        encoding="utf-8",
    )
    outcome, _ = rebuild(project)
    blank = [r for r in outcome.report.results if not r.focus.startswith("https://")]
    assert blank  # the blank claim lacks its source, anchor, modality...

    # Retyping the fact makes the blank claim's kg:states fail sh:class kg:Fact.
    edit(path, rf"^{re.escape(fact.group(1))} a kg:TradeFlow ;", rf"{fact.group(1)} a kg:Country ;")
    outcome, messages = rebuild(project)  # asserts: same results as a full validation
    assert any(FULL in m for m in messages), messages
    assert any(
        not r.focus.startswith("https://") and r.component.endswith("ClassConstraintComponent")
        for r in outcome.report.results
    )


def test_compiled_shapes_are_kept_until_what_they_read_changes(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan is reused after a data edit; a subclass added in a data file or a
    triple added to the shapes compiles it again (each changes the plan's key)."""
    compiled: list[int] = []
    real = shacl_plan.compile_plan

    def counting(kgstore: KgStore) -> list[shacl_plan.ShapePlan]:
        compiled.append(1)
        return real(kgstore)

    monkeypatch.setattr(shacl_plan, "compile_plan", counting)
    assert (project.store_path / shacl_plan.PLAN_NAME).is_file()
    edit(claims_file(project), r'rdfs:label "', 'rdfs:label "Edited: ')
    rebuild(project)[0].store.close()
    assert compiled == []

    extra = project.graph_dir / "claims" / "zz-subclass.ttl"
    extra.write_text(
        "@prefix kg: <https://w3id.org/kgtool/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "kg:RumouredClaim rdfs:subClassOf kg:Claim .\n",
        encoding="utf-8",
    )
    rebuild(project)[0].store.close()
    assert compiled == [1]  # then the full validation in rebuild() reuses it

    shapes = project.shapes_path
    text = shapes.read_text(encoding="utf-8")
    shapes.write_text(text + '\n<urn:x:edited> <urn:x:note> "a triple more" .\n', "utf-8")
    rebuild(project)[0].store.close()
    assert compiled == [1, 1]
