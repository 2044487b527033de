"""The customer's sentence for each reason the acoustic check cannot listen.

The measuring package (:mod:`fieldkit.audio`) writes no sentences: its errors carry a rule or a
code, the reason in English for the technician's detail, and the values a sentence needs (the
microphone's name, seconds, a file). This module turns them into translatable sentences, so a
report in Catalan does not show "the input device 'USB PnP' delivered no audio".
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldkit.messages import N_, Msg, t

if TYPE_CHECKING:
    from fieldkit.audio.analysis import Problem
    from fieldkit.audio.capture import CaptureError
    from fieldkit.audio.decode import DecodeError
    from fieldkit.audio.exercise import ExerciseError

#: the microphone (fieldkit.audio.capture), by rule; a sentence names only values the error carries
_CAPTURE = {
    "audio-no-portaudio": N_("The microphone cannot be used: the sound library PortAudio is missing (Debian/Ubuntu: "
                             "apt-get install libportaudio2)"),
    "audio-init": N_("The microphone cannot be used: the computer's sound system could not be started"),
    "audio-no-device": N_("No audio input device (microphone) was found: none is connected, or the computer's sound "
                          "system is not running"),
    "audio-device-not-found": N_("The microphone {device} was not found or cannot be used"),
    "audio-samplerate": N_("The microphone {device} cannot record at any of the usual sample rates"),
    "audio-device-error": N_("The microphone {device} could not be used"),
    "audio-no-data": N_("The microphone {device} delivered no sound"),
    "audio-device-lost": N_("The microphone {device} stopped delivering sound during the recording (unplugged, or "
                            "the sound system stopped); nothing was analysed"),
    "audio-overflow": N_("Sound was lost during the recording because the computer was too busy; lost sound can "
                         "sound like clicks, so nothing was analysed"),
    "audio-dropped": N_("About {seconds:.1f} s of sound went missing during the recording; lost sound can sound "
                        "like clicks, so nothing was analysed"),
    "audio-budget": N_("A recording of {seconds:g} s does not fit the check's remaining time of {left:.0f} s; raise "
                       "--timeout"),
}
#: a recording that cannot be analysed (fieldkit.audio.analysis.capture_problem), by rule
_PROBLEM = {
    "audio-samplerate": N_("The recording cannot be used: its sample rate of {rate} Hz is too low (at least "
                           "{needed} Hz is needed)"),
    "audio-too-short": N_("The recording cannot be used: it is {seconds:.1f} s long; at least 2 s are needed"),
    "audio-invalid": N_("The recording cannot be used: it contains invalid samples"),
    "audio-digital-silence": N_("The recording cannot be used: it is complete silence, so the microphone is muted, "
                                "unplugged or access to it was denied (operating-system privacy setting)"),
    "audio-clipping": N_("The recording cannot be used: {pct:.1f}% of it is too loud for the microphone (clipping); "
                         "lower the microphone gain or move it further away and record again"),
}
#: an audio file that cannot be read (fieldkit.audio.decode), by code
_DECODE = {
    "folder": N_("{path} is a folder, not an audio file"),
    "unreadable": N_("{path}: the file cannot be read"),
    "not-audio": N_("{path}: not an audio file fieldkit can read (WAV, FLAC, Ogg/Opus, MP3, M4A/AAC and 3GP/AMR are "
                    "supported)"),
    "no-audio": N_("{path}: the file holds no sound"),
    "decoding-failed": N_("{path}: the file is damaged and could not be read to the end"),
}
#: a disk that cannot be read while listening (fieldkit.audio.exercise), by rule
_EXERCISE = {
    "exercise-no-permission": N_("Cannot exercise the disk: reading {path} needs administrator rights (run fieldkit "
                                 "with sudo)"),
    "exercise-no-device": N_("Cannot exercise the disk: {path} does not exist"),
    "exercise-open-failed": N_("Cannot exercise the disk: {path} could not be opened for reading"),
    "exercise-too-small": N_("Cannot exercise the disk: {path} is too small to be a disk"),
}
#: a file name given to keep the recording that cannot be written (fieldkit.audio.wav.unwritable_code)
_UNWRITABLE = {
    "folder": N_("Cannot keep the recording: {path} is a folder; give a file name such as disk-sounds.wav"),
    "no-folder": N_("Cannot keep the recording: the folder {folder} does not exist"),
    "read-only": N_("Cannot keep the recording: the folder {folder} cannot be written to"),
}


def _said(table: dict[str, str], key: str, params: dict[str, Any], fallback: str) -> Msg | str:
    """The table's sentence for ``key`` with ``params``; the technician's English reason when the table has no
    sentence for it or the values do not fill it (a new rule in the measuring code, caught by the tests)."""
    template = table.get(key)
    if template is None:
        return fallback
    try:
        return t(template, **params)
    except (KeyError, IndexError, ValueError):
        return fallback


#: a microphone that was asked for by name and is not there: the sentence names the ones that are
_NOT_FOUND_AMONG = N_("The microphone {device} was not found; microphones on this computer: {inputs}")


def capture_error(exc: CaptureError) -> Msg | str:
    if exc.rule == "audio-device-not-found" and "inputs" in exc.params:
        return _said({exc.rule: _NOT_FOUND_AMONG}, exc.rule, exc.params, exc.reason)
    return _said(_CAPTURE, exc.rule, exc.params, exc.reason)


def problem(found: Problem) -> Msg | str:
    return _said(_PROBLEM, found.rule, found.params, f"The recording cannot be used: {found.reason}")


def decode_error(exc: DecodeError) -> Msg | str:
    return _said(_DECODE, exc.code, {"path": exc.path}, str(exc))


def exercise_error(exc: ExerciseError) -> Msg | str:
    return _said(_EXERCISE, exc.rule, {"path": exc.path}, f"Cannot exercise the disk: {exc.reason}")


def unwritable(path: str, code: str, fallback: str) -> Msg | str:
    target = Path(path)
    return _said(_UNWRITABLE, code, {"path": str(target), "folder": str(target.parent)}, fallback)


def no_audio() -> Msg:
    """A file whose every window was too short or empty to analyse."""
    return t("The recording cannot be used: the file holds no sound")
