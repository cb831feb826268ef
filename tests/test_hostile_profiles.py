"""Profiles built to hurt: each is refused at its own line with the reason, exit 2, nothing
written, in well under a second of work (no alias bomb is expanded, no depth is recursed)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result, cloudflare_profile, dump, metallb_profile, write

Run = Callable[..., Result]

PORT_LINE = "  port: PORT\n"


def profile_with_port(port: str) -> str:
    """The example MetalLB profile, its service port written as given (not as YAML dumps it)."""
    text = dump(metallb_profile(**{"spec.service.port": 4242}))
    assert text.count("port: 4242") == 1
    return text.replace("port: 4242", f"port: {port}")


@pytest.mark.parametrize(
    ("port", "fragment"),
    [
        ("1:20", "'1:20' reads as the number 80 in YAML 1.1"),
        ("0x1F", "'0x1F' reads as the number 31"),
        ("017", "'017' reads as the number 15"),
        ("1_000", "'1_000' reads as the number 1000"),
        ("9" * 5000, "(5000 characters) has more than 20 digits"),
    ],
)
def test_numbers_yaml_11_would_reinterpret_are_refused(
    workdir: Path, run: Run, port: str, fragment: str
) -> None:
    write(workdir, {"p/a.yaml": profile_with_port(port)})
    result = run("render", "p")
    assert result.code == 2
    (line,) = result.err.strip().splitlines()
    assert line.startswith("error: p/a.yaml:") and fragment in line
    assert len(line) < 300  # never the whole value
    assert not (workdir / "out").exists()


def test_plain_decimal_numbers_still_read(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": profile_with_port("8080")})
    assert run("render", "p").code == 0


def test_bool_spellings_of_yaml_11_are_refused(workdir: Path, run: Run) -> None:
    text = dump(metallb_profile(**{"spec.websocket": {"sessionAffinity": True}}))
    write(workdir, {"p/a.yaml": text.replace("sessionAffinity: true", "sessionAffinity: yes")})
    result = run("render", "p")
    assert result.code == 2 and "'yes' reads as true in YAML 1.1" in result.err
    write(workdir, {"p/a.yaml": text.replace("sessionAffinity: true", "sessionAffinity: True")})
    assert run("render", "p").code == 0


def test_an_alias_bomb_is_refused_without_being_expanded(workdir: Path, run: Run) -> None:
    levels = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9)
    )
    text = dump(metallb_profile()).replace("spec:\n", "spec:\n  hostname: *a8\n")
    write(workdir, {"p/a.yaml": levels + text})
    result = run("render", "p")
    assert result.code == 2
    assert (
        "p/a.yaml:1:1: holds more than 100,000 values once its aliases are expanded" in result.err
    )


def test_deep_nesting_is_refused_at_its_line(workdir: Path, run: Run) -> None:
    deep = "[" * 500 + "]" * 500
    write(workdir, {"p/a.yaml": dump(metallb_profile()) + f"extra: {deep}\n"})
    result = run("render", "p")
    assert result.code == 2 and "nested more than 64 levels deep" in result.err
    assert "internal error" not in result.err


def test_a_few_aliases_are_fine(workdir: Path, run: Run) -> None:
    text = dump(metallb_profile(**{"spec.service.selector": {"app": "chat"}}))
    text = text.replace("app: chat", "app: *app", 1)
    text = text.replace("metadata:\n", "metadata:\n  labels:\n    app: &app chat\n", 1)
    write(workdir, {"p/a.yaml": text})
    result = run("render", "p")
    assert result.code == 0, result.err


def test_a_file_name_with_a_terminal_escape_is_printed_escaped(workdir: Path, run: Run) -> None:
    name = "p/clear\x1b[2Jscreen.yaml"
    write(workdir, {name: metallb_profile(**{"spec.service.port": 0})})
    result = run("render", "p")
    assert result.code == 2
    assert "\x1b" not in result.err and "p/clear\\x1b[2Jscreen.yaml:" in result.err


def test_a_report_that_cannot_be_written_is_an_error_not_a_bug(workdir: Path) -> None:
    import subprocess
    import sys

    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    write(workdir, {"p/a.yaml": metallb_profile()})
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "ingressgen", "render", "p", "--stdout"],
            cwd=workdir,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert result.returncode == 2
    assert "could not write the report: No space left on device" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_relative_xdg_cache_home_is_ignored(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingressgen.validation.schemas.cache import cache_root

    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert cache_root().is_absolute() and "relative" not in str(cache_root())
    monkeypatch.setenv("XDG_CACHE_HOME", str(workdir / "abs"))
    assert cache_root() == workdir / "abs" / "ingressgen"


@pytest.mark.parametrize(
    ("changes", "kind"),
    [
        (
            {"metadata.annotations": {"k": "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n"}},
            "a PEM private key",
        ),
        (
            {"metadata.annotations": {"k": "eyJhIjoiYWJjIiwidCI6ImRlZiIsInMiOiJnaGkifQ=="}},
            "tunnel token",
        ),
        ({"metadata.labels": {"key": "AKIAABCDEFGHIJKLMNOP"}}, "an AWS access key"),
        ({"metadata.annotations": {"db": "postgres://x?password=s3cret!"}}, "password or token"),
    ],
)
def test_a_credential_in_a_profile_is_refused_and_never_echoed(
    workdir: Path, run: Run, changes: dict[str, object], kind: str
) -> None:
    write(workdir, {"p/a.yaml": metallb_profile(**changes)})
    result = run("render", "p")
    assert result.code == 2 and kind in result.err
    for secret in ("MIIE", "YWJj", "ABCDEFGHIJ", "s3cret"):
        assert secret not in result.err
    assert not (workdir / "out").exists()


def test_words_that_only_mention_secrets_pass(workdir: Path, run: Run) -> None:
    annotations = {"docs": "the password is in the Secret chat-db", "token-ttl": "3600"}
    write(workdir, {"p/a.yaml": metallb_profile(**{"metadata.annotations": annotations})})
    assert run("render", "p").code == 0


@pytest.mark.parametrize(
    ("value", "refused"),
    [
        ("a\x7fb", "control character U+007F at character 2"),
        ("a\x9bb", "control character U+009B at character 2"),
        ("ab\x00", "control character U+0000 at character 3"),
        ("\rx", "control character U+000D at character 1"),
        ("a\ufffe", "non-character U+FFFE at character 2"),
        ("a\U0010ffff", "non-character U+10FFFF at character 2"),
        ("tab\tand\nline\ufeff\u202e\u200b fine", None),
    ],
)
def test_characters_kubectl_refuses_are_refused_at_the_profile(
    workdir: Path, run: Run, value: str, refused: str | None
) -> None:
    origin = {"httpHostHeader": value, "access": {"audTag": ["ok", value]}}
    write(
        workdir,
        {
            "p/a.yaml": metallb_profile(**{"metadata.annotations": {"note": value}}),
            "p/b.yaml": cloudflare_profile(
                **{"metadata.name": "cf", "spec.cloudflareTunnel.originRequest": origin}
            ),
        },
    )
    result = run("render", "p")
    if refused is None:
        assert result.code == 0, result.err
        return
    assert result.code == 2
    assert f"p/a.yaml:7:11: metadata.annotations.note: holds the {refused}" in result.err
    assert "spec.cloudflareTunnel.originRequest.httpHostHeader: holds the" in result.err
    assert "spec.cloudflareTunnel.originRequest.access.audTag[1]: holds the" in result.err
    assert not (workdir / "out").exists()


def test_a_long_value_is_never_printed_whole(workdir: Path, run: Run) -> None:
    long_host = "x" * 5000
    profile = metallb_profile(**{"spec.hostname": long_host, "spec.protocol": "y " * 3000})
    profile["spec"]["z" * 3000] = 1
    write(workdir, {"p/a.yaml": profile})
    for output in ("text", "json", "github"):
        result = run("render", "p", "-o", output)
        assert result.code == 2
        assert "(5002 characters)" in result.err + result.out  # the hostname, cut
        assert "(3002 characters)" in result.err + result.out  # the unknown field's name
        for line in (result.err + result.out).splitlines():
            assert len(line) < 2500, line[:100]


def test_a_long_value_in_a_manifest_is_never_printed_whole(workdir: Path, run: Run) -> None:
    name = "a" * 5000
    text = (
        f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  type: {'b' * 4000}\n"
    )
    write(workdir, {"m/svc.yaml": text + "\n"})
    for output in ("text", "json", "github"):
        result = run("validate", "m", "-o", output)
        assert result.code == 1
        assert "... (4002 characters)" in result.out and "b" * 201 not in result.out
        assert "a" * 201 not in result.out.replace(f'"name": "{name}"', "")


def test_a_file_name_with_a_terminal_escape_is_escaped_in_github_annotations(
    workdir: Path, run: Run
) -> None:
    name = "p/title\x1b]0;pwned\x07.yaml"
    write(workdir, {name: metallb_profile(**{"spec.service.port": 0})})
    result = run("render", "p", "-o", "github")
    assert result.code == 2
    assert "\x1b" not in result.out and "\x07" not in result.out
    assert "file=p/title\\x1b]0;pwned\\x07.yaml" in result.out


def test_yaml_11_line_breaks_are_refused_in_annotations_only(workdir: Path, run: Run) -> None:
    """kustomize writes NEL, LS and PS raw into quoted scalars and so changes the value; in
    cloudflared's config, a block of text kustomize leaves alone, they read back equal."""
    value = "a\x85b\u2028c\u2029d"
    origin = {"httpHostHeader": value}
    write(
        workdir,
        {
            "p/a.yaml": metallb_profile(**{"metadata.annotations": {"note": value}}),
            "p/b.yaml": cloudflare_profile(
                **{"metadata.name": "cf", "spec.cloudflareTunnel.originRequest": origin}
            ),
        },
    )
    result = run("render", "p")
    assert result.code == 2
    (line,) = result.err.strip().splitlines()
    assert line.startswith("error: p/a.yaml:7:11: metadata.annotations.note: holds U+0085 at")
    assert "`kubectl kustomize` rewrites it" in line


def test_a_terminal_escape_in_a_file_name_never_reaches_the_terminal(
    workdir: Path, run: Run
) -> None:
    """Findings quote a profile's file name in their text; every printed line is escaped."""
    write(workdir, {"p/bell\x07\x1b]0;title\x9b.yaml": metallb_profile()})
    result = run("render", "p")
    assert result.code == 0, result.err
    assert "p/bell\\u0007\\u001b]0;title\\u009b.yaml" in result.err
    for control in ("\x07", "\x1b", "\x9b"):
        assert control not in result.err + result.out


def test_a_json_report_stays_json_whatever_the_file_name(workdir: Path, run: Run) -> None:
    import json

    write(workdir, {"m/del\x7fand\x9bcsi.yaml": "apiVersion: v1\nkind: Service\n"})
    result = run("validate", "m", "-o", "json")
    assert result.code == 1
    report = json.loads(result.out)
    assert report["files"][0]["path"] == "m/del\x7fand\x9bcsi.yaml"
    assert "\x7f" not in result.out and "\x9b" not in result.out
