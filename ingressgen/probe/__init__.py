"""`ingressgen probe`: a live WebSocket check of an endpoint, judged against a profile.

    settings.py      the command line's values, checked (usage errors are exit 2)
    target.py        the URL and the expected hold outcome, from a URL or a profile
    client.py        the probe itself, on the `websockets` library (the optional extra)
    certificates.py  subject, issuer and expiry of the server's certificate
    verdict.py       the findings (PROBE_RULES in findings.py) and the exit code
    report.py        text and JSON output; live.py the progress line on a terminal

Only the probe command imports this package, so the other commands never pay for it.
"""
