"""The library façade: one function per CLI command, no printing, no exiting.

The CLI (and any other client) calls these; they take explicit inputs (configuration,
catalog, progress sink) and return plain result objects, so the same job runs from a
notebook, a scheduler or the command line.
"""

from __future__ import annotations
