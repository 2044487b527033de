"""The technician's company on the report, the sign-off block, and the customer's language kept by a visit
or a profile."""

from __future__ import annotations

import base64
import json

import pytest
from click.testing import CliRunner

from fieldkit import report
from fieldkit.cli import cli
from fieldkit.report.branding import BrandingError, load_brand
from fieldkit.report.model import css_string

from . import fixture_scans

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDKIT_HOME", str(tmp_path))
    (tmp_path / "config").mkdir()
    return tmp_path


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    return fixture_scans.every_rule_scan(tmp_path_factory.mktemp("rules"), visit=fixture_scans.visit())


def test_company_with_logo_in_the_header_and_the_pdf_footer(home, scan):
    (home / "config" / "logo.png").write_bytes(PNG)
    (home / "config" / "branding.toml").write_text(
        'name = "Levante Sistemas S.L."\nlogo = "logo.png"\naddress = "Carrer de Colón 12, València"\n'
        'phone = "+34 960 000 000"\nemail = "soporte@levante.example"\nwebsite = "https://levante.example"\n')
    html = report.render([scan], "html", lang="es")
    header = html.split("<header>", 1)[1].split("</header>", 1)[0]
    assert "Levante Sistemas S.L." in header and "+34 960 000 000" in header and "soporte@levante.example" in header
    assert f'src="data:image/png;base64,{base64.b64encode(PNG).decode()}"' in header  # embedded, no file link
    assert '"Página " counter(page) " de " counter(pages)' in html  # translated page numbers in the footer
    assert "Levante Sistemas S" in html.split("@bottom-left", 1)[1].split("}", 1)[0]
    md = report.render([scan], "md", lang="es")
    assert md.startswith("**Levante Sistemas S.L.**")


def test_no_branding_file_means_no_company_block(home, scan):
    assert load_brand() is None
    html = report.render([scan], "html", lang="en")
    assert 'class="brand"' not in html and "Page " in html


@pytest.mark.parametrize("content, message", [
    ('name = "x"\nfax = "1"\n', "fax: unknown key"),
    ('name = 3\n', "name: expected a text"),
    ('name = "x"\nlogo = "logo.gif"\n', "logo: logo.gif is not a PNG, JPEG or SVG file"),
    ('name = "x"\nlogo = "missing.png"\n', "logo: cannot read"),
    ('name = "x"\nlogo = "fake.png"\n', "logo: fake.png does not hold a PNG image"),
    ('name = [\n', "not valid TOML"),
])
def test_a_wrong_branding_file_is_one_line_naming_file_and_key(home, scan, content, message):
    (home / "config" / "fake.png").write_text("not a picture")
    (home / "config" / "branding.toml").write_text(content)
    with pytest.raises(BrandingError, match=message):
        load_brand()
    with pytest.raises(report.ReportError, match="branding.toml"):
        report.render([scan], "html")


def test_company_name_cannot_break_out_of_the_css_string():
    hostile = 'Acme"; } body { display:none } </style><script>alert(1)</script>'
    literal = css_string(hostile)
    assert literal.startswith('"') and literal.endswith('"')
    inner = literal[1:-1]
    assert '"' not in inner and "<" not in inner and "}" not in inner and "Acme" in inner


def test_signoff_lists_work_done_next_steps_by_urgency_and_signature_lines(scan):
    html = report.render([scan], "html", lang="ca")
    signoff = html.split('<section id="signoff"', 1)[1].split("</section>", 1)[0]
    assert "cable SATA cambiado" in signoff  # the visit's action
    assert "De seguida" in signoff and "En les properes setmanes" in signoff  # CRITICAL and WARNING steps
    assert signoff.index("De seguida") < signoff.index("En les properes setmanes")
    assert "Marta Puig" in signoff and signoff.count('class="line"') == 3  # 2 signatures and the date
    assert "Conformitat donada" not in signoff  # not signed yet


def test_visit_end_signed_by_is_recorded_and_shown(home, tmp_path, monkeypatch):
    monkeypatch.setenv("LANG", "C.UTF-8")
    runner = CliRunner()
    started = runner.invoke(cli, ["visit", "start", "--customer", "Clínica Turia", "--site", "València",
                                  "--technician", "Marta", "--lang", "es"])
    assert started.exit_code == 0, started.output
    bad = runner.invoke(cli, ["visit", "start", "--customer", "x", "--site", "y", "--lang", "fr"])
    assert bad.exit_code != 0
    ended = runner.invoke(cli, ["visit", "end", "--signed-by", "Dra. Ana López"])
    assert ended.exit_code == 0, ended.output
    log = next((home / "data" / "visits").glob("*.json"))
    visit = json.loads(log.read_text())
    assert visit["lang"] == "es" and visit["signed_by"] == "Dra. Ana López" and visit["signed_at"] == visit["ended_at"]
    from fieldkit.schemas import __path__ as schema_path  # noqa: F401 - the schema ships in the package
    import jsonschema
    from pathlib import Path

    schema = json.loads((Path(schema_path[0]) / "visit.schema.json").read_text())
    jsonschema.validate(visit, schema)
    scan = fixture_scans.every_rule_scan(tmp_path / "rules", visit=visit)
    path = scan.write(tmp_path / "scan.json")
    out = runner.invoke(cli, ["report", str(path), "--format", "md", "--out", "-"])
    assert out.stdout.startswith("# Informe de visita")  # the visit's language, not the machine's
    assert "Dra. Ana López" in out.stdout and "Conformidad dada el" in out.stdout


def test_profile_language_is_used_when_no_visit_says_otherwise(home, tmp_path, monkeypatch):
    from fieldkit import profiles

    monkeypatch.setenv("LANG", "C.UTF-8")
    path = tmp_path / "site.toml"
    path.write_text('lang = "it"\n[checks.system]\n')
    profile = profiles.load(str(path))
    assert profile.lang == "it" and profile.to_dict()["lang"] == "it"
    path.write_text('lang = "fr"\n[checks.system]\n')
    with pytest.raises(profiles.ProfileError, match="lang: expected one of en, es, ca, it, ru, got 'fr'"):
        profiles.load(str(path))
    scan = fixture_scans.every_rule_scan(tmp_path / "rules", visit=None)
    scan.profile = {"name": "site", "lang": "it"}
    written = scan.write(tmp_path / "scan.json")
    out = CliRunner().invoke(cli, ["report", str(written), "--format", "md", "--out", "-"])
    assert out.stdout.startswith("# Rapporto di visita")


def test_console_lines_follow_the_machine_language(home, monkeypatch):
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    result = CliRunner().invoke(cli, ["visit", "show"])
    assert result.exit_code == 3 and "нет открытого выезда" in result.output
