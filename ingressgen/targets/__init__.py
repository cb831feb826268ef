"""One module per exposure: which objects it emits and with what context."""
