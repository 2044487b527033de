from fieldkit.context import Environment
from fieldkit.machine import identify


def test_identity_of_this_machine():
    machine = identify()
    assert machine["hostname"] and machine["memory_bytes"] > 0 and machine["cpu_cores_logical"] >= 1
    assert len(machine["host_id"]) == 16
    assert identify()["host_id"] == machine["host_id"], "the host id must be stable between scans"


def test_firmware_placeholders_are_not_serials(tmp_path):
    dmi = tmp_path / "sys/class/dmi/id"
    dmi.mkdir(parents=True)
    (dmi / "product_serial").write_text("To be filled by O.E.M.\n")
    (dmi / "board_serial").write_text("PF2ABCDE\n")
    (dmi / "product_name").write_text("KVM\n")
    machine = identify(Environment(root=tmp_path))
    assert machine["system_serial"] is None
    assert machine["board_serial"] == "PF2ABCDE"
    assert machine["virtualization"] == "kvm"
