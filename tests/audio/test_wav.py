"""WAV input/output (fieldkit/audio/wav.py): formats a phone or a recorder produces, and bad files."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from fieldkit.audio.wav import WavError, check_writable, read_wav, write_wav


def test_roundtrip_16_bit(tmp_path) -> None:
    x = (0.5 * np.sin(2 * np.pi * 440 * np.arange(8000) / 8000)).astype(np.float32)
    path = tmp_path / "a.wav"
    write_wav(path, x, 8000)
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (1, 2, 8000, 8000)
    y, rate, description = read_wav(path)
    assert rate == 8000 and y.dtype == np.float32
    assert np.max(np.abs(y - x)) < 1e-4
    assert "8000 Hz" in description and "1.00 s" in description
    assert not list(tmp_path.glob(".*.tmp"))   # the temporary file was renamed, not left behind


@pytest.mark.parametrize("subtype,tolerance", [("PCM_24", 1e-6), ("FLOAT", 1e-7), ("PCM_U8", 1e-2), ("PCM_32", 1e-6)])
def test_reads_other_formats_and_downmixes_stereo(tmp_path, subtype: str, tolerance: float) -> None:
    sf = pytest.importorskip("soundfile")
    t = np.arange(44100) / 44100
    left = 0.4 * np.sin(2 * np.pi * 300 * t)
    stereo = np.stack([left, left], axis=1)
    path = tmp_path / f"{subtype}.wav"
    sf.write(path, stereo, 44100, subtype=subtype)
    y, rate, description = read_wav(path)
    assert rate == 44100 and y.ndim == 1 and y.size == 44100
    assert np.max(np.abs(y - left)) < tolerance
    assert "2 channel(s)" in description


def test_not_a_wav_file(tmp_path) -> None:
    path = tmp_path / "voice.wav"
    path.write_bytes(b"ID3\x03\x00 this is an mp3 really" * 10)
    with pytest.raises(WavError, match="not a WAV file"):
        read_wav(path)


def test_truncated_wav(tmp_path) -> None:
    path = tmp_path / "cut.wav"
    write_wav(path, np.zeros(1000, dtype=np.float32) + 0.1, 8000)
    path.write_bytes(path.read_bytes()[:30])
    with pytest.raises(WavError, match="cut.wav"):
        read_wav(path)


def test_missing_file_and_folder(tmp_path) -> None:
    with pytest.raises(WavError, match="cannot read"):
        read_wav(tmp_path / "nope.wav")
    with pytest.raises(WavError, match="is a folder"):
        read_wav(tmp_path)


def test_check_writable(tmp_path) -> None:
    assert check_writable(tmp_path / "x.wav") is None
    assert "does not exist" in check_writable(tmp_path / "missing" / "x.wav")
    assert "is a folder" in check_writable(tmp_path)
