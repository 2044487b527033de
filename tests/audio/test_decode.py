"""Decoding the formats phones and recorders produce (files made here with PyAV's encoders),
and the windows a long recording is cut into."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import audiosynth as synth
from audiocodec import FORMATS, encode, encode_as
from fieldkit.audio.decode import DecodeError, bandwidth, blocks, probe, read_all
from fieldkit.audio.windows import windows

pytest.importorskip("av")
FS = 48000


@pytest.fixture(scope="module")
def clip() -> np.ndarray:
    x, _ = synth.clicks_in_noise(6.0, FS, 0.5, 10, np.random.default_rng(5))
    return (x / np.max(np.abs(x)) * 0.5).astype(np.float32)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_decodes_to_mono_float_at_its_rate(name: str, clip: np.ndarray, tmp_path: Path) -> None:
    container, codec, rate, bitrate, _suffix = FORMATS[name]
    path = encode_as(tmp_path / "memo", clip, FS, name)
    samples, got_rate, info = read_all(path)
    assert got_rate == rate == info.samplerate
    assert samples.dtype == np.float32 and samples.ndim == 1
    # codecs add priming samples and pad the last frame; never more than a fraction of a second
    assert abs(samples.size / rate - 6.0) < 0.15
    assert info.lossy is (name not in ("wav", "flac"))
    assert info.channels == 1 and abs(info.decoded_s - samples.size / rate) < 1e-6
    if bitrate:
        assert info.bitrate_bps == pytest.approx(bitrate, rel=0.25)
    # the signal survives: same level (a decoder that returned int16 counts or silence fails here)
    ratio = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2) / np.mean(clip.astype(np.float64) ** 2)))
    assert 0.3 < ratio < 2.0, ratio
    expected_codec = {"wav": "pcm_s16le", "flac": "flac", "opus": "opus", "mp3": "mp3", "m4a": "aac", "amr": "amrnb"}
    assert info.codec.startswith(expected_codec[name])
    assert probe(path).codec == info.codec


def test_stereo_is_averaged_not_scaled(clip: np.ndarray, tmp_path: Path) -> None:
    path = encode(tmp_path / "st.wav", clip, FS, "wav", "pcm_s16le", FS, channels=2)
    samples, rate, info = read_all(path)
    assert info.channels == 2
    assert np.max(np.abs(samples - clip[:samples.size])) < 1e-3   # (L + R) / 2 of equal channels


def test_resampled_rates_and_any_rate(clip: np.ndarray, tmp_path: Path) -> None:
    path = encode(tmp_path / "r.flac", clip, FS, "flac", "flac", 22050)
    samples, rate, _ = read_all(path)
    assert rate == 22050 and abs(samples.size - 6.0 * 22050) < 50


def test_bandwidth_follows_the_codec(clip: np.ndarray, tmp_path: Path) -> None:
    wide = read_all(encode_as(tmp_path / "w", clip, FS, "wav"))[2].bandwidth_hz
    aac = read_all(encode(tmp_path / "a.m4a", clip, FS, "ipod", "aac", 44100, 32000))[2].bandwidth_hz
    amr = read_all(encode_as(tmp_path / "n", clip, FS, "amr"))[2].bandwidth_hz
    assert wide is not None and wide > 20000
    assert aac is not None and 5000 < aac < 17000     # AAC's low-pass at 32 kbit/s
    assert amr is not None and amr <= 4000            # narrow band: 8 kHz sampling


def test_bandwidth_of_a_lowpassed_spectrum() -> None:
    psd = np.ones(2049)
    psd[1000:] = 1e-9                     # 70 dB down above bin 1000 of 2048 (48 kHz / 4096)
    assert bandwidth(psd, 48000) == pytest.approx(999 * 48000 / 4096)
    assert bandwidth(np.zeros(2049), 48000) is None


def test_bad_files_say_what_is_wrong(tmp_path: Path) -> None:
    text = tmp_path / "memo.m4a"
    text.write_text("this is a text file, not audio")
    with pytest.raises(DecodeError, match="memo.m4a: not an audio file fieldkit can read"):
        read_all(text)
    with pytest.raises(DecodeError, match="is a folder"):
        read_all(tmp_path)
    with pytest.raises(DecodeError, match="cannot read the file"):
        read_all(tmp_path / "missing.mp3")


def test_truncated_file_decodes_what_is_there(clip: np.ndarray, tmp_path: Path) -> None:
    path = encode_as(tmp_path / "t", clip, FS, "mp3")
    data = path.read_bytes()
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(data[: len(data) // 2])
    samples, rate, _ = read_all(cut)
    assert 2.0 < samples.size / rate < 4.0


def test_blocks_are_bounded(tmp_path: Path) -> None:
    x = synth.pink_noise(30 * 8000, np.random.default_rng(1)) * np.float32(0.1)
    path = encode(tmp_path / "long.wav", x, 8000, "wav", "pcm_s16le", 8000)
    info, it = blocks(path, block_s=2.0)
    sizes = [b.size for b in it]
    assert sum(sizes) == x.size and max(sizes) < 2.5 * 8000


@settings(max_examples=60, deadline=None)
@given(total=st.integers(1, 400), block=st.integers(1, 37), fs=st.sampled_from([10, 16, 50]))
def test_windows_cover_the_recording(total: int, block: int, fs: int) -> None:
    """Every sample is in a window, each window is the recording's samples at its offset, no
    window is longer than the window length (unless the whole recording is short)."""
    total_n = total * fs // 2
    x = np.arange(total_n, dtype=np.float32)
    stream = (x[i:i + block * fs] for i in range(0, total_n, block * fs))
    got = list(windows(stream, fs, window_s=60.0, overlap_s=10.0, single_max_s=75.0))
    if total_n == 0:
        assert got == []
        return
    covered = np.zeros(total_n, dtype=bool)
    for offset, w in got:
        start = int(round(offset * fs))
        assert np.array_equal(w, x[start:start + w.size])
        covered[start:start + w.size] = True
        if total_n > 75 * fs:
            assert w.size <= 60 * fs
    tail = total_n - np.nonzero(covered)[0][-1] - 1 if covered.any() else total_n
    assert covered[: total_n - tail].all() and tail == 0 or tail < 5 * fs
    if total_n <= 75 * fs:
        assert len(got) == 1 and got[0][1].size == total_n
