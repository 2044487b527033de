"""Real speech over an impaired path, scored with PESQ, next to fieldkit's MOS for the same path.

Used by ``bench/voip_pesq.py`` (the grid) and by the lab tests (short cells).

* Speech: espeak-ng, resampled to 8 kHz.
* Codec: G.711 mu-law (ITU-T G.711 segment encoding, written out below), 20 ms frames, RTP.
* Path: the three-namespace lab of :mod:`voiplab`; on the router, uniform 0..J ms extra delay per
  packet toward the server through NFQUEUE (packets are released by time, so they reorder) and
  nftables loss (random, or deterministic runs of 5).  The RTP stream (UDP 16000) and fieldkit's
  probe stream (UDP 862) cross the same rules at the same time.
* Receiver: the arrival time of every RTP packet; both namespaces share the host clock, so the
  one-way delays are exact.  The jitter buffer is :func:`fieldkit.voip.playout.emulate` with the
  model fieldkit assumed; a packet it discards is concealed like a lost one.  Playout has no
  time-scale modification: a change of buffer depth is not heard as stretched audio.
* Concealment: an equivalent of ITU-T G.711 Appendix I in structure: the lost frame is filled by
  repeating the last pitch period (autocorrelation pitch, 2.5-15 ms; the repetition starts where
  the last period started, so it continues the waveform); after 10 ms of erasure the output
  fades by 20 % per 10 ms and is silent after 60 ms; the first good frame after an erasure is cross-faded in over 4 ms.
  (Appendix I also overlap-adds a quarter period at the start and repeats up to three periods
  after 10 ms; this repeats one and has no start overlap-add.)
* Score: ITU-T P.862 PESQ narrow-band via the ``pesq`` package (test extra only), reference =
  the 8 kHz speech before the codec.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import voiplab

FS = 8000
FRAME = 160            # 20 ms at 8 kHz
RTP_PORT = 16000
TEXT = ("The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background. "
        "It is easy to tell the depth of a well. These days a chicken leg is a rare dish. "
        "Rice is often served in round bowls. The juice of lemons makes fine punch.")


# ------------------------------------------------------------------------------------ speech, G.711

def speech(seconds: float | None = None, text: str = TEXT) -> np.ndarray:
    """espeak-ng speech at 8 kHz, float in -1..1, cut to ``seconds`` (at a pause) when given."""
    if not shutil.which("espeak-ng"):
        raise RuntimeError("espeak-ng is not installed")
    from scipy.io import wavfile
    from scipy.signal import resample_poly

    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav), text], check=True,
                       capture_output=True)
        rate, data = wavfile.read(wav)
    x = data.astype(np.float64) / 32768.0
    g = np.gcd(rate, FS)
    y = resample_poly(x, FS // g, rate // g)
    if seconds is not None:
        y = y[: int(seconds * FS)]
    y = y / (np.max(np.abs(y)) + 1e-9) * 0.5       # about -6 dBFS peak, as a handset level
    n = len(y) // FRAME * FRAME
    return y[:n]


def ulaw_encode(x: np.ndarray) -> np.ndarray:
    """ITU-T G.711 mu-law: 14-bit magnitude, bias 0x84 (33 in 14-bit units), 8 segments."""
    pcm = np.clip(np.round(x * 32768.0), -32768, 32767).astype(np.int32)
    sign = (pcm < 0).astype(np.int32)
    mag = np.minimum(np.abs(pcm), 32635) + 0x84
    exponent = np.clip(np.floor(np.log2(mag)).astype(np.int32) - 7, 0, 7)
    mantissa = (mag >> (exponent + 3)) & 0x0F
    return (~((sign << 7) | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8)


def ulaw_decode(u: np.ndarray) -> np.ndarray:
    v = (~u.astype(np.int32)) & 0xFF
    sign, exponent, mantissa = v & 0x80, (v >> 4) & 0x07, v & 0x0F
    mag = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(sign != 0, -mag, mag).astype(np.float64) / 32768.0


# ------------------------------------------------------------------------------------ concealment

def _pitch(history: np.ndarray) -> int:
    """Pitch period (samples) of the last 40 ms by normalised autocorrelation, 20..120 samples."""
    seg = history[-320:]
    if len(seg) < 240 or not np.any(seg):
        return 80
    best, best_lag = -1.0, 80
    tail = seg[-160:]
    for lag in range(20, 121):
        prev = seg[-160 - lag: len(seg) - lag]
        denom = np.sqrt(np.dot(prev, prev) * np.dot(tail, tail)) + 1e-12
        score = float(np.dot(prev, tail) / denom)
        if score > best:
            best, best_lag = score, lag
    return best_lag


def decode_with_concealment(frames: list[np.ndarray | None]) -> np.ndarray:
    """Frames in playout order (None = lost or discarded) -> 8 kHz signal with concealment."""
    out: list[np.ndarray] = []
    history = np.zeros(400)
    erased = 0           # samples concealed in the current erasure
    period_buf = np.zeros(80)
    pos = 0
    for frame in frames:
        if frame is None:
            if erased == 0:
                lag = _pitch(history)
                period_buf = history[-lag:].copy()
                pos = 0
            synth = np.empty(FRAME)
            for i in range(FRAME):
                synth[i] = period_buf[pos % len(period_buf)]
                pos += 1
            gain = np.ones(FRAME)
            t0 = erased
            for i in range(FRAME):
                t_ms = (t0 + i) / 8.0
                gain[i] = 1.0 if t_ms < 10 else max(0.0, 1.0 - 0.2 * (t_ms - 10) / 10)
            synth *= gain
            erased += FRAME
            out.append(synth)
        else:
            frame = frame.copy()
            if erased:
                # continue the synthetic signal 4 ms into the good frame and cross-fade
                fade = 32
                cont = np.array([period_buf[(pos + i) % len(period_buf)] for i in range(fade)])
                t_ms = erased / 8.0
                g = 1.0 if t_ms < 10 else max(0.0, 1.0 - 0.2 * (t_ms - 10) / 10)
                ramp = np.linspace(0, 1, fade)
                frame[:fade] = ramp * frame[:fade] + (1 - ramp) * cont * g
            erased = 0
            out.append(frame)
        history = np.concatenate([history, out[-1]])[-400:]
    return np.concatenate(out) if out else np.zeros(0)


def pesq_score(reference: np.ndarray, degraded: np.ndarray) -> float:
    from pesq import pesq

    n = min(len(reference), len(degraded))
    return float(pesq(FS, reference[:n].astype(np.float32), degraded[:n].astype(np.float32), "nb"))


# ------------------------------------------------------------------------------------ the path

SENDER = r"""
import json, socket, struct, sys, time
dst, port, payload_file, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
payload = open(payload_file, "rb").read()
frames = [payload[i:i + 160] for i in range(0, len(payload), 160)]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 46 << 2)
start = time.perf_counter() + 0.05
sent = []
for seq, frame in enumerate(frames):
    deadline = start + seq * 0.020
    while True:
        wait = deadline - time.perf_counter()
        if wait <= 0:
            break
        time.sleep(wait)
    header = struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, (seq * 160) & 0xFFFFFFFF, 0x0F1E1D)
    sent.append(time.time())
    s.sendto(header + frame, (dst, port))
