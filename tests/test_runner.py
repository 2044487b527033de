import _thread
import threading
import time

import pytest

from conftest import write_profile
from fieldkit import profiles
from fieldkit.findings import Status
from fieldkit.runner import Progress, run_scan

MACHINE = {"hostname": "testhost"}


def _profile(tmp_path, text):
    return profiles.load(str(write_profile(tmp_path, text)))


def test_hanging_and_crashing_checks_are_isolated(tmp_path, extra_checks):
    profile = _profile(tmp_path, """
[checks.sleeper]
timeout = 1
[checks.crasher]
[checks.fixed]
status = "warning"
[checks.system]
""")
    start = time.monotonic()
    result = run_scan(profile, machine=MACHINE)
    elapsed = time.monotonic() - start
    assert elapsed < 1 + 1.0, f"scan took {elapsed:.2f} s with a 1 s budget for the hanging check"
    outcomes = {c.name: c.outcome for c in result.checks}
    assert outcomes == {"sleeper": "timeout", "crasher": "error", "fixed": "completed", "system": "completed"}
    by_check = {}
    for f in result.findings:
        by_check.setdefault(f.check, []).append(f)
    assert by_check["sleeper"][0].status is Status.UNKNOWN and "1 s budget" in by_check["sleeper"][0].summary
    crash = by_check["crasher"][0]
    assert crash.status is Status.UNKNOWN and "sensor table exploded" in crash.summary
    assert "RuntimeError" in next(c for c in result.checks if c.name == "crasher").traceback
    assert by_check["fixed"][0].status is Status.WARNING
    assert any(f.subject == "memory" for f in by_check["system"]), "the system check's findings must survive"
    assert result.complete and result.status is Status.WARNING


def test_skipped_check_is_recorded_with_reason_and_no_finding(tmp_path, extra_checks):
    result = run_scan(_profile(tmp_path, "[checks.notapplicable]\n[checks.fixed]\n"), machine=MACHINE)
    record = next(c for c in result.checks if c.name == "notapplicable")
    assert record.outcome == "skipped" and record.skip_reason == "no such hardware in a test"
    assert not [f for f in result.findings if f.check == "notapplicable"]


def test_malformed_findings_become_an_unknown_error(tmp_path, extra_checks):
    result = run_scan(_profile(tmp_path, "[checks.badfindings]\n"), machine=MACHINE)
    assert result.checks[0].outcome == "error"
    assert result.findings[0].status is Status.UNKNOWN
    assert "dict" in result.findings[0].summary


def test_results_are_handed_out_after_every_check(tmp_path, extra_checks):
    profile = _profile(tmp_path, """
[checks.fixed]
delay_s = 0.3
[checks.crasher]
""")
    snapshots = []
    run_scan(profile, machine=MACHINE, on_update=lambda r: snapshots.append([c.name for c in r.checks]))
    # crasher finishes first and must be saved before fixed has finished
    assert snapshots[0] == ["crasher"]
    assert snapshots[-1] == ["crasher", "fixed"]


def test_ctrl_c_keeps_what_was_measured(tmp_path, extra_checks):
    profile = _profile(tmp_path, """
[checks.crasher]
[checks.fixed]
delay_s = 30
timeout = 60
""")

    calls = []

    def interrupt_after_first(result):
        calls.append(len(result.checks))
        if len(calls) == 1:
            raise KeyboardInterrupt

    start = time.monotonic()
    result = run_scan(profile, machine=MACHINE, on_update=interrupt_after_first)
    assert time.monotonic() - start < 5, "Ctrl-C must not wait for running checks"
    assert result.interrupted and not result.complete
    outcomes = {c.name: c.outcome for c in result.checks}
    assert outcomes == {"crasher": "error", "fixed": "interrupted"}
    assert any("Ctrl-C" in f.summary for f in result.findings if f.check == "fixed")


def test_progress_events(tmp_path, extra_checks):
    events = []

    class Recorder(Progress):
        def started(self, check, timeout_s):
            events.append(("started", check))

        def finished(self, record, findings):
            events.append(("finished", record.name, len(findings)))

    run_scan(_profile(tmp_path, "[checks.fixed]\n"), machine=MACHINE, progress=Recorder())
    assert events == [("started", "fixed"), ("finished", "fixed", 1)]


def test_a_check_that_runs_alone_starts_after_the_others_have_finished(tmp_path, extra_checks):
    # listener (RUNS_ALONE, like acoustic) is listed first; fixed takes 0.4 s and sleeper hangs
    # until its 1 s budget: listener must start only after both, with its own full budget.
    profile = _profile(tmp_path, """
[checks.listener]
delay_s = 0.2
timeout = 1
[checks.fixed]
delay_s = 0.4
[checks.sleeper]
timeout = 1
""")
    events = []

    class Recorder(Progress):
        def started(self, check, timeout_s):
            events.append(("started", check, time.monotonic()))

        def finished(self, record, findings):
            events.append(("finished", record.name, time.monotonic()))

    result = run_scan(profile, machine=MACHINE, progress=Recorder())
    order = [(kind, name) for kind, name, _ in events]
    assert order.index(("started", "listener")) > order.index(("finished", "fixed"))
    assert order.index(("started", "listener")) > order.index(("finished", "sleeper"))
    outcomes = {c.name: c.outcome for c in result.checks}
    assert outcomes == {"listener": "completed", "fixed": "completed", "sleeper": "timeout"}
    sleeper_done = next(t for kind, name, t in events if (kind, name) == ("finished", "sleeper"))
    started = next(f for f in result.findings if f.check == "listener").metrics[0].value
    assert started >= sleeper_done


def test_ctrl_c_before_a_lone_check_records_it_as_not_started(tmp_path, extra_checks):
    profile = _profile(tmp_path, "[checks.listener]\n[checks.fixed]\ndelay_s = 30\ntimeout = 60\n")
    # Ctrl-C arrives while fixed runs, before listener's turn
    threading.Timer(0.3, _thread.interrupt_main).start()
    result = run_scan(profile, machine=MACHINE)
    assert result.interrupted
    by_check = {f.check: f for f in result.findings}
    assert "before its turn" in by_check["listener"].summary
    assert {c.name: c.outcome for c in result.checks} == {"fixed": "interrupted", "listener": "interrupted"}


def test_timed_out_check_kills_its_commands(tmp_path):
    from fieldkit.context import Context, Environment
    import threading

    env = Environment()
    cancel = threading.Event()
    ctx = Context(check="x", options={}, env=env, deadline=env.monotonic() + 30, cancel=cancel)
    threading.Timer(0.3, cancel.set).start()
    start = time.monotonic()
    result = ctx.run(["sleep", "20"], timeout=20)
    assert time.monotonic() - start < 3
    assert result.timed_out and "cancelled" in result.error


def test_command_faults_are_fields_not_exceptions(make_ctx):
    ctx = make_ctx("system")
    missing = ctx.run(["fieldkit-no-such-program-xyz"])
    assert missing.not_found and not missing.ok and "not found" in missing.error
    slow = ctx.run(["sleep", "5"], timeout=0.2)
    assert slow.timed_out and slow.returncode is None
    ok = ctx.run(["sh", "-c", "echo hi; exit 3"])
    assert ok.returncode == 3 and ok.stdout.strip() == "hi" and ok.evidence().exit_code == 3
