"""Ports of the Go standard-library parsers whose verdicts cloudflared and MetalLB depend on.

`net` (url.Parse, net.SplitHostPort), `duration` (time.ParseDuration), `regexp` (regexp.Compile's
verdict) and `fmt` (the %q quoting of Go's error messages). Each checks; none builds anything.
"""
