"""Authoring: sources registered with ``kgtool add source`` and claims written as sheets.

A sheet (YAML under ``graph/``) is compiled into the graph's model at build
time (:mod:`kgtool.authoring.compile`), driven by the ontology, so curators
never write offsets or Turtle.
"""
