#!/usr/bin/env python3
"""
Circles between the files of core/: core/ is meant to be layers, each file
using only files below it, so that a file can be read, tested and changed
knowing only what it uses.  A circle (a.c uses b.c, which uses a.c) makes
the files one lump.

File A depends on file B when A calls a function defined in B, or A
includes B's header.  Calls come from gcc's call graphs: compiling
core/X.c with -fcallgraph-info -dumpbase CIDIR/X writes CIDIR/X.ci, one
graph per file in VCG format (make lint does that).  A function defined
in the file is a node titled by its name, or "path:name" when static;
a function only declared there is a node with "shape : ellipse",
labelled where it was declared.  A call to a static function is never
matched by name with another file's, so two files' static fail() are
two functions; an outside call is matched with the file of core/ that
defines that name, else with the header that declares it, else (libc,
libgit2 ...) not counted.  A header is part of the .c file of the same
name; a header without one (schema_int.h) is a file of its own.

Every strongly connected component of more than one file is a circle.
Circles listed in ACCEPTED ("circle PATTERN...: reason", every file of
the circle matching one of the patterns) are allowed; any other is
printed with the calls and includes that make it, and the exit status
is 1.  Files are found by listing SRCDIR, so files added or split need
no change here; a .c file whose .ci is missing is an error.

Usage: circles.py [-v] [--accepted FILE] SRCDIR CIDIR
  -v  also print the accepted circles and the size of the graph
"""
import argparse
import fnmatch
import os
import re
import sys

NODE = re.compile(r'node: \{ title: "([^"]*)" label: "([^"]*)"'
                  r'( shape : ellipse)? \}')
EDGE = re.compile(r'edge: \{ sourcename: "([^"]*)" targetname: "([^"]*)"'
                  r' label: "([^"]*)" \}')
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def relative(path):
    """gcc writes paths as it was given them: make them all relative."""
    return os.path.relpath(os.path.normpath(path))


class Files:
    """The files of SRCDIR, and the file (node) each path is part of."""

    def __init__(self, srcdir):
        self.srcdir = relative(srcdir)
        names = sorted(os.listdir(self.srcdir))
        self.sources = [n for n in names if n.endswith('.c')]
        self.headers = [n for n in names if n.endswith('.h')]

    def owner(self, path):
        """The node a path in SRCDIR belongs to, or None when outside."""
        path = relative(path)
        if os.path.dirname(path) != self.srcdir:
            return None
        name = os.path.basename(path)
        if name.endswith('.h') and name[:-2] + '.c' in self.sources:
            return name[:-2] + '.c'
        if name in self.sources or name in self.headers:
            return name
        return None


def location(label):
    """'name\\npath:line:col' -> (path, line)."""
    where = label.split('\\n', 1)[-1]
    m = re.match(r'(.*):(\d+):\d+$', where)
    return (m.group(1), int(m.group(2))) if m else (where, 0)


def read_graph(path):
    nodes, edges = {}, []
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            m = NODE.search(line)
            if m:
                nodes[m.group(1)] = (m.group(2), bool(m.group(3)))
                continue
            m = EDGE.search(line)
            if m:
                edges.append(m.groups())
    return nodes, edges


class Graph:
    def __init__(self, files):
        self.files = files
        self.edges = {}     # (from, to) -> [why, ...]

    def add(self, a, b, why):
        if a and b and a != b:
            self.edges.setdefault((a, b), []).append(why)

    def add_includes(self):
        f = self.files
        for name in f.sources + f.headers:
            with open(os.path.join(f.srcdir, name), encoding='utf-8',
                  errors='replace') as src:
                text = src.read()
            for inc in INCLUDE.findall(text):
                target = f.owner(os.path.join(f.srcdir, inc))
                self.add(f.owner(os.path.join(f.srcdir, name)), target,
                     '%s includes %s' % (name, inc))

    def add_calls(self, cidir):
        f = self.files
        graphs = {}
        for name in f.sources:
            ci = os.path.join(cidir, name[:-2] + '.ci')
            if not os.path.exists(ci):
                sys.exit('circles: %s: no call graph (compile with '
                     '-fcallgraph-info)' % ci)
            graphs[name] = read_graph(ci)
        # Where each function with external linkage is defined.
        defined = {}
        for name, (nodes, _) in graphs.items():
            for title, (label, declared_only) in nodes.items():
                if declared_only or ':' in title:
                    continue
                where = f.owner(location(label)[0])
                if where:
                    defined.setdefault(title, where)
        for name, (nodes, edges) in graphs.items():
            for source, target, at in edges:
                if source not in nodes or target not in nodes:
                    continue
                caller = f.owner(location(nodes[source][0])[0])
                label, declared_only = nodes[target]
                callee = f.owner(location(label)[0])
                if declared_only:
                    callee = defined.get(target, callee)
                fn = target.split(':')[-1]
                path, line = location('x\\n' + at)
                self.add(caller, callee, '%s:%d calls %s()' % (
                    os.path.basename(path), line, fn))

    def circles(self):
        """Strongly connected components of more than one node (Tarjan)."""
        succ = {}
        for a, b in self.edges:
            succ.setdefault(a, set()).add(b)
            succ.setdefault(b, set())
        index, low, stack, on, out = {}, {}, [], set(), []

        def visit(v):
            index[v] = low[v] = len(index)
            stack.append(v)
            on.add(v)
            for w in sorted(succ[v]):
                if w not in index:
                    visit(w)
                    low[v] = min(low[v], low[w])
                elif w in on:
                    low[v] = min(low[v], index[w])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))

        sys.setrecursionlimit(max(1000, 4 * len(succ) + 100))
        for v in sorted(succ):
            if v not in index:
                visit(v)
        return sorted(out)


def read_accepted(path):
    """The 'circle PATTERN...: reason' lines of the accepted list."""
    accepted = []
    if not path:
        return accepted
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            if not line.startswith('circle '):
                continue
            head, _, reason = line.partition(':')
            if not reason.strip():
                sys.exit('%s:%d: a circle accepted without a reason'
                         % (path, n))
            accepted.append(head.split()[1:])
    return accepted


def is_accepted(comp, accepted):
    return any(all(any(fnmatch.fnmatchcase(f, p) for p in pats) for f in comp)
           for pats in accepted)


def describe(graph, comp):
    lines = ['circle: ' + ' '.join(comp)]
    for (a, b), why in sorted(graph.edges.items()):
        if a in comp and b in comp:
            more = ' (and %d more)' % (len(why) - 3) if len(why) > 3 else ''
            lines.append('  %s -> %s: %s%s' % (a, b, '; '.join(why[:3]),
                                                 more))
    return '\n'.join(lines)


def main():
    ap = argparse.ArgumentParser(
        description='circles between the files of core/')
    ap.add_argument('-v', '--verbose', action='store_true')
    ap.add_argument('--accepted')
    ap.add_argument('srcdir')
    ap.add_argument('cidir')
    args = ap.parse_args()
    graph = Graph(Files(args.srcdir))
    graph.add_includes()
    graph.add_calls(args.cidir)
    accepted = read_accepted(args.accepted)
    status = 0
    if args.verbose:
        print('circles: %d files, %d dependencies' % (
            len(graph.files.sources) + len(graph.files.headers),
            len(graph.edges)))
    for comp in graph.circles():
        if is_accepted(comp, accepted):
            if args.verbose:
                print('accepted ' + describe(graph, comp))
            continue
        print(describe(graph, comp))
        status = 1
    return status


if __name__ == '__main__':
    sys.exit(main())
