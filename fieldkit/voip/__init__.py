"""VoIP path measuring: TWAMP-light packets, the reflector, the paced stream, statistics,
the receiver (jitter-buffer) emulation, the ITU-T G.107 E-model, SIP OPTIONS/ALG and STUN
(RFC 5389/5780).

Everything here is stdlib sockets so it works unprivileged.  It returns typed measurements
(dataclasses) and never builds a finding: ``fieldkit.checks.voip`` runs it and classifies.
"""
