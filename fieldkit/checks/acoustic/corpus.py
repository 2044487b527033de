"""A corpus of disk recordings from the field: each recording with a JSON sidecar.

``fieldkit audio record`` records through the microphone (or imports a file a phone made),
stores the audio in a folder and writes ``<name>.json`` next to it: the technician's label
(failing, healthy, unknown), a note, the drive's model, serial and SMART verdict from the same
machine when they can be read, the microphone, its distance, the room noise, the licence the
contributor chose (CC BY 4.0 unless said otherwise) and fieldkit's own verdict at the time.
``bench/acoustic_eval.py --corpus DIR`` scores the detector on such a folder.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

SCHEMA = "fieldkit-acoustic-corpus/1"
LABELS = ("failing", "healthy", "unknown")
DEFAULT_LICENCE = "CC-BY-4.0"
#: licences a contribution can carry (SPDX ids): open ones, so the corpus can be shared
LICENCES = ("CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0")
ROOM_NOISE = ("quiet", "office", "noisy")


class CorpusError(Exception):
    """Bad input for a contribution; the message names what was wrong."""


@dataclass
class Sidecar:
    label: str
    note: str
    licence: str
    audio_file: str
    audio_sha256: str
    stored_at: str                         # ISO 8601 UTC, when recorded or imported
    origin: str                            # "microphone NAME" or "imported from FILE"
    audio: dict[str, Any] = field(default_factory=dict)      # codec, rate, channels, bandwidth, length
    microphone: str | None = None
    distance_cm: float | None = None
    room_noise: str | None = None          # the technician's word: quiet, office, noisy
    room_noise_dbfs: float | None = None   # measured: the recording's noise floor
    contributor: str | None = None
    drives: list[dict[str, Any]] = field(default_factory=list)   # model, serial, SMART status per drive
    smart_note: str | None = None          # why there is no SMART data
    fieldkit: dict[str, Any] = field(default_factory=dict)       # version, status, rule, summary
    schema: str = SCHEMA

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"


def _stem(label: str, when: _dt.datetime) -> str:
    return f"{when.strftime('%Y%m%dT%H%M%SZ')}-{label}"


def _unique(folder: Path, stem: str, suffix: str) -> Path:
    path = folder / f"{stem}{suffix}"
    n = 2
    while path.exists() or path.with_suffix(".json").exists():
        path = folder / f"{stem}-{n}{suffix}"
        n += 1
    return path


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def validate(label: str, licence: str, out: Path, distance_cm: float | None) -> None:
    if label not in LABELS:
        raise CorpusError(f"--label {label!r}: expected one of {', '.join(LABELS)}")
    if licence not in LICENCES:
        raise CorpusError(f"--licence {licence!r}: expected one of {', '.join(LICENCES)}")
    if distance_cm is not None and not 0 <= distance_cm <= 1000:
        raise CorpusError(f"--distance-cm {distance_cm:g}: expected 0 to 1000 cm")
    if out.exists() and not out.is_dir():
        raise CorpusError(f"--out {out}: is a file, not a folder")


def store_import(source: Path, out: Path, label: str, when: _dt.datetime) -> Path:
    """Copy the contributed file into the corpus folder under a dated name (its own format kept)."""
    suffix = re.sub(r"[^A-Za-z0-9.]", "", source.suffix.lower())[:8] or ".audio"
    target = _unique(out, _stem(label, when), suffix)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=out)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def store_recording(samples: Any, samplerate: int, out: Path, label: str, when: _dt.datetime) -> Path:
    from fieldkit.audio.wav import write_wav

    target = _unique(out, _stem(label, when), ".wav")
    write_wav(target, samples, samplerate)
    return target


def write_sidecar(audio: Path, sidecar: Sidecar) -> Path:
    path = audio.with_suffix(".json")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(sidecar.to_json())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def drives_from_smart(findings: list[Any]) -> list[dict[str, Any]]:
    """Model, serial and SMART verdict of each drive the SMART check reported."""
    out = []
    for f in findings:
        drive = (f.data or {}).get("drive") if hasattr(f, "data") else None
        if not drive:
            continue
        out.append({"device": drive.get("device"), "model": drive.get("model"), "serial": drive.get("serial"),
                    "smart_status": f.status.name, "smart_summary": f.summary, "smart_rule": f.rule})
    return out


def fieldkit_verdict(findings: list[Any]) -> dict[str, Any]:
    from fieldkit import __version__
    from fieldkit.findings import worst

    head = findings[0]
    return {"version": __version__, "status": worst([f.status for f in findings]).name, "rule": head.rule,
            "summary": head.summary, "verdicts": [f.rule for f in findings],
            "click_score": next((m.value for m in head.metrics if m.name == "click_score"), None)}


def contribute(*, label: str, note: str, out: Path, licence: str = DEFAULT_LICENCE, import_file: Path | None = None,
               record: Callable[[], tuple[Any, int, str]] | None = None, microphone: str | None = None,
               distance_cm: float | None = None, room_noise: str | None = None, contributor: str | None = None,
               smart: Callable[[], list[Any]] | None = None, analyse: Callable[[Path], list[Any]],
               now: Callable[[], _dt.datetime] = lambda: _dt.datetime.now(_dt.timezone.utc)) -> tuple[Path, Sidecar]:
    """Store one recording with its sidecar; return (sidecar path, sidecar).

    ``record`` returns (samples, rate, device name) from the microphone; ``import_file`` is used
    instead when given. ``smart`` returns the SMART check's findings (or raises to say why not);
    ``analyse`` runs the acoustic check on the stored file.
    """
    from fieldkit.audio.decode import DecodeError, probe

    validate(label, licence, out, distance_cm)
    out.mkdir(parents=True, exist_ok=True)
    when = now()
    if import_file is not None:
        try:
            probe(import_file)     # a file fieldkit cannot read is refused before it is copied
        except DecodeError as exc:
            raise CorpusError(str(exc)) from None
        audio = store_import(import_file, out, label, when)
        origin = f"imported from {import_file.name}"
    elif record is not None:
        samples, rate, device = record()
        audio = store_recording(samples, rate, out, label, when)
        origin = f"microphone {device}"
        microphone = microphone or device
    else:
        raise CorpusError("nothing to store: record through the microphone or give --import FILE")
    findings = analyse(audio)
    drives, smart_note = [], None
    if smart is not None:
        try:
            said = smart()
            drives = drives_from_smart(said)
            if not drives:
                smart_note = "the SMART check reported no drive" + (f": {said[0].summary}" if said else "")
        except Exception as exc:  # noqa: BLE001 - the recording is kept whatever SMART does
            smart_note = f"SMART could not be read: {exc}"
    else:
        smart_note = "not read (--no-smart)"
    recording = next((f.data.get("recording") for f in findings if f.data.get("recording")), {})
    floor = next((m.value for f in findings for m in f.metrics if m.name == "noise_floor_dbfs"), None)
    sidecar = Sidecar(label=label, note=note, licence=licence, audio_file=audio.name, audio_sha256=sha256(audio),
                      stored_at=when.strftime("%Y-%m-%dT%H:%M:%SZ"), origin=origin, audio=dict(recording),
                      microphone=microphone, distance_cm=distance_cm, room_noise=room_noise,
                      room_noise_dbfs=floor, contributor=contributor, drives=drives, smart_note=smart_note,
                      fieldkit=fieldkit_verdict(findings))
    return write_sidecar(audio, sidecar), sidecar


def entries(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    """(audio path, sidecar) of every contribution in ``folder`` (sidecars of another schema or
    whose audio is missing are skipped)."""
    out = []
    for side in sorted(folder.glob("*.json")):
        try:
            data = json.loads(side.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            continue
        audio = folder / str(data.get("audio_file", ""))
        if audio.is_file() and audio.parent == folder:
            out.append((audio, data))
    return out
