"""The reflector on loopback: correct reflections, SIP echo, and hostile input."""

from __future__ import annotations

import os
import socket
import threading

import pytest

from fieldkit.voip import reflector, sip, stream, twamp


@pytest.fixture
def refl():
    server = reflector.Reflector([("127.0.0.1", 0)], rate_limit_pps=2000)
    bound = server.start()
    yield server, bound[0][1]
    server.stop()


def _udp(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect(("127.0.0.1", port))
    sock.settimeout(1.0)
    return sock


def test_reflection_has_reflector_timestamps_in_order_and_counts_per_client(refl):
    server, port = refl
    with _udp(port) as a, _udp(port) as b:
        replies = []
        for seq in range(3):
            for sock in (a, b):
                sock.send(twamp.SenderPacket(seq, twamp.now_ns(), 64).pack())
                replies.append((sock is a, twamp.parse_reflection(sock.recv(2048))))
    for is_a, r in replies:
        assert r.t3_ns >= r.t2_ns >= twamp.ntp_to_ns(r.t1_ntp) - 1000
    # each client gets its own reflector sequence: 0, 1, 2 for a and for b
    assert [r.reflector_seq for is_a, r in replies if is_a] == [0, 1, 2]
    assert [r.reflector_seq for is_a, r in replies if not is_a] == [0, 1, 2]


def test_a_new_stream_from_the_same_port_restarts_the_reflector_count(refl):
    server, port = refl
    with _udp(port) as sock:
        for seq in (5_000_000, 5_000_001, 9_000_000):
            sock.send(twamp.SenderPacket(seq, twamp.now_ns(), 64).pack())
            last = twamp.parse_reflection(sock.recv(2048))
    assert last.sender_seq == 9_000_000 and last.reflector_seq == 0


def test_hostile_input_never_amplifies_and_never_kills_the_reflector(refl):
    server, port = refl
    sizes_out_of_bounds = []
    with _udp(port) as sock:
        sock.settimeout(0.05)
        payloads = [b"", b"\x00", os.urandom(13), os.urandom(41), b"GET / HTTP/1.1\r\n\r\n",
                    b"OPTIONS sip:x SIP/2.0\r\n" + b"A" * 1000, os.urandom(1400), b"\xff" * 65000]
        payloads += [os.urandom(n) for n in range(0, 200, 7)]
        for payload in payloads:
            try:
                sock.send(payload)
            except OSError:
                continue
            try:
                answer = sock.recv(70000)
            except socket.timeout:
                continue
            if len(answer) > len(payload):
                sizes_out_of_bounds.append((len(payload), len(answer)))
    assert sizes_out_of_bounds == []
    assert server.stats.dropped_garbage >= 3  # short packets are dropped, not answered
    # still alive and correct afterwards
    with _udp(port) as sock:
        sock.send(twamp.SenderPacket(1, twamp.now_ns(), 60).pack())
        assert twamp.parse_reflection(sock.recv(2048)).sender_seq == 1


def test_rate_limit_per_source():
    server = reflector.Reflector([("127.0.0.1", 0)], rate_limit_pps=20)
    port = server.start()[0][1]
    try:
        with _udp(port) as sock:
            sock.settimeout(0.2)
            for seq in range(200):
                sock.send(twamp.SenderPacket(seq, twamp.now_ns(), 60).pack())
            answered = 0
            while True:
                try:
                    sock.recv(2048)
                    answered += 1
                except socket.timeout:
                    break
        assert answered <= 25  # one second of burst (20) plus what refilled meanwhile
        assert server.stats.dropped_rate >= 150
    finally:
        server.stop()


def test_many_clients_at_once(refl):
    server, port = refl
    results: dict[int, int] = {}

    def client(index: int) -> None:
        run = stream.run_stream("127.0.0.1", port, duration_s=1.0, linger_s=0.5)
        results[index] = len(run.replies)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(results) == 8
    assert all(count == 50 for count in results.values()), results
    assert server.stats.sessions >= 8


def test_sip_echo_is_exact_over_udp_and_tcp(refl):
    server, port = refl
    for transport in ("UDP", "TCP"):
        result = sip.alg_echo_test("127.0.0.1", port, transport, timeout_s=2.0)
        assert result.echoed and result.rewritten is False, result.error


def test_alg_diff_reports_rewritten_lines(refl):
    """An ALG stand-in: a UDP proxy that rewrites the private address like a NAT router's SIP helper."""
    server, port = refl
    proxy = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    proxy.bind(("127.0.0.1", 0))
    upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    upstream.connect(("127.0.0.1", port))
    stop = threading.Event()

    def relay() -> None:
        proxy.settimeout(0.1)
        upstream.settimeout(0.5)
        while not stop.is_set():
            try:
                data, client = proxy.recvfrom(65535)
            except socket.timeout:
                continue
            upstream.send(data.replace(b"127.0.0.1", b"203.0.113.9").replace(b"Max-Forwards: 70", b"max-forwards: 69"))
            try:
                proxy.sendto(upstream.recv(65535), client)
            except socket.timeout:
                pass

    thread = threading.Thread(target=relay, daemon=True)
    thread.start()
    try:
        result = sip.alg_echo_test("127.0.0.1", proxy.getsockname()[1], "UDP", timeout_s=2.0)
    finally:
        stop.set()
        thread.join(2)
        proxy.close()
        upstream.close()
    assert result.echoed and result.rewritten
    assert any(line.startswith("+Via:") and "203.0.113.9" in line for line in result.changes)
    assert "+max-forwards: 69" in result.changes
    assert any(line.startswith("+c=IN IP4 203.0.113.9") for line in result.changes)


def test_tcp_garbage_is_closed_without_echo(refl):
    server, port = refl
    with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
        conn.sendall(b"HELLO THERE\r\n\r\n")
        assert conn.recv(100) == b""
