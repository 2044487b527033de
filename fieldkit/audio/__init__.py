"""Audio for the acoustic disk check: WAV I/O, sounddevice capture and the detectors.

Nothing here imports numpy, scipy or sounddevice at module level: ``import fieldkit``
and ``fieldkit --help`` must stay fast (developers' guide), so every heavy import
happens inside the function that needs it.
"""
