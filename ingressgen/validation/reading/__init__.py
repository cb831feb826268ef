"""Reading manifest files into documents, and finding positions in them.

`files.py` reads a file or standard input and picks the reader: `documents.py` for JSON,
`fast_reader.py` (yaml-rs) where it reads exactly what `loader.py` (PyYAML's parser, the
authority) reads, `loader.py` otherwise. Both read as kubectl does (`goyaml.py`: go-yaml v2's
scalars, then JSON). `positions.py` finds the line and column of a field, only when a finding
needs them.
"""
