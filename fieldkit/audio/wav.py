"""WAV input/output for the acoustic check (a phone recording in, the evidence recording out)."""

from __future__ import annotations

import os
import struct
import wave
from pathlib import Path
from typing import Any

from fieldkit.files import atomic_output


class WavError(Exception):
    """A WAV file that cannot be used; the message names the file and what is wrong."""


def read_wav(path: str | os.PathLike[str]) -> tuple[Any, int, str]:
    """Read a WAV file as mono float32 in [-1, 1]; return (samples, sample rate, description).

    scipy's reader handles PCM 8/16/24/32-bit, 32/64-bit float and WAVE_FORMAT_EXTENSIBLE;
    several channels are averaged to mono (a phone records stereo).
    """
    import numpy as np
    from scipy.io import wavfile

    name = str(path)
    try:
        with open(name, "rb") as handle:
            head = handle.read(12)
    except IsADirectoryError:
        raise WavError(f"{name}: is a folder, not a WAV file") from None
    except OSError as exc:
        raise WavError(f"{name}: cannot read the file: {exc.strerror or exc}") from None
    if head[:4] not in (b"RIFF", b"RIFX", b"RF64") or head[8:12] != b"WAVE":
        raise WavError(f"{name}: not a WAV file (no RIFF/WAVE header); convert it to WAV first, "
                       "e.g. 'sox recording.m4a recording.wav'")
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unknown chunks (LIST, bext) are normal in phone recordings
            rate, data = wavfile.read(name, mmap=False)
    except (ValueError, EOFError, OSError, TypeError, struct.error) as exc:  # struct.error: truncated header
        raise WavError(f"{name}: unreadable or unsupported WAV file: {exc}") from None
    if data.size == 0:
        raise WavError(f"{name}: the WAV file holds no audio")
    kind = data.dtype
    if kind == np.uint8:
        samples = (data.astype(np.float32) - 128.0) / 128.0
    elif np.issubdtype(kind, np.integer):
        samples = data.astype(np.float32) / float(2 ** (8 * kind.itemsize - 1))
    elif np.issubdtype(kind, np.floating):
        samples = data.astype(np.float32)
    else:
        raise WavError(f"{name}: unsupported sample format {kind}")
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    if samples.ndim > 1:
        samples = samples.mean(axis=1, dtype=np.float32)
    description = f"{Path(name).name}: {rate} Hz, {channels} channel(s), {kind}, {samples.size / rate:.2f} s"
    return samples, int(rate), description


def check_writable(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot receive a WAV file (English, for the technician), or None. Checked *before*
    recording; :func:`unwritable_code` says the same in a word."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    code = unwritable_code(target)
    if code == "folder":
        return f"{target}: is a folder; give a file name such as {target / 'disk-sounds.wav'}"
    if code == "no-folder":
        return f"{target}: the folder {folder} does not exist"
    if code == "read-only":
        return f"{target}: the folder {folder} is not writable"
    return None


def unwritable_code(target: Path) -> str | None:
    """``folder`` (the path is a folder), ``no-folder`` (its folder is missing), ``read-only`` or None."""
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        return "folder"
    if not folder.is_dir():
        return "no-folder"
    if not os.access(folder, os.W_OK):
        return "read-only"
    return None


def write_wav(path: str | os.PathLike[str], samples: Any, samplerate: int) -> None:
    """Write mono 16-bit PCM (plays everywhere), atomically: a crash never leaves half a file."""
    import numpy as np

    target = Path(path)
    pcm = (np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0) * 32767.0).round().astype("<i2")
    with atomic_output(target, binary=True) as raw, wave.open(raw, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(int(samplerate))
        out.writeframes(pcm.tobytes())
