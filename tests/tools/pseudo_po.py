#!/usr/bin/env python3
"""
pseudo_po.py POT OUT.po: a pseudo-locale catalogue from the template, in
which every message is its English text wrapped in ⟦ and ⟧ (its leading
and trailing newlines left outside, so that lines stay where they were).
Run under it, a line of khaosat's output that holds English outside the
brackets is a message nobody marked for translation.
"""
import sys


def unquote(lines):
    out = []
    for l in lines:
        s = l[l.index('"') + 1:l.rindex('"')]
        out.append(bytes(s, 'utf-8').decode('unicode_escape').encode('latin-1').decode('utf-8'))
    return ''.join(out)


def quote(s):
    e = s.replace('\\', '\\\\').replace('"', '\\"').replace('\t', '\\t').replace('\n', '\\n')
    return '"%s"' % e


def wrap(s):
    head = len(s) - len(s.lstrip('\n'))
    tail = len(s) - len(s.rstrip('\n'))
    core = s[head:len(s) - tail] if tail else s[head:]
    return s[:head] + '\u27e6' + core + '\u27e7' + (s[len(s) - tail:] if tail else '')


def entries(text):
    for block in text.split('\n\n'):
        lines = block.split('\n')
        fields = {}
        key = None
        for l in lines:
            if l.startswith('#') or not l.strip():
                continue
            if l.startswith('"'):
                fields[key].append(l)
                continue
            key, rest = l.split(' ', 1)
            fields[key] = [rest]
        if 'msgid' in fields:
            yield {k: unquote(v) for k, v in fields.items()}


def main():
    pot, out = sys.argv[1], sys.argv[2]
    res = ['msgid ""\nmsgstr ""\n'
           '"Project-Id-Version: khaosat\\n"\n'
           '"PO-Revision-Date: 2026-01-01 00:00+0000\\n"\n'
           '"Last-Translator: pseudo_po.py\\n"\n'
           '"Language-Team: none\\n"\n'
           '"Language: qps\\n"\n'
           '"MIME-Version: 1.0\\n"\n'
           '"Content-Type: text/plain; charset=UTF-8\\n"\n'
           '"Content-Transfer-Encoding: 8bit\\n"\n'
           '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n']
    for e in entries(open(pot, encoding='utf-8').read()):
        if not e['msgid']:
            continue
        s = ''
        if 'msgctxt' in e:
            s += 'msgctxt %s\n' % quote(e['msgctxt'])
        s += 'msgid %s\n' % quote(e['msgid'])
        if 'msgid_plural' in e:
            s += 'msgid_plural %s\n' % quote(e['msgid_plural'])
            s += 'msgstr[0] %s\nmsgstr[1] %s\n' % (quote(wrap(e['msgid'])),
                                                 quote(wrap(e['msgid_plural'])))
        else:
            s += 'msgstr %s\n' % quote(wrap(e['msgid']))
        res.append(s)
    open(out, 'w', encoding='utf-8').write('\n'.join(res))


main()
