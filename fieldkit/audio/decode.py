"""Audio files in any common format, decoded with PyAV (FFmpeg's libraries, shipped in its wheels).

What customers and technicians send: WAV, FLAC, Ogg/Opus, MP3, M4A/AAC (phone voice memos),
3GP/AMR. Every file is decoded to mono float32 at its own sample rate, in blocks, so a
recording of any length is read in bounded memory. While decoding, the spectrum is measured
to tell the *bandwidth that reached the detector*: a lossy codec cuts everything above its
low-pass (MP3 at 96 kbit/s near 15 kHz, narrow-band AMR at 3.4-4 kHz), and a click's energy
sits at 1-8 kHz.

``av`` is imported only when a file is opened (``fieldkit --help`` stays fast); without it a
WAV file is still read by the plain WAV reader, whole.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

#: the spectrum's reference band (Hz): where every microphone and every codec keeps energy
REF_BAND_HZ = (400.0, 2000.0)
#: the bandwidth is the highest frequency whose power is within this many dB of the reference
#: band's median: a codec's low-pass leaves 80 dB and more below it (AAC and MP3 write zeros), a
#: microphone's own roll-off and room noise stay well within
BANDWIDTH_DROP_DB = 60.0
#: segment length of the spectrum measurement (samples) and how many per decoded block
_SEG = 4096
_SEGS_PER_BLOCK = 24

_LOSSLESS = {"pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le", "pcm_f64le", "pcm_u8", "pcm_s16be", "pcm_s24be",
             "pcm_s32be", "pcm_f32be", "pcm_alaw", "pcm_mulaw", "flac", "alac", "wavpack", "ape", "tta"}


class DecodeError(Exception):
    """A file that cannot be decoded; the message names the file and what is wrong (English, for the
    technician). ``code`` says what is wrong in a word the check turns into the customer's sentence:
    ``folder``, ``unreadable``, ``not-audio``, ``no-audio``, ``decoding-failed``."""

    def __init__(self, message: str, code: str = "not-audio", path: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.path = path


@dataclass
class AudioInfo:
    """What the file says about itself, and what decoding it measured."""

    path: str
    container: str                  # FFmpeg's demuxer name ("wav", "mov,mp4,m4a,3gp,3g2,mj2", "ogg")
    codec: str                      # "aac", "opus", "mp3", "amrnb", "pcm_s16le", "flac"
    codec_long: str
    samplerate: int                 # of the decoded audio (the file's own rate)
    channels: int
    bitrate_bps: int | None         # the stream's nominal rate, else file size over duration
    duration_s: float | None        # from the container (None when it does not say)
    lossy: bool
    decoded_s: float = 0.0          # audio actually decoded so far
    bandwidth_hz: float | None = None   # measured while decoding (see BANDWIDTH_DROP_DB)
    _psd: Any = field(default=None, repr=False)
    _segments: int = field(default=0, repr=False)

    def describe(self) -> str:
        rate = f"{self.bitrate_bps / 1000:.0f} kbit/s" if self.bitrate_bps else "bit rate unknown"
        bw = f", {self.bandwidth_hz / 1000:.1f} kHz bandwidth" if self.bandwidth_hz is not None else ""
        length = self.decoded_s or self.duration_s or 0.0
        return (f"{Path(self.path).name}: {self.codec} ({'lossy' if self.lossy else 'lossless'}, {rate}) in "
                f"{self.container.split(',')[0]}, {self.samplerate} Hz, {self.channels} channel(s), "
                f"{length:.2f} s{bw}")

    # ------------------------------------------------------------------ bandwidth
    def measure(self, block: Any) -> None:
        """Add a decoded mono block to the spectrum estimate (a few Hann segments spread over it)."""
        import numpy as np

        n = block.size
        if n < _SEG:
            return
        starts = np.linspace(0, n - _SEG, min(_SEGS_PER_BLOCK, max(1, n // _SEG))).astype(int)
        window = np.hanning(_SEG).astype(np.float32)
        frames = np.stack([block[s:s + _SEG] for s in starts]) * window
        power = (np.abs(np.fft.rfft(frames, axis=1)) ** 2).sum(axis=0)
        self._psd = power if self._psd is None else self._psd + power
        self._segments += len(starts)
        self.bandwidth_hz = bandwidth(self._psd, self.samplerate)


def bandwidth(psd: Any, samplerate: int) -> float | None:
    """Highest frequency whose power is within BANDWIDTH_DROP_DB of the reference band's median;
    None when the reference band holds no energy at all (silence)."""
    import numpy as np

    freqs = np.fft.rfftfreq(2 * (psd.size - 1), 1.0 / samplerate)
    ref_band = (freqs >= REF_BAND_HZ[0]) & (freqs <= min(REF_BAND_HZ[1], samplerate / 2))
    if not ref_band.any():
        return None
    ref = float(np.median(psd[ref_band]))
    if ref <= 0.0:
        return None
    above = np.nonzero(psd >= ref * 10 ** (-BANDWIDTH_DROP_DB / 10))[0]
    return float(freqs[above[-1]]) if above.size else None


# ---------------------------------------------------------------------- opening files

def _import_av() -> Any | None:
    try:
        import av
    except ImportError:
        return None
    return av


def _check_readable(name: str) -> None:
    if os.path.isdir(name):
        raise DecodeError(f"{name}: is a folder, not an audio file", "folder", name)
    try:
        with open(name, "rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise DecodeError(f"{name}: cannot read the file: {exc.strerror or exc}", "unreadable", name) from None


def probe(path: str | os.PathLike[str]) -> AudioInfo:
    """Open the file and describe its audio stream, without decoding it."""
    name = str(path)
    _check_readable(name)
    av = _import_av()
    if av is None:
        return _wav_info(name)
    with _open(av, name) as container:
        return _info(name, container, container.streams.audio[0])


def _open(av: Any, name: str) -> Any:
    try:
        container = av.open(name, mode="r")
    except (av.error.FFmpegError, OSError, UnicodeDecodeError, ValueError) as exc:
        raise DecodeError(f"{name}: not an audio file fieldkit can read ({_reason(exc)}); WAV, FLAC, Ogg/Opus, "
                          "MP3, M4A/AAC and 3GP/AMR are supported", "not-audio", name) from None
    if not container.streams.audio:
        container.close()
        raise DecodeError(f"{name}: the file holds no audio stream", "no-audio", name)
    return container


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "strerror", None) or exc).strip() or type(exc).__name__


def _info(name: str, container: Any, stream: Any) -> AudioInfo:
    ctx = stream.codec_context
    duration = None
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration = container.duration / 1_000_000   # AV_TIME_BASE
    bitrate = int(ctx.bit_rate or stream.bit_rate or 0) or None
    if bitrate is None and duration:
        bitrate = int(8 * os.path.getsize(name) / duration)
    codec = ctx.codec.name
    return AudioInfo(path=name, container=container.format.name, codec=codec,
                     codec_long=ctx.codec.long_name or codec, samplerate=int(ctx.sample_rate or stream.rate),
                     channels=int(ctx.channels or len(ctx.layout.channels)), bitrate_bps=bitrate,
                     duration_s=duration, lossy=codec not in _LOSSLESS)


def blocks(path: str | os.PathLike[str], block_s: float = 10.0) -> tuple[AudioInfo, Iterator[Any]]:
    """(info, iterator of mono float32 blocks of about ``block_s`` seconds at info.samplerate).

    The info's ``decoded_s`` and ``bandwidth_hz`` grow as the iterator is consumed. A decoding
    error in the middle of a file raises :class:`DecodeError` saying how far it got.
    :func:`read_all` gives the whole file at once.
    """
    name = str(path)
    _check_readable(name)
    av = _import_av()
    if av is None:
        return _wav_blocks(name)
    container = _open(av, name)
    stream = container.streams.audio[0]
    info = _info(name, container, stream)
    return info, _decode(av, container, stream, info, block_s)


def _decode(av: Any, container: Any, stream: Any, info: AudioInfo, block_s: float) -> Iterator[Any]:
    import numpy as np

    target = max(_SEG, int(block_s * info.samplerate))
    # planar float at the file's own rate and layout: every sample format (s16, s32p, flt) becomes
    # float in [-1, 1]; channels are averaged here, as the WAV reader does (swresample's own
    # downmix would scale stereo by 1/sqrt(2) and could read as clipping)
    resampler = av.AudioResampler(format="fltp")
    pending: list[Any] = []
    held = 0

    def frames() -> Iterator[Any]:
        try:
            for packet in container.demux(stream):
                for frame in packet.decode():
                    yield from resampler.resample(frame)
            yield from resampler.resample(None)
        except av.error.EOFError:
            return
        except (av.error.FFmpegError, ValueError) as exc:
            raise DecodeError(f"{info.path}: decoding failed after {info.decoded_s:.1f} s: {_reason(exc)}",
                              "decoding-failed", info.path) from None

    try:
        for frame in frames():
            planes = frame.to_ndarray()
            mono = planes[0] if planes.shape[0] == 1 else planes.mean(axis=0, dtype=np.float32)
            pending.append(np.asarray(mono, dtype=np.float32))
            held += mono.size
            if held >= target:
                block = np.concatenate(pending)
                pending, held = [], 0
                info.decoded_s += block.size / info.samplerate
                info.measure(block)
                yield block
        if pending:
            block = np.concatenate(pending)
            info.decoded_s += block.size / info.samplerate
            info.measure(block)
            yield block
    finally:
        container.close()


def read_all(path: str | os.PathLike[str], max_s: float | None = None) -> tuple[Any, int, AudioInfo]:
    """The whole file (or its first ``max_s`` seconds) as one mono float32 array:
    (samples, sample rate, info)."""
    import numpy as np

    info, it = blocks(path)
    parts, held = [], 0
    for part in it:
        parts.append(part)
        held += part.size
        if max_s is not None and held >= max_s * info.samplerate:
            it.close()
            break
    if not parts or sum(p.size for p in parts) == 0:
        raise DecodeError(f"{info.path}: the file holds no audio", "no-audio", info.path)
    return np.concatenate(parts), info.samplerate, info


# ---------------------------------------------------------------------- without PyAV

def _wav_info(name: str) -> AudioInfo:
    import wave

    from fieldkit.audio.wav import WavError, read_wav

    try:
        with wave.open(name, "rb") as w:
            rate, channels, width, frames = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
    except (wave.Error, EOFError, OSError):
        try:   # float or extensible WAV: the scipy reader knows them
            samples, rate, _ = read_wav(name)
        except WavError as exc:
            raise DecodeError(f"{exc} (other formats need the 'av' package: pip install av)", "not-audio",
                              name) from None
        return AudioInfo(path=name, container="wav", codec="pcm", codec_long="PCM", samplerate=rate, channels=1,
                         bitrate_bps=None, duration_s=samples.size / rate, lossy=False)
    return AudioInfo(path=name, container="wav", codec=f"pcm_s{8 * width}le", codec_long="PCM",
                     samplerate=rate, channels=channels, bitrate_bps=rate * channels * 8 * width,
                     duration_s=frames / rate if rate else None, lossy=False)


def _wav_blocks(name: str) -> tuple[AudioInfo, Iterator[Any]]:
    from fieldkit.audio.wav import WavError, read_wav

    info = _wav_info(name)
    try:
        samples, rate, _ = read_wav(name)
    except WavError as exc:
        raise DecodeError(f"{exc} (other formats need the 'av' package: pip install av)", "not-audio",
                          name) from None

    def one() -> Iterator[Any]:
        info.decoded_s = samples.size / rate
        info.measure(samples)
        yield samples

    return info, one()
