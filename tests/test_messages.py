"""Translatable texts keep their template and parameters while reading as English."""

from fieldkit.messages import Msg, t, tn


def test_t_renders_english_and_keeps_template() -> None:
    msg = t("{count} reallocated sectors on this disk", count=5)
    assert msg == "5 reallocated sectors on this disk"
    assert msg.template == "{count} reallocated sectors on this disk"
    assert msg.to_dict() == {"id": "{count} reallocated sectors on this disk", "params": {"count": 5}}


def test_tn_picks_the_plural_by_count() -> None:
    assert tn("{n} sector", "{n} sectors", n=1) == "1 sector"
    assert tn("{n} sector", "{n} sectors", n=0) == "0 sectors"
    assert tn("{n} sector", "{n} sectors", n=3).to_dict()["plural"] == "{n} sectors"


def test_round_trip_through_json_form() -> None:
    msg = tn("{n} sector on {disk}", "{n} sectors on {disk}", n=2, disk=t("the {kind} disk", kind="SSD"))
    back = Msg.from_dict(str(msg), msg.to_dict())
    assert back == "2 sectors on the SSD disk"
    assert isinstance(back, Msg) and back.params["disk"].template == "the {kind} disk"


def test_from_dict_keeps_the_shown_text_when_the_template_no_longer_fits() -> None:
    assert Msg.from_dict("shown", {"id": "{missing} x", "params": {}}) == "shown"
    assert Msg.from_dict("plain", None) == "plain"


def test_glued_text_is_a_plain_string() -> None:
    glued = t("a {x}", x=1) + " and more"
    assert type(glued) is str
