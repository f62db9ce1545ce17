"""Quick SHACL check of ontology/ + graph/ with pyshacl (a development aid)."""

import sys
from pathlib import Path

import pyshacl
from rdflib import Graph, Literal, Namespace, URIRef

ROOT = Path(__file__).resolve().parent.parent
KG = Namespace("https://w3id.org/kgtool/ontology#")
SCHEMA = Namespace("http://schema.org/")

data = Graph()
for path in sorted((ROOT / "graph").rglob("*.ttl")):
    data.parse(path, format="turtle")
ont = Graph()
for path in sorted((ROOT / "ontology").glob("*.ttl")):
    if path.name != "shapes.ttl":
        ont.parse(path, format="turtle")
for doc, rel in list(data.subject_objects(KG.localPath)):
    text = (ROOT / "graph" / str(rel)).read_text(encoding="utf-8")
    data.add((URIRef(doc), SCHEMA.text, Literal(text)))
shapes = Graph().parse(ROOT / "ontology" / "shapes.ttl", format="turtle")
conforms, _, report = pyshacl.validate(
    data + ont,
    shacl_graph=shapes,
    ont_graph=ont,
    inference="none",
    advanced=True,
    allow_warnings=True,
)
print(report)
sys.exit(0 if conforms else 1)
