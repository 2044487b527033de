"""VoIP path machinery: TWAMP-light packets, the reflector, the paced stream, statistics,
the ITU-T G.107 E-model, SIP OPTIONS/ALG and STUN (RFC 5389/5780).

Everything here is stdlib sockets so it works unprivileged; ``fieldkit.checks.voip`` only
wires it together and classifies.
"""
