#!/usr/bin/env python3
"""
pseudo_check.py [FILE...]: reads what khaosat printed under the pseudo
locale (pseudo_po.py) and prints each line that still holds English
outside the ⟦ ⟧ of a translated message: three lowercase words in a row,
the shape of a sentence and never of data (ids, paths, names).  Exits 1
when there is one.  A line that shows a command a person types (the
demo's "$ khaosat remote add hub ...") is not a message and is skipped.
"""
import re
import sys

SENTENCE = re.compile(r'\b[a-z]{2,} [a-z]{2,} [a-z]{2,}\b')
ESCAPE = re.compile(r'\x1b\[[0-9;]*m')


def outside(text):
    """The text with every ⟦...⟧ span taken out, nested ones too."""
    out, depth = [], 0
    for ch in text:
        if ch == '\u27e6':
            depth += 1
        elif ch == '\u27e7':
            depth = max(depth - 1, 0)
        elif depth == 0 or ch == '\n':
            out.append(ch)
    return ''.join(out)


def main():
    bad = 0
    for path in sys.argv[1:] or ['-']:
        text = sys.stdin.read() if path == '-' else open(path, encoding='utf-8').read()
        for n, line in enumerate(outside(ESCAPE.sub('', text)).split('\n'), 1):
            if line.startswith('$ '):
                continue
            if SENTENCE.search(line):
                print('%s:%d: not translated: %s' % (path, n, line.strip()))
                bad += 1
    sys.exit(1 if bad else 0)


main()
