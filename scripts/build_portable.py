#!/usr/bin/env python3
"""Build the portable fieldkit: dist/fieldkit-<version>-linux-x86_64/ and its .tar.gz (make portable).

The folder holds the PyInstaller build (Python runtime, every dependency, templates,
schemas, profiles, translations) and ``tools/smartctl/``: the machine's smartctl with
the shared libraries it needs beyond glibc, its licence (GPL-2.0) and where its source
is. ``--if-stale`` rebuilds only when an input changed since the last build (the test
suite builds once per run this way).

Prints one line per step and, at the end, the size, the oldest glibc the build needs
and where it is.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAMP = "BUILD-INPUTS.sha256"
# Libraries every Linux has with its glibc; copying them would break the loader.
_GLIBC_LIBS = re.compile(r"^(linux-vdso|linux-gate|ld-linux|libc|libm|libdl|libpthread|librt|libutil|libresolv)[.-]")


def version() -> str:
    text = (ROOT / "fieldkit" / "__init__.py").read_text(encoding="utf-8")
    m = re.search(r'__version__\s*=\s*"([^"]+)"', text)
    if not m:
        raise SystemExit("fieldkit/__init__.py: no __version__")
    return m.group(1)


def build_name() -> str:
    machine = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64"}.get(platform.machine().lower(),
                                                                             platform.machine().lower())
    return f"fieldkit-{version()}-linux-{machine}"


def inputs_digest() -> str:
    """A hash over every file that goes into the build (sources, data, profiles, packaging)."""
    digest = hashlib.sha256()
    files: list[Path] = []
    for folder in ("fieldkit", "profiles", "packaging"):
        files += [p for p in (ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and p.suffix not in (".pyc", ".mo")]
    files += [ROOT / "pyproject.toml", Path(__file__).resolve()]
    for path in sorted(files):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def compile_catalogs() -> list[Path]:
    """gettext catalogs (.po) in the package -> .mo next to them, so the build carries the translations.

    The project's own step (``scripts/i18n.py compile``, ``make i18n-compile``) when it exists,
    else Babel or msgfmt on every .po found.
    """
    project_step = ROOT / "scripts" / "i18n.py"
    if project_step.is_file():
        subprocess.run([sys.executable, str(project_step), "compile"], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        return sorted((ROOT / "fieldkit").rglob("*.mo"))
    done = []
    for po in sorted((ROOT / "fieldkit").rglob("*.po")):
        mo = po.with_suffix(".mo")
        try:
            from babel.messages.mofile import write_mo
            from babel.messages.pofile import read_po
        except ImportError:
            msgfmt = shutil.which("msgfmt")
            if not msgfmt:
                raise SystemExit(f"{po}: cannot compile the catalog: install Babel (pip) or gettext (msgfmt)")
            subprocess.run([msgfmt, "-o", str(mo), str(po)], check=True)
        else:
            with po.open("rb") as src:
                catalog = read_po(src)
            with mo.open("wb") as dst:
                write_mo(dst, catalog)
        done.append(mo)
    return done


def _libraries(binary: Path) -> list[Path]:
    out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True).stdout
    libs = []
    for line in out.splitlines():
        m = re.match(r"\s*(\S+)\s+=>\s+(/\S+)", line)
        if m and not _GLIBC_LIBS.match(m.group(1)):
            libs.append(Path(m.group(2)))
    return libs


_WRAPPER = """#!/bin/sh
# smartctl from smartmontools (GPL-2.0-or-later), shipped with fieldkit's portable build.
# Licence: COPYING and copyright in this folder; where its source is: SOURCE.txt.
# The libraries it needs beyond glibc are in lib/, found through LD_LIBRARY_PATH.
here=$(dirname "$0")
LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "$here/smartctl.bin" "$@"
"""


def bundle_smartctl(dest: Path) -> str:
    smartctl = shutil.which("smartctl") or next((p for p in ("/usr/sbin/smartctl", "/sbin/smartctl")
                                                 if Path(p).exists()), None)
    if smartctl is None:
        raise SystemExit("smartctl not found on the build machine: apt-get install smartmontools")
    real = Path(smartctl).resolve()
    folder = dest / "tools" / "smartctl"
    (folder / "lib").mkdir(parents=True, exist_ok=True)
    shutil.copy2(real, folder / "smartctl.bin")
    for lib in _libraries(real):
        shutil.copy2(lib.resolve(), folder / "lib" / lib.name)
    wrapper = folder / "smartctl"
    wrapper.write_text(_WRAPPER, encoding="utf-8")
    wrapper.chmod(0o755)
    ver = subprocess.run([str(real), "--version"], capture_output=True, text=True).stdout.splitlines()[:1]
    smart_version = ver[0] if ver else "smartctl (version unknown)"
    deb_version = ""
    if shutil.which("dpkg-query"):
        deb_version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "smartmontools"], capture_output=True,
                                     text=True).stdout.strip()
    licence_found = False
    for src, name in ((Path("/usr/share/common-licenses/GPL-2"), "COPYING"),
                      (Path("/usr/share/doc/smartmontools/copyright"), "copyright")):
        if src.exists():
            shutil.copy2(src, folder / name)
            licence_found = True
    if not licence_found:
        raise SystemExit("smartmontools' licence text not found (/usr/share/common-licenses/GPL-2): "
                         "cannot ship smartctl without it")
    upstream = re.search(r"smartctl (\d+\.\d+)", smart_version)
    (folder / "SOURCE.txt").write_text(
        f"{smart_version}\n"
        + (f"Debian package smartmontools {deb_version}\n" if deb_version else "")
        + "\nsmartctl is part of smartmontools, licensed under the GNU General Public License version 2\n"
        "or later (COPYING; copyright holders in 'copyright'). It is shipped unmodified.\n\n"
        "Its source code:\n"
        + (f"  https://sources.debian.org/src/smartmontools/{deb_version}/  (the exact source of this binary;\n"
           f"  also: apt-get source smartmontools={deb_version})\n" if deb_version else "")
        + (f"  https://github.com/smartmontools/smartmontools/releases (upstream {upstream.group(1)})\n"
           if upstream else "")
        + "  https://www.smartmontools.org/\n"
        "The fieldkit maintainers will also supply the corresponding source on request for three years\n"
        "after distributing this build.\n", encoding="utf-8")
    return smart_version


def glibc_needed(folder: Path) -> str:
    """The highest GLIBC_x.y symbol version any ELF file of the build asks for: the oldest glibc it runs on."""
    best = (0, 0)
    objdump = shutil.which("objdump")
    for path in folder.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        with path.open("rb") as fh:
            if fh.read(4) != b"\x7fELF":
                continue
        if objdump:
            text = subprocess.run([objdump, "-T", str(path)], capture_output=True, text=True).stdout
            found = re.findall(r"\(?GLIBC_(\d+)\.(\d+)", text)
        else:
            found = re.findall(rb"GLIBC_(\d+)\.(\d+)", path.read_bytes())
        for major, minor in found:
            best = max(best, (int(major), int(minor)))
    return f"{best[0]}.{best[1]}"


def tree_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def build(out: Path, if_stale: bool) -> Path:
    name = build_name()
    dest = out / name
    digest = inputs_digest()
    if if_stale and (dest / STAMP).is_file() and (dest / STAMP).read_text().strip() == digest \
            and (out / f"{name}.tar.gz").is_file():
        print(f"up to date: {dest}")
        return dest
    started = time.monotonic()
    catalogs = compile_catalogs()
    if catalogs:
        print(f"compiled {len(catalogs)} translation catalogs")
    work = ROOT / "build" / "portable"
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
           "--distpath", str(work / "dist"), "--workpath", str(work / "work"), str(ROOT / "packaging" / "fieldkit.spec")]
    print("pyinstaller: building (a few minutes)")
    subprocess.run(cmd, check=True, cwd=ROOT)
    if dest.exists():
        shutil.rmtree(dest)
    out.mkdir(parents=True, exist_ok=True)
    shutil.move(str(work / "dist" / "fieldkit"), str(dest))
    smart_version = bundle_smartctl(dest)
    glibc = glibc_needed(dest)
    (dest / "BUILD-INFO.txt").write_text(
        f"fieldkit {version()} portable build for Linux {platform.machine()}\n"
        f"built {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} with Python {platform.python_version()}\n"
        f"needs glibc >= {glibc} (build machine: glibc {platform.libc_ver()[1]})\n"
        f"bundled: {smart_version} (tools/smartctl, GPL-2.0-or-later: see COPYING and SOURCE.txt there)\n"
        "data: a folder 'fieldkit-data' next to the 'fieldkit' executable (or next to this folder),\n"
        "or FIELDKIT_HOME, keeps history, visits, reports, config and branding on the stick.\n", encoding="utf-8")
    (dest / STAMP).write_text(digest + "\n", encoding="utf-8")
    tarball = out / f"{name}.tar.gz"
    tmp = tarball.with_suffix(".gz.part")
    with tarfile.open(tmp, "w:gz", compresslevel=6) as tar:
        tar.add(dest, arcname=name)  # symlinks stay symlinks (PyInstaller 6 uses them)
    tmp.replace(tarball)
    print(f"built {dest} in {time.monotonic() - started:.0f} s")
    print(f"size: folder {tree_size(dest) / 1e6:.1f} MB, {tarball.name} {tarball.stat().st_size / 1e6:.1f} MB")
    print(f"needs glibc >= {glibc}")
    return dest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "dist"), help="output folder (default: dist/)")
    parser.add_argument("--if-stale", action="store_true", help="skip the build when nothing changed since the last")
    parser.add_argument("--print-path", action="store_true", help="only print where the build is (or would be)")
    args = parser.parse_args()
    if args.print_path:
        print(Path(args.out).absolute() / build_name())
        return 0
    build(Path(args.out).absolute(), args.if_stale)
    return 0


if __name__ == "__main__":
    sys.exit(main())
