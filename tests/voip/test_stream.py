"""The paced stream end to end on loopback, and the analysis on constructed runs."""

from __future__ import annotations

import socket
import threading

import pytest

from fieldkit.voip import reflector, stream, twamp


def _stream_against(respond) -> stream.StreamRun:
    """Run a 1 s stream against a loopback UDP far end whose answer to each datagram is
    ``respond(data)`` (bytes to send back, or None to stay silent)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, addr = sock.recvfrom(2048)
            except socket.timeout:
                continue
            reply = respond(data)
            if reply is not None:
                sock.sendto(reply, addr)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        return stream.run_stream("127.0.0.1", sock.getsockname()[1], duration_s=1.0, linger_s=0.3)
    finally:
        stop.set()
        thread.join(2)
        sock.close()


def test_stream_against_the_reflector_on_loopback():
    server = reflector.Reflector([("127.0.0.1", 0)])
    port = server.start()[0][1]
    try:
        run = stream.run_stream("127.0.0.1", port, duration_s=2.0, codec="g711", dscp=46)
    finally:
        server.stop()
    report = stream.analyse(run)
    assert report.sent == 100 and report.received == 100 and report.loss_pct == 0
    assert report.duplicates == 0 and report.reordered == 0
    assert report.dscp_at_reflector == 46 and report.dscp_at_client == 46
    assert report.kernel_timestamps
    assert report.split_loss and report.upstream.lost == 0 and report.downstream.lost == 0
    assert 0 < report.rtt_ms["min"] <= report.rtt_ms["median"] <= report.rtt_ms["max"]
    assert len(report.series["t_s"]) == 100 and report.series["t_s"][1] == pytest.approx(0.02)
    assert run.size == 172  # G.711 RTP-sized packets


def test_stream_over_ipv6_loopback_keeps_the_traffic_class():
    try:
        server = reflector.Reflector([("::1", 0)])
        port = server.start()[0][1]
    except IndexError:
        pytest.skip("no IPv6 loopback here")
    try:
        run = stream.run_stream("::1", port, duration_s=1.0, linger_s=0.3)
    finally:
        server.stop()
    report = stream.analyse(run)
    assert run.target == f"[::1]:{port}"
    assert report.received == 50 and report.dscp_at_reflector == 46 and report.dscp_at_client == 46


def test_garbage_answers_are_counted_not_used():
    run = _stream_against(lambda data: b"\x01" * len(data))   # right size, wrong content
    report = stream.analyse(run)
    assert report.received == 0 and report.garbage == 50 and report.loss_pct == 100


def _constructed_run(drop_up=(), drop_down=(), dup=(), count=100) -> stream.StreamRun:
    run = stream.StreamRun("t", ("127.0.0.1", 1), 20.0, 172, 184, True)
    refl_seq = 0
    for seq in range(count):
        t1 = 1_000_000_000_000 + seq * 20_000_000
        run.sent.append(stream.Sent(seq, seq * 20_000_000, seq * 20_000_000 + 50_000, t1))
        if seq in drop_up:
            continue
        t2 = t1 + 5_000_000 + (1_000_000 if seq % 2 else 0)   # upstream alternates 5/6 ms
        t3 = t2 + 100_000
        this_refl = refl_seq
        refl_seq += 1
        if seq in drop_down:
            continue
        reply = stream.Reply(seq, t1, t2, t3, t3 + 7_000_000, this_refl, 184, 184, 63, True)
        run.replies.append(reply)
        if seq in dup:
            run.replies.append(reply)
    return run


def test_only_downstream_loss_is_still_split():
    # every reflector seq equals its index (no upstream loss): the random sender base tells it is stateful
    run = _constructed_run(drop_down={5, 6})
    run.seq_base = 1 << 20
    report = stream.analyse(run)
    assert report.split_loss and report.upstream.lost == 0 and report.downstream.lost == 2


def test_loss_is_split_by_direction_with_a_stateful_reflector():
    report = stream.analyse(_constructed_run(drop_up={10, 11, 12}, drop_down={50}, dup={70}))
    assert (report.lost, report.duplicates) == (4, 1)
    assert report.upstream.lost == 3 and report.downstream.lost == 1
    assert report.bursts.max_consecutive_lost == 3
    # RTT = (T4 - T1) - (T3 - T2) = 5 or 6 ms + 7 ms
    assert report.rtt_ms["min"] == pytest.approx(12.0) and report.rtt_ms["max"] == pytest.approx(13.0)
    assert report.upstream.jitter.final_ms > 0.5 and report.downstream.jitter.final_ms == pytest.approx(0.0)
    assert report.pacing_ms["p50"] == pytest.approx(0.05)


def test_a_stateless_foreign_twamp_light_reflector():
    """A router-style RFC 5357 reflector: copies the sequence number, no DSCP report, drops every 10th."""
    import struct

    def reflect(data: bytes) -> bytes | None:
        seq, ts, err = struct.unpack("!IQH", data[:14])
        if seq % 10 == 3:
            return None
        now = twamp.ns_to_ntp(twamp.now_ns())
        reply = struct.pack("!IQHHQIQHHB", seq, now, 1, 0, now, seq, ts, err, 0, 64)
        return reply + bytes(len(data) - len(reply))

    run = _stream_against(reflect)
    report = stream.analyse(run)
    assert report.sent == 50 and report.lost == 5 and report.received == 45
    assert report.split_loss is False and report.upstream.lost is None   # cannot tell up from down
    assert report.dscp_at_reflector is None                              # not reported: not "DSCP 0"
    assert report.upstream.jitter.final_ms is not None                   # its timestamps still split jitter


def test_sender_lateness_is_kept_out_of_network_jitter():
    """A sender that is 2 ms late on every other packet: an RTP receiver sees jitter, the network has none."""
    run = stream.StreamRun("t", ("127.0.0.1", 1), 20.0, 172, 184, True, seq_base=1 << 20)
    for seq in range(200):
        scheduled = seq * 20_000_000
        late = 2_000_000 if seq % 2 else 0
        t1 = 1_000_000_000_000 + scheduled + late
        run.sent.append(stream.Sent(seq, scheduled, scheduled + late, t1))
        t2 = t1 + 5_000_000
        run.replies.append(stream.Reply(seq, t1, t2, t2 + 100_000, t2 + 5_100_000, seq, 184, 184, 63, True))
    report = stream.analyse(run)
    assert report.upstream.jitter.final_ms == pytest.approx(0.0)
    assert report.upstream.nominal_jitter_ms == pytest.approx(2.0, abs=0.01)
    assert report.pacing_ms["max"] == pytest.approx(2.0)


def test_per_direction_slots_put_each_loss_where_it_happened():
    """The receiver emulation gets, per direction, which packets that direction lost: upstream losses
    in our numbering, downstream losses in the reflector's (stateful reflector)."""
    report = stream.analyse(_constructed_run(drop_up={10, 11, 12, 40}, drop_down={50, 51}))
    up, down = report.upstream, report.downstream
    assert [i for i, lost in enumerate(up.lost_flags) if lost] == [10, 11, 12, 40]
    assert len(up.lost_flags) == 100 and len(down.lost_flags) == 96     # the reflector sent 96
    # reflector numbers: 0-9, then seq 13 -> 10 ... seq 50 -> 46, seq 51 -> 47
    assert [i for i, lost in enumerate(down.lost_flags) if lost] == [46, 47]
    # packets lost downstream reached the reflector: their upstream delay is unknown, not lost
    assert up.transits_ms[50] is None and not up.lost_flags[50]
    assert up.transits_ms[13] == pytest.approx(6.0) and down.transits_ms[0] == pytest.approx(7.0)


def test_a_stateless_reflector_counts_each_loss_in_both_directions():
    run = _constructed_run(drop_up={10}, drop_down={20})
    for reply in run.replies:                     # a stateless reflector copies our numbers
        reply.reflector_seq = reply.seq + run.seq_base
    report = stream.analyse(run)
    assert report.split_loss is False
    for direction in (report.upstream, report.downstream):
        assert [i for i, lost in enumerate(direction.lost_flags) if lost] == [10, 20]
