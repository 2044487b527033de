import subprocess
import sys
import zipfile

from conftest import ROOT


def test_wheel_ships_profiles_schema_and_entry_point(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    wheel = next(tmp_path.glob("fieldkit-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry_points = next(zf.read(n).decode() for n in names if n.endswith("entry_points.txt"))
    for profile in ("quick", "full", "voip-site", "workstation", "nightly"):
        assert f"fieldkit/profiles/{profile}.toml" in names
    assert "fieldkit/schemas/scan.schema.json" in names
    # issue 7: the report renders from templates that are data files, not modules
    for data_file in ("report/templates/report.html.j2", "report/templates/report.css",
                      "schemas/report.schema.json", "schemas/visit.schema.json"):
        assert f"fieldkit/{data_file}" in names, data_file
    assert "fieldkit = fieldkit.launcher:main" in entry_points
