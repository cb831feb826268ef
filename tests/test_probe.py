"""`ingressgen probe` against real loopback servers, each started and stopped by its test: a
WebSocket echo server, a proxy that cuts idle connections (Cloudflare's idle cut in miniature),
a server that refuses the upgrade, one that never answers, a closed port, and TLS with a
self-signed certificate. Holds last a few seconds at most."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("websockets", reason="the probe extra (websockets) is not installed")

from ingressgen.errors import InputError
from ingressgen.probe import settings as probe_settings
from ingressgen.probe import target
from ingressgen.probe.certificates import describe
from ingressgen.probe.live import Live
from tests.conftest import (
    REPO,
    Result,
    cloudflare_profile,
    metallb_profile,
    write,
)
from tests.probe_servers import (
    EchoServer,
    IdleCutProxy,
    LoopThread,
    PlainHttpServer,
    SelfSigned,
    closed_port,
    not_found_response,
    running,
    self_signed,
)

Run = Callable[..., Result]
IDLE_CUT = 2.0  # the proxy's idle cut, seconds
# A measured cut time is checked within these bounds: the proxy looks every 20 ms, and a busy
# machine may add more; the point is "about IDLE_CUT", not a benchmark.
CUT_LOW, CUT_HIGH = IDLE_CUT - 0.5, IDLE_CUT + 1.5


@pytest.fixture
def loop_thread() -> Iterator[LoopThread]:
    thread = LoopThread()
    try:
        yield thread
    finally:
        thread.stop()


@pytest.fixture
def echo(loop_thread: LoopThread) -> Iterator[EchoServer]:
    with running(loop_thread, EchoServer().start(), EchoServer.stop) as server:
        yield server


@pytest.fixture
def cutting_proxy(loop_thread: LoopThread, echo: EchoServer) -> Iterator[IdleCutProxy]:
    proxy = IdleCutProxy(upstream=echo.port, idle=IDLE_CUT)
    with running(loop_thread, proxy.start(), IdleCutProxy.stop) as started:
        yield started


def probe_json(run: Run, *arguments: str | Path) -> tuple[int, dict[str, Any]]:
    result = run("probe", *arguments, "-o", "json")
    assert "Traceback" not in result.err
    return result.code, json.loads(result.out)


def rules(document: dict[str, Any]) -> list[str]:
    return [f["rule"] for f in document["findings"]]


# ---- a real echo server: handshake, round trips, echo, load, reconnects ----


def test_handshake_round_trips_and_echo_are_reported(echo: EchoServer, run: Run) -> None:
    url = f"ws://127.0.0.1:{echo.port}/ws"
    code, document = probe_json(
        run,
        url,
        "--pings",
        "4",
        "--send",
        "hello",
        "--hold",
        "0",
        "--subprotocol",
        "chat.v1",
        "-H",
        "X-Probe: yes",
    )
    assert code == 0, document["findings"]
    handshake = document["handshake"]
    assert handshake["status"] == 101 and handshake["reason"] == "Switching Protocols"
    assert handshake["subprotocol"] == "chat.v1"
    assert handshake["headers"]["Server"].startswith("Python/")
    assert handshake["peer"] == f"127.0.0.1:{echo.port}"
    assert handshake["tls"] is None and handshake["timings"]["tlsMs"] is None
    trips = document["roundTrips"]
    assert trips["sent"] == 4 and trips["answered"] == 4
    assert 0 < trips["minMs"] <= trips["medianMs"] <= trips["maxMs"]
    assert document["echo"]["received"] == "hello" and document["echo"]["asExpected"] == 1
    assert document["findings"] == [] and document["ok"] is True
    [headers] = echo.request_headers
    assert headers["x-probe"] == "yes" and headers["sec-websocket-protocol"] == "chat.v1"

    text = run("probe", url, "--pings", "3", "--send", "hi", "--hold", "0")
    assert text.code == 0
    assert "handshake  101 Switching Protocols in " in text.out
    assert "pings      3 of 3 answered: min " in text.out
    assert "echo       sent 'hi', got 'hi': as expected" in text.out
    assert text.out.rstrip().endswith("every expectation held (exit 0)")


def test_a_wrong_echo_and_a_refused_subprotocol_fail(echo: EchoServer, run: Run) -> None:
    url = f"ws://127.0.0.1:{echo.port}/ws"
    code, document = probe_json(run, url, "--send", "hello", "--expect", "bye", "--hold", "0")
    assert code == 1 and rules(document) == ["probe-echo-mismatch"]
    assert "got the message 'hello'; expected 'bye'" in document["findings"][0]["message"]
    code, document = probe_json(run, url, "--subprotocol", "other.v2", "--hold", "0")
    assert code == 1 and rules(document) == ["probe-subprotocol-refused"]
    assert document["handshake"]["subprotocol"] is None


def test_parallel_connections_and_reconnects(echo: EchoServer, run: Run) -> None:
    url = f"ws://127.0.0.1:{echo.port}/ws"
    code, document = probe_json(
        run, url, "--connections", "5", "--send", "x", "--reconnect", "2", "--hold", "0"
    )
    assert code == 0, document["findings"]
    assert document["handshake"]["opened"] == 5
    assert document["roundTrips"]["answered"] == 25
    assert document["echo"]["asExpected"] == 5
    reconnects = document["reconnects"]
    assert reconnects["attempts"] == 10 and reconnects["reestablished"] == 10
    assert reconnects["reopen"]["minMs"] > 0
    assert echo.connections == 5 + 10  # every reconnect was a new handshake


# ---- holds through a proxy that cuts idle connections ----


def test_an_idle_connection_is_cut_at_about_the_proxys_idle_time(
    cutting_proxy: IdleCutProxy, run: Run
) -> None:
    url = f"ws://127.0.0.1:{cutting_proxy.port}/ws"
    code, document = probe_json(run, url, "--idle", "--hold", "5s", "--reconnect", "1")
    assert code == 1  # without a profile, every connection is expected to stay open
    [closed] = document["hold"]["closed"]
    assert CUT_LOW <= closed["afterSeconds"] <= CUT_HIGH
    assert closed["code"] == 1006 and closed["closeFrame"] is False
    assert rules(document) == ["probe-connection-dropped"]
    assert len(cutting_proxy.cuts) == 1
    # the reconnect starts from the cut connection, as a client's would
    assert document["reconnects"]["reestablished"] == 1


def test_a_heartbeat_under_the_idle_cut_keeps_the_connection(
    cutting_proxy: IdleCutProxy, run: Run
) -> None:
    url = f"ws://127.0.0.1:{cutting_proxy.port}/ws"
    result = run("probe", url, "--heartbeat", "0.5", "--hold", "2.5s")
    assert result.code == 0, result.out
    assert "hold       2.5 s with a heartbeat every 0.5 s: stayed open" in result.out
    assert "heartbeat: " in result.out
    assert cutting_proxy.cuts == []


def cloudflare_file(workdir: Path, **changes: Any) -> Path:
    write(workdir, {"p/cf.yaml": cloudflare_profile(**changes)})
    return Path("p/cf.yaml")


def test_a_cloudflare_profile_expects_the_idle_cut_at_its_idle_timeout(
    workdir: Path, cutting_proxy: IdleCutProxy, echo: EchoServer, run: Run
) -> None:
    profile = cloudflare_file(workdir, **{"spec.cloudflareTunnel.idleTimeoutSeconds": 2})
    via = f"127.0.0.1:{cutting_proxy.port}"
    common = ("--profile", profile, "--scheme", "ws", "--connect-to", via)
    code, document = probe_json(run, *common, "--idle", "--hold", "4s")
    assert code == 0, document["findings"]  # the cut the profile predicts
    assert document["url"] == "ws://chat.example.com/ws" and document["connectTo"] == via
    assert document["expectation"]["idleTimeoutSeconds"] == 2
    assert document["expectation"]["hold"] == "cut"
    [finding] = document["findings"]
    assert finding["rule"] == "probe-idle-cut" and finding["level"] == "high"
    assert finding["expectationFailed"] is False
    assert finding["file"] == "p/cf.yaml" and finding["line"] > 0  # at idleTimeoutSeconds
    assert CUT_LOW <= document["hold"]["closed"][0]["afterSeconds"] <= CUT_HIGH
    assert echo.request_headers[0]["host"] == "chat.example.com"

    code, document = probe_json(run, *common, "--heartbeat", "0.5", "--hold", "2.5s")
    assert code == 0 and document["hold"]["stayedOpen"] == 1
    assert document["expectation"]["hold"] == "open"


def test_a_server_that_pings_keeps_an_idle_client_open_without_a_mismatch(
    workdir: Path, loop_thread: LoopThread, run: Run
) -> None:
    profile = cloudflare_file(workdir, **{"spec.cloudflareTunnel.idleTimeoutSeconds": 2})
    with (
        running(loop_thread, EchoServer(ping_interval=0.5).start(), EchoServer.stop) as pinger,
        running(
            loop_thread, IdleCutProxy(pinger.port, IDLE_CUT).start(), IdleCutProxy.stop
        ) as proxy,
    ):
        via = f"127.0.0.1:{proxy.port}"
        arguments = ("--profile", profile, "--scheme", "ws", "--connect-to", via, "--hold", "2.5")
        code, document = probe_json(run, *arguments)
        text = run("probe", *arguments, "--pings", "0")
    assert code == 0 and document["findings"] == []
    assert document["hold"]["stayedOpen"] == 1 and document["hold"]["serverPings"] >= 2
    assert "the server's pings kept the connection busy" in text.out
    assert proxy.cuts == []


def test_a_cut_far_from_the_profiles_idle_timeout_is_a_mismatch(
    workdir: Path, cutting_proxy: IdleCutProxy, run: Run
) -> None:
    profile = cloudflare_file(workdir)  # idleTimeoutSeconds: default 100
    via = f"127.0.0.1:{cutting_proxy.port}"
    code, document = probe_json(
        run, "--profile", profile, "--scheme", "ws", "--connect-to", via, "--hold", "4s"
    )
    assert code == 1
    assert rules(document) == ["probe-idle-timeout-mismatch"]
    assert "idleTimeoutSeconds 100 (a cut at 75-125 s)" in document["findings"][0]["message"]


def test_a_cloudflare_hold_too_short_to_see_the_cut_says_so(
    workdir: Path, echo: EchoServer, run: Run
) -> None:
    profile = cloudflare_file(workdir)
    via = f"127.0.0.1:{echo.port}"
    code, document = probe_json(
        run, "--profile", profile, "--scheme", "ws", "--connect-to", via, "--hold", "0.5"
    )
    assert code == 0
    assert rules(document) == ["probe-hold-too-short"]
    assert "--hold 125s or more" in document["findings"][0]["message"]


def metallb_file(workdir: Path, port: int) -> Path:
    changes = {
        "spec.hostname": None,
        "spec.service.port": port,
        "spec.metallb": {
            "version": "0.14.9",
            "addressPool": "public",
            "loadBalancerIPs": ["127.0.0.1"],
        },
    }
    write(workdir, {"p/lb.yaml": metallb_profile(**changes)})
    return Path("p/lb.yaml")


def test_a_metallb_profile_expects_every_connection_to_stay_open(
    workdir: Path, echo: EchoServer, cutting_proxy: IdleCutProxy, run: Run
) -> None:
    direct = metallb_file(workdir, echo.port)
    code, document = probe_json(run, "--profile", direct, "--scheme", "ws", "--hold", "1")
    assert code == 0, document["findings"]
    assert document["url"] == f"ws://127.0.0.1:{echo.port}/ws"  # the pinned IP and the port
    assert document["expectation"]["exposure"] == "metallb"
    assert document["hold"]["stayedOpen"] == 1

    cut = metallb_file(workdir, cutting_proxy.port)
    code, document = probe_json(run, "--profile", cut, "--scheme", "ws", "--hold", "4s")
    assert code == 1
    [finding] = document["findings"]
    assert finding["rule"] == "probe-connection-dropped"
    assert "metallb" in finding["message"] and finding["file"] == "p/lb.yaml"


# ---- what does not work: each a clear result and its exit code ----


@pytest.fixture
def refuser(loop_thread: LoopThread) -> Iterator[PlainHttpServer]:
    server = PlainHttpServer(not_found_response())
    with running(loop_thread, server.start(), PlainHttpServer.stop) as started:
        yield started


def test_a_refused_upgrade_shows_the_status_and_the_server(
    refuser: PlainHttpServer, run: Run
) -> None:
    result = run("probe", f"ws://127.0.0.1:{refuser.port}/ws")
    assert result.code == 1
    assert (
        "handshake  failed: the server answered 404 Not Found instead of 101 Switching Protocols"
        in result.out
    )
    assert "server: test-refuser" in result.out and "no route to this path" in result.out
    assert "(probe-handshake-failed)" in result.out and "critical: " in result.out
    code, document = probe_json(run, f"ws://127.0.0.1:{refuser.port}/ws")
    assert code == 1 and document["handshake"]["status"] == 404
    assert document["roundTrips"] is None and document["hold"] is None


def test_a_server_that_never_answers_times_out(loop_thread: LoopThread, run: Run) -> None:
    with running(loop_thread, PlainHttpServer(None).start(), PlainHttpServer.stop) as silent:
        code, document = probe_json(run, f"ws://127.0.0.1:{silent.port}/", "--timeout", "0.5")
    assert code == 1 and rules(document) == ["probe-handshake-failed"]
    assert "no answer to the upgrade request within 0.5 s" in document["findings"][0]["message"]


def test_a_closed_port_is_unreachable(run: Run) -> None:
    port = closed_port()
    result = run("probe", f"ws://127.0.0.1:{port}/ws")
    assert result.code == 1
    assert f"no TCP connection to 127.0.0.1:{port}: connection refused" in result.out
    assert "(probe-unreachable)" in result.out


@pytest.fixture
def tls_echo(loop_thread: LoopThread, tmp_path: Path) -> Iterator[tuple[EchoServer, SelfSigned]]:
    certificate = self_signed(tmp_path)
    if certificate is None:
        pytest.skip("the openssl command is needed to make a self-signed certificate")
    start = EchoServer().start(certificate.server_context())
    with running(loop_thread, start, EchoServer.stop) as server:
        yield server, certificate


def test_tls_with_a_self_signed_certificate(
    tls_echo: tuple[EchoServer, SelfSigned], tmp_path: Path, run: Run
) -> None:
    server, certificate = tls_echo
    url = f"wss://127.0.0.1:{server.port}/ws"
    code, document = probe_json(run, url, "--hold", "0")
    assert code == 1 and rules(document) == ["probe-tls-failed"]
    assert (
        "the certificate is not trusted: self-signed certificate"
        in (document["findings"][0]["message"])
    )

    code, document = probe_json(run, url, "--hold", "0", "--insecure")
    assert code == 0 and rules(document) == ["probe-tls-unverified"]
    tls = document["handshake"]["tls"]
    assert tls["version"].startswith("TLSv1.") and tls["verified"] is False
    assert tls["subject"] == "CN=127.0.0.1, O=ingressgen test"
    assert tls["issuer"] == tls["subject"]
    assert tls["altNames"] == ["IP:127.0.0.1", "DNS:localhost"]
    assert document["handshake"]["timings"]["tlsMs"] > 0

    code, document = probe_json(run, url, "--hold", "0", "--ca-file", certificate.cert)
    assert code == 0 and document["findings"] == []
    assert document["handshake"]["tls"]["verified"] is True
    text = run("probe", url, "--hold", "0", "--ca-file", certificate.cert)
    assert "certificate: subject CN=127.0.0.1, O=ingressgen test" in text.out

    not_pem = tmp_path / "not-a-cert.pem"
    not_pem.write_text("hello\n")
    refused = run("probe", url, "--ca-file", not_pem)
    assert refused.code == 2 and "cannot be read as PEM certificates" in refused.err
    assert run("probe", url, "--ca-file", tmp_path / "missing.pem").code == 2


def test_wss_to_a_port_without_tls_is_a_tls_failure(echo: EchoServer, run: Run) -> None:
    code, document = probe_json(run, f"wss://127.0.0.1:{echo.port}/ws", "--hold", "0")
    assert code == 1 and rules(document) == ["probe-tls-failed"]
    assert "try ws://" in document["findings"][0]["message"]


# ---- usage errors: exit 2, a message saying what would be valid, no traceback ----


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((), "give a URL"),
        (("http://example.com/ws",), "did you mean ws://example.com/ws?"),
        (("ws://",), "no host"),
        (("ws://h:99999/",), "the port is not a number"),
        (("ws://h/", "--scheme", "ws"), "--scheme applies to the URL derived from --profile"),
        (("ws://h/", "--idle", "--heartbeat", "5"), "exclude each other"),
        (("ws://h/", "--hold", "2x"), "130s, 2m, 1m30s"),
        (("ws://h/", "--hold", "-1"), "is not a duration"),
        (("ws://h/", "--heartbeat", "0"), "more than 0"),
        (("ws://h/", "--timeout", "soon"), "--timeout 'soon' is not a duration"),
        (("ws://h/", "-H", "no colon"), "expected 'Name: value'"),
        (("ws://h/", "-H", "Sec-WebSocket-Protocol: x"), "use --subprotocol"),
        (("ws://h/", "--insecure"), "applies to wss:// only"),
        (("wss://h/", "--insecure", "--ca-file", "x.pem"), "exclude each other"),
        (("ws://h/", "--connect-to", "nowhere"), "expected HOST:PORT"),
        (("ws://h/", "--subprotocol", "a b"), "not a valid subprotocol name"),
        (("ws://h/", "--connections", "0"), "--connections"),
        (("ws://h/", "--profile", "missing.yaml"), "no such file"),
    ],
)
def test_usage_errors_exit_2(
    workdir: Path, run: Run, arguments: tuple[str, ...], message: str
) -> None:
    result = run("probe", *arguments)
    assert result.code == 2, result
    assert message in result.err and "Traceback" not in result.err


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"spec.protocol": "http", "spec.websocket": None},
            "spec.protocol: 'http': probe checks WebSocket services",
        ),
        ({"spec.hostname": "*.example.com"}, "is a wildcard: give the URL of one host"),
        ({"spec.hostname": None}, "neither spec.hostname nor spec.metallb.loadBalancerIPs"),
        ({"spec.service.port": 0}, "spec.service.port"),
    ],
)
def test_profiles_that_name_no_websocket_endpoint_are_refused(
    workdir: Path, run: Run, changes: dict[str, Any], message: str
) -> None:
    write(workdir, {"p/lb.yaml": metallb_profile(**changes)})
    result = run("probe", "--profile", "p/lb.yaml")
    assert result.code == 2
    assert result.err.startswith("error: p/lb.yaml:") and message in result.err


# ---- the URL and the expectation derived from a profile ----


def derived(workdir: Path, profile: dict[str, Any], scheme: str | None = None) -> str:
    write(workdir, {"p/x.yaml": profile})
    url, _ = target.profile_target(Path("p/x.yaml"), scheme, None)
    return url


def test_urls_derived_from_profiles(workdir: Path) -> None:
    assert derived(workdir, cloudflare_profile()) == "wss://chat.example.com/ws"
    assert derived(workdir, cloudflare_profile(), "ws") == "ws://chat.example.com/ws"
    # MetalLB passes TCP through: the Service's own port, with the hostname when there is one
    assert derived(workdir, metallb_profile()) == "wss://chat.example.com:8080/ws"
    assert derived(workdir, metallb_profile(**{"spec.service.port": 443})) == (
        "wss://chat.example.com/ws"
    )
    pinned = {"version": "0.14.9", "addressPool": "public"}
    both = metallb_profile(
        **{
            "spec.hostname": None,
            "spec.metallb": {**pinned, "loadBalancerIPs": ["2001:db8::a", "203.0.113.7"]},
        }
    )
    assert derived(workdir, both) == "wss://203.0.113.7:8080/ws"  # IPv4 first
    six = metallb_profile(
        **{"spec.hostname": None, "spec.metallb": {**pinned, "loadBalancerIPs": ["2001:db8::a"]}}
    )
    assert derived(workdir, six, "ws") == "ws://[2001:db8::a]:8080/ws"
    root = cloudflare_profile(**{"spec.websocket": None})
    assert derived(workdir, root) == "wss://chat.example.com/"


def test_expectations_derived_from_profiles(workdir: Path) -> None:
    write(workdir, {"p/cf.yaml": cloudflare_profile(), "p/lb.yaml": metallb_profile()})
    _, cloudflare = target.profile_target(Path("p/cf.yaml"), None, None)
    assert cloudflare.idle_timeout == 100 and cloudflare.window() == (75, 125)
    assert cloudflare.hold_outcome(None) == "cut"
    assert cloudflare.hold_outcome(30) == "open"
    assert cloudflare.hold_outcome(90) == "either"  # inside the window: it may or may not
    _, metallb = target.profile_target(Path("p/lb.yaml"), None, None)
    assert metallb.window() is None
    assert metallb.hold_outcome(None) == metallb.hold_outcome(30) == "open"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("130s", 130), ("2m", 120), ("45", 45), ("2.5", 2.5), ("1m30s", 90), ("500ms", 0.5)],
)
def test_durations(text: str, seconds: float) -> None:
    assert probe_settings.seconds("--hold", text) == seconds


@pytest.mark.parametrize("text", ["2x", "-1", "", "inf", "nan", "1e400x", "-2m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(InputError, match="is not a duration"):
        probe_settings.seconds("--hold", text)


# ---- the optional extra, start-up, output ----


def python(code: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-c", code]
    return subprocess.run(command, capture_output=True, text=True, env=environment, cwd=REPO)


def test_without_the_extra_probe_says_how_to_install_it() -> None:
    done = python(
        "import sys; sys.modules['websockets'] = None\n"
        "from ingressgen.cli import main\n"
        "main(['probe', 'ws://127.0.0.1:1/'])"
    )
    assert done.returncode == 2
    assert "pip install 'ingressgen[probe]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_other_commands_never_import_the_probe() -> None:
    done = python(
        "import atexit, sys\n"
        "atexit.register(lambda: print(sorted(m for m in sys.modules if m.startswith("
        "('websockets', 'ingressgen.probe'))), file=sys.stderr))\n"
        "from ingressgen.cli import main\n"
        "main(['schema'])"
    )
    assert done.returncode == 0
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_the_progress_line_is_for_terminals_only() -> None:
    out, err = io.StringIO(), io.StringIO()
    live = Live(out, err, lines=True, progress=True)
    live.status("hold 1/3 s")
    live.status("hold 2/3 s")
    live.line("hold       3 s idle: stayed open")
    assert err.getvalue() == "\r\x1b[Khold 1/3 s\r\x1b[Khold 2/3 s\r\x1b[K"
    assert out.getvalue() == "hold       3 s idle: stayed open\n"
    out, err = io.StringIO(), io.StringIO()
    plain = Live(out, err, lines=True, progress=False)
    plain.status("hold 1/3 s")
    plain.line("a line")
    assert err.getvalue() == "" and out.getvalue() == "a line\n"


def test_a_certificate_that_does_not_read_as_x509_gives_nothing() -> None:
    assert describe(b"") is None
    assert describe(b"\x30\x03\x02\x01\x01") is None
    assert describe(b"\x30\x82\xff\xff" + b"\x00" * 10) is None
