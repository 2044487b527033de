"""Encode test audio into the formats phones and recorders produce, with PyAV (tests and bench)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: name -> (container format, codec, sample rate, bit rate in bit/s or None, file suffix)
FORMATS: dict[str, tuple[str, str, int, int | None, str]] = {
    "wav": ("wav", "pcm_s16le", 48000, None, ".wav"),
    "flac": ("flac", "flac", 44100, None, ".flac"),
    "opus": ("ogg", "libopus", 48000, 24000, ".opus"),
    "mp3": ("mp3", "libmp3lame", 44100, 96000, ".mp3"),
    "m4a": ("ipod", "aac", 44100, 64000, ".m4a"),
    "amr": ("3gp", "libopencore_amrnb", 8000, 12200, ".3gp"),
}


def encode(path: Path, samples: Any, samplerate: int, container: str, codec: str, rate: int,
           bitrate: int | None = None, channels: int = 1) -> Path:
    """Write mono float samples (full scale +-1) through ``codec`` at ``rate`` Hz, resampling
    with FFmpeg's resampler as a phone's encoder would; ``channels`` 2 duplicates the signal."""
    import av
    import numpy as np

    x = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0)
    layout = "stereo" if channels == 2 else "mono"
    with av.open(str(path), mode="w", format=container) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.layout = layout
        if bitrate:
            stream.bit_rate = bitrate
        fmt = stream.codec_context.codec.audio_formats[0].name
        resampler = av.AudioResampler(format=fmt, layout=layout, rate=rate)
        block = 48000   # PyAV re-frames to the codec's frame size itself
        for start in range(0, x.size, block):
            chunk = x[start:start + block]
            planes = np.tile(chunk, (channels, 1)) if channels == 2 else chunk[None, :]
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(planes), format="fltp", layout=layout)
            frame.sample_rate = samplerate
            for f in resampler.resample(frame):
                for packet in stream.encode(f):
                    out.mux(packet)
        for f in resampler.resample(None):
            for packet in stream.encode(f):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def encode_as(path_stem: Path, samples: Any, samplerate: int, name: str, channels: int = 1) -> Path:
    container, codec, rate, bitrate, suffix = FORMATS[name]
    return encode(path_stem.with_suffix(suffix), samples, samplerate, container, codec, rate, bitrate, channels)
