"""SIP on the wire, shared by the SIP client and the reflector: one message read from a
stream, and the scrambled echo of the SIP ALG test.

The echo is XOR-scrambled so that an ALG on the way back cannot "restore" what it rewrote
on the way out (the trick ibc/sip-alg-detector does with base64, without growing the reply).
"""

from __future__ import annotations

import re
import socket

SIP_REQUEST_RE = re.compile(rb"^[A-Z]{3,20} sips?:[^\s]+ SIP/2\.0\r?\n")
SCRAMBLE_KEY = 0x5A
TCP_MAX_MESSAGE = 65536


def scramble(data: bytes) -> bytes:
    """Reversible, length-preserving; applying it twice gives the original back."""
    return bytes(b ^ SCRAMBLE_KEY for b in data)


def is_sip_request(data: bytes) -> bool:
    return bool(SIP_REQUEST_RE.match(data[:300]))


def read_sip_message(conn: socket.socket, limit: int = TCP_MAX_MESSAGE) -> bytes:
    """Read one SIP message from a stream: headers up to the blank line, then Content-Length bytes."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(4096)
        if not chunk:
            return buf
        buf += chunk
        if len(buf) > limit:
            return b""
    head, _, body = buf.partition(b"\r\n\r\n")
    match = re.search(rb"(?im)^(?:content-length|l)[ \t]*:[ \t]*(\d+)", head)
    length = min(int(match.group(1)), limit) if match else 0
    while len(body) < length:
        chunk = conn.recv(4096)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body[:length]
