"""nfq_delay.py QNUM DELAY_MS JITTER_MS SECONDS LOG [SEED [gauss|uniform]]: delay queued packets (netem substitute, lab §8).

gauss (default): DELAY + N(0, JITTER) ms, at least 0; uniform: DELAY + U(0, JITTER) ms.

Each packet's TWAMP-light sequence number (first 4 bytes of the UDP payload) is logged with
the delay actually applied (release time - kernel queueing time, wall clock) and the UDP destination
port, which is the ground
truth the bench and tests compare fieldkit's measurements against.
"""

import heapq
import os
import random
import struct
import sys
import threading
import time

from netfilterqueue import NetfilterQueue

qnum, delay, jitter, secs = int(sys.argv[1]), float(sys.argv[2]) / 1000, float(sys.argv[3]) / 1000, float(sys.argv[4])
log_path = sys.argv[5]
random.seed(int(sys.argv[6]) if len(sys.argv) > 6 else 1)
uniform = len(sys.argv) > 7 and sys.argv[7] == "uniform"


def draw() -> float:
    return delay + random.uniform(0.0, jitter) if uniform else max(0.0, random.gauss(delay, jitter))
heap, cv, counter = [], threading.Condition(), 0
log = open(log_path, "w", buffering=1)


def sequence_of(payload: bytes) -> tuple[int, int]:
    """(UDP destination port, first 4 payload bytes = TWAMP-light sequence number)."""
    ihl = (payload[0] & 0x0F) * 4
    if len(payload) < ihl + 12:
        return -1, -1
    return struct.unpack("!H", payload[ihl + 2:ihl + 4])[0], struct.unpack("!I", payload[ihl + 8:ihl + 12])[0]


def on_packet(pkt) -> None:
    """Schedule on the kernel's queueing timestamp when it has one (wall clock): a callback that
    runs late under CPU load then still releases the packet at the intended time."""
    global counter
    stamp = pkt.get_timestamp()
    arrived = stamp if stamp > 0 else time.time()
    pkt.retain()  # keep the payload after the callback; the verdict is issued later
    with cv:
        counter += 1
        heapq.heappush(heap, (arrived + draw(), counter, arrived, pkt))
        cv.notify()


def releaser() -> None:
    while True:
        with cv:
            while not heap or heap[0][0] > time.time():
                cv.wait(timeout=(heap[0][0] - time.time()) if heap else 0.05)
            _, _, arrived, pkt = heapq.heappop(heap)
        dport, seq = sequence_of(pkt.get_payload())
        released = time.time()
        pkt.accept()
        log.write(f"{seq} {(released - arrived) * 1000:.4f} {released:.6f} {dport}\n")


threading.Thread(target=releaser, daemon=True).start()
nfq = NetfilterQueue()
nfq.bind(qnum, on_packet)
threading.Timer(secs, lambda: (log.flush(), os._exit(0))).start()
print("ready", flush=True)
nfq.run()
