"""How much kgtool does at once: threads and the size of a VALUES block.

Defined once here because the build, validation and the store all use them.
"""

from __future__ import annotations

import os

#: threads for work that releases the GIL (pyoxigraph evaluating a query or
#: parsing, hashing files); the store is read-only while validation runs
WORKERS = max(1, min(4, os.cpu_count() or 1))

#: terms per VALUES block. pyoxigraph starts a join from the VALUES block only
#: while it looks smaller than a typed pattern (estimated at 1000 rows); beyond
#: that it scans the typed pattern and compares every pair, quadratically.
BATCH = 400

#: bytes of RDF files from which a build renders their pieces in worker
#: processes: starting one costs about 0.2 s, rendering takes about 0.3 s a MB
PROCESS_BYTES = 4 * 1024 * 1024
