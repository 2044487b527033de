"""Values in the reader's notation (Babel/CLDR) and translatable texts that survive the JSON round trip."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

from fieldkit.findings import Advice, Finding, Status
from fieldkit.i18n import Translator, choose_lang, lang_from_env
from fieldkit.i18n.format import format_number
from fieldkit.messages import Msg, Quantity, day, duration, memory_size, size, t, tn


@pytest.mark.parametrize("lang, value, spec, expected", [
    ("en", 43177, "", "43,177"), ("es", 1040, "", "1.040"), ("ru", 43177, "", "43\xa0177"),
    ("de" if False else "it", 1234.5, ".1f", "1.234,5"), ("ca", 0.25, ".2f", "0,25"), ("en", 3601.4, "+.0f", "+3,601"),
    ("ru", 12.0, ".2f", "12,00"), ("es", 2.5, "", "2,5"), ("en", 7, "d", "7"),
])
def test_numbers_follow_the_locale(lang, value, spec, expected):
    assert format_number(value, spec, lang) == expected


def test_quantities_in_each_language():
    assert size(15 * 10**9).render("es") == "15 GB"
    assert memory_size(16 * 2**30).render("ru") == "16 ГБ"
    assert duration(3 * 86400).render("es") == "3 días"
    assert duration(5 * 86400).render("ru") == "5 дней"
    assert day(date(2026, 12, 2)).render("es") == "2 dic 2026"
    assert day(date(2026, 12, 2)).render("en") == "Dec 2, 2026"


def test_a_message_is_translated_with_its_parameters_formatted():
    msg = t("Storage {mount} ({device}, {fstype}) is {pct:.1f}% full, {free} free", mount="/", device="/dev/sda2",
            fstype="ext4", pct=97.04, free=size(15 * 10**9))
    assert msg == "Storage / (/dev/sda2, ext4) is 97.0% full, 15 GB free"
    assert Translator("es").text(msg, "system") == "Almacenamiento / (/dev/sda2, ext4) lleno al 97,0%, 15 GB libres"


def test_a_text_not_in_any_catalog_is_english_and_counted():
    tr = Translator("it")
    assert tr.text(t("A sentence nobody translated: {x}", x=1040), "system") == "A sentence nobody translated: 1.040"
    assert tr.untranslated == {"A sentence nobody translated: {x}"}
    assert tr.text("a plain string from an old scan", "smart") == "a plain string from an old scan"
    assert "a plain string from an old scan" in tr.untranslated
    assert Translator("en").untranslated == set()


def test_quantities_survive_the_json_form():
    msg = t("Running for {uptime} since the last restart", uptime=duration(90 * 86400))
    back = Msg.from_dict(str(msg), json.loads(json.dumps(msg.to_dict())))
    assert isinstance(back, Msg) and back.params["uptime"] == Quantity("duration", 90 * 86400)
    assert Translator("ru").text(back, "system") == "Работает без перезагрузки уже 3 месяца"


def test_finding_keeps_its_texts_translatable_through_json_and_old_documents_still_load():
    finding = Finding("system", "memory", Status.WARNING,
                      tn("{n} program is using most memory", "{n} programs are using most memory", n=3),
                      advice=Advice(meaning=t("The computer is running short of memory, which makes it slow and can "
                                              "make programs close unexpectedly."),
                                    action="Call us.", prevention=""))
    doc = json.loads(json.dumps(finding.to_dict()))
    assert doc["summary"] == "3 programs are using most memory"  # the English text stays for every consumer
    assert doc["i18n"]["summary"] == {"id": "{n} program is using most memory",
                                      "plural": "{n} programs are using most memory", "params": {"n": 3}}
    assert set(doc["i18n"]["advice"]) == {"meaning"}  # a plain string has no translatable form
    back = Finding.from_dict(doc)
    assert isinstance(back.summary, Msg) and isinstance(back.advice.meaning, Msg)
    assert not isinstance(back.advice.action, Msg)
    assert Translator("es").text(back.advice.meaning, "system").startswith("Al equipo le falta memoria")
    old = {k: v for k, v in doc.items() if k != "i18n"}
    legacy = Finding.from_dict(old)
    assert legacy.summary == "3 programs are using most memory" and not isinstance(legacy.summary, Msg)
    assert "i18n" not in Finding("system", "x", Status.OK, "plain").to_dict()


def test_a_template_that_no_longer_fits_its_parameters_keeps_the_shown_text():
    doc = {"id": "{count} sectors on {disk}", "params": {"count": 3}}
    assert Msg.from_dict("3 sectors on sda", doc) == "3 sectors on sda"
    assert not isinstance(Msg.from_dict("3 sectors on sda", doc), Msg)


@pytest.mark.parametrize("env, expected", [
    ({"LANG": "es_ES.UTF-8"}, "es"), ({"LANG": "ru_RU.UTF-8"}, "ru"), ({"LANG": "ca_ES@valencia"}, "ca"),
    ({"LANG": "C.UTF-8"}, "en"), ({"LANG": "fr_FR.UTF-8"}, "en"), ({}, "en"),
    ({"LC_ALL": "it_IT.UTF-8", "LANG": "es_ES.UTF-8"}, "it"), ({"LANGUAGE": "fr:ca", "LANG": "es_ES"}, "ca"),
])
def test_language_from_the_machine_locale(env, expected):
    assert lang_from_env(env) == expected


def test_report_language_order_explicit_visit_profile_machine():
    env = {"LANG": "ru_RU.UTF-8"}
    assert choose_lang("it", visit={"lang": "es"}, profile={"lang": "ca"}, environ=env) == "it"
    assert choose_lang(None, visit={"lang": "es"}, profile={"lang": "ca"}, environ=env) == "es"
    assert choose_lang(None, visit={"customer": "x"}, profile={"lang": "ca"}, environ=env) == "ca"
    assert choose_lang(None, visit=None, profile=None, environ=env) == "ru"
    assert choose_lang(None, visit={"lang": "xx"}, environ={}) == "en"


def test_dates_in_datetime_parameters_use_the_locale():
    when = datetime(2026, 12, 2, 9, 30, tzinfo=timezone.utc)
    assert "dic" in Translator("es").text(t("Seen on {when}", when=day(when)))


def test_a_list_of_texts_inside_a_sentence_is_translated_item_by_item():
    from fieldkit.messages import joined

    what = joined([t("gateway {offered} (this computer uses {used})", offered="10.0.0.1", used="10.0.0.254"),
                   t("DNS {offered} (this computer uses {used})", offered="8.8.8.8", used="10.0.0.254")])
    msg = t("The DHCP server {server} offers different settings than this computer uses: {what}", server="10.0.0.1",
            what=what)
    assert msg.endswith("uses: gateway 10.0.0.1 (this computer uses 10.0.0.254); DNS 8.8.8.8 (this computer uses "
                        "10.0.0.254)")
    back = Msg.from_dict(str(msg), json.loads(json.dumps(msg.to_dict())))
    es = Translator("es").text(back, "lan")
    assert es == ("El servidor DHCP 10.0.0.1 ofrece ajustes distintos de los que usa este equipo: puerta de enlace "
                  "10.0.0.1 (este equipo usa 10.0.0.254); DNS 8.8.8.8 (este equipo usa 10.0.0.254)")
    redacted = back.map_params(lambda s: s.replace("10.0.0.254", "192.0.2.1"))
    assert "10.0.0.254" not in Translator("ru").text(redacted, "lan") and "192.0.2.1" in str(redacted)


@pytest.mark.parametrize("value, spec", [(10.95, ".1f"), (2.675, ".2f"), (0.125, ".2f"), (4.385, ".2f"), (12.25, ".1f")])
def test_a_fixed_point_number_is_rounded_as_the_english_text_rounds_it(value, spec):
    """The English sentence is made with format(); the report must show the same digits in every locale."""
    english = format(value, spec)
    assert format_number(value, spec, "en") == english
    assert format_number(value, spec, "es") == english.replace(",", "").replace(".", ",")


@pytest.mark.parametrize("lang", ["en", "es", "ru"])
def test_cached_numbers_are_the_numbers_formatted_afresh(lang):
    """format_number memoises its answers: the memo gives what a fresh format gives, keeps 1 and 1.0 (equal
    keys) and 0.0 and -0.0 apart, and every spec of the report's texts."""
    from fieldkit.i18n.format import _format_number

    values = [0, 1, 7, -3, 1040, 43177, 10**12, 1.0, 0.0, -0.0, 2.5, -2.5, 0.125, 97.04, 1234.5678, 1e-7, 3601.4,
              float("nan"), float("inf"), True]
    for spec in ("", "d", ".0f", ".1f", ".2f", ".3f", "+.0f", ".3g", "g", "n", ".1%", "%", ">8"):
        for value in values:
            try:
                fresh = _format_number(value, spec, lang)
            except Exception as exc:  # noqa: BLE001 - a value the spec cannot show: the memo fails the same way
                with pytest.raises(type(exc)):
                    format_number(value, spec, lang)
                continue
            assert format_number(value, spec, lang) == fresh, (value, spec)
            assert format_number(value, spec, lang) == fresh, (value, spec)  # now from the memo
    assert format_number(-0.0, ".1f", lang) == _format_number(-0.0, ".1f", lang)


def test_a_text_with_only_texts_to_fill_in_reads_as_the_general_formatter_gives_it():
    import string

    from fieldkit.i18n.format import LocaleFormatter

    formatter = LocaleFormatter("es")
    for template, params in [("Machine {name}", {"name": "pc-01"}), ("{a!r} {b:>6} {c[0]} {d}", {
            "a": "x'y", "b": "ab", "c": "zq", "d": "\u202eevil"}), ("plain", {}), ("{n} items", {"n": 1040})]:
        assert formatter.format(template, **params) == string.Formatter.vformat(formatter, template, (), params)
    with pytest.raises(KeyError):
        formatter.format("{missing}", other="x")
