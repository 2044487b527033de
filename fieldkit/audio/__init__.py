"""Audio for the acoustic disk check: measuring only, no findings.

* :mod:`~fieldkit.audio.analysis`: the entry point ``analyse(samples, rate, thresholds)``
  and ``capture_problem``; returns an ``Analysis`` of measurements.
* :mod:`~fieldkit.audio.clicks`: the click-train search and its slot-by-slot tests.
* :mod:`~fieldkit.audio.periodicity`: period search (autocorrelation, phase histogram, folding).
* :mod:`~fieldkit.audio.tonal`: stall beeps, bearing whine, grinding, spindle and mains lines.
* :mod:`~fieldkit.audio.dsp`: shared signal processing; :mod:`~fieldkit.audio.thresholds`:
  every tuning constant in one ``Thresholds`` object.
* :mod:`~fieldkit.audio.capture`, :mod:`~fieldkit.audio.wav`: recording and WAV files.

Nothing here imports numpy, scipy or sounddevice at module level: ``import fieldkit``
and ``fieldkit --help`` must stay fast (developers' guide), so every heavy import
happens inside the function that needs it.
"""
