"""Resource quantities read as apimachinery's ParseQuantity reads them (rules/quantities.py).

The table was checked against the Go parser through kubectl, which decodes typed objects offline
with `kubectl set resources --local`; the last test repeats that check when kubectl is installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from ingressgen.validation.rules.quantities import format_quantity, parse_quantity, quantity_problem

VALID = {
    "256Mi": 256 * 2**20,
    "1Gi": 2**30,
    "256M": 256 * 10**6,
    "100m": Fraction(1, 10),
    "1.5": Fraction(3, 2),
    ".5": Fraction(1, 2),
    "1.": 1,
    "+1": 1,
    "-1": -1,
    "1e3": 1000,
    "1E3": 1000,
    "1e-3": Fraction(1, 1000),
    "1e+3": 1000,
    "5n": Fraction(5, 10**9),
    "5u": Fraction(5, 10**6),
    "7P": 7 * 10**15,
    "8E": 8 * 10**18,
    "0": 0,
    "00": 0,
    "-0": 0,
    " 1Gi ": 2**30,  # a JSON string is trimmed
    "0.1n": Fraction(1, 10**9),  # rounded up to the nano
    "3.0000000001": Fraction(3_000_000_001, 10**9),
    "1024Ei": 2**63 - 1,  # binary values are capped
    "1e": None,
    "1Ee3": None,
    "256mb": None,
    "1 Gi": None,
    "1gi": None,
    "1ki": None,
    "1KiB": None,
    "1mi": None,
    "1m3": None,
    "1.2.3": None,
    "1e3.5": None,
    "abc": None,
    "": None,
    "1_000": None,
    "0x10": None,
    "+": 0,
    "--1": None,
    "1E+": None,
}


@pytest.mark.parametrize(("text", "expected"), VALID.items(), ids=list(VALID))
def test_strings_parse_like_the_api_server(text: str, expected: int | Fraction | None) -> None:
    assert parse_quantity(text) == expected


def test_json_numbers_are_read_as_their_text() -> None:
    assert parse_quantity(1) == 1
    assert parse_quantity(0.5) == Fraction(1, 2)
    assert parse_quantity(1e-7) == Fraction(1, 10**7)
    assert parse_quantity(float("inf")) is None
    assert parse_quantity(True) is None


def test_problems_name_the_value_and_suggest_a_unit() -> None:
    assert quantity_problem("256Mi") is None
    assert quantity_problem(["not", "a", "quantity"]) is None  # the schema reports types
    message = quantity_problem("2GB")
    assert message is not None and "did you mean 2G or 2Gi?" in message
    message = quantity_problem("512b")
    assert message is not None and message.endswith("did you mean 512?")


def test_formatting_for_messages() -> None:
    assert format_quantity(Fraction(268435456)) == "268435456"
    assert format_quantity(Fraction(1, 4)) == "0.25"


KUBECTL = shutil.which("kubectl")


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
def test_kubectl_decodes_exactly_what_the_parser_accepts(tmp_path: Path) -> None:
    """Go's decoder (through kubectl, offline) against this parser, value for value."""
    assert KUBECTL is not None
    for text in ("256Mi", "256mb", "1 Gi", " 1Gi ", "0.1n", "1e", "1E3", "+.5Mi", "1gi", "5m2"):
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p"},
            "spec": {
                "containers": [
                    {"name": "a", "image": "x", "resources": {"limits": {"memory": text}}}
                ]
            },
        }
        manifest = tmp_path / "pod.json"
        manifest.write_text(json.dumps(pod))
        completed = subprocess.run(
            [
                KUBECTL,
                "set",
                "resources",
                "--local",
                "-f",
                str(manifest),
                "--requests=cpu=1",
                "-o",
                "json",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        ours = parse_quantity(text)
        assert (completed.returncode == 0) == (ours is not None), (text, completed.stderr)
        if ours is not None:
            decoded = json.loads(completed.stdout)
            limit = decoded["spec"]["containers"][0]["resources"]["limits"]["memory"]
            assert parse_quantity(limit) == ours, text
