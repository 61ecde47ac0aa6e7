"""Compile gettext catalogues (.po → .mo) without GNU gettext.

`manage.py compilemessages` needs the `msgfmt` program. The Makefile uses it when
it is installed and this module otherwise, so a newcomer's laptop needs no system
gettext. Run it from the project directory:

    python -m config.compile_translations

It compiles every `LC_MESSAGES/*.po` below a directory named `locale` (the
project's `locale/` and any app's), as `compilemessages` does, and follows
msgfmt's rules: fuzzy and untranslated entries are left out, the header is kept,
obsolete (`#~`) entries are ignored. A missing or empty `locale/` is not an error.
"""

import ast
import os
import struct
import sys
from pathlib import Path

# Directories never searched for catalogues (installed packages, collected static files).
IGNORED_DIRS = {".venv", "venv", "node_modules", "staticfiles", "media", "__pycache__"}


class CatalogueError(ValueError):
    """A .po file this compiler cannot read; the message names the file and line."""


def find_catalogues(root):
    """Every `*.po` under `<dir named locale>/<language>/LC_MESSAGES/` below `root`."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in IGNORED_DIRS and not d.startswith("."))
        path = Path(dirpath)
        if path.name == "LC_MESSAGES" and path.parent.parent.name == "locale":
            found.extend(path / name for name in sorted(filenames) if name.endswith(".po"))
    return found


def _unquote(text, where):
    text = text.strip()
    if not (len(text) >= 2 and text[0] == '"' and text[-1] == '"'):
        raise CatalogueError(f"{where}: expected a quoted string, got {text!r}")
    try:
        # A .po string uses C escapes (\n, \t, \", \\), which Python's literal syntax shares.
        return ast.literal_eval(text)
    except (ValueError, SyntaxError) as error:
        raise CatalogueError(f"{where}: bad string {text!r} ({error})") from None


def parse_po(text, name="<po>"):
    """The entries of a .po file as dicts with msgctxt, msgid, msgid_plural, msgstr (a list) and fuzzy."""
    entries = []
    entry = None
    field = None
    fuzzy = False

    def finish():
        nonlocal entry, field, fuzzy
        if entry is not None:
            entries.append(entry)
        entry, field, fuzzy = None, None, False

    # Split on newlines only: str.splitlines() would also break on characters such as U+2028.
    for number, raw in enumerate(text.split("\n"), start=1):
        where = f"{name}:{number}"
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if entry is not None and field is not None:
                finish()
            if line.startswith("#,") and "fuzzy" in (flag.strip() for flag in line[2:].split(",")):
                fuzzy = True
            continue  # comments, references and obsolete (#~) entries carry no translation
        if line.startswith('"'):
            if entry is None or field is None:
                raise CatalogueError(f"{where}: a continued string outside an entry")
            value = _unquote(line, where)
            if isinstance(field, tuple):
                entry["msgstr"][field[1]] += value
            else:
                entry[field] += value
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and entry is not None and entry["msgstr"]:
            finish()  # a new entry began without a blank line between
        if entry is None:
            entry = {"msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": [], "fuzzy": fuzzy}
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            entry[keyword] = _unquote(rest, where)
            field = keyword
        elif keyword == "msgstr":
            entry["msgstr"] = [_unquote(rest, where)]
            field = ("msgstr", 0)
        elif keyword.startswith("msgstr[") and keyword.endswith("]"):
            index = int(keyword[len("msgstr[") : -1])
            if index != len(entry["msgstr"]):
                raise CatalogueError(f"{where}: {keyword} out of order")
            entry["msgstr"].append(_unquote(rest, where))
            field = ("msgstr", index)
        else:
            raise CatalogueError(f"{where}: unknown keyword {keyword!r}")
    finish()
    for entry in entries:
        if entry["msgid"] is None or not entry["msgstr"]:
            raise CatalogueError(f"{name}: an entry without msgid or msgstr ({entry['msgid']!r})")
    return entries


def catalogue_messages(entries):
    """The (key, translation) pairs msgfmt writes: the header, and every translated, non-fuzzy entry."""
    messages = {}
    for entry in entries:
        is_header = entry["msgid"] == "" and entry["msgctxt"] is None
        if entry["fuzzy"] and not is_header:
            continue
        if not any(entry["msgstr"]):
            continue
        key = entry["msgid"]
        if entry["msgid_plural"] is not None:
            key += "\0" + entry["msgid_plural"]
        if entry["msgctxt"] is not None:
            key = entry["msgctxt"] + "\x04" + key
        translation = "\0".join(entry["msgstr"])
        if is_header:
            # msgfmt leaves the template's creation date out, so a rebuilt .mo only changes with the translations.
            translation = "".join(
                line for line in translation.splitlines(keepends=True) if not line.startswith("POT-Creation-Date:")
            )
        messages[key] = translation
    return messages


def mo_bytes(messages, encoding="utf-8"):
    """The GNU .mo file for `messages` (little-endian, revision 0, no hash table), keys sorted as msgfmt does."""
    keys = sorted(messages, key=lambda k: k.encode(encoding))
    ids = [key.encode(encoding) for key in keys]
    strs = [messages[key].encode(encoding) for key in keys]
    count = len(keys)
    header_size = 7 * 4
    ids_table = header_size
    strs_table = ids_table + count * 8
    data_start = strs_table + count * 8
    offsets, data = [], b""
    for blob in ids + strs:
        offsets.append((len(blob), data_start + len(data)))
        data += blob + b"\0"
    id_offsets, str_offsets = offsets[:count], offsets[count:]
    output = struct.pack("<7I", 0x950412DE, 0, count, ids_table, strs_table, 0, data_start)
    for length, offset in id_offsets + str_offsets:
        output += struct.pack("<2I", length, offset)
    return output + data


def _charset(messages):
    header = messages.get("", "")
    for line in header.splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-type" and "charset=" in value:
            charset = value.split("charset=", 1)[1].strip()
            return charset if charset and charset.upper() != "CHARSET" else "utf-8"
    return "utf-8"


def compile_po(po_path, mo_path=None):
    """Write the .mo beside the .po (or to `mo_path`); returns the .mo path."""
    po_path = Path(po_path)
    mo_path = Path(mo_path) if mo_path else po_path.with_suffix(".mo")
    raw = po_path.read_bytes()
    # The header names the charset; read it as latin-1 first so any byte decodes.
    probe = catalogue_messages(parse_po(raw.decode("latin-1"), str(po_path)))
    charset = _charset(probe)
    messages = catalogue_messages(parse_po(raw.decode(charset), str(po_path)))
    mo_path.write_bytes(mo_bytes(messages, charset))
    return mo_path


def compile_all(root="."):
    """Compile every catalogue below `root` whose .mo is missing or older; returns the .mo paths written."""
    written = []
    for po_path in find_catalogues(root):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        written.append(compile_po(po_path, mo_path))
    return written


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    root = argv[0] if argv else "."
    try:
        written = compile_all(root)
    except (CatalogueError, OSError, UnicodeDecodeError, LookupError) as error:
        print(f"compile_translations: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(f"compiled {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