json.dump(sent, open(out, "w"))
"""

RECEIVER = r"""
import json, select, socket, struct, sys, time
bind, port, seconds, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.bind((bind, port))
print("ready", flush=True)
got = []
end = time.time() + seconds
while time.time() < end:
    r, _, _ = select.select([s], [], [], 0.05)
    if not r:
        continue
    data = s.recv(2048)
    got.append([time.time(), struct.unpack("!H", data[2:4])[0], data[12:].hex()])
json.dump(got, open(out, "w"))
"""


@dataclass
class Cell:
    jitter_ms: float
    loss: str                      # "none", "random3", "burst5"
    fk_mos: float | None = None
    fk_mos_window: float | None = None
    fk_late_pct: float | None = None
    fk_effective_pct: float | None = None
    fk_jitter_ms: float | None = None
    fk_status: str = ""
    rtp_loss_pct: float | None = None
    rtp_late_pct: float | None = None
    pesq: float | None = None


LOSS_RULES = {
    "none": "",
    # 3 % random (each packet independently)
    "random3": "numgen random mod 100 < 3 counter drop",
    # 3 % in runs of 5 consecutive packets (5 of every 167)
    "burst5": "numgen inc mod 167 < 5 counter drop",
}


def impair(lab: "voiplab.Lab", jitter_ms: float, loss: str, seconds: float, log: Path) -> "subprocess.Popen | None":
    rule = LOSS_RULES[loss]
    if rule:
        lab.nft(lab.router, f"""table inet fkvpesq {{
  chain forward_f {{
    type filter hook forward priority 0; policy accept;
    ip daddr {voiplab.SERVER_IP} udp dport 862 {rule}
    ip daddr {voiplab.SERVER_IP} udp dport {RTP_PORT} {rule}
  }}
}}""")
    if jitter_ms <= 0:
        return None
    for port in (862, RTP_PORT):
        lab.run(lab.router, ["iptables", "-A", "FORWARD", "-p", "udp", "--dport", str(port), "-d", voiplab.SERVER_IP,
                             "-j", "NFQUEUE", "--queue-num", "9"])
    proc = lab.start(lab.router, [sys.executable, str(voiplab.NFQ_DELAY), "9", "0", str(jitter_ms), str(seconds),
                                  str(log), "5", "uniform"])
    if proc.stdout.readline().strip() != "ready":
        raise RuntimeError("the NFQUEUE delayer did not start")
    return proc


def clear(lab: "voiplab.Lab", delayer: "subprocess.Popen | None", jitter_ms: float) -> None:
    if delayer is not None:
        lab.stop(delayer)
    if jitter_ms > 0:
        for port in (862, RTP_PORT):
            lab.run(lab.router, ["iptables", "-D", "FORWARD", "-p", "udp", "--dport", str(port), "-d",
                                 voiplab.SERVER_IP, "-j", "NFQUEUE", "--queue-num", "9"], check=False)
    lab.run(lab.router, ["nft", "delete", "table", "inet", "fkvpesq"], check=False)


def fieldkit_only(lab: "voiplab.Lab", jitter_ms: float, loss: str, seconds: float, *extra: str) -> dict:
    """Run just fieldkit's check over the impaired path; the call-quality finding's JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        delayer = impair(lab, jitter_ms, loss, seconds + 20, Path(tmp) / "delays.log")
        try:
            rc, result = lab.fieldkit_check("--reflector", voiplab.SERVER_IP, "--duration", f"{seconds:g}",
                                            "--alg-test", "off", "--timeout", str(int(seconds + 40)), *extra,
                                            timeout=seconds + 60)
        finally:
            clear(lab, delayer, jitter_ms)
    return next(f for f in result["findings"] if f["subject"].startswith("call quality"))


