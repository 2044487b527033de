"""voip: the VoIP path as a call uses it.

* A paced RTP-like stream to fieldkit's reflector (or any TWAMP-light reflector): RTT,
  per-direction jitter and loss, bursts, DSCP on each leg, R-factor and MOS (ITU-T G.107).
* SIP OPTIONS to the PBX or trunk over UDP, TCP and TLS, with SRV lookup and NAT hints.
* SIP ALG: the echo test against the reflector (UDP and TCP), else single-ended hints.
* NAT behaviour with the configured STUN servers (RFC 5389/5780).

The measuring lives in :mod:`fieldkit.voip` (typed measurements, never findings); this
package runs it, and :mod:`.verdicts` and :mod:`.presets` classify what it measured.

A part that was not asked for and cannot run here (the SIP ALG echo on a reflector that has
no listener on the ALG port, the single-ended ALG hint without a reflector) is listed as not
run, with the reason, in the first finding's data and detail: it is not UNKNOWN, so a clean
path exits 0.  A part the profile asked for (``alg_test = "required"``) that cannot run stays
UNKNOWN.
"""

from __future__ import annotations

from fieldkit.checks._build import finding_maker
from fieldkit.context import Context
from fieldkit.findings import Advice, Finding, Status
from fieldkit.messages import t
from fieldkit.options import Option

NAME = "voip"
_f = finding_maker(NAME)
DESCRIPTION = "VoIP path: call-quality stream with MOS, SIP OPTIONS, SIP ALG, NAT behaviour, DSCP"
AREA = "voip"
TIMEOUT_S = 120

OPTIONS = [
    Option("reflector", "hostport", None, "fieldkit reflector (or TWAMP-light reflector) for the stream test",
           default_port=862),
    Option("codec", "choice", "g711", "Codec the stream imitates", choices=("g711", "g729")),
    Option("duration", "float", 10.0, "Stream duration in seconds", min=1, max=600, metavar="S"),
    Option("dscp", "int", 46, "DSCP marking of the stream (46 = EF, voice)", min=0, max=63),
    Option("mos_model", "choice", "g107", "R/MOS model: ITU-T G.107 with codec Ie/Bpl, or the simple vendor formula",
           choices=("g107", "simple")),
    Option("jitter_buffer", "choice", "adaptive",
           "Receiver jitter buffer the MOS assumes: adaptive (sized from recent delay variation) or fixed",
           choices=("adaptive", "fixed")),
    Option("jitter_buffer_ms", "float", 60.0, "Depth of the fixed jitter buffer in ms (phones use 40-80)",
           min=10, max=500, metavar="MS"),
    Option("plc_reach", "bool", True,
           "Rate runs of loss longer than the codec's concealment covers as unconcealed (off: plain G.107)"),
    Option("preset", "choice", "none",
           "Also judge the stream against a service's published network requirements",
           choices=("none", "teams", "teams-client", "ringcentral", "8x8", "twilio")),
    Option("one_way_warn_ms", "float", 150.0, "One-way delay (ms) above which it is a warning", min=1),
    Option("one_way_crit_ms", "float", 300.0, "One-way delay (ms) above which it is critical", min=1),
    Option("jitter_warn_ms", "float", 30.0, "Jitter (ms) above which it is a warning", min=0.1),
    Option("jitter_crit_ms", "float", 50.0, "Jitter (ms) above which it is critical", min=0.1),
    Option("loss_warn_pct", "float", 1.0, "Packet loss (%) above which it is a warning", min=0, max=100),
    Option("loss_crit_pct", "float", 3.0, "Packet loss (%) above which it is critical", min=0, max=100),
    Option("mos_warn", "float", 4.0, "MOS below which it is a warning", min=1, max=4.5),
    Option("mos_crit", "float", 3.6, "MOS below which it is critical", min=1, max=4.5),
    Option("sip", "hostport", [], "PBX or SIP trunk to send OPTIONS to", multiple=True, default_port=5060),
    Option("sip_domain", "str", None, "SIP domain for the request URI and the SRV lookup (default: the host name)"),
    Option("sip_tls", "bool", True, "Also try SIP over TLS"),
    Option("sip_tls_port", "int", 5061, "Port for SIP over TLS", min=1, max=65535),
    Option("sip_timeout_s", "float", 6.0, "Time limit per SIP OPTIONS attempt (RFC 3261 Timer F is 32 s)",
           min=0.5, max=32),
    Option("dns_server", "hostport", None, "DNS server for the SRV lookup (default: the system's)", default_port=53),
    Option("alg_port", "int", 5060, "Reflector port for the SIP ALG echo test (ALGs watch 5060)", min=1, max=65535),
    Option("alg_test", "choice", "auto",
           "SIP ALG test: auto (when it can run here), required (cannot run = UNKNOWN) or off",
           choices=("auto", "required", "off")),
    Option("stun", "hostport", [], "STUN server for the NAT tests", multiple=True, default_port=3478),
    Option("nat_lifetime_max_s", "float", 0.0, "Probe the NAT binding lifetime up to this many seconds (0 = off)",
           min=0, max=600),
    Option("sip_keepalive_s", "float", 30.0, "The phones' SIP keep-alive / re-register interval (s)", min=1),
]


