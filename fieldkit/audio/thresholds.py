"""Tuning of the acoustic detectors in one place: every threshold and search setting."""

from __future__ import annotations

from dataclasses import dataclass

#: nominal spindle rotation frequencies f_r = rpm / 60 (4200 ... 15000 rpm)
SPINDLE_HZ = (70.0, 90.0, 98.33, 120.0, 166.67, 250.0)

#: below this a click's 1-8 kHz energy is not in the recording
MIN_SAMPLERATE = 8000


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds; the defaults were tuned with ``bench/acoustic_eval.py``."""

    click_score: float = 6.0        # folded onset peak, robust z, to call a click train
    min_clicks: int = 4              # clicks on the grid needed for any periodic claim
    min_fill: float = 0.6            # share of grid slots that hold a click (reported)
    min_consistency: float = 1.5     # the train must stand out in each third of the recording
    max_jitter: float = 0.06         # timing residual / period
    min_similarity: float = 0.4      # cosine similarity of click spectra (loud clicks only)
    min_on_grid: float = 0.5         # share of unmistakable impulses the train must explain
    min_uniformity: float = 0.75     # share of slots near the strong ones' strength, when clicks are loud
    hit_z: float = 3.0               # onset z that counts as a click in a slot
    event_z: float = 8.0             # onset z of an unmistakable impulse (isolated clicks, seeks)
    fast_period_s: float = 2.05      # at or below: click of death; above: suspicious (head parking?)
    min_period_s: float = 0.2
    max_period_s: float = 5.0
    clip_fraction: float = 0.001     # share of samples at full scale that makes a recording unusable
    whine_db: float = 20.0           # prominence of a persistent line over the local spectrum
    grind_db: float = 15.0           # envelope-spectrum line over its neighbourhood
    grind_depth: float = 0.5         # and this amplitude-modulation depth
    beep_db: float = 18.0            # tonal frame: peak over the frame's median spectrum
    max_contrast: float = 3.5        # strongest slots over the median slot (trains measured <= 3.0)
    max_subgrid: float = 2.5         # every k-th slot over the others (trains measured <= 2.3)
    max_few_loud: float = 6.0        # their product: trains measured <= 4.6, parking 8+ (bench seeds)
    max_gap_slots: int = 2           # empty slots bridged inside one stretch of a train
    min_active_slots: int = 8        # slots a train judged on its active stretches must span
    short_min_clicks: int = 5        # or, a shorter train: clicks it must hold,
    short_min_fill: float = 0.8      # the share of its slots they fill,
    short_similarity: float = 0.6    # how alike they must sound,
    short_max_chance_log10: float = -8.5   # and a chance half a decade below max_chance_log10: the
                                           # closest short grid of 36 h of click-free types reached
                                           # 10^-7.0 (typing; 10^-7.7 with older code), real 5-7-click
                                           # trains among steps or keys 10^-8.7..-9.0
    max_chance_log10: float = -8.0   # log10 chance that other impulses fill the active slots
    faint_score: float = 7.0         # a train that passes only on the whole-recording tests (not on its active
                                     # slots) needs this fold score to be a verdict; below it it is faint: at the
                                     # limit of detection, where pink noise alone folded to 6.2-7.0 (7 clips in
                                     # 3600, 30 h, every one judged on the whole recording only), so it asks for
                                     # a closer recording instead of calling a failing disk
    whole_max_chance_log10: float = -3.0   # a train judged on the whole recording must still be unlikely
                                           # by chance on its active slots: pink noise alone once folded to
                                           # 6.1 in a sub-band with 7 of 14 slots filled (10^-1.6); slow
                                           # real trains (8 slots of 3.5 s) at -6 dB measured 10^-4.3
    unique_chance_log10: float = -15.0   # above this chance the train's phase must also be its own:
    min_phase_gap: float = 0.1           # slots filled this much more often than at any other phase
                                         # (seek-burst grids measured 0.07-0.13, trains >= 0.15)
    max_stretches: int = 3               # and in at most this many stretches (seek-burst grids: 6;
                                         # a drive's retries: one to three bursts in 30 s)
    multi_phase_consistency: float = 3.0   # times min_consistency, for bursts at phases of their own
    # ---- the click search's own settings
    frame_s: float = 0.004           # click analysis frame: about a click long, so a frame holds little noise
    whiten_s: float = 2.0            # stretch whitened against its own median (level changes)
    subbands: int = 8                # sub-bands of the click band with their own onset function
    search_pool: int = 2             # the period search runs on 4 ms steps (max of two 2 ms hops): half
                                     # the cost, and a click's peak survives the pooling
    phase_min_s: float = 1.0         # the phase search covers periods from here up (the autocorrelation
                                     # is reliable below)
    phase_top: int = 3               # (band, period) pairs of the phase search folded, with multiples
    phase_margin: float = 1.0        # fold score by which a phase candidate must beat the autocorrelation's
    level_drift_s: float = 1.0       # running mean taken off the onset functions before the slow periods'
                                     # autocorrelation (a room's level drifting over seconds)
    phase_peaks: int = 40            # strongest onset peaks per band in the phase histogram (a slow
                                     # train has <= 30 clicks)
    union_bands: bool = True         # join the sub-bands that show the train at the same phase
    union_min_score: float = 2.0     # fold score a sub-band must reach at the train's period to be joined
    search_cap_z: float = 8.0        # onset z at which the capped search functions saturate: a click's
                                     # level at -6 dB, far below loud keys and seek ticks
    notch_min_impulses: int = 8      # loud impulses (event_z) a room needs for a notched search view
    notch_impulses: int = 40         # the loudest of them give the room's dominant impulse spectrum
    notch_similarity: float = 0.8    # median cosine similarity to it that makes them one sound
    sound_alike: float = 0.8         # spectral-shape cosine of two impulses of one sound (a train's
                                     # clicks at 0 dB: median 0.9; a keyboard's other keys: <= 0.2)
    sound_keep: float = 0.7          # a sound's view keeps the loud impulses this alike to its shape
    sound_views: int = 12            # sounds with a view of their own, loudest first (a keyboard: a dozen)
    own_sound_keep: float = 0.7      # a candidate's own-sound view keeps impulses this alike to its clicks
                                     # (a train's clicks at -6 dB: 0.7-0.9 to the others'; typing mixtures'
                                     # other keys mostly below)
    own_sound_tries: int = 4         # candidates re-judged in a view of their own sound, and grids
                                     # through alike loud impulses tried
    own_level_db: float = 6.0        # and as loud (band power) as its clicks within this: one drive's
                                     # clicks are one sound at one level; of the keys shaped like the
                                     # clicks in typing mixtures, 40-85 % were struck harder or softer
    quiet_gap: float = 2.0           # drop in strength between loud impulses and a quiet view's clicks
    search_tries: int = 4            # distinct candidate periods built into a train until one passes
    view_tries: int = 8              # the same in the sounds' views (a dozen views share them)
