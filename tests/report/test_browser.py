"""A real headless Chromium opens reports built with hostile strings: no script runs, nothing is fetched.

How "no script ran" is proven: every payload, if it ran, would leave a trace the test
can see from outside the page: it would set ``document.title`` or a ``data-pwned``
attribute (visible in ``--dump-dom``, the DOM *after* scripts ran), or request a URL
from a local HTTP server the test runs (the server records every request). A
positive control page with the same payloads unescaped shows that the traces do
appear when script runs, so their absence in the report means something.

CI also prints a report to PDF and rasterises its first page with pdftoppm, asserting
that the page is not blank and that the PDF's text carries the verdict.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import fieldkit_cmd, need
from fieldkit import report
from fieldkit.report.pdf import find_browser, headless_args, run_browser

from report_samples import hostile_text, sample_scan, sample_visit, smart_findings

pytestmark = pytest.mark.real

CANARY_PREFIX = "/canary-"


class _Canary:
    """A loopback HTTP server that serves the pages under test and records every other request."""

    def __init__(self, pages: dict[str, str]) -> None:
        self.pages = pages
        self.requests: list[str] = []
        canary = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                body = canary.pages.get(self.path)
                if body is None:
                    canary.requests.append(self.path)
                    self.send_response(404)
                    self.end_headers()
                    return
                data = body.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "_Canary":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _payloads(port: int, refresh: bool = True) -> str:
    """Every payload, including ones that would fetch from the canary server.

    The meta refresh would navigate away; the positive control leaves it out so that its
    DOM dump is still of the control page.
    """
    base = f"http://127.0.0.1:{port}{CANARY_PREFIX}"
    # The fetching payloads come first: in the unescaped control, the "</style><script>...<style>"
    # payload leaves a <style> open that swallows everything after it.
    return (f'<script>fetch("{base}fetch")</script> <img src="{base}img">'
            f' <link rel="stylesheet" href="{base}css"> <iframe src="{base}iframe"></iframe>'
            f' <object data="{base}object"></object> <svg><image href="{base}svgimage"/></svg>'
            f' <style>@import url("{base}import");</style>'
            + (f' <meta http-equiv="refresh" content="0;url={base}refresh">' if refresh else "")
            + " " + hostile_text())


def _browser() -> str:
    browser = find_browser()
    need(browser, "no Chromium/Chrome installed (package chromium, scripts/system-packages.txt)")
    return browser  # type: ignore[return-value]


def _dump_dom(browser: str, url: str, profile: Path) -> str:
    # --virtual-time-budget lets timers, onerror handlers and fetches settle before the DOM is dumped
    done = run_browser(headless_args(browser, str(profile)) + ["--virtual-time-budget=3000", "--dump-dom", url],
                       timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _hostile_report(port: int) -> str:
    evil = _payloads(port)
    scan = sample_scan(hostname=evil, visit=sample_visit(customer=evil, technician=evil, notes=[
        {"time": "2026-11-23T09:00:00Z", "text": evil, "kind": "note"}]))
    drive = smart_findings("/dev/sdb", evil, model=evil, pending=3)[0]
    drive.summary, drive.detail = evil, evil
    drive.evidence[0].excerpt = evil
    drive.data["attributes"][0]["name"] = evil
    scan.findings.append(drive)
    scan.extra["changes_since_last"] = [{"check": "smart", "subject": evil, "before": evil, "after": evil,
                                         "summary": evil}]
    return report.render([scan], "html")


def _assert_nothing_ran(dom: str, canary: _Canary, expected_title_start: str) -> None:
    title = re.search(r"<title>(.*?)</title>", dom, re.S).group(1)
    assert title.startswith(expected_title_start), title
    assert "PWNED" not in title.split("–")[0]
    assert title not in ("PWNED-SCRIPT", "PWNED-STYLE", "PWNED-TITLE")
    body = re.search(r"<body[^>]*>", dom).group(0)
    assert "data-pwned" not in body, body
    assert canary.requests == [], canary.requests
    # the payload is on the page as visible text
    assert "&lt;script&gt;document.title=" in dom


def test_positive_control_detects_script_that_runs(tmp_path: Path):
    browser = _browser()
    with _Canary({}) as canary:
        canary.pages["/control.html"] = (f"<!DOCTYPE html><html><head><title>control</title></head><body>"
                                         f"{_payloads(canary.port, refresh=False)}</body></html>")
        dom = _dump_dom(browser, canary.url("/control.html"), tmp_path / "profile")
        title = re.search(r"<title>(.*?)</title>", dom, re.S).group(1)
        assert title.startswith("PWNED")
        assert "data-pwned" in re.search(r"<body[^>]*>", dom).group(0)
        fetched = set(canary.requests)
        for path in ("fetch", "img", "css", "iframe"):
            assert CANARY_PREFIX + path in fetched, (path, fetched)


def test_hostile_report_runs_no_script_and_fetches_nothing(tmp_path: Path):
    browser = _browser()
    with _Canary({}) as canary:
        canary.pages["/report.html"] = _hostile_report(canary.port)
        dom = _dump_dom(browser, canary.url("/report.html"), tmp_path / "profile")
        _assert_nothing_ran(dom, canary, "Visit report – ")


def test_escaping_alone_is_enough_without_the_csp(tmp_path: Path):
    """The CSP is a second line of defence; the escaping must hold on its own."""
    browser = _browser()
    with _Canary({}) as canary:
        html = _hostile_report(canary.port)
        without_csp, removed = re.subn(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
        assert removed == 1
        canary.pages["/report.html"] = without_csp
        dom = _dump_dom(browser, canary.url("/report.html"), tmp_path / "profile")
        _assert_nothing_ran(dom, canary, "Visit report – ")


def test_hostile_report_opened_from_a_file(tmp_path: Path):
    """As the customer opens it: a file:// page (the report is emailed, saved, double-clicked)."""
    browser = _browser()
    with _Canary({}) as canary:
        page = tmp_path / "report.html"
        page.write_text(_hostile_report(canary.port), encoding="utf-8")
        dom = _dump_dom(browser, page.as_uri(), tmp_path / "profile")
        _assert_nothing_ran(dom, canary, "Visit report – ")


