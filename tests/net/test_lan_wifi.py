"""Wi-Fi from iw output: parsers on captured real outputs (tests/fixtures/wifi/SOURCES.md), never raising."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from fieldkit.context import CommandResult
from fieldkit.net.lan import wifi

WIFI = FIXTURES / "wifi"


def test_link_of_a_lede_access_point() -> None:
    link = wifi.parse_link((WIFI / "iw_link_lede.txt").read_text(), "wlan0")
    assert link.connected and link.bssid == "f4:f2:6d:22:7c:f0" and link.ssid == "LEDE-tp1043"
    assert (link.freq_mhz, link.channel, link.band) == (2462, 11, "2.4 GHz")
    assert (link.signal_dbm, link.tx_mbps, link.rx_mbps) == (-39, 13.0, None)


def test_not_connected() -> None:
    link = wifi.parse_link("Not connected.\n", "wlan0")
    assert not link.connected and link.ssid is None and link.signal_dbm is None


def test_station_dump_fills_what_link_lacks_without_overriding() -> None:
    link = wifi.WifiLink("wlan0", connected=True, signal_dbm=-60.0)
    wifi.parse_station((WIFI / "iw_station_dump_mlo.txt").read_text(), link)
    # "signal avg" and "last ack signal" must not be mistaken for the signal; link's own value wins
    assert link.signal_dbm == -60.0 and link.tx_mbps == 6.0 and link.rx_mbps == 576.4
    fresh = wifi.parse_station((WIFI / "iw_station_dump_mlo.txt").read_text(), wifi.WifiLink("wlan0", True))
    assert fresh.signal_dbm == -33


def test_scan_of_a_campus_gives_every_bss_with_channel_and_signal() -> None:
    networks = wifi.parse_scan((WIFI / "iw_scan_rpi_fr.txt").read_text())
    assert [(b.bssid, b.ssid, b.channel, b.signal_dbm) for b in networks] == [
        ("70:f0:96:d2:e0:62", "WIFI_IUTB_IOT", 1, -64.0),
        ("cc:db:93:d1:06:c0", "eduroam", 1, -83.0),
        ("5c:e1:76:7d:f7:82", "WIFI_IUTB_IOT", 6, -74.0),
        ("70:f0:96:d2:d8:01", "UM-net", 11, -84.0),
    ]
    assert networks[0].width_mhz == 20 and networks[0].freq_mhz == 2412


def test_overlapping_networks_in_2_4_ghz_are_within_four_channels() -> None:
    networks = wifi.parse_scan((WIFI / "iw_scan_rpi_fr.txt").read_text())
    link = wifi.WifiLink("wlan0", True, "WIFI_IUTB_IOT", "70:f0:96:d2:e0:62", 2412.0, -64.0)
    # channel 1: the eduroam AP on 1 and the one on 6 are not overlapping with 1? 6 is 25 MHz away: no.
    assert [b.bssid for b in wifi.overlapping(link, networks)] == ["cc:db:93:d1:06:c0"]
    on_6 = wifi.WifiLink("wlan0", True, "x", "00:00:00:00:00:01", 2437.0, -50.0)
    assert {b.channel for b in wifi.overlapping(on_6, networks)} == {6}


def test_channel_numbers_for_each_band() -> None:
    assert [wifi.channel_of(f) for f in (2412, 2484, 5180, 5825, 5955, 6415)] == [1, 14, 36, 165, 1, 93]
    assert [wifi.band_of(f) for f in (2437, 5500, 6115, 900)] == ["2.4 GHz", "5 GHz", "6 GHz", None]


def test_measure_reads_link_station_and_cached_scan_through_the_runner() -> None:
    outputs = {"link": (WIFI / "iw_link_lede.txt").read_text(),
               "station": (WIFI / "iw_station_dump_mlo.txt").read_text(),
               "scan": (WIFI / "iw_scan_rpi_fr.txt").read_text()}
    calls = []

    def run(argv, timeout):
        calls.append(argv)
        return CommandResult(list(argv), 0, outputs[argv[3]], "", 0.01)

    result = wifi.measure("wlan0", run)
    assert calls == [["iw", "dev", "wlan0", "link"], ["iw", "dev", "wlan0", "station", "dump"],
                     ["iw", "dev", "wlan0", "scan", "dump"]]
    assert result.link.ssid == "LEDE-tp1043" and result.link.rx_mbps == 576.4 and len(result.scan) == 4


def test_measure_without_iw_says_so() -> None:
    result = wifi.measure("wlan0", lambda argv, timeout: CommandResult(list(argv), None, "", "", 0.0, not_found=True,
                                                                        error="iw: command not found"))
    assert result.link is None and result.error == "the iw tool is not installed"


_lines = st.lists(st.text(max_size=60), max_size=30).map("\n".join)


@settings(deadline=None, max_examples=300)
@given(_lines)
def test_parsers_never_raise_on_arbitrary_text(text: str) -> None:
    assert isinstance(wifi.parse_link(text, "wlan0"), wifi.WifiLink)
    assert isinstance(wifi.parse_scan(text), list)
    assert isinstance(wifi.parse_station(text, wifi.WifiLink("wlan0")), wifi.WifiLink)
    link, networks = wifi.parse_nmcli(text)
    assert isinstance(networks, list) and (link is None or link.connected)


@settings(deadline=None, max_examples=100)
@given(st.data())
def test_real_outputs_with_lines_dropped_still_parse(data: st.DataObject) -> None:
    lines = (WIFI / "iw_scan_rpi_fr.txt").read_text().splitlines()
    dropped = data.draw(st.sets(st.integers(0, len(lines) - 1), max_size=40))
    kept = [line for i, line in enumerate(lines) if i not in dropped]
    for bss in wifi.parse_scan("\n".join(kept)):
        assert bss.bssid.count(":") == 5
        assert bss.signal_dbm is None or -100 <= bss.signal_dbm <= 0


def test_nmcli_table_in_a_japanese_locale() -> None:
    link, networks = wifi.parse_nmcli((WIFI / "nmcli_dev_wifi_ja.txt").read_text())
    assert link is None                      # nothing in use in this capture
    assert len(networks) == 12
    first, docomo = networks[0], networks[4]
    assert (first.bssid, first.ssid, first.channel, first.freq_mhz) == ("58:52:8a:10:f3:e7", "rs500m-10f3e4-1", 1, 2412)
    assert first.signal_dbm is None          # 100 %: clamped by NetworkManager, the dBm is unknown
    assert (docomo.ssid, docomo.signal_dbm) == ("0001docomo", -46.0)
    assert [b.channel for b in networks] == [1, 1, 6, 6, 1, 1, 1, 3, 8, 6, 6, 6]


def test_nmcli_in_use_row_is_the_association() -> None:
    text = (WIFI / "nmcli_dev_wifi_ja.txt").read_text().replace("        04:AB:18:A4:63:9D", "*       04:AB:18:A4:63:9D")
    link, _ = wifi.parse_nmcli(text)
    assert link is not None and (link.ssid, link.channel, link.signal_dbm, link.tx_mbps) == ("elecom-a4639b", 3, -56.0,
                                                                                           270.0)


def test_without_iw_the_association_comes_from_networkmanager() -> None:
    table = (WIFI / "nmcli_dev_wifi_ja.txt").read_text().replace("        10:66:82", "*       10:66:82")

    def run(argv, timeout):
        if argv[0] == "iw":
            return CommandResult(list(argv), None, "", "", 0.0, not_found=True, error="iw: command not found")
        return CommandResult(list(argv), 0, table, "", 0.05)

    result = wifi.measure("wlp3s0", run)
    assert result.error is None and result.link.ssid == "aterm-72e649-g" and result.link.interface == "wlp3s0"
    assert result.link.signal_dbm == -56.0 and len(result.scan) == 12


def test_signal_percentage_conversion_is_only_trusted_inside_the_clamp() -> None:
    assert [wifi.percent_to_dbm(p) for p in (100, 99, 53, 45, 31, 30, 0)] == [None, -21.0, -67.0, -75.0, -89.0, None,
                                                                           None]
