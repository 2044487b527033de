"""SIP message building and parsing (the real-server tests are in tests/checks/test_voip.py)."""

from fieldkit.voip import sip


def test_options_request_is_well_formed():
    request, ids = sip.build_options(target_host="pbx.example.com", target_port=5060, transport="UDP",
                                     local=("192.168.1.20", 40000))
    text = request.decode()
    assert text.startswith("OPTIONS sip:pbx.example.com:5060 SIP/2.0\r\n")
    assert text.endswith("Content-Length: 0\r\n\r\n")
    assert f"Via: SIP/2.0/UDP 192.168.1.20:40000;branch={ids['branch']};rport\r\n" in text
    assert ids["branch"].startswith("z9hG4bK")  # RFC 3261 magic cookie
    for header in ("Max-Forwards: 70", "CSeq: 1 OPTIONS", "Call-ID: ", "From: <sip:fieldkit@192.168.1.20>;tag=",
                   "User-Agent: fieldkit/"):
        assert header in text


def test_ipv6_hosts_are_bracketed():
    request, _ = sip.build_options(target_host="2001:db8::1", target_port=5060, transport="TCP",
                                   local=("2001:db8::2", 5555))
    assert request.startswith(b"OPTIONS sip:[2001:db8::1]:5060 SIP/2.0")
    assert b"Via: SIP/2.0/TCP [2001:db8::2]:5555;" in request


def test_parse_response_with_compact_and_folded_headers():
    raw = (b"SIP/2.0 200 OK\r\nv: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKabc;rport=61000;received=198.51.100.7\r\n"
           b"Allow: INVITE, ACK,\r\n OPTIONS, BYE\r\nServer: Asterisk PBX 20\r\nl: 0\r\n\r\n")
    response = sip.parse_response(raw)
    assert response.status == 200 and response.reason == "OK"
    assert response.header("via").endswith("received=198.51.100.7")
    assert response.header("allow") == "INVITE, ACK, OPTIONS, BYE"
    assert response.header("content-length") == "0"


def test_garbage_is_not_a_response():
    assert sip.parse_response(b"\x00\x01garbage") is None
    assert sip.parse_response(b"OPTIONS sip:x SIP/2.0\r\n\r\n") is None


def test_nat_detection_from_received_and_rport():
    result = sip.OptionsResult("UDP", "x:5060", local=("192.168.1.20", 40000), received="198.51.100.7", rport=61000)
    assert result.nat_detected is True
    same = sip.OptionsResult("UDP", "x:5060", local=("192.168.1.20", 40000), received="192.168.1.20", rport=40000)
    assert same.nat_detected is False


def test_via_heuristic_flags_a_changed_sent_by():
    result = sip.OptionsResult("UDP", "x", via_sent="SIP/2.0/UDP 192.168.1.20:40000;branch=z9hG4bK1;rport",
                               via_received="SIP/2.0/UDP 198.51.100.7:61000;branch=z9hG4bK1;rport=61000")
    assert "sent-by" in sip.via_heuristic(result)
    clean = sip.OptionsResult("UDP", "x", via_sent="SIP/2.0/UDP 192.168.1.20:40000;branch=z9hG4bK1;rport",
                              via_received="SIP/2.0/UDP 192.168.1.20:40000;branch=z9hG4bK1;rport=40000;received=1.2.3.4")
    assert sip.via_heuristic(clean) is None


def test_udp_options_waits_past_100_trying_for_the_final_answer():
    import socket
    import threading
    import time

    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))

    def answer() -> None:
        data, addr = server.recvfrom(4096)
        via = next(line for line in data.decode().split("\r\n") if line.startswith("Via:"))
        server.sendto(f"SIP/2.0 100 Trying\r\n{via}\r\nContent-Length: 0\r\n\r\n".encode(), addr)
        time.sleep(0.2)
        server.sendto(f"SIP/2.0 200 OK\r\n{via}\r\nServer: stub\r\nContent-Length: 0\r\n\r\n".encode(), addr)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        result = sip.options("127.0.0.1", server.getsockname()[1], "UDP", timeout_s=3)
    finally:
        thread.join(3)
        server.close()
    assert result.status == 200 and result.server == "stub"
    assert result.attempts == 1  # the 100 stopped the T1 retransmissions
