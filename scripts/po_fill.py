"""Fill msgstr entries of a catalogue from a Python dict file (T = {msgid: msgstr}); reports what is left.

.venv/bin/python scripts/po_fill.py apps/scenic_ops/core/locale/zh_Hans/LC_MESSAGES/django.po my_translations.py
"""

import runpy
import sys

import polib


def main() -> int:
    path, source = sys.argv[1], sys.argv[2]
    table = runpy.run_path(source)["T"]
    po = polib.pofile(path)
    for entry in po:
        if entry.msgid in table:
            entry.msgstr = table[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
    po.save(path)
    left = [e.msgid for e in po.untranslated_entries()]
    print(f"{path}: {len(po.translated_entries())} translated, {len(left)} left")
    for msgid in left:
        print("  ", repr(msgid))
    return 0


if __name__ == "__main__":
    sys.exit(main())
