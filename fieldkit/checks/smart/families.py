"""What a vendor-specific attribute means depends on the drive family, not on its number.

ATA attribute numbers above the few with a common meaning (5, 187, 188, 196, 197, 198,
199) are assigned by each maker, and the same number counts different things on
different controllers: 201 is "Soft_Read_Error_Rate" on an old Maxtor, a packed
errors/reads rate on a SandForce SSD and "Unknown_SSD_Attribute" on a drive smartctl
does not know. smartctl's drive database names the attributes of the models it knows
(the capture says "Device is: In smartctl database", and ``-v`` presets rename them); for
other drives the names are generic guesses. So the check reads a vendor attribute only
when the name comes from the database and says what the rule needs, or when the drive
belongs to a controller family whose encoding is known; everything else is listed raw
for the technician and not judged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fieldkit.smart.counters import sandforce_pair
from fieldkit.smart.model import Attribute, Drive

#: Attributes whose raw value means the same on every ATA drive (Backblaze's five plus the
#: reallocation event count and the interface CRC count). The firmware's own threshold
#: verdict (WHEN_FAILED) is read on every attribute regardless.
COMMON_MEANING = {5: "Reallocated_Sector_Ct", 187: "Reported_Uncorrect", 188: "Command_Timeout",
                  196: "Reallocated_Event_Count", 197: "Current_Pending_Sector",
                  198: "Offline_Uncorrectable", 199: "UDMA_CRC_Error_Count"}

#: Read for what they are and shown, but never a verdict on their own.
INFORMATIONAL = {9, 12, 190, 194}

#: SandForce controllers (Kingston SV300/KC300/HyperX 3K, OCZ Vertex 2/3, Corsair Force ...):
#: smartctl's database decodes 1, 195, 201 and 204 as errors/reads pairs of the ECC engine.
#: They are corrected-read rates that grow on healthy drives (issue evidence: 5 healthy
#: SHFS37A drives read "222073291 soft read errors").
SANDFORCE_RATES = {1, 195, 201, 204}

#: Seagate hard disks pack several counters into one raw48: 1 and 7 (errors in the upper
#: 16 bits, operations in the lower 32), 195 (ECC-corrected count mirrored from 1) and 188
#: (three 16-bit timeout counters, decoded in fieldkit.smart.counters.decode_188).
SEAGATE_PACKED = {1, 7, 195}


@dataclass(frozen=True)
class Family:
    key: str          # "sandforce", "seagate-hdd", "other"
    label: str        # for the technician detail


def family(drive: Drive) -> Family:
    fam = (drive.model_family or "")
    model = drive.model or ""
    if ("SandForce" in fam or any(a.name.startswith("SandForce") for a in drive.attributes.values())
            or any(sandforce_pair(a) is not None for i, a in drive.attributes.items() if i in SANDFORCE_RATES)):
        return Family("sandforce", "SandForce controller")
    solid = drive.rotation_rpm == 0
    if not solid and (fam.startswith("Seagate") or re.match(r"(ST\d|ST\w+\s)", model)):
        return Family("seagate-hdd", "Seagate hard disk")
    if fam:
        return Family("other", fam)
    return Family("other", "not in smartctl's drive database" if drive.in_drive_db is False else "unknown family")


def named(drive: Drive, attr: Attribute | None, *names: str) -> bool:
    """True when the attribute carries one of ``names`` and the name can be trusted.

    A name is trusted when smartctl's drive database knows the model (or the capture does
    not say, as JSON from smartctl < 7.3 does not), so a default guess such as
    "Spin_Retry_Count" on a solid-state drive smartctl does not know is not read as one.
    """
    if attr is None or attr.name not in names:
        return False
    return drive.in_drive_db is not False


def judged_ids(drive: Drive) -> set[int]:
    """Attribute ids a rule reads on this drive (the rest go to the technician appendix raw)."""
    ids = set(COMMON_MEANING) | INFORMATIONAL
    a = drive.attributes
    if drive.rotation_rpm != 0 and named(drive, a.get(10), "Spin_Retry_Count"):
        ids.add(10)
    if named(drive, a.get(184), "End-to-End_Error"):
        ids.add(184)
    if family(drive).key != "sandforce" and named(drive, a.get(201), "Soft_Read_Error_Rate"):
        ids.add(201)
    return ids


def not_judged_note(drive: Drive) -> str:
    """The technician line for the vendor attributes the verdict does not read, raw."""
    skip = judged_ids(drive)
    rows = [a for a in sorted(drive.attributes.values(), key=lambda x: x.id) if a.id not in skip]
    if not rows:
        return ""
    fam = family(drive)
    why = {"sandforce": "SandForce error-rate pairs (errors/reads) and controller internals",
           "seagate-hdd": "Seagate packed rate counters and vendor statistics"}.get(
        fam.key, "vendor-specific, no documented meaning for this model")
    listed = "; ".join(f"{a.id} {a.name} raw {a.raw_string}" for a in rows)
    return f"not judged ({why}): {listed}"
