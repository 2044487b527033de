"""Property tests for the parsers of outside text: whatever arrives, they answer or raise their own error.

smartctl text and JSON captures (random text, and real captures with lines cut, values
replaced and bytes flipped), SIP responses, DNS answers from a fuzzing resolver on
loopback, and profiles (random TOML text and random tables).
"""

from __future__ import annotations

import copy
import json
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from fieldkit import profiles
from fieldkit.checks.smart import rules
from fieldkit.smart.counters import counters
from fieldkit.smart.capture import decode, read_capture
from fieldkit.smart.model import ParseError
from fieldkit.voip import sip
from tests.conftest import FIXTURES

# No shrinking phase: shrinking a mutated 20 KB capture can take minutes; the failing example is
# printed as drawn, which is enough to reproduce it.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate]
SETTINGS = settings(max_examples=150, deadline=None, phases=PHASES,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
CAPTURES = sorted((FIXTURES / "smart").glob("*.txt")) + sorted((FIXTURES / "smart").glob("*.json"))
TEXTS = [p.read_text(encoding="utf-8", errors="replace") for p in CAPTURES if p.suffix == ".txt"]
JSONS = [json.loads(p.read_text(encoding="utf-8")) for p in CAPTURES if p.suffix == ".json"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12)


def _evaluate(text: str) -> None:
    """The capture path of the smart check: read, then classify. Only ParseError may come out."""
    try:
        drive = read_capture(text, "capture")
    except ParseError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    rules.evaluate(drive)
    counters(drive)


# ------------------------------------------------------------------ smartctl text

@SETTINGS
@given(st.text(max_size=2000))
def test_smartctl_text_random(text: str) -> None:
    _evaluate(text)


@SETTINGS
@given(st.sampled_from(TEXTS), st.data())
def test_smartctl_text_real_captures_damaged(text: str, data: st.DataObject) -> None:
    lines = text.splitlines()
    for _ in range(data.draw(st.integers(0, 8))):
        if not lines:
            break
        i = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["cut", "drop", "replace", "numbers", "dup"]))
        if action == "cut":
            lines[i] = lines[i][: data.draw(st.integers(0, max(0, len(lines[i]))))]
        elif action == "drop":
            del lines[i]
        elif action == "replace":
            lines[i] = data.draw(st.text(max_size=80))
        elif action == "numbers":
            lines[i] = "".join(data.draw(st.sampled_from(["-1", "99999999999999999999", "0x", "1e9", "NaN", c]))
                               if c.isdigit() else c for c in lines[i])
        else:
            lines.insert(i, lines[i])
    _evaluate("\n".join(lines))


@SETTINGS
@given(st.binary(max_size=3000))
def test_smartctl_capture_random_bytes(data: bytes) -> None:
    _evaluate(decode(data))


# ------------------------------------------------------------------ smartctl JSON

def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(obj, dict):
        for key, value in obj.items():
            out += _paths(value, prefix + (key,))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            out += _paths(value, prefix + (i,))
    return out


@SETTINGS
@given(st.sampled_from(range(len(JSONS))), st.data())
def test_smartctl_json_real_captures_with_values_replaced(index: int, data: st.DataObject) -> None:
    obj = copy.deepcopy(JSONS[index])
    paths = _paths(obj)[1:]
    for _ in range(data.draw(st.integers(1, 6))):
        path = data.draw(st.sampled_from(paths))
        parent = obj
        try:
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = data.draw(json_values)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier replacement removed this path
    _evaluate(json.dumps(obj))


@SETTINGS
@given(st.dictionaries(st.sampled_from(["smartctl", "device", "ata_smart_attributes",
                                        "nvme_smart_health_information_log", "smart_status", "temperature", "model_name", "serial_number",
                                        "scsi_grown_defect_list", "power_on_time", "json_format_version"]),
                       json_values, max_size=8))
def test_smartctl_json_random_blocks(obj: dict[str, Any]) -> None:
    _evaluate(json.dumps(obj))


@SETTINGS
@given(st.sampled_from(JSONS), st.integers(0, 10**6), st.binary(min_size=1, max_size=8))
def test_smartctl_json_bytes_flipped(obj: dict[str, Any], where: int, junk: bytes) -> None:
    raw = json.dumps(obj).encode()
    at = where % len(raw)
    _evaluate(decode(raw[:at] + junk + raw[at + len(junk):]))


# ------------------------------------------------------------------ SIP responses

SIP_OK = (b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1;rport=5062;received=192.0.2.1\r\n"
          b"Server: Asterisk PBX 18\r\nAllow: INVITE, OPTIONS\r\nContent-Length: 0\r\n\r\n")


@SETTINGS
@given(st.binary(max_size=1500))
def test_sip_random_bytes(data: bytes) -> None:
    _sip(data)


@SETTINGS
@given(st.integers(0, len(SIP_OK)), st.binary(max_size=40), st.text(max_size=60))
def test_sip_damaged_responses(where: int, junk: bytes, header: str) -> None:
    _sip(SIP_OK[:where] + junk + SIP_OK[where:])
    _sip(SIP_OK.replace(b"Server: Asterisk PBX 18", b"Server: " + header.encode("utf-8", "surrogatepass")))
    _sip(SIP_OK.replace(b"rport=5062", b"rport=" + header.encode("utf-8", "surrogatepass")))