def run_cell(lab: "voiplab.Lab", cell: Cell, reference: np.ndarray, *, buffer: str = "adaptive",
             fixed_ms: float = 60.0, plc_reach: bool = True) -> Cell:
    """fieldkit's check and the speech stream over the same impaired path at the same time."""
    from fieldkit.voip import playout

    seconds = len(reference) / FS
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        payload = tmpdir / "speech.ulaw"
        payload.write_bytes(ulaw_encode(reference).tobytes())
        delayer = impair(lab, cell.jitter_ms, cell.loss, seconds + 30, tmpdir / "delays.log")
        try:
            receiver = lab.start(lab.server, [sys.executable, "-c", RECEIVER, voiplab.SERVER_IP, str(RTP_PORT),
                                              str(seconds + 4), str(tmpdir / "rx.json")])
            if receiver.stdout.readline().strip() != "ready":
                raise RuntimeError("the RTP receiver did not start")
            fk = subprocess.Popen(["ip", "netns", "exec", lab.client, sys.executable, "-m", "fieldkit", "check", "voip",
                                   "--json", "--reflector", voiplab.SERVER_IP, "--duration", f"{seconds:g}",
                                   "--alg-test", "off", "--jitter-buffer", buffer,
                                   "--jitter-buffer-ms", f"{fixed_ms:g}",
                                   "--plc-reach" if plc_reach else "--no-plc-reach",
                                   "--timeout", str(int(seconds + 40))], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
            lab.run(lab.client, [sys.executable, "-c", SENDER, voiplab.SERVER_IP, str(RTP_PORT), str(payload),
                                 str(tmpdir / "tx.json")], timeout=seconds + 30)
            out, err = fk.communicate(timeout=seconds + 60)
            receiver.wait(seconds + 20)
            sent = json.loads((tmpdir / "tx.json").read_text())
            got = json.loads((tmpdir / "rx.json").read_text())
        finally:
            clear(lab, delayer, cell.jitter_ms)
    try:
        result = json.loads(out)
    except json.JSONDecodeError:
        raise RuntimeError(f"fieldkit gave no JSON: {err[-1500:]}") from None
    stream = next(f for f in result["findings"] if f["subject"].startswith("call quality"))
    metrics = {m["name"]: m["value"] for m in stream["metrics"]}
    cell.fk_mos, cell.fk_mos_window = metrics["mos"], metrics["mos_min_window"]
    cell.fk_late_pct, cell.fk_effective_pct = metrics["late_loss_pct"], metrics["effective_loss_pct"]
    cell.fk_jitter_ms, cell.fk_status = metrics["jitter_ms"], stream["status"]
    # the receiver: first copy of each sequence number, one-way delay from the shared clock
    n = len(sent)
    arrival: dict[int, tuple[float, bytes]] = {}
    for stamp, seq, hexdata in got:
        if seq < n and seq not in arrival:
            arrival[seq] = (stamp, bytes.fromhex(hexdata))
    transits = [((arrival[i][0] - sent[i]) * 1000.0) if i in arrival else None for i in range(n)]
    lost = [i not in arrival for i in range(n)]
    po = playout.emulate(transits, lost, model=buffer, fixed_ms=fixed_ms)
    frames = [None if po.effective_lost[i] else ulaw_decode(np.frombuffer(arrival[i][1], dtype=np.uint8))
              for i in range(n)]
    degraded = decode_with_concealment(frames)
    cell.rtp_loss_pct, cell.rtp_late_pct = po.network_loss_pct, po.late_loss_pct
    cell.pesq = pesq_score(reference, degraded)
    return cell


def offline_pesq(reference: np.ndarray, lost: list[bool]) -> float:
    """PESQ of the G.711 speech with the given frames concealed (no network)."""
    codes = ulaw_encode(reference)
    frames = [None if lost[i] else ulaw_decode(codes[i * FRAME:(i + 1) * FRAME]) for i in range(len(lost))]
    return pesq_score(reference, decode_with_concealment(frames))

