"""system: inventory and basic health of the machine (psutil; works without root)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from fieldkit.checks._build import finding_maker, level
from fieldkit.context import Context
from fieldkit.findings import Advice, Evidence, Finding, Metric, Status, Tier
from fieldkit.messages import day, duration, memory_size, moment, size, t, tn
from fieldkit.options import Option

NAME = "system"
_f = finding_maker(NAME)
DESCRIPTION = "Machine inventory and health: disk space, memory, temperatures, battery, uptime, clock"
AREA = "system"
TIMEOUT_S = 20

OPTIONS = [
    Option("fs_warn_pct", "float", 85.0, "Filesystem usage (%) that is a warning", min=1, max=100),
    Option("fs_crit_pct", "float", 95.0, "Filesystem usage (%) that is critical", min=1, max=100),
    Option("mem_available_warn_pct", "float", 10.0, "Available memory (%) below which it is a warning", min=0, max=100),
    Option("mem_available_crit_pct", "float", 5.0, "Available memory (%) below which it is critical", min=0, max=100),
    Option("swap_warn_pct", "float", 50.0, "Swap usage (%) that is a warning", min=0, max=100),
    Option("swap_crit_pct", "float", 80.0, "Swap usage (%) that is critical", min=0, max=100),
    Option("cpu_temp_warn_c", "float", 85.0, "CPU temperature (°C) that is a warning", min=20, max=150),
    Option("cpu_temp_crit_c", "float", 95.0, "CPU temperature (°C) that is critical", min=20, max=150),
    Option("battery_wear_warn_pct", "float", 30.0, "Battery capacity lost (%) that is a warning", min=0, max=100),
    Option("battery_wear_crit_pct", "float", 50.0, "Battery capacity lost (%) that is critical", min=0, max=100),
    Option("uptime_warn_days", "float", 60.0, "Days since the last restart that deserve a warning", min=1, max=3650),
    Option("clock_drift_warn_s", "float", 120.0, "Hardware clock vs system clock difference (s) that is a warning",
           min=1, max=86400),
    Option("load_warn_per_core", "float", 2.0, "15-minute load average per core that is a warning", min=0.1, max=100),
]

# Filesystems that are not the customer's storage: their "usage" means nothing.
_PSEUDO_FS = {"squashfs", "tmpfs", "devtmpfs", "overlay", "iso9660", "udf", "proc", "sysfs", "devfs", "autofs",
              "fuse.snapfuse", "nsfs", "ramfs"}
# Earliest plausible wall-clock time: a clock before this was reset (dead CMOS battery).
_EARLIEST_PLAUSIBLE = 1767225600  # 2026-01-01T00:00:00Z, before this release


def run(ctx: Context) -> list[Finding]:
    import psutil

    findings = [_inventory(ctx, psutil)]
    for step in (_filesystems, _memory, _swap, _temperatures, _battery, _load, _uptime, _clock):
        ctx.checkpoint()
        findings.extend(step(ctx, psutil))
    return findings


def _inventory(ctx: Context, psutil: Any) -> Finding:
    import platform
    import socket

    vm = psutil.virtual_memory()
    partitions = []
    for part in psutil.disk_partitions(all=False):
        partitions.append({"device": part.device, "mountpoint": part.mountpoint, "fstype": part.fstype})
    interfaces = []
    stats = psutil.net_if_stats()
    for name, addrs in psutil.net_if_addrs().items():
        st = stats.get(name)
        interfaces.append({
            "name": name, "up": bool(st and st.isup), "speed_mbps": st.speed if st else None,
            "mtu": st.mtu if st else None,
            "addresses": [a.address for a in addrs if a.family in (socket.AF_INET, socket.AF_INET6)],
            "mac": next((a.address for a in addrs if a.family == psutil.AF_LINK), None),
        })
    cores = psutil.cpu_count(logical=False) or psutil.cpu_count()
    summary = t("{os} {release}; processor cores: {cores}; memory: {memory}; storage areas: {filesystems}; "
                "network connections: {interfaces}", os=platform.system(), release=platform.release(), cores=cores,
                memory=memory_size(vm.total), filesystems=len(partitions), interfaces=len(interfaces))
    return _f(socket.gethostname(), Status.OK, summary, rule="inventory",
              metrics=[Metric("cpu_cores", cores, ""), Metric("cpu_logical", psutil.cpu_count(), ""),
                       Metric("memory_total_bytes", vm.total, "B")],
              data={"partitions": partitions, "interfaces": interfaces})


def _filesystems(ctx: Context, psutil: Any) -> list[Finding]:
    warn, crit = ctx.option("fs_warn_pct"), ctx.option("fs_crit_pct")
    out, seen = [], set()
    for part in psutil.disk_partitions(all=False):
        if part.fstype in _PSEUDO_FS or part.mountpoint.startswith(("/snap/", "/proc", "/sys", "/run/credentials")):
            continue
        try:
            usage = psutil.disk_usage(part.mountpoint)
        except (PermissionError, OSError):
            continue
        if usage.total == 0 or (part.device, usage.total) in seen:  # bind mounts of the same filesystem
            continue
        seen.add((part.device, usage.total))
        status = level(usage.percent, warn, crit)
        advice = Advice()
        if status is not Status.OK:
            advice = Advice(
                meaning=t("The storage at {mount} is {pct:.0f}% full. When it fills up, programs stop saving work, "
                          "updates fail and the computer can become unstable.",
                          mount=part.mountpoint, pct=usage.percent),
                action=t("Delete or move files you no longer need (old downloads, duplicates, large videos), "
                         "empty the recycle bin, or add storage."),
                prevention=t("Keep at least 15% of each disk free; archive old files regularly."))
        out.append(_f(part.mountpoint, status,
                      t("Storage {mount} ({device}, {fstype}) is {pct:.1f}% full, {free} free",
                        mount=part.mountpoint, device=part.device, fstype=part.fstype, pct=usage.percent,
                        free=size(usage.free)), rule="fs-usage",
                      metrics=[Metric("used_pct", round(usage.percent, 1), "%", warn, crit, 0, 100),
                               Metric("free_bytes", usage.free, "B"), Metric("total_bytes", usage.total, "B")],
                      advice=advice, tier=Tier.ON_SITE if status is not Status.OK else None))
    return out


def _memory(ctx: Context, psutil: Any) -> list[Finding]:
    vm = psutil.virtual_memory()
    avail_pct = 100.0 * vm.available / vm.total if vm.total else 0.0
    warn, crit = ctx.option("mem_available_warn_pct"), ctx.option("mem_available_crit_pct")
    status = level(avail_pct, warn, crit, lower_is_worse=True)
    advice = Advice()
    if status is not Status.OK:
        advice = Advice(meaning=t("The computer is running short of memory, which makes it slow and can make "
                                  "programs close unexpectedly."),
                        action=t("Close programs that are not needed; if this happens every day, add memory."),
                        prevention=t("Avoid keeping many heavy programs and browser tabs open at once."))
    return [_f(t("memory"), status, t("{pct:.1f}% of the {total} of memory is free", pct=avail_pct,
                                     total=memory_size(vm.total)),
               rule="memory-available",
               metrics=[Metric("available_pct", round(avail_pct, 1), "%", warn, crit, 0, 100),
                        Metric("available_bytes", vm.available, "B"), Metric("total_bytes", vm.total, "B")],
               advice=advice)]


def _swap(ctx: Context, psutil: Any) -> list[Finding]:
    sw = psutil.swap_memory()
    if not sw.total:
        return []
    warn, crit = ctx.option("swap_warn_pct"), ctx.option("swap_crit_pct")
    status = level(sw.percent, warn, crit)
    advice = Advice()
    if status is not Status.OK:
        advice = Advice(meaning=t("The computer is using its disk as overflow memory a lot, which makes it slow."),
                        action=t("Restart heavy programs; if it persists, add memory."),
                        prevention=t("Match the memory to the work the computer does."))
    return [_f(t("swap"), status, t("Overflow memory on the disk (swap) is {pct:.1f}% used of {total}", pct=sw.percent,
                                 total=memory_size(sw.total)), rule="swap-usage",
               metrics=[Metric("used_pct", round(sw.percent, 1), "%", warn, crit, 0, 100),
                        Metric("used_bytes", sw.used, "B")], advice=advice)]


def _temperatures(ctx: Context, psutil: Any) -> list[Finding]:
    try:
        sensors = psutil.sensors_temperatures() if hasattr(psutil, "sensors_temperatures") else {}
    except Exception:  # noqa: BLE001 - broken hwmon drivers raise from psutil
        sensors = {}
    warn_default, crit_default = ctx.option("cpu_temp_warn_c"), ctx.option("cpu_temp_crit_c")
    out = []
    for chip, entries in sensors.items():
        if chip not in ("coretemp", "k10temp", "zenpower", "cpu_thermal", "acpitz", "cpu-thermal", "soc_thermal"):
            continue
        readings = [e for e in entries if e.current is not None and 0 < e.current < 150]
        if not readings:
            continue
        hottest = max(readings, key=lambda e: e.current)
        # The chip's own limits, when it publishes sane ones, are tighter and more accurate.
        warn = min(warn_default, hottest.high) if hottest.high and 40 < hottest.high < 150 else warn_default
        crit = min(crit_default, hottest.critical) if hottest.critical and 40 < hottest.critical < 150 else crit_default
        status = level(hottest.current, warn, crit)
        advice = Advice()
        if status is not Status.OK:
            advice = Advice(meaning=t("The processor is running very hot. Heat shortens its life and makes the "
                                      "computer slow down or switch off suddenly."),
                            action=t("Clean dust from the fans and vents and make sure air can flow around the "
                                     "computer."),
                            prevention=t("Keep the computer off carpets and away from heaters; have it cleaned "
                                         "yearly."))
        label = hottest.label or chip
        out.append(_f(t("cpu temperature ({chip})", chip=chip), status,
                      t("Processor temperature {temp:.0f} °C ({sensor})", temp=hottest.current, sensor=label),
                      rule="cpu-temperature",
                      metrics=[Metric("temperature_c", round(hottest.current, 1), "C", warn, crit)],
                      advice=advice, tier=Tier.ON_SITE if status is not Status.OK else None))
    return out


def _battery(ctx: Context, psutil: Any) -> list[Finding]:
    from fieldkit.platform import KNOWN, Unsupported, label, power

    out = []
    try:
        batteries = power.batteries(ctx.env.root, ctx.env.platform)
    except Unsupported:
        try:
            present = psutil.sensors_battery() is not None
        except Exception:  # noqa: BLE001 - psutil has no battery support on some systems
            present = False
        if present:  # a desktop without a battery gets no finding, as on Linux
            # a system without a name of its own gets a sentence of its own, not an English "this system"
            summary = (t("The battery wear could not be read: not supported on {system} yet",
                         system=label(ctx.env.platform)) if ctx.env.platform in KNOWN
                       else t("The battery wear could not be read: not supported on this system yet"))
            out.append(_f(t("battery"), Status.UNKNOWN, summary, rule="battery-unsupported"))
        return out
    for battery in batteries:
        full, design, cycles = battery.full, battery.design, battery.cycles
        wear = max(0.0, 100.0 * (1 - full / design))
        warn, crit = ctx.option("battery_wear_warn_pct"), ctx.option("battery_wear_crit_pct")
        status = level(wear, warn, crit)
        advice = Advice()
        if status is not Status.OK:
            advice = Advice(meaning=t("The battery holds only {pct:.0f}% of the charge it held when new, so the "
                                      "laptop runs out of power much sooner.", pct=100 - wear),
                            action=t("Plan a battery replacement; a swollen or very worn battery should be replaced "
                                     "soon."),
                            prevention=t("Avoid leaving the laptop at 100% charge and in hot places all the time."))
        metrics = [Metric("wear_pct", round(wear, 1), "%", warn, crit, 0, 100)]
        if cycles:
            metrics.append(Metric("cycle_count", cycles, "c"))
        out.append(_f(t("battery {name}", name=battery.name), status,
                      t("Battery {name} has lost {pct:.0f}% of the capacity it had when new", name=battery.name,
                        pct=wear), rule="battery-wear",
                      metrics=metrics, advice=advice, tier=Tier.HARDWARE if status is not Status.OK else None,
                      evidence=[Evidence(source=battery.source, excerpt=f"full={full} design={design}")]))
    return out


def _load(ctx: Context, psutil: Any) -> list[Finding]:
    try:
        load15 = psutil.getloadavg()[2]
    except (AttributeError, OSError):
        return []
    cores = psutil.cpu_count() or 1
    per_core = load15 / cores
    warn = ctx.option("load_warn_per_core")
    status = Status.WARNING if per_core >= warn else Status.OK
    advice = Advice()
    if status is not Status.OK:
        advice = Advice(meaning=t("The computer has been working at full capacity for a while, which makes it "
                                  "slow."),
                        action=t("The technician will look for the program that keeps it busy."),
                        prevention=t("Keep startup programs to what is needed."))
    return [_f(t("cpu load"), status, tn("Processor load over the last 15 minutes: {load:.2f} for {n} logical processor",
                                      "Processor load over the last 15 minutes: {load:.2f} for {n} logical processors",
                                      n=cores, load=load15), rule="cpu-load",
               metrics=[Metric("load15_per_core", round(per_core, 2), "", warn)], advice=advice)]


def _uptime(ctx: Context, psutil: Any) -> list[Finding]:
    now = ctx.env.clock()
    boot = psutil.boot_time()
    days = (now - boot) / 86400
    warn = ctx.option("uptime_warn_days")
    if days < 0:
        return [_f(t("uptime"), Status.WARNING, t("The start-up time lies in the future: the clock was changed after "
                                               "start-up"),
                   rule="uptime-negative", metrics=[Metric("uptime_days", round(days, 2), "d")])]
    status = Status.WARNING if days >= warn else Status.OK
    advice = Advice()
    if status is not Status.OK:
        advice = Advice(meaning=t("The computer has not been restarted for {uptime}, so security updates that "
                                  "need a restart have not taken effect.", uptime=duration(now - boot)),
                        action=t("Restart the computer at a convenient time."),
                        prevention=t("Restart at least once a month, after updates."))
    return [_f(t("uptime"), status, t("Running for {uptime} since the last restart", uptime=duration(now - boot)),
               rule="uptime",
               metrics=[Metric("uptime_days", round(days, 2), "d", warn)], advice=advice)]


def _clock(ctx: Context, psutil: Any) -> list[Finding]:
    now = ctx.env.clock()
    out = []
    if now < _EARLIEST_PLAUSIBLE:
        out.append(_f(t("clock"), Status.CRITICAL,
                      t("The computer's clock says {date}, which is in the past",
                        date=day(datetime.fromtimestamp(now, timezone.utc))),
                      rule="clock-implausible", metrics=[Metric("clock_epoch_s", round(now), "s")],
                      advice=Advice(meaning=t("The computer's clock is wrong. Secure websites, e-mail and updates "
                                              "fail when the date is wrong."),
                                    action=t("Set the correct date and time; if it resets after every power-off, "
                                             "replace the small battery on the motherboard."),
                                    prevention=t("Let the computer set its time automatically from the internet.")),
                      tier=Tier.ON_SITE))
        return out
    from fieldkit.platform import KNOWN, Unsupported, label, rtc as rtc_clock

    try:
        rtc = rtc_clock.rtc_epoch(ctx.env.root, ctx.env.platform)
    except Unsupported:
        when = moment(datetime.fromtimestamp(now, timezone.utc))
        summary = (t("The computer's clock ({when}) is plausible; the hardware clock could not be compared: "
                     "not supported on {system} yet", when=when, system=label(ctx.env.platform))
                   if ctx.env.platform in KNOWN else
                   t("The computer's clock ({when}) is plausible; the hardware clock could not be compared: "
                     "not supported on this system yet", when=when))
        out.append(_f(t("clock"), Status.UNKNOWN, summary, rule="clock-rtc-unsupported"))
        return out
    if rtc:
        drift = now - rtc
        warn = ctx.option("clock_drift_warn_s")
        status = Status.WARNING if abs(drift) >= warn else Status.OK
        if status is not Status.OK and abs(abs(drift) % 1800) < 120:
            summary = t("The hardware clock differs from the system clock by {drift:+.0f} s, a whole number of half "
                        "hours: the hardware clock probably keeps local time, as Windows does", drift=drift)
        else:
            summary = t("The hardware clock differs from the system clock by {drift:+.0f} s", drift=drift)
        advice = Advice()
        if status is not Status.OK:
            advice = Advice(meaning=t("The computer's built-in clock disagrees with the system time, so the time can "
                                      "be wrong after a restart."),
                            action=t("Synchronise the hardware clock with the correct time."),
                            prevention=t("Let the computer set its time automatically from the internet."))
        out.append(_f(t("clock"), status, summary,
                      rule="clock-rtc-drift", metrics=[Metric("rtc_drift_s", round(drift, 1), "s", warn)],
                      advice=advice, evidence=[Evidence(source=rtc_clock.SOURCE, excerpt=str(rtc))]))
    else:
        out.append(_f(t("clock"), Status.OK, t("The computer's clock ({when}) is plausible (no hardware clock readable "
                                            "to compare)", when=moment(datetime.fromtimestamp(now, timezone.utc))),
                      rule="clock-plausible"))
    return out

