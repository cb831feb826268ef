"""`ingressgen diff OLD NEW`: what a change to profiles changes in the rendered objects, in the
findings, and in running traffic.

sources.py reads a side (a file, a folder, or REV:PATH from git into a private temporary
folder); sides.py renders it in memory with render's own pipeline; comparison.py matches objects
by group, kind, namespace and name and lists the field paths that differ; impact.py says what the
change does to connections; report.py writes text, markdown or json; run.py ties them together.
"""

# The -o names, here where the command line can read them without loading the pipeline;
# `report.FORMATS` holds their writers (a test keeps the two in step).
OUTPUT_FORMATS = ("text", "markdown", "json")
