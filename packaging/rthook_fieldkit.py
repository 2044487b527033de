"""Runtime hook of the portable build, run before fieldkit is imported.

1. The bootloader puts the bundle's library folder first in ``LD_LIBRARY_PATH`` so the
   bundled Python finds its libraries. The dynamic loader read it at start-up already,
   so the environment can be put back at once: every program fieldkit starts (smartctl,
   ping, traceroute, a browser for PDF) must load the machine's own libraries, not ours.
2. sounddevice finds PortAudio with ``ctypes.util.find_library('portaudio')``, which needs
   ``ldconfig`` and an installed libportaudio. The build ships its own copy; point at it.
"""

import ctypes.util
import os
import sys

if "LD_LIBRARY_PATH_ORIG" in os.environ:
    os.environ["LD_LIBRARY_PATH"] = os.environ.pop("LD_LIBRARY_PATH_ORIG")
else:
    os.environ.pop("LD_LIBRARY_PATH", None)

_BUNDLED_PORTAUDIO = os.path.join(getattr(sys, "_MEIPASS", ""), "portaudio", "libportaudio.so.2")
_find_library = ctypes.util.find_library


def _find_library_bundled_first(name):
    if name == "portaudio" and os.path.exists(_BUNDLED_PORTAUDIO):
        return _BUNDLED_PORTAUDIO
    return _find_library(name)


ctypes.util.find_library = _find_library_bundled_first