def _sip(data: bytes) -> None:
    response = sip.parse_response(data)
    if response is None:
        return
    assert 0 <= response.status <= 999
    result = sip.OptionsResult(transport="udp", target="pbx:5060", via_sent="SIP/2.0/UDP 10.0.0.2:5060")
    sip._fill(result, response, 0.01)
    sip.via_heuristic(result)


# ------------------------------------------------------------------ DNS answers

class FuzzResolver:
    """A UDP 'resolver' on loopback answering each query with the payload the test chose."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.reply: Any = None
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                request, peer = self.sock.recvfrom(4096)
            except OSError:
                continue
            payload = self.reply(request) if callable(self.reply) else self.reply
            if payload is not None:
                self.sock.sendto(payload, peer)

    def close(self) -> None:
        self._stop = True
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture(scope="module")
def resolver():
    server = FuzzResolver()
    yield server
    server.close()


def _valid_reply(request: bytes, rdtype: str, records: list[str]) -> bytes:
    import dns.message
    import dns.rrset

    query = dns.message.from_wire(request)
    response = dns.message.make_response(query)
    if records:
        response.answer.append(dns.rrset.from_text(query.question[0].name, 60, "IN", rdtype, *records))
    return response.to_wire()


@settings(max_examples=60, deadline=None, phases=PHASES, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300), st.integers(0, 400), st.sampled_from(["A", "SRV", "NAPTR", "TXT"]),
       st.booleans())
def test_dns_answers_from_a_fuzzing_resolver(resolver: FuzzResolver, junk: bytes, where: int, rdtype: str,
                                             keep_id: bool) -> None:
    from fieldkit.net import dns as fk_dns

    records = {"A": ["192.0.2.1"], "SRV": ["10 60 5060 pbx.example.net."],
               "NAPTR": ['10 50 "s" "SIP+D2U" "" _sip._udp.example.net.'],
               "TXT": ['"\\027]0;pwned\\007 \\226\\128\\174"']}[rdtype]

    def reply(request: bytes) -> bytes:
        good = _valid_reply(request, rdtype, records)
        at = min(where, len(good))
        damaged = good[:at] + junk + good[at + len(junk):]
        # keep the query id (and the flags) so that dnspython reads the damaged rest
        return (request[:2] + damaged[2:]) if keep_id else damaged

    resolver.reply = reply
    answer = fk_dns.query("127.0.0.1", "sip.example.net", rdtype, timeout=0.3, port=resolver.port)
    assert answer.status in ("NOERROR", "NXDOMAIN", "NODATA", "TIMEOUT", "SERVFAIL", "REFUSED", "ERROR",
                             "FORMERR", "NOTIMP", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "BADVERS") \
        or answer.status.isdigit()
    assert all(isinstance(a, str) for a in answer.answers)
    json.dumps(answer.to_dict())


def test_dns_fuzz_resolver_really_answers(resolver: FuzzResolver) -> None:
    """The fixture is a working resolver: an undamaged answer is read as such."""
    from fieldkit.net import dns as fk_dns

    resolver.reply = lambda request: _valid_reply(request, "A", ["192.0.2.7"])
    answer = fk_dns.query("127.0.0.1", "sip.example.net", "A", timeout=1.0, port=resolver.port)
    assert answer.status == "NOERROR" and answer.answers == ["192.0.2.7"]


# ------------------------------------------------------------------ profiles

toml_scalars = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) \
    | st.text(max_size=40)


@SETTINGS
@given(st.dictionaries(st.sampled_from(["name", "description", "checks", "other"]),
                       st.dictionaries(st.sampled_from(["system", "smart", "network", "voip", "acoustic", "nope"]),
                                       st.dictionaries(st.text(max_size=20) | st.sampled_from(
                                           ["timeout", "fs_warn_pct", "target", "url", "sip", "from_file",
                                            "password_env", "codec", "duration"]),
                                           toml_scalars | st.lists(toml_scalars, max_size=3), max_size=4)
                                       | toml_scalars, max_size=3)
                       | toml_scalars, max_size=4))
def test_profile_tables(data: dict[str, Any]) -> None:
    try:
        profile = profiles.parse(data, source="p.toml", default_name="p")
    except profiles.ProfileError as exc:
        assert str(exc).startswith("p.toml") and "\n" not in str(exc) and len(str(exc)) < 1000
        return
    assert profile.checks


@SETTINGS
@given(st.text(max_size=600) | st.sampled_from(['[checks.system]\ntimeout = 1e400\n', '[checks]\nsystem = 1\n',
                                                 '[checks.system]\nfs_warn_pct = nan\n', 'checks = "x"\n']))
def test_profile_files(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    path = tmp_path_factory.mktemp("prof") / "p.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        profiles.load(str(path))
    except profiles.ProfileError as exc:
        assert "\n" not in str(exc) or "invalid TOML" in str(exc)
