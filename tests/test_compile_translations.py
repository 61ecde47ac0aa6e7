"""The pure-Python .po → .mo compiler used when GNU gettext's msgfmt is not installed."""

import gettext
import shutil
import subprocess

import pytest

from config.compile_translations import compile_all, compile_po, main

CATALOGUE = r'''# Latvian translations.
#, fuzzy
msgid ""
msgstr ""
"Project-Id-Version: pakalpojumi\n"
"POT-Creation-Date: 2026-01-01 00:00+0200\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=3; plural=(n%10==0 || (n%100>=11 && n%100<=19) ? 0 : "
"n%10==1 && n%100!=11 ? 1 : 2);\n"

#: institutions/views.py:10
msgid "Institutions"
msgstr "Iestādes"

#, fuzzy
msgid "Municipality"
msgstr "Pašvaldība (vēl jāpārbauda)"

msgid "Planning region"
msgstr ""

msgctxt "month name"
msgid "May"
msgstr "Maijs"

msgid "%(count)s institution"
msgid_plural "%(count)s institutions"
msgstr[0] "%(count)s iestāžu"
msgstr[1] "%(count)s iestāde"
msgstr[2] "%(count)s iestādes"

msgid ""
"A \"quoted\" word,\t"
"a tab and a backslash \\"
msgstr "Vārds \"pēdiņās\",\ttabulācija un slīpsvītra \\"

#~ msgid "Obsolete"
#~ msgstr "Novecojis"
'''


def write_catalogue(root, language="lv", text=CATALOGUE):
    directory = root / "locale" / language / "LC_MESSAGES"
    directory.mkdir(parents=True)
    po_path = directory / "django.po"
    po_path.write_text(text, encoding="utf-8")
    return po_path


def load(mo_path):
    with open(mo_path, "rb") as handle:
        return gettext.GNUTranslations(handle)


def test_compiled_catalogue_translates_plurals_contexts_and_escapes(tmp_path):
    translations = load(compile_po(write_catalogue(tmp_path)))

    assert translations.gettext("Institutions") == "Iestādes"
    assert translations.pgettext("month name", "May") == "Maijs"
    # Latvian plural rule: 1 → form 1, 21 → form 1, 5 → form 2, 11 → form 0.
    assert translations.ngettext("%(count)s institution", "%(count)s institutions", 1) == "%(count)s iestāde"
    assert translations.ngettext("%(count)s institution", "%(count)s institutions", 21) == "%(count)s iestāde"
    assert translations.ngettext("%(count)s institution", "%(count)s institutions", 5) == "%(count)s iestādes"
    assert translations.ngettext("%(count)s institution", "%(count)s institutions", 11) == "%(count)s iestāžu"
    assert translations.gettext('A "quoted" word,\ta tab and a backslash \\') == (
        'Vārds "pēdiņās",\ttabulācija un slīpsvītra \\'
    )


def test_fuzzy_untranslated_and_obsolete_entries_are_left_out_but_the_header_kept(tmp_path):
    translations = load(compile_po(write_catalogue(tmp_path)))

    assert translations.gettext("Municipality") == "Municipality"
    assert translations.gettext("Planning region") == "Planning region"
    assert translations.gettext("Obsolete") == "Obsolete"
    assert translations.info()["project-id-version"] == "pakalpojumi"
    assert "pot-creation-date" not in translations.info()


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed to compare with")
def test_same_catalogue_as_gnu_msgfmt(tmp_path):
    po_path = write_catalogue(tmp_path)
    subprocess.run(["msgfmt", "--check-format", "-o", str(tmp_path / "gnu.mo"), str(po_path)], check=True)

    ours = load(compile_po(po_path, tmp_path / "ours.mo"))
    gnu = load(tmp_path / "gnu.mo")

    assert ours._catalog == gnu._catalog


def test_no_locale_directory_or_an_empty_one_is_not_an_error(tmp_path):
    assert compile_all(tmp_path) == []
    (tmp_path / "locale").mkdir()
    assert compile_all(tmp_path) == []
    assert main([str(tmp_path)]) == 0


def test_every_locale_directory_is_compiled_and_installed_packages_are_skipped(tmp_path):
    project = write_catalogue(tmp_path)
    app = write_catalogue(tmp_path / "institutions", language="en")
    write_catalogue(tmp_path / ".venv" / "lib")

    written = compile_all(tmp_path)

    assert sorted(written) == sorted([project.with_suffix(".mo"), app.with_suffix(".mo")])
    assert compile_all(tmp_path) == []  # nothing changed since, nothing rewritten


def test_a_broken_catalogue_fails_with_its_file_and_line(tmp_path, capsys):
    write_catalogue(tmp_path, text='msgid "Institutions"\nmsgstr "Iestādes\n')

    assert main([str(tmp_path)]) == 1
    assert "django.po:2" in capsys.readouterr().err
