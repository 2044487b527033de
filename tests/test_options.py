import pytest

from fieldkit.options import Option, OptionError, join_hostport, split_hostport


def test_float_range_is_enforced_with_a_readable_message():
    opt = Option("fs_warn_pct", "float", 85, min=1, max=100)
    assert opt.convert(90) == 90.0
    with pytest.raises(OptionError, match="expected a number from 1 to 100, got 150"):
        opt.convert(150)


def test_bool_is_not_a_number():
    with pytest.raises(OptionError):
        Option("n", "int").convert(True)


@pytest.mark.parametrize("value,expected", [
    ("pbx.example.com", ("pbx.example.com", 5060)),
    ("pbx.example.com:5080", ("pbx.example.com", 5080)),
    ("10.0.0.1:5061", ("10.0.0.1", 5061)),
    ("[2001:db8::1]:5060", ("2001:db8::1", 5060)),
    ("2001:db8::1", ("2001:db8::1", 5060)),
])
def test_split_hostport(value, expected):
    assert split_hostport(value, 5060) == expected


@pytest.mark.parametrize("bad", ["pbx..example.com", "-bad.example", "999.1.1.1", "host:0", "host:70000",
                                 "host:port", "exa mple.com", "[::1", ""])
def test_malformed_hosts_are_rejected(bad):
    with pytest.raises(OptionError, match="expected HOST or HOST:PORT"):
        Option("sip", "hostport", default_port=5060).convert(bad)


def test_hostport_normalises_ipv6():
    assert Option("t", "hostport", default_port=80).convert("[::1]") == "[::1]:80"
    assert join_hostport("::1", None) == "::1"


def test_multiple_requires_a_list():
    opt = Option("targets", "host", multiple=True)
    assert opt.convert(["a.example", "10.0.0.1"]) == ["a.example", "10.0.0.1"]
    with pytest.raises(OptionError, match="expected a list of"):
        opt.convert("a.example")


def test_choice_and_url():
    assert Option("codec", "choice", choices=("g711", "g729")).convert("G711") == "g711"
    with pytest.raises(OptionError, match="one of g711, g729"):
        Option("codec", "choice", choices=("g711", "g729")).convert("opus")
    with pytest.raises(OptionError, match="URL"):
        Option("url", "url").convert("ftp://x")
