"""Plain-language customer advice per verdict family (no attribute numbers, no jargon).

Every text is a whole sentence made with :func:`fieldkit.messages.t` so the report can
translate it.
"""

from __future__ import annotations

from fieldkit.findings import Advice, Status, Tier
from fieldkit.messages import t

_BACKUP = t("Keep an automatic, current backup of everything important (for example a daily backup to a second "
           "disk or a cloud service), and test that you can restore from it.")

ADVICE: dict[str, Advice] = {
    "failing": Advice(
        meaning=t("This disk is failing: it can stop working at any moment and the files on it can be lost."),
        action=t("Back up your files now and replace this disk within days. Do not use it for anything new."),
        prevention=_BACKUP),
    "selftest": Advice(
        meaning=t("The disk's own surface test found places it cannot read: it is failing and some files may "
                "already be damaged."),
        action=t("Back up your files now and replace this disk within days."),
        prevention=_BACKUP),
    "media": Advice(
        meaning=t("This disk has started to develop faults. It still works, but disks in this state fail much "
                "more often than healthy ones."),
        action=t("Make sure your files are backed up now, and plan to replace the disk in the coming weeks. We "
               "will compare it again at the next visit to see whether it is getting worse."),
        prevention=_BACKUP),
    "recheck": Advice(
        meaning=t("The disk's own surface test could not read one place once. Its counters of bad places are "
                  "clean now, so this may have been repaired by the disk itself, or it may be the first sign of "
                  "damage."),
        action=t("Make sure your files are backed up; the technician runs the disk's full surface test again to "
                 "confirm."),
        prevention=_BACKUP),
    "wear": Advice(
        meaning=t("This solid-state disk has used up most of the writing it was built for. Worn-out disks can "
                "suddenly become read-only or stop working."),
        action=t("Back up your files and plan to replace the disk soon."),
        prevention=t("Regular backups; for heavy write workloads choose a disk rated for more writes.")),
    "cable": Advice(
        meaning=t("The connection between this disk and the computer has had transmission errors. The disk "
                "itself looks fine, but a loose or damaged cable or connector can corrupt data or freeze the "
                "computer."),
        action=t("The technician reseats or replaces the data cable (or moves the disk to another port or bay)."),
        prevention=t("Avoid bending or pulling disk cables; make sure disks in enclosures are firmly seated.")),
    "heat": Advice(
        meaning=t("The disk is running hotter than its maker allows, which shortens its life and can cause errors."),
        action=t("Check the fans, remove dust and make sure air can flow around the disk."),
        prevention=t("Keep vents clear, clean dust regularly and do not place the computer near heat sources.")),
    "ok": Advice(
        meaning=t("This disk shows no sign of wear or damage."),
        action=t("No action needed."),
        prevention=_BACKUP),
    "unknown": Advice(
        meaning=t("We could not check the health of this disk, so we cannot say whether it is safe."),
        action=t("The technician will check it another way; until then, keep your backups current."),
        prevention=_BACKUP),
    "standby": Advice(
        meaning=t("This disk was asleep. We did not wake it, to avoid wear and noise, so it was not checked "
                "this time."),
        action=t("It will be checked on a later scan while it is in use."),
        prevention=""),
}

# What the technician does about each fault (the finding's detail carries the raw cause).
FAULT_ACTIONS = {
    "no-smartctl": t("Install smartmontools (Debian/Ubuntu: apt install smartmontools) and scan again."),
    "not-root": t("Run fieldkit as administrator (sudo fieldkit ...) so it may read the disk."),
    "vanished": t("Check whether the disk was unplugged or dropped off the bus (dmesg), reconnect it and scan "
                "again; a disk that disappears by itself is suspect."),
    "timeout": t("The disk or its USB adapter stopped answering: a sign of a hanging disk or adapter. Reconnect "
               "it, try another port/adapter, and check dmesg."),
    "garbled": t("The output could not be read: capture it again (smartctl --json --all) and retry."),
    "unknown-type": t("Tell fieldkit how to reach the disk: --device-types DEV=TYPE (e.g. sat, nvme, megaraid,N)."),
    "usb-bridge": t("The USB adapter does not pass SMART commands: connect the disk directly (SATA/NVMe) or via "
                  "another adapter, or give --device-types DEV=TYPE."),
    "raid-volume": t("This is a RAID volume: read the member disks through the controller "
                   "(--device-types /dev/bus/0=megaraid,N) or with the vendor tool."),
    "open-failed": t("The disk could not be opened: run as administrator and check that the disk is present."),
    "no-smart": t("The disk offers no SMART data; check it with the vendor's tool or a surface test."),
    "no-data": t("Capture smartctl -x for this disk and check it by hand."),
    "run-error": t("smartctl could not be started: check the installation."),
    "no-drives": t("Nothing to check here; on a virtual machine check the host's physical disks instead."),
    "standby": t("Nothing to do now."),
    "capture-no-data": t("Capture again on that machine with administrator rights: smartctl --json --all DEVICE "
                       "> capture.json (Windows: from an Administrator command prompt; Linux: with sudo)."),
    "bad-input": t("Check the file or folder name given to fieldkit."),
    "bad-option": t("Correct the option value and run the check again."),
}


def for_status(status: Status, kind: str) -> Advice:
    if status is Status.OK:
        return ADVICE["ok"]
    return ADVICE.get(kind, ADVICE["media"])


def fault_advice(kind: str) -> Advice:
    base = ADVICE["standby"] if kind == "standby" else ADVICE["unknown"]
    return Advice(base.meaning, FAULT_ACTIONS.get(kind, base.action) if kind != "standby" else base.action,
                  base.prevention)


def tier_for(status: Status, kind: str) -> Tier | None:
    if status is Status.OK:
        return None
    if status is Status.UNKNOWN or kind in ("cable", "heat", "recheck"):
        return Tier.ON_SITE
    return Tier.HARDWARE
