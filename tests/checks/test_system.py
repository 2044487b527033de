import time
from types import SimpleNamespace

from fieldkit.checks import system
from fieldkit.context import Environment
from fieldkit.findings import Status


def _by_subject(findings):
    return {f.subject: f for f in findings}


def test_real_machine_inventory_and_health(make_ctx):
    findings = system.run(make_ctx("system"))
    subjects = _by_subject(findings)
    assert "memory" in subjects and "uptime" in subjects and "clock" in subjects
    inventory = next(f for f in findings if f.rule == "inventory")
    assert inventory.metric("memory_total_bytes").value > 0
    assert inventory.data["partitions"] and inventory.data["interfaces"]
    assert any(f.rule == "fs-usage" and f.subject == "/" for f in findings)


def test_filesystem_thresholds_come_from_the_options(make_ctx):
    root = _by_subject(system.run(make_ctx("system", fs_warn_pct=1, fs_crit_pct=100)))["/"]
    assert root.status is Status.WARNING and root.metric("used_pct").warn == 1
    assert "full" in root.advice.meaning
    root = _by_subject(system.run(make_ctx("system", fs_warn_pct=99, fs_crit_pct=100)))["/"]
    assert root.status is Status.OK


def test_memory_pressure_threshold(make_ctx):
    memory = _by_subject(system.run(make_ctx("system", mem_available_warn_pct=100, mem_available_crit_pct=0)))["memory"]
    assert memory.status is Status.WARNING and memory.advice.action


def _sysfs(tmp_path, files):
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return Environment(root=tmp_path)


def test_battery_wear_from_sysfs(tmp_path, make_ctx):
    env = _sysfs(tmp_path, {"sys/class/power_supply/BAT0/type": "Battery\n",
                            "sys/class/power_supply/BAT0/energy_full": "30000000\n",
                            "sys/class/power_supply/BAT0/energy_full_design": "50000000\n",
                            "sys/class/power_supply/BAT0/cycle_count": "812\n",
                            "sys/class/power_supply/AC/type": "Mains\n"})
    battery = _by_subject(system.run(make_ctx("system", env=env)))["battery BAT0"]
    assert battery.status is Status.WARNING  # 40% lost: warn 30, crit 50
    assert battery.metric("wear_pct").value == 40.0 and battery.metric("cycle_count").value == 812
    assert "60%" in battery.advice.meaning


def test_clock_checks(tmp_path, make_ctx):
    now = time.time()
    env = _sysfs(tmp_path, {"sys/class/rtc/rtc0/since_epoch": f"{int(now) - 3600}\n"})
    clock = _by_subject(system.run(make_ctx("system", env=env)))["clock"]
    assert clock.status is Status.WARNING and "local time" in clock.summary  # exactly one hour off
    env = Environment(root=tmp_path, clock=lambda: 978307200.0)  # 2001-01-01: a dead CMOS battery
    findings = _by_subject(system.run(make_ctx("system", env=env)))
    assert findings["clock"].status is Status.CRITICAL and "battery" in findings["clock"].advice.action
    assert findings["uptime"].status is Status.WARNING  # boot time lies in the future


def test_long_uptime_is_a_warning(make_ctx):
    env = Environment(clock=lambda: time.time() + 200 * 86400)
    uptime = _by_subject(system.run(make_ctx("system", env=env, uptime_warn_days=60)))["uptime"]
    assert uptime.status is Status.WARNING and uptime.metric("uptime_days").value > 199


def test_cpu_temperature_uses_the_tighter_of_profile_and_chip_limits(make_ctx):
    # psutil reports no sensors on this VM; feed the function what psutil returns on a laptop.
    reading = SimpleNamespace(label="Package id 0", current=88.0, high=84.0, critical=100.0)
    fake_psutil = SimpleNamespace(sensors_temperatures=lambda: {"coretemp": [reading]})
    finding = system._temperatures(make_ctx("system"), fake_psutil)[0]
    assert finding.status is Status.WARNING and finding.metric("temperature_c").warn == 84.0
    reading.current = 97.0
    assert system._temperatures(make_ctx("system"), fake_psutil)[0].status is Status.CRITICAL
