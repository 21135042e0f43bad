#!/usr/bin/env python3
"""
The findings of cppcheck and gcc -fanalyzer that nobody has accepted.

Reads cppcheck's report (written with --template='{file}:{line}:{column}:
{severity}: {message} [{id}]') and gcc's messages for each file, and
prints every warning or error that the accepted list does not name,
compiler-style, with the function it is in.  A finding is accepted by a
line

    TOOL FILE KIND FUNCTION: reason

where TOOL is cppcheck or analyzer, KIND is cppcheck's id or gcc's
option (-Wanalyzer-null-dereference) and FUNCTION the function the
finding is in (gcc's "In function" line, else the definition above the
line).  Matching ignores line numbers, so an entry survives edits
around it; a reason is required.  Accepted entries that match nothing
are mentioned, so the list does not grow stale, but do not fail.

Exit status 1 when anything is printed as a finding.

Usage: findings.py --accepted FILE [--cppcheck REPORT] [ANALYZER-OUTPUT...]
"""
import argparse
import re
import sys

# "core/x.c:72:9: warning: message [CWE-457] [-Wanalyzer-...]"
GCC = re.compile(r'^(\S[^:]*):(\d+):(\d+): (warning|error): (.*)$')
IN_FUNCTION = re.compile(r"^(\S[^:]*): In function "
                         r"['\u2018]([^'\u2019]+)['\u2019]:")
OPTION = re.compile(r'\s*\[(-W[^\]]+)\]$')
CPPCHECK = re.compile(r'^(\S[^:]*):(\d+):(\d+): (\w+): (.*) \[(\w+)\]$')
# A function definition in this code's style: at column 0, the name just
# before the opening parenthesis, no '=' or ';' before it.
DEFINITION = re.compile(r'^[A-Za-z_][\w \t*]*?\b([A-Za-z_]\w*)\(')


def enclosing_function(path, line, cache={}):
    if path not in cache:
        try:
            with open(path, encoding='utf-8', errors='replace') as f:
                cache[path] = f.read().split('\n')
        except OSError:
            cache[path] = []
    lines = cache[path]
    for i in range(min(line, len(lines)) - 1, -1, -1):
        m = DEFINITION.match(lines[i])
        if m and not lines[i].rstrip().endswith(';'):
            return m.group(1)
    return '-'


class Finding:
    def __init__(self, tool, path, line, col, kind, function, message):
        self.tool, self.path, self.line, self.col = tool, path, line, col
        self.kind, self.function, self.message = kind, function, message

    def key(self):
        return (self.tool, self.path, self.kind, self.function)

    def __str__(self):
        return '%s:%d:%d: %s: %s [%s] (in %s)' % (
            self.path, self.line, self.col, self.tool, self.message,
            self.kind, self.function)


def read_analyzer(path):
    function = None
    with open(path, encoding='utf-8', errors='replace') as f:
        for text in f:
            text = text.rstrip('\n')
            m = IN_FUNCTION.match(text)
            if m:
                function = (m.group(1), m.group(2))
                continue
            if text.endswith(': At top level:'):
                function = None
                continue
            m = GCC.match(text)
            if not m:
                continue
            file, line, col, severity, message = m.groups()
            o = OPTION.search(message)
            kind = o.group(1) if o else severity
            if o:
                message = message[:o.start()]
            if function and function[0] == file:
                fn = function[1]
            else:
                fn = enclosing_function(file, int(line))
            yield Finding('analyzer', file, int(line), int(col), kind, fn,
                          message)


def read_cppcheck(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        for text in f:
            m = CPPCHECK.match(text.rstrip('\n'))
            if not m:
                if text.strip():
                    yield Finding('cppcheck', '-', 0, 0, 'output', '-',
                                  text.strip())
                continue
            file, line, col, severity, message, kind = m.groups()
            yield Finding('cppcheck', file, int(line), int(col), kind,
                          enclosing_function(file, int(line)),
                          severity + ': ' + message)


def read_accepted(path):
    accepted = {}
    with open(path, encoding='utf-8') as f:
        for n, text in enumerate(f, 1):
            words = text.split(None, 1)
            if (text[:1].isspace() or not words or
                    words[0] not in ('cppcheck', 'analyzer')):
                continue
            head, _, reason = text.partition(': ')
            key = tuple(head.split())
            if len(key) != 4 or not reason.strip():
                sys.exit('%s:%d: expected "TOOL FILE KIND FUNCTION: '
                         'reason"' % (path, n))
            accepted[key] = n
    return accepted


def main():
    ap = argparse.ArgumentParser(description='unaccepted lint findings')
    ap.add_argument('--accepted', required=True)
    ap.add_argument('--cppcheck')
    ap.add_argument('analyzer', nargs='*')
    args = ap.parse_args()
    accepted = read_accepted(args.accepted)
    findings = []
    if args.cppcheck:
        findings += read_cppcheck(args.cppcheck)
    for path in args.analyzer:
        findings += read_analyzer(path)
    seen, used, status = set(), set(), 0
    # A finding in a header is reported by every file that includes it.
    for f in findings:
        if (f.key(), f.line, f.message) in seen:
            continue
        seen.add((f.key(), f.line, f.message))
        if f.key() in accepted:
            used.add(f.key())
            continue
        print(f)
        status = 1
    for key, n in sorted(accepted.items(), key=lambda kv: kv[1]):
        if key not in used and (key[0] != 'cppcheck' or args.cppcheck):
            print('%s:%d: note: accepted but not found: %s' % (
                args.accepted, n, ' '.join(key)))
    return status


if __name__ == '__main__':
    sys.exit(main())
