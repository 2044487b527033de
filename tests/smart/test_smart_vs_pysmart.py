"""fieldkit's text parser against pySMART 1.4.3 on the same captures.

Where pySMART is right the two agree (identity, attribute rows, NVMe and SCSI counters);
where pySMART has a known failure (notes/smart.md §4.5) fieldkit's guard must hold.
pySMART is fed the capture through its own injection point (a Smartctl subclass).
"""

from __future__ import annotations

import os

import pytest

from conftest import FIXTURES
from fieldkit.smart.capture import decode
from fieldkit.smart.parse_text import parse

CORPUS = FIXTURES / "smart"


@pytest.fixture(scope="module")
def pysmart():
    saved = os.environ.get("LANG")
    from pySMART import Device
    from pySMART.smartctl import Smartctl
    if saved is None:
        os.environ.pop("LANG", None)
    else:
        os.environ["LANG"] = saved

    class Replay(Smartctl):
        def __init__(self, text: str) -> None:
            super().__init__(smartctl_path="/nonexistent/smartctl")
            self.text = text

        def generic_call(self, params, pass_options=False):
            if "--all" in params:
                return self.text.splitlines(), 0
            return [], 1   # -l sataphy / -l sasphy: not captured

    def load(prefix: str, interface: str):
        path = next(CORPUS.glob(prefix + "_*"))
        text = decode(path.read_bytes())
        return Device("/dev/sdx", interface=interface, smartctl=Replay(text)), parse(text, str(path))

    return load


@pytest.mark.parametrize("prefix, interface", [("h01", "ata"), ("h02", "sat")])
def test_ata_attributes_agree(pysmart, prefix: str, interface: str) -> None:
    theirs, ours = pysmart(prefix, interface)
    assert (ours.model, ours.serial, ours.temperature_c) == (theirs.model, theirs.serial, theirs.temperature)
    rows = [a for a in theirs.attributes if a is not None]
    assert rows and len(rows) == len(ours.attributes)
    for a in rows:
        mine = ours.attributes[int(a.num)]
        assert (mine.value, mine.worst, mine.raw_string) == (int(a.value), int(a.worst), a.raw.strip())
        assert mine.when_failed == ("" if a.when_failed == "-" else mine.when_failed)
    assert len(ours.self_tests) == len(theirs.tests)


@pytest.mark.parametrize("prefix, interface", [("h04", "nvme"), ("h05", "sntasmedia"), ("h08", "nvme")])
def test_nvme_health_log_agrees(pysmart, prefix: str, interface: str) -> None:
    theirs, ours = pysmart(prefix, interface)
    ia = theirs.if_attributes
    assert (ours.model, ours.serial) == (theirs.model, theirs.serial)
    assert ours.nvme["critical_warning"] == ia.criticalWarning
    assert ours.nvme["available_spare"] == ia.availableSpare
    assert ours.nvme["available_spare_threshold"] == ia.availableSpareThreshold
    assert ours.nvme["percentage_used"] == ia.percentageUsed
    assert ours.nvme["media_errors"] == ia.integrityErrors
    assert ours.nvme["num_err_log_entries"] == ia.errorEntries     # h08: "2.888" -> 2888 in both
    # pySMART misses the double-spaced "Warning  Comp. Temperature Time" line; fieldkit reads it.
    assert ia.warningTemperatureTime is None and ours.nvme["warning_temp_time"] == 0


@pytest.mark.parametrize("prefix", ["h06", "h07"])
def test_scsi_counters_agree_except_non_medium(pysmart, prefix: str) -> None:
    theirs, ours = pysmart(prefix, "scsi")
    dg = theirs.if_attributes.diagnostics
    assert ours.serial == theirs.serial and ours.temperature_c == theirs.temperature
    assert ours.scsi["grown_defects"] == dg.Reallocated_Sector_Ct
    assert (ours.scsi["uncorrected_read"], ours.scsi["uncorrected_write"], ours.scsi["uncorrected_verify"]) == (
        dg.Uncorrected_Reads, dg.Uncorrected_Writes, dg.Uncorrected_Verifies)
    assert dg.Non_Medium_Errors is None                     # pySMART never parses it (h07: 84893)
    assert ours.scsi["non_medium"] == (84893 if prefix == "h07" else 0)


def test_model_bug_guarded(pysmart) -> None:
    theirs, ours = pysmart("h03", "ata")
    assert theirs.model == "mavlsata"                       # "Add. Product Id:" matched as "Product"
    assert ours.model == "Apacer AS340 240GB"


def test_x_output_crash_guarded(pysmart) -> None:
    with pytest.raises(ValueError, match="-O---K"):
        pysmart("f18", "ata")
    drive = parse(decode(next(CORPUS.glob("f18_*")).read_bytes()), "f18")
    assert drive.attributes[5].raw_value == 127 and len(drive.attributes) == 18