# --------------------------------------------------------------------------- PDF

def _png_pixels(data: bytes) -> tuple[int, int, int, bytes]:
    """Decode an 8-bit greyscale/RGB PNG (what pdftoppm writes): width, height, channels, raw pixels."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    width = height = channels = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        payload = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", payload[:10])
            assert depth == 8
            channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
        elif kind == b"IDAT":
            idat += payload
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    out = bytearray()
    previous = bytearray(stride)
    for row in range(height):
        filter_type = raw[row * (stride + 1)]
        line = bytearray(raw[row * (stride + 1) + 1:(row + 1) * (stride + 1)])
        for i in range(stride):  # PNG filters (RFC 2083 section 6)
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            up_left = previous[i - channels] if i >= channels else 0
            if filter_type == 1:
                line[i] = (line[i] + left) & 0xFF
            elif filter_type == 2:
                line[i] = (line[i] + up) & 0xFF
            elif filter_type == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif filter_type == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else up_left
                line[i] = (line[i] + predictor) & 0xFF
        out += line
        previous = line
    return width, height, channels, bytes(out)


def test_pdf_first_page_is_not_blank(tmp_path: Path):
    _browser()
    need(shutil.which("pdftoppm"), "pdftoppm missing (package poppler-utils, scripts/system-packages.txt)")
    scans = []
    for i, host in enumerate(("pc-front", "pc-back"), 1):
        scans.append(sample_scan(host, seed=i, serial=f"WD-{i}", visit=sample_visit()).write(tmp_path / f"{host}.json"))
    pdf = tmp_path / "site.pdf"
    env = {**os.environ, "FIELDKIT_HOME": str(tmp_path / "home")}
    done = subprocess.run(fieldkit_cmd() + ["report", *map(str, scans), "--format", "pdf", "--out", str(pdf)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert pdf.read_bytes()[:5] == b"%PDF-"
    subprocess.run(["pdftoppm", "-png", "-gray", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True, timeout=60)
    page = next(tmp_path.glob("page*.png"))
    width, height, channels, pixels = _png_pixels(page.read_bytes())
    assert width > 200 and height > 280  # A4 at 40 dpi is 331 x 468
    dark = sum(1 for value in pixels[::channels] if value < 128)
    assert dark / (width * height) > 0.005, "the first page is blank"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True,
                              timeout=60).stdout
        assert "Site visit report" in text and "Urgent" in text


def test_no_browser_process_outlives_the_pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import tempfile

    _browser()
    # a temporary folder of this test's own, so another PDF being made on the machine meanwhile
    # (a second test run, a technician's report) is not mistaken for a leftover of this one
    own_tmp = tmp_path / "tmp"
    own_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(own_tmp))
    report.write_report([sample_scan()], tmp_path / "one.pdf", "pdf")
    assert (tmp_path / "one.pdf").stat().st_size > 10_000
    # every process of that run had "fieldkit-pdf-" in its --user-data-dir; none may remain
    pattern = f"user-data-dir={own_tmp}/fieldkit-pdf-"
    leftovers = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
    assert leftovers.stdout.strip() == "", leftovers.stdout
