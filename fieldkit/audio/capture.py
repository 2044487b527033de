"""Microphone capture with sounddevice (PortAudio), with every fault turned into a reason.

Rules:

* ``import sounddevice`` raises ``OSError('PortAudio library not found')`` on Linux without
  libportaudio2, so it is imported here, lazily, and the error becomes a reason.
* No device (no sound card, sound server down): the device list is empty and every query
  raises ``PortAudioError('Error querying device -1')``.
* The stream callback only copies the block into a queue (no allocation beyond the copy,
  no I/O, no locks): a slow callback is what makes PortAudio drop input.
* Lost audio is a fake click for an impulse detector, so input overflows, blocks missing
  against the wall clock and a stream that stops delivering (a USB microphone pulled out,
  the sound server gone) make the recording unusable instead of being analysed.
* ALSA -> PulseAudio delivers its first block about 1.2 s after the stream starts: the
  recording time starts with the first block, not with the stream.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

FIRST_BLOCK_TIMEOUT_S = 5.0   # ALSA->pulse needs ~1.2 s; a dead device never delivers
STALL_TIMEOUT_S = 2.0         # no block for this long while recording: the device is gone
PREFERRED_RATES = (48000, 44100)


class CaptureError(Exception):
    """A capture fault; ``rule`` is the finding's rule id, the message the reason (English, for the technician),
    ``params`` the values the check's customer sentence for that rule names (``device``, ``seconds``)."""

    def __init__(self, rule: str, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.rule = rule
        self.reason = reason
        self.params = params


@dataclass
class Recording:
    samples: Any
    samplerate: int
    device: str
    hostapi: str
    blocks: int
    overflows: int
    first_block_delay_s: float
    wall_time_s: float
    started_monotonic: float = 0.0   # time.monotonic() of the first sample (first block's arrival less its
                                     # length: within a block's latency, ~0.1 s)
    notes: list[str] = field(default_factory=list)


def import_sounddevice() -> Any:
    try:
        import sounddevice
    except OSError as exc:
        raise CaptureError("audio-no-portaudio",
                           f"the PortAudio sound library is missing ({exc}); install it "
                           "(Debian/Ubuntu: apt-get install libportaudio2)") from None
    except Exception as exc:  # noqa: BLE001 - PortAudioError from Pa_Initialize at import
        raise CaptureError("audio-init", f"the sound system could not be initialised: {_text(exc)}") from None
    return sounddevice


def _text(exc: BaseException) -> str:
    """PortAudioError.args = (message, PaErrorCode, (hostapi, host code, host text))."""
    args = getattr(exc, "args", ())
    if args and isinstance(args[0], str):
        text = args[0]
        if len(args) > 1 and isinstance(args[1], int):
            text += f" [PaErrorCode {args[1]}]"
        return text
    return str(exc) or exc.__class__.__name__


def input_devices(sd: Any) -> list[dict[str, Any]]:
    """Input-capable devices with their host API name and whether they are the default."""
    try:
        devices = sd.query_devices()
        apis = sd.query_hostapis()
    except Exception as exc:  # noqa: BLE001 - PortAudioError
        raise CaptureError("audio-no-device", f"cannot list audio devices: {_text(exc)}") from None
    default_in = sd.default.device[0] if sd.default.device is not None else -1
    out = []
    for dev in devices:
        if dev.get("max_input_channels", 0) <= 0:
            continue
        out.append({"index": dev["index"], "name": dev["name"], "hostapi": apis[dev["hostapi"]]["name"],
                    "channels": dev["max_input_channels"], "default_samplerate": dev["default_samplerate"],
                    "default": dev["index"] == default_in})
    return out


def resolve_device(sd: Any, device: str | None) -> dict[str, Any]:
    """The input device to use: the system default, an index or a (partial) name."""
    wanted: Any = None if device in (None, "") else (int(device) if str(device).strip().isdigit() else device)
    try:
        info = sd.query_devices(wanted, "input")
    except ValueError as exc:   # "No input device matching ...", "Not an input device", "Multiple ..."
        names = ", ".join(f"{d['index']} {d['name']}" for d in _safe_inputs(sd))
        raise CaptureError("audio-device-not-found", f"{exc} (input devices: {names or 'none'})", device=str(device),
                           **({"inputs": names} if names else {})) from None
    except Exception as exc:  # noqa: BLE001 - PortAudioError('Error querying device -1')
        if wanted is None:
            raise CaptureError("audio-no-device",
                               "no audio input device found: no microphone is connected, or the sound "
                               f"server is not running ({_text(exc)})") from None
        raise CaptureError("audio-device-not-found", f"input device {device!r} not usable: {_text(exc)}",
                           device=str(device)) from None
    return dict(info)


def _safe_inputs(sd: Any) -> list[dict[str, Any]]:
    try:
        return input_devices(sd)
    except CaptureError:
        return []


def negotiate_samplerate(sd: Any, device: dict[str, Any], wanted: int | None) -> int:
    """The rate to record at: the requested one, else 48 k, 44.1 k or the device default."""
    index = device["index"]
    if wanted:
        candidates = [int(wanted)]
    else:
        candidates = list(PREFERRED_RATES) + [int(device.get("default_samplerate") or 0)]
    errors = []
    for rate in dict.fromkeys(r for r in candidates if r >= 8000):
        try:
            sd.check_input_settings(device=index, channels=1, dtype="float32", samplerate=rate)
            return rate
        except Exception as exc:  # noqa: BLE001 - PortAudioError / ValueError
            errors.append(f"{rate} Hz: {_text(exc)}")
    raise CaptureError("audio-samplerate", f"the input device {device['name']!r} accepts none of the sample "
                                           f"rates tried ({'; '.join(errors) or 'none'})", device=device["name"])


def _next_block(blocks: "queue.Queue[tuple[Any, bool]]") -> tuple[Any, bool]:
    """The next block, or queue.Empty when none came for STALL_TIMEOUT_S.

    A second short wait follows a timeout: if fieldkit itself was frozen (suspended, swapping),
    the timeout expires the moment it wakes up although the device is fine; the blocks that
    arrive then prove it, and the gap is caught as dropped audio instead of a lost device.
    """
    try:
        return blocks.get(timeout=STALL_TIMEOUT_S)
    except queue.Empty:
        return blocks.get(timeout=0.5)


def record(sd: Any, device: dict[str, Any], samplerate: int, duration_s: float,
           checkpoint: Callable[[], None] = lambda: None,
           progress: Callable[[str], None] = lambda text: None) -> Recording:
    """Record ``duration_s`` of mono float32 audio; raise :class:`CaptureError` on any fault."""
    import numpy as np

    blocks: "queue.Queue[tuple[Any, bool]]" = queue.Queue()
    first = threading.Event()
    finished = threading.Event()

    def callback(indata: Any, frames: int, time_info: Any, status: Any) -> None:
        blocks.put((indata[:, 0].copy(), bool(status.input_overflow)))
        first.set()

    try:
        stream = sd.InputStream(device=device["index"], channels=1, samplerate=samplerate, dtype="float32",
                                latency="high", callback=callback, finished_callback=finished.set)
    except Exception as exc:  # noqa: BLE001 - PortAudioError: device busy, unavailable, bad settings
        raise CaptureError("audio-device-error", f"cannot open the input device {device['name']!r}: {_text(exc)}",
                           device=device["name"]) from None

    need = int(round(duration_s * samplerate))
    chunks, got, overflows, count = [], 0, 0, 0
    started = time.monotonic()
    try:
        with stream:
            while not first.wait(0.1):
                checkpoint()
                if time.monotonic() - started > FIRST_BLOCK_TIMEOUT_S:
                    raise CaptureError("audio-no-data", f"the input device {device['name']!r} delivered no "
                                                        f"audio within {FIRST_BLOCK_TIMEOUT_S:g} s", device=device["name"])
            first_at = time.monotonic()
            last_report = first_at
            while got < need:
                checkpoint()
                try:
                    block, overflow = _next_block(blocks)
                except queue.Empty:
                    raise CaptureError("audio-device-lost",
                                       f"the input device {device['name']!r} stopped delivering audio after "
                                       f"{got / samplerate:.1f} s of {duration_s:g} s (unplugged, or the sound "
                                       "server stopped); nothing was analysed", device=device["name"]) from None
                count += 1
                overflows += overflow
                chunks.append(block)
                got += block.size
                now = time.monotonic()
                if now - last_report >= 1.0:
                    progress(f"recording {got / samplerate:.0f}/{duration_s:g} s")
                    last_report = now
            wall = time.monotonic() - first_at
    except CaptureError:
        raise
    except Exception as exc:  # noqa: BLE001 - PortAudioError raised while starting/stopping the stream
        raise CaptureError("audio-device-error", f"the input device {device['name']!r} failed while "
                                                 f"recording: {_text(exc)}", device=device["name"]) from None
    if overflows:
        raise CaptureError("audio-overflow", f"{overflows} input overflow(s) in {count} blocks: audio was lost "
                                             "while recording (machine too busy?); lost audio looks like clicks, "
                                             "so the recording was not analysed; close heavy programs and retry")
    samples = np.concatenate(chunks)[:need]
    # Blocks the host dropped without flagging an overflow show up against the wall clock:
    # the time from the first block to the last must be covered by the audio received.
    first_block = chunks[0].size
    expected = wall * samplerate + first_block
    missing_s = (expected - got) / samplerate
    if missing_s > 0.3 + 0.02 * duration_s:
        raise CaptureError("audio-dropped", f"about {missing_s:.1f} s of audio went missing during the "
                                            f"{wall:.1f} s recording (dropped blocks); lost audio looks like "
                                            "clicks, so the recording was not analysed", seconds=missing_s)
    hostapi = ""
    try:
        hostapi = sd.query_hostapis(device["hostapi"])["name"]
    except Exception:  # noqa: BLE001 - cosmetic only
        pass
    return Recording(samples=samples, samplerate=samplerate, device=device["name"], hostapi=hostapi, blocks=count,
                     overflows=overflows, first_block_delay_s=first_at - started, wall_time_s=wall,
                     started_monotonic=first_at - first_block / samplerate)
