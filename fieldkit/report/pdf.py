"""PDF through a headless Chromium/Chrome/Edge (``--print-to-pdf``), else WeasyPrint if installed.

Neither is a hard dependency: the HTML report
is canonical and prints cleanly from any browser. Chromium runs with a fresh, empty
profile and without background networking (on a closed network its background
connections fail noisily and can delay start-up), inside a time limit; its whole
process group is killed on timeout.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "microsoft-edge",
            "microsoft-edge-stable", "msedge")
DEFAULT_TIMEOUT_S = 60.0
NO_PDF_ENGINE = ("cannot make a PDF: no Chromium, Chrome or Edge found (install one, e.g. 'apt-get install "
                 "chromium', or set FIELDKIT_CHROMIUM to its path) and WeasyPrint is not installed "
                 "('pip install weasyprint'); the HTML report (--format html) prints to PDF from any browser")


class PdfError(RuntimeError):
    """The PDF could not be produced; the message says why and what to do."""


def find_browser() -> str | None:
    configured = os.environ.get("FIELDKIT_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() or shutil.which(configured) else None
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def headless_args(browser: str, profile_dir: str) -> list[str]:
    """The command line that works on a closed network (see lab notes / machine notes)."""
    args = [browser, "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-extensions", "--disable-default-apps", "--mute-audio", f"--user-data-dir={profile_dir}"]
    from fieldkit.privileges import is_root

    if is_root():
        args.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
    return args


def run_browser(argv: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a browser command in its own process group; kill the group on timeout."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        proc.communicate()
        raise PdfError(f"the browser did not finish within {timeout:g} s ({argv[0]})") from None
    _kill_group(proc.pid)  # a helper process (zygote, crashpad) left behind would hold the profile folder
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def html_to_pdf(html: str, target: Path, *, timeout: float = DEFAULT_TIMEOUT_S) -> Path:
    browser = find_browser()
    if browser is not None:
        return _with_chromium(browser, html, target, timeout)
    try:
        import weasyprint  # type: ignore[import-not-found]
    except ImportError:
        configured = os.environ.get("FIELDKIT_CHROMIUM")
        if configured:
            raise PdfError(f"cannot make a PDF: FIELDKIT_CHROMIUM={configured} is not an executable browser "
                           "(and WeasyPrint is not installed)") from None
        raise PdfError(NO_PDF_ENGINE) from None
    weasyprint.HTML(string=html).write_pdf(str(target))
    return target


def _with_chromium(browser: str, html: str, target: Path, timeout: float) -> Path:
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fieldkit-pdf-") as work:
        page = Path(work) / "report.html"
        page.write_text(html, encoding="utf-8")
        out = Path(work) / "report.pdf"
        argv = headless_args(browser, str(Path(work) / "profile")) + [
            "--no-pdf-header-footer", f"--print-to-pdf={out}", page.as_uri()]
        done = run_browser(argv, timeout)
        if not out.is_file() or out.stat().st_size == 0:
            last = (done.stderr or "").strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
            raise PdfError(f"{browser} produced no PDF: {last[0][:300]}")
        shutil.move(str(out), str(target))
    return target