def run(ctx: Context) -> list[Finding]:
    reflector = ctx.option("reflector")
    sip_targets = ctx.option("sip") or []
    stun_servers = ctx.option("stun") or []
    if not reflector and not sip_targets and not stun_servers:
        return [_f(t("phone connection"), Status.UNKNOWN,
                   t("Nothing to test: no reflector, SIP server or STUN server is configured."),
                   rule="voip-no-targets",
                   detail="Set at least one of: reflector = \"HOST[:PORT]\" (run `fieldkit reflect` on the PBX LAN or "
                          "a cloud VM), sip = [\"pbx.example.com\"], stun = [\"stun.example.com\"] in [checks.voip], "
                          "or pass --reflector/--sip/--stun to `fieldkit check voip`.",
                   advice=Advice(meaning=t("The telephone path was not tested because no test server was set up."),
                                 action=t("The technician will configure the phone system's address and a test "
                                          "server, then repeat the test.")))]
    from fieldkit.checks.voip import verdicts as vf

    findings: list[Finding] = []
    not_run: list[dict[str, str]] = []
    alg_mode = ctx.option("alg_test")
    stream_reserve = (min(ctx.option("duration"), 600) + 6) if reflector else 0
    for target in sip_targets:
        ctx.checkpoint()
        findings.extend(vf.sip_findings(ctx, target, budget=lambda: ctx.time_left() - stream_reserve))
    if alg_mode == "off":
        not_run.append({"part": "SIP ALG test", "reason": "switched off (alg_test = off)"})
    elif reflector:
        ctx.checkpoint()
        findings.extend(vf.alg_findings(ctx, reflector, required=alg_mode == "required", not_run=not_run))
    elif sip_targets:
        findings.extend(vf.alg_heuristic_findings(ctx, findings, required=alg_mode == "required", not_run=not_run))
    elif alg_mode == "required":
        findings.append(_f("SIP ALG", Status.UNKNOWN,
                           t("The SIP ALG test was asked for but cannot run: no reflector and no SIP server is "
                             "configured."), rule="alg-not-possible"))
    if stun_servers:
        ctx.checkpoint()
        findings.extend(vf.nat_findings(ctx, stun_servers, budget=lambda: ctx.time_left() - stream_reserve))
    if reflector:
        ctx.checkpoint()
        findings.extend(vf.stream_findings(ctx, reflector))
    if not_run and findings:
        first = findings[-1] if reflector else findings[0]   # the call-quality finding when there is one
        for f in findings:
            if f.subject.startswith("call quality"):
                first = f
                break
        first.data["not_run"] = not_run
        first.detail = "\n".join(filter(None, [first.detail] + [f"not run: {n['part']}: {n['reason']}"
                                                                 for n in not_run]))
    return findings
