"""`ingressgen explain`: the risk report of profiles, computed from the rule model.

Every finding `render` reports (reused, never duplicated) plus the seed's risks that only this
report computes (`risks.py`), each with a title, its impact, a fix and the profile field it is
about (`catalog.py`); a Mermaid picture of the traffic path (`diagram.py`) and the seed's
Cloudflare-versus-MetalLB comparison for a profile (`compare.py`).
"""

# The -o names, here where the command line can read them without loading the pipeline;
# `report.FORMATS` holds their writers (a test keeps the two in step).
OUTPUT_FORMATS = ("text", "markdown", "json")
