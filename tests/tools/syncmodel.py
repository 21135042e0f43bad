#!/usr/bin/env python3
# Model-based randomized sync test for khaosat (driven by
# tests/t0915-sync-model.sh).  Standard library only.
#
# A run sets up 4 to 8 laptops around one USB stick folder and one hub (a
# bare repository), then plays random steps on random laptops with the real
# binary ($KHAOSAT_BIN): new records, field edits (by hand, by 'khaosat
# edit' with a scripted editor, by 'khaosat fmt' after a hand edit),
# deletions, commits, syncs with the stick or the hub, and resolutions of
# the conflicts 'khaosat conflicts --json' lists, with every choice.  A few
# scenarios are mixed in so that the interesting merges happen: two laptops
# editing one field of a "hot" record, delete against modify, a record
# deleted on one laptop and changed differently on two others that then
# meet, a record with an open conflict edited and then deleted.
#
# The program keeps its own model of the run: every commit (which laptop,
# device and surveyor made it, its parents), every value a commit wrote to
# a record field, every creation and deletion, and the commits each laptop
# has seen, which it predicts for every sync from what the stick's bundles
# and the hub's refs hold.  git is the witness: rev-list, log, show,
# fsck and bundle list-heads.  After the steps every laptop syncs with the
# stick and the hub in a fixed order until nothing moves, and the checks
# (one test case each) look at the result:
#
#   steps      every step did what the model expects (exit codes, commits
#              with the right author and device, syncs importing exactly
#              what the stick or hub held, resolutions keeping the chosen
#              value)
#   converge   repeated stick and hub syncs come to rest
#   identical  1. the same main tree and 'conflicts --json' everywhere,
#              git fsck clean, work trees clean, every commit everywhere
#   lost       2. no lost update, no invented value, no field dropped
#   proposals  3. each proposal names the commit, author and device that
#              wrote its value
#   settle     4. every open conflict can be settled (--take 1, --base)
#   fixpoint   5. one more round of syncs moves no laptop's main
#
# A value a commit wrote is replaced by a later write of the same field, or
# a deletion of the record, whose commit has it in its history; a
# resolution that leaves a field as it was writes nothing there, but does
# replace what it saw.  A commit "wrote" what a proposal proposes when it
# holds it and none of its parents does (for a deletion: it lacks the
# record and every parent has it).
#
# Each failure has a signature, CHECK/KIND (proposals/writer,
# settle/orphan, ...): shrinking keeps a shorter step list when a replay
# from scratch still fails with the same signature.
#
# Usage (the test script does this):
#   syncmodel.py run --dir D --seed N [--rounds R] [--laptops L] [--replay F]
#   syncmodel.py check --dir D CHECK
#   syncmodel.py save --dir D --out FILE   (the run's step list, to replay)
#   syncmodel.py shrink --dir D [--seconds S] [--out-dir O] [--target SIG]
#   syncmodel.py editor FILE          (the EDITOR of 'khaosat edit' steps)

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.abspath(__file__)
KHAOSAT = os.environ.get("KHAOSAT_BIN") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(HERE))),
    "build", "release", "khaosat")

CHECKS = ["steps", "converge", "identical", "lost", "proposals", "settle",
          "fixpoint"]

# The fields the steps write, with a value for every number n: typed (as a
# reader of the YAML sees it), canonical YAML, a non-canonical spelling
# for the fmt steps, and the text given on the command line.
FIELDS = ["/name", "/phone", "/representative/name", "/workers/regular",
          "/address/village"]


def value_for(field, n):
    if field == "/name":
        return "Cơ sở đúc số %d" % n
    if field == "/phone":
        return "0225%07d" % n
    if field == "/representative/name":
        return "Người đại diện %d" % n
    if field == "/workers/regular":
        return 1000 + n
    if field == "/address/village":
        return "Xóm mới %d" % n
    raise ValueError(field)


def yaml_of(field, v):
    if field == "/phone":
        return '"%s"' % v
    return str(v)


def yaml_alt_of(field, v):
    # Spellings a reader takes for the same value, that fmt rewrites.
    import unicodedata
    if field == "/phone":
        return "'%s'" % v
    if field == "/workers/regular":
        return "   %d" % v
    if field == "/address/village":
        return "'%s'" % unicodedata.normalize("NFD", v)
    return '"%s"' % unicodedata.normalize("NFD", v)


def cli_of(field, v):
    return str(v)


# ---------------------------------------------------------------- YAML --
# A reader for the YAML khaosat writes (and this program writes by hand):
# block mappings and sequences, plain, single- and double-quoted scalars,
# literal block scalars, empty flow collections.

KEY_RE = re.compile(r"^([A-Za-z0-9_][A-Za-z0-9_.\-]*):(?: (.*))?$")
INT_RE = re.compile(r"^[-+]?[0-9]+$")
FLOAT_RE = re.compile(r"^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")


def _dq(s):
    out = []
    i = 1
    esc = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "/": "/", "0": "\0",
           "a": "\a", "b": "\b", "e": "\x1b", "f": "\f", "r": "\r",
           "v": "\v", " ": " ", "N": "\x85", "_": "\xa0", "L": "\u2028",
           "P": "\u2029"}
    while i < len(s):
        c = s[i]
        if c == '"':
            return "".join(out), s[i + 1:]
        if c == "\\":
            d = s[i + 1]
            if d in esc:
                out.append(esc[d])
                i += 2
                continue
            width = {"x": 2, "u": 4, "U": 8}.get(d)
            if width:
                out.append(chr(int(s[i + 2:i + 2 + width], 16)))
                i += 2 + width
                continue
            raise ValueError("bad escape in %r" % s)
        out.append(c)
        i += 1
    raise ValueError("unterminated string %r" % s)


def _sq(s):
    out = []
    i = 1
    while i < len(s):
        if s[i] == "'":
            if s[i + 1:i + 2] == "'":
                out.append("'")
                i += 2
                continue
            return "".join(out), s[i + 1:]
        out.append(s[i])
        i += 1
    raise ValueError("unterminated string %r" % s)


def scalar(s):
    s = s.strip()
    if s.startswith('"'):
        return _dq(s)[0]
    if s.startswith("'"):
        return _sq(s)[0]
    if s in ("[]", "{}"):
        return [] if s == "[]" else {}
    if s.startswith("[") or s.startswith("{"):
        try:
            return json.loads(s)
        except ValueError:
            return s
    k = s.find(" #")
    if k >= 0:
        s = s[:k].rstrip()
    if s in ("", "~", "null", "Null", "NULL"):
        return None
    if s in ("true", "True", "TRUE"):
        return True
    if s in ("false", "False", "FALSE"):
        return False
    if INT_RE.match(s):
        return int(s)
    if FLOAT_RE.match(s):
        return float(s)
    return s


class _Reader:
    def __init__(self, text):
        self.lines = text.split("\n")
        self.i = 0

    def peek(self):
        while self.i < len(self.lines):
            s = self.lines[self.i]
            t = s.strip()
            if t == "" or t.startswith("#") or t == "---":
                self.i += 1
                continue
            return len(s) - len(s.lstrip(" ")), t
        return None

    def node(self, indent):
        pk = self.peek()
        if pk is None or pk[0] < indent:
            return None
        ind, t = pk
        if t == "-" or t.startswith("- "):
            return self.seq(ind)
        if KEY_RE.match(t):
            return self.mapping(ind)
        self.i += 1
        return scalar(t)

    def block_scalar(self, ind, head):
        keep = head.endswith("+")
        strip = head.endswith("-")
        body = []
        j = self.i
        block_ind = None
        while j < len(self.lines):
            s = self.lines[j]
            if s.strip() == "":
                body.append("")
                j += 1
                continue
            n = len(s) - len(s.lstrip(" "))
            if n <= ind:
                break
            if block_ind is None:
                block_ind = n
            body.append(s[block_ind:])
            j += 1
        self.i = j
        while body and body[-1] == "" and not keep:
            body.pop()
        text = "\n".join(body)
        if head.startswith(">"):
            text = re.sub(r"(?<!\n)\n(?!\n)", " ", text)
        if not strip and text:
            text += "\n"
        return text

    def mapping(self, ind):
        out = {}
        while True:
            pk = self.peek()
            if pk is None or pk[0] != ind:
                break
            m = KEY_RE.match(pk[1])
            if not m:
                break
            key, rest = m.group(1), m.group(2)
            self.i += 1
            if rest is None or rest.strip() == "" or rest.strip().startswith("#"):
                nx = self.peek()
                if nx and (nx[0] > ind or (nx[0] == ind and (
                        nx[1] == "-" or nx[1].startswith("- ")))):
                    out[key] = self.node(nx[0])
                else:
                    out[key] = None
            elif rest.strip()[:1] in ("|", ">"):
                out[key] = self.block_scalar(ind, rest.strip())
            else:
                out[key] = scalar(rest)
        return out

    def seq(self, ind):
        out = []
        while True:
            pk = self.peek()
            if pk is None or pk[0] != ind or not (
                    pk[1] == "-" or pk[1].startswith("- ")):
                break
            rest = pk[1][2:] if pk[1] != "-" else ""
            if rest.strip() == "":
                self.i += 1
                nx = self.peek()
                out.append(self.node(nx[0]) if nx and nx[0] > ind else None)
            elif KEY_RE.match(rest.strip()) or rest.startswith("- "):
                self.lines[self.i] = " " * (ind + 2) + rest
                out.append(self.node(ind + 2))
            else:
                self.i += 1
                out.append(scalar(rest))
        return out


def yaml_load(text):
    if text is None:
        return None
    r = _Reader(text)
    pk = r.peek()
    if pk is None:
        return None
    return r.node(pk[0])


def conflicts_of(text):
    """'khaosat conflicts --json' as a list, the whole record's field as ""
    (the JSON names it "/", as 'khaosat resolve' takes it)."""
    conf = json.loads(text) if text.strip() else []
    for c in conf:
        if c.get("field") == "/":
            c["field"] = ""
    return conf


def get_path(rec, field):
    if not isinstance(rec, dict):
        return MISSING
    cur = rec
    for k in field.strip("/").split("/"):
        if not isinstance(cur, dict) or k not in cur:
            return MISSING
        cur = cur[k]
    return cur


class _Missing:
    def __repr__(self):
        return "(absent)"


MISSING = _Missing()


def flatten(v, prefix=""):
    # Leaf paths of a record: scalars, and lists as whole values.
    out = {}
    if isinstance(v, dict):
        for k, x in v.items():
            out.update(flatten(x, prefix + "/" + k))
    else:
        out[prefix] = json.dumps(v, ensure_ascii=False, sort_keys=True)
    return out


def show(v):
    if v is MISSING:
        return "(absent)"
    return json.dumps(v, ensure_ascii=False)


# Sets one field of a record's text by hand, keeping every other line:
# top level or one mapping down; a missing line is added.
def set_field_text(text, field, yaml_value):
    keys = field.strip("/").split("/")
    lines = text.split("\n")
    if len(keys) == 1:
        for i, s in enumerate(lines):
            if s.startswith(keys[0] + ":") and s[len(keys[0]) + 1:len(keys[0]) + 2] in (" ", ""):
                if s.rstrip().endswith("|-") or s.rstrip().endswith("|"):
                    return None
                lines[i] = "%s: %s" % (keys[0], yaml_value)
                return "\n".join(lines)
        for i, s in enumerate(lines):
            if s.startswith("id:"):
                lines.insert(i + 1, "%s: %s" % (keys[0], yaml_value))
                return "\n".join(lines)
        return None
    sec = None
    for i, s in enumerate(lines):
        if s and not s.startswith(" "):
            sec = s.rstrip() if s.rstrip() == keys[0] + ":" else None
            continue
        if sec and s.startswith("  " + keys[1] + ":") and \
                s[len(keys[1]) + 3:len(keys[1]) + 4] in (" ", ""):
            lines[i] = "  %s: %s" % (keys[1], yaml_value)
            return "\n".join(lines)
    for i, s in enumerate(lines):
        if s.rstrip() == keys[0] + ":":
            lines.insert(i + 1, "  %s: %s" % (keys[1], yaml_value))
            return "\n".join(lines)
    return None


def prop_key(p):
    # What a proposal proposes and who proposed it, without its commit.
    return "%s %s %s" % (p.get("device"), "delete" if p.get("deleted") else "",
                         json.dumps(yaml_load(p.get("value")), ensure_ascii=False,
                                    sort_keys=True))


def record_path(rid):
    dev, num = rid.rsplit("-", 1)
    return "records/workshop/%s/%03d/%s.yaml" % (dev, int(num) // 100, rid)


def rid_of(path):
    return os.path.basename(path)[:-len(".yaml")]


# ------------------------------------------------------------ commands --

class Failure(Exception):
    pass


def run_cmd(argv, cwd=None, env=None, timeout=180):
    try:
        p = subprocess.run(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return 124, "", "timed out after %d s" % timeout
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


class Lap:
    def __init__(self, i, device, surveyor, join):
        self.i = i
        self.device = device
        self.surveyor = surveyor
        self.join = join            # init, stick or hub
        self.dir = None
        self.remote = None          # this laptop's name for the hub
        self.joined = False
        self.counter = 1            # the next record number
        self.main = None
        self.seen = set()
        self.pw = {}                # pending writes (id, field) -> value
        self.pc = set()             # pending creations
        self.pd = set()             # pending deletions

    def dirty(self):
        return bool(self.pw or self.pc or self.pd)


class Sim:
    def __init__(self, spec, root, trace=True):
        self.spec = spec
        self.root = os.path.abspath(root)
        self.trace = trace
        self.stick = os.path.join(self.root, "stick")
        self.hub = os.path.join(self.root, "hub.git")
        self.laps = [Lap(i, d["device"], d["surveyor"], d["join"])
                     for i, d in enumerate(spec["laptops"])]
        for lap in self.laps:
            lap.dir = os.path.join(self.root, lap.device)
        self.commits = {}           # sha -> {lap, kind, parents, order}
        self.ledger = []            # {t: W|C|D|R (a field removed), c, lap, id, f, v, writer}
        self.initial = {}           # id -> flattened record when made
        self.failures = []          # {sig, step, msg}
        self.stick_state = {}       # device -> set of commits
        self.hub_state = {}
        self.step_no = 0
        self.log = open(os.path.join(self.root, "commands.log"), "a",
                        encoding="utf-8")
        self.tracefile = open(os.path.join(self.root, "steps.log"), "a",
                              encoding="utf-8")
        self.converge = {"passes": 0, "rested": False, "moves": []}
        self.editor = os.path.join(self.root, "editor.sh")
        with open(self.editor, "w") as f:
            f.write("#!/bin/sh\nexec %s %s editor \"$1\"\n" %
                    (sys.executable, HERE))
        os.chmod(self.editor, 0o755)

    # -- plumbing --
    def say(self, msg):
        if self.trace:
            print(msg, flush=True)
        self.tracefile.write(msg + "\n")

    def fail(self, sig, msg):
        msg = " / ".join(x.strip() for x in msg.strip().split("\n") if x.strip())
        self.failures.append({"sig": sig, "step": self.step_no, "msg": msg})
        self.say("  FAIL [%s] %s" % (sig, msg))

    def kh(self, lap, *args, env=None, where=None):
        argv = [KHAOSAT]
        if lap is not None:
            argv += ["-C", where or lap.dir]
        argv += list(args)
        e = dict(os.environ)
        if env:
            e.update(env)
        rc, out, err = run_cmd(argv, cwd=self.root, env=e)
        self.log.write("$ %s\n[%d]\n%s%s" % (" ".join(argv), rc, out, err))
        return rc, out, err

    def git(self, where, *args, ok=(0,)):
        argv = ["git", "-C", where] + list(args)
        rc, out, err = run_cmd(argv)
        if rc not in ok:
            raise Failure("git %s: exit %d: %s" % (" ".join(args), rc,
                                                    err.strip()))
        return out

    def rev(self, lap, what="main"):
        rc, out, _ = run_cmd(["git", "-C", lap.dir, "rev-parse", "-q",
                              "--verify", what + "^{commit}"])
        return out.strip() if rc == 0 else None

    def revlist(self, where, what):
        return set(self.git(where, "rev-list", what).split())

    def blob(self, where, rev, path):
        rc, out, _ = run_cmd(["git", "-C", where, "show", "%s:%s" % (rev, path)])
        return out if rc == 0 else None

    def rec_at(self, where, rev, path):
        t = self.blob(where, rev, path)
        return None if t is None else yaml_load(t)

    def commit_info(self, where, sha):
        out = self.git(where, "log", "-1", "--format=%P%x00%an%x00%cn%x00"
                       "%(trailers:key=Device,valueonly)", sha)
        p, an, cn, dev = (out.rstrip("\n") + "\0\0\0").split("\0")[:4]
        return {"parents": p.split(), "author": an, "committer": cn,
                "device": dev.strip()}

    def register(self, lap, sha, kind, expect_parents=None):
        info = self.commit_info(lap.dir, sha)
        if expect_parents is not None and info["parents"] != expect_parents:
            self.fail("steps/commit-parents",
                      "%s: %s commit %s has parents %s, not %s" %
                      (lap.device, kind, sha[:10], info["parents"],
                       expect_parents))
        if info["author"] != lap.surveyor or info["device"] != lap.device or \
                info["committer"] != lap.device:
            self.fail("steps/commit-identity",
                      "%s: %s commit %s is by %r, committer %r, Device %r; "
                      "the laptop is %r on %s" %
                      (lap.device, kind, sha[:10], info["author"],
                       info["committer"], info["device"], lap.surveyor,
                       lap.device))
        self.commits[sha] = {"lap": lap.i, "kind": kind,
                             "parents": info["parents"],
                             "order": len(self.commits)}

    def records_of(self, lap):
        out = set()
        base = os.path.join(lap.dir, "records", "workshop")
        for d, _, files in os.walk(base):
            for f in files:
                if f.endswith(".yaml"):
                    out.add(f[:-5])
        return out

    def read_rec(self, lap, rid):
        p = os.path.join(lap.dir, record_path(rid))
        try:
            with open(p, encoding="utf-8") as f:
                return f.read()
        except OSError:
            return None

    def write_rec(self, lap, rid, text):
        with open(os.path.join(lap.dir, record_path(rid)), "w",
                  encoding="utf-8") as f:
            f.write(text)

    def git_dirty(self, lap):
        return self.git(lap.dir, "status", "--porcelain").strip() != ""

    def conflicts(self, lap, where=None):
        rc, out, err = self.kh(lap, "conflicts", "--json", where=where)
        if rc not in (0, 1):
            self.fail("steps/conflicts", "%s: conflicts --json: exit %d: %s"
                      % (lap.device, rc, err.strip()))
            return []
        try:
            return conflicts_of(out)
        except ValueError:
            self.fail("steps/conflicts", "%s: conflicts --json is not JSON: %s"
                      % (lap.device, out[:200]))
            return []

    def survey_dir_on_stick(self):
        for name in sorted(os.listdir(self.stick)):
            if os.path.isdir(os.path.join(self.stick, name)):
                return os.path.join(self.stick, name)
        return None

    # -- the model's view of what a laptop holds after a sync --
    def after_import(self, lap, predicted, what, old_main):
        actual = self.revlist(lap.dir, "main")
        known = set(self.commits)
        missing = predicted - actual
        # A merge that would bring nothing (only merges of what main has,
        # with main's own tree) is not made: its merges may stay out.
        missing = {c for c in missing if len(self.git(
            lap.dir, "rev-list", "--parents", "-n", "1", c).split()) < 3}
        if missing:
            self.fail("steps/sync-missing",
                      "%s: after %s, main lacks %d commit(s) that were there "
                      "to import: %s" % (lap.device, what, len(missing),
                                         " ".join(sorted(c[:10] for c in missing))))
        extra = (actual & known) - predicted
        if extra:
            self.fail("steps/sync-extra",
                      "%s: after %s, main holds %d commit(s) the model did not "
                      "expect there: %s" % (lap.device, what, len(extra),
                                            " ".join(sorted(c[:10] for c in extra))))
        new = actual - known
        if new:
            order = self.git(lap.dir, "rev-list", "--reverse", "--topo-order",
                             "main").split()
            for sha in order:
                if sha in new:
                    self.register(lap, sha, "merge")
                    if len(self.commits[sha]["parents"]) < 2:
                        self.fail("steps/sync-commit",
                                  "%s: %s made commit %s, which is not a merge"
                                  % (lap.device, what, sha[:10]))
        lap.seen = actual
        lap.main = self.rev(lap)
        return lap.main != old_main

    # ------------------------------------------------------------ setup --
    def setup(self):
        os.makedirs(self.stick, exist_ok=True)
        l0 = self.laps[0]
        rc, out, err = self.kh(None, "init", l0.dir, "--unsigned", "--device", l0.device,
                               "--surveyor", l0.surveyor, "--name", "Mỹ Đồng")
        if rc != 0:
            raise Failure("init: %s" % err)
        l0.joined = True
        l0.main = self.rev(l0)
        self.register(l0, l0.main, "init")
        l0.seen = {l0.main}
        for n in range(1, 6):
            self.do_new(l0, n)
        self.do_commit(l0)
        rc, out, err = self.kh(None, "init", "--bare", self.hub)
        if rc != 0:
            raise Failure("init --bare: %s" % err)
        rc, out, err = self.kh(l0, "remote", "add", "hub", self.hub)
        if rc != 0:
            raise Failure("remote add: %s" % err)
        l0.remote = "hub"
        self.do_sync(l0, "hub")
        self.do_sync(l0, "stick")
        for lap in self.laps[1:]:
            if lap.join.endswith("-late"):
                continue
            self.do_join(lap)

    def hot(self):
        return ["%s-%04d" % (self.laps[0].device, k) for k in (1, 2, 3)]

    # ------------------------------------------------------------ steps --
    def do_join(self, lap):
        src = self.stick if lap.join.startswith("stick") else self.hub
        if lap.join.startswith("stick"):
            pred = set().union(*self.stick_state.values()) if self.stick_state else set()
        else:
            pred = set().union(*self.hub_state.values()) if self.hub_state else set()
        rc, out, err = self.kh(None, "clone", src, lap.dir, "--device",
                               lap.device, "--surveyor", lap.surveyor)
        self.say("  %s: clone from the %s" % (lap.device, "stick" if src ==
                                               self.stick else "hub"))
        if rc != 0:
            self.fail("steps/clone", "%s: clone %s: exit %d: %s" %
                      (lap.device, src, rc, err.strip()))
            return
        lap.joined = True
        self.after_import(lap, pred, "clone", None)
        if src == self.stick:
            rc, out, err = self.kh(lap, "remote", "add", "hub", self.hub)
            if rc != 0:
                self.fail("steps/remote", "%s: remote add hub: %s" %
                          (lap.device, err.strip()))
            lap.remote = "hub"
        else:
            rc, out, err = self.kh(lap, "remote", "list")
            if "centre" not in out:
                self.fail("steps/clone", "%s: a clone from the hub has no "
                          "remote 'centre': %s" % (lap.device, out.strip()))
            lap.remote = "centre"
        if self.git_dirty(lap):
            self.fail("steps/clone", "%s: the work tree is not clean after "
                      "clone" % lap.device)

    def do_new(self, lap, n):
        rid = "%s-%04d" % (lap.device, lap.counter)
        sets = {
            "name": value_for("/name", n),
            "legal_type": "ho_kinh_doanh",
            "representative.name": value_for("/representative/name", n),
            "phone": value_for("/phone", n),
            "address.village": value_for("/address/village", n),
            "address.commune_name": "Mỹ Đồng",
            "address.province_name": "Hải Phòng",
            "trade_group": "do_go_gom_su_det_may_co_khi_nho",
            "workers.regular": value_for("/workers/regular", n),
            "surveyed_at": "2025-06-01",
        }
        args = ["new", "workshop"]
        for k, v in sets.items():
            args += ["--set", "%s=%s" % (k, v)]
        rc, out, err = self.kh(lap, *args)
        self.say("  %s: new %s" % (lap.device, rid))
        if rc != 0:
            self.fail("steps/new", "%s: new: exit %d: %s" % (lap.device, rc,
                                                             err.strip()))
            return None
        m = re.search(r"Saved workshop ([^:]+): (\S+)", out)
        if not m or m.group(1) != rid or m.group(2) != record_path(rid):
            self.fail("steps/new", "%s: new saved %r, the model expected %s at %s"
                      % (lap.device, out.strip(), rid, record_path(rid)))
            if not m:
                return None
            rid = m.group(1)
        lap.counter = int(rid.rsplit("-", 1)[1]) + 1
        text = self.read_rec(lap, rid)
        rec = yaml_load(text)
        for f in FIELDS:
            if get_path(rec, f) != value_for(f, n):
                self.fail("steps/new", "%s: new %s holds %s at %s, not %s" %
                          (lap.device, rid, show(get_path(rec, f)), f,
                           show(value_for(f, n))))
            lap.pw[(rid, f)] = value_for(f, n)
        if get_path(rec, "/surveyor") != lap.surveyor:
            self.fail("steps/new", "%s: new %s names surveyor %s" %
                      (lap.device, rid, show(get_path(rec, "/surveyor"))))
        self.initial[rid] = flatten(rec)
        lap.pc.add(rid)
        return rid

    def do_edit(self, lap, rid, writes, how):
        text = self.read_rec(lap, rid)
        if text is None:
            return "skip"
        vals = [(f, value_for(f, n)) for f, n in writes]
        self.say("  %s: edit %s %s (%s)" % (lap.device, rid, ", ".join(
            "%s=%s" % (f, show(v)) for f, v in vals), how))
        if how == "editor":
            probe = text
            for f, v in vals:
                probe = set_field_text(probe, f, yaml_of(f, v)) \
                    if probe is not None else None
            if probe is None:
                # The editor could not place it either (a mapping that a
                # settlement emptied): nothing to type there.
                self.say("  (cannot place %s in %s)" % (
                    ", ".join(f for f, v in vals), rid))
                return "skip"
            e = {"EDITOR": self.editor, "VISUAL": self.editor,
                 "SM_EDIT": json.dumps([[f, yaml_of(f, v)] for f, v in vals])}
            rc, out, err = self.kh(lap, "edit", rid, env=e)
            if rc != 0:
                self.fail("steps/edit", "%s: edit %s: exit %d: %s" %
                          (lap.device, rid, rc, (out + err).strip()[-400:]))
                if self.read_rec(lap, rid) == text:
                    return "failed"
        else:
            new = text
            for f, v in vals:
                y = yaml_alt_of(f, v) if how == "fmt" else yaml_of(f, v)
                t2 = set_field_text(new, f, y)
                if t2 is None:
                    self.say("  (cannot place %s in %s)" % (f, rid))
                    return "skip"
                new = t2
            self.write_rec(lap, rid, new)
            if how == "fmt":
                rc, out, err = self.kh(lap, "fmt", rid)
                if rc != 0:
                    self.fail("steps/fmt", "%s: fmt %s: exit %d: %s" %
                              (lap.device, rid, rc, (out + err).strip()))
                else:
                    rc, out, err = self.kh(lap, "fmt", "--check", rid)
                    if rc != 0:
                        self.fail("steps/fmt", "%s: %s is not canonical after "
                                  "fmt: %s" % (lap.device, rid, (out + err).strip()))
        rec = yaml_load(self.read_rec(lap, rid))
        for f, v in vals:
            if get_path(rec, f) != v:
                self.fail("steps/edit", "%s: after the %s edit, %s %s is %s, "
                          "not %s" % (lap.device, how, rid, f,
                                      show(get_path(rec, f)), show(v)))
            lap.pw[(rid, f)] = v
        return "ok"

    def do_delete(self, lap, rid):
        p = os.path.join(lap.dir, record_path(rid))
        if not os.path.exists(p):
            return "skip"
        self.say("  %s: delete %s" % (lap.device, rid))
        os.unlink(p)
        for k in [k for k in lap.pw if k[0] == rid]:
            del lap.pw[k]
        if rid in lap.pc:
            lap.pc.discard(rid)
        else:
            lap.pd.add(rid)
        return "ok"

    def do_commit(self, lap, msg=None):
        if not self.git_dirty(lap):
            if lap.dirty():
                self.fail("steps/model-dirty", "%s: the model has uncommitted "
                          "changes, git status shows none" % lap.device)
                lap.pw.clear()
                lap.pc.clear()
                lap.pd.clear()
            return "skip"
        old = lap.main
        rc, out, err = self.kh(lap, "commit", "-m",
                               msg or "step %d on %s" % (self.step_no, lap.device))
        self.say("  %s: commit" % lap.device)
        if rc != 0:
            self.fail("steps/commit", "%s: commit refused: exit %d: %s" %
                      (lap.device, rc, (out + err).strip()[-600:]))
            # Drop what could not be committed, so the run goes on.
            self.git(lap.dir, "reset", "-q", "--hard", "main")
            self.git(lap.dir, "clean", "-q", "-fd", "records")
            lap.pw.clear()
            lap.pc.clear()
            lap.pd.clear()
            return "failed"
        sha = self.rev(lap)
        self.register(lap, sha, "commit", [old] if old else None)
        lap.main = sha
        lap.seen.add(sha)
        self.ledger_commit(lap, sha, old)
        if self.git_dirty(lap):
            self.fail("steps/commit", "%s: work tree not clean after commit"
                      % lap.device)
        return "ok"

    def ledger_commit(self, lap, sha, parent):
        cache = {}

        def at(rev, rid):
            if (rev, rid) not in cache:
                cache[(rev, rid)] = self.rec_at(lap.dir, rev, record_path(rid)) \
                    if rev else None
            return cache[(rev, rid)]

        for rid in sorted(lap.pc):
            self.ledger.append({"t": "C", "c": sha, "lap": lap.i, "id": rid})
        for rid in sorted(lap.pd):
            if at(sha, rid) is not None:
                self.fail("steps/commit", "%s: commit %s still holds %s, "
                          "deleted" % (lap.device, sha[:10], rid))
            self.ledger.append({"t": "D", "c": sha, "lap": lap.i, "id": rid,
                                "writer": at(parent, rid) is not None})
        for (rid, f), v in sorted(lap.pw.items()):
            now = get_path(at(sha, rid), f)
            if now != v:
                self.fail("steps/commit", "%s: commit %s holds %s at %s %s, "
                          "the laptop wrote %s" % (lap.device, sha[:10],
                                                   show(now), rid, f, show(v)))
            before = get_path(at(parent, rid), f)
            self.ledger.append({"t": "W", "c": sha, "lap": lap.i, "id": rid,
                                "f": f, "v": v, "writer": before != v})
        lap.pw.clear()
        lap.pc.clear()
        lap.pd.clear()

    def do_sync(self, lap, to):
        if to == "hub" and not lap.remote:
            return "skip"
        target = self.stick if to == "stick" else lap.remote
        old = lap.main
        model_dirty = lap.dirty()
        git_dirty = self.git_dirty(lap)
        if model_dirty != git_dirty:
            self.fail("steps/model-dirty", "%s: the model says the work tree "
                      "is %s, git status says %s" % (
                          lap.device, "dirty" if model_dirty else "clean",
                          "dirty" if git_dirty else "clean"))
        if to == "stick":
            others = [s for d, s in self.stick_state.items() if d != lap.device]
        else:
            others = [s for d, s in self.hub_state.items() if d != lap.device]
        pred = set(lap.seen).union(*others)
        rc, out, err = self.kh(lap, "sync", target)
        self.say("  %s: sync %s%s" % (lap.device, to, " (dirty)" if git_dirty
                                      else ""))
        if git_dirty:
            if rc == 0:
                self.fail("steps/sync-dirty", "%s: sync with uncommitted "
                          "changes did not refuse" % lap.device)
            if self.rev(lap) != old:
                self.fail("steps/sync-dirty", "%s: a refused sync moved main"
                          % lap.device)
            return "refused"
        if rc != 0 or re.search(r"(?i)error|warning", out + err):
            self.fail("steps/sync", "%s: sync %s: exit %d: %s" %
                      (lap.device, to, rc, (out + err).strip()[-600:]))
        moved = self.after_import(lap, pred, "sync " + to, old)
        if self.git_dirty(lap):
            self.fail("steps/sync", "%s: sync %s left the work tree changed: %s"
                      % (lap.device, to, self.git(lap.dir, "status",
                                                  "--porcelain").strip()))
        # The witnesses: the laptop's bundle on the stick, its ref on the hub.
        if to == "stick":
            sd = self.survey_dir_on_stick()
            b = os.path.join(sd or self.stick, lap.device + ".bundle")
            rc2, heads, e2 = run_cmd(["git", "-C", lap.dir, "bundle",
                                      "list-heads", b])
            tip = None
            for line in heads.split("\n"):
                parts = line.split()
                if len(parts) == 2 and parts[1] in ("refs/heads/main", "HEAD"):
                    tip = parts[0]
            if rc2 != 0 or tip != lap.main:
                self.fail("steps/sync-bundle", "%s: its bundle on the stick "
                          "has main at %s, the laptop at %s %s" % (
                              lap.device, tip, lap.main, e2.strip()))
            if tip and tip in lap.seen:
                self.stick_state[lap.device] = self.revlist(lap.dir, tip)
        else:
            rc2, out2, _ = run_cmd(["git", "--git-dir", self.hub, "rev-parse",
                                    "-q", "--verify",
                                    "refs/heads/devices/" + lap.device])
            tip = out2.strip()
            if rc2 != 0 or tip != lap.main:
                self.fail("steps/sync-hub", "%s: devices/%s on the hub is %s, "
                          "the laptop's main %s" % (lap.device, lap.device,
                                                    tip or "missing", lap.main))
            if tip:
                self.hub_state[lap.device] = set(run_cmd(
                    ["git", "--git-dir", self.hub, "rev-list", tip])[1].split())
        return "moved" if moved else "ok"

    def do_resolve(self, lap, rid, field, choice, take, n, want_key=None):
        if self.git_dirty(lap):
            return "skip"
        conf = [c for c in self.conflicts(lap)
                if rid_of(c["file"]) == rid and c["field"] == field]
        if not conf:
            return "skip"
        c = conf[0]
        props = c["proposals"]
        arg_field = field or "/"
        origin = None       # the commit whose proposal a --take keeps
        if choice == "take":
            # Proposals are numbered by commit id, which the time of day
            # changes from run to run: a step names the one it takes by
            # what it proposes.
            k = min(take, len(props))
            for j, p in enumerate(props):
                if want_key is not None and prop_key(p) == want_key:
                    k = j + 1
                    break
            args = ["--take", str(k)]
            chosen = props[k - 1]
            origin = chosen.get("commit")
            want_deleted = bool(chosen.get("deleted"))
            # A field's deletion proposal (a resolve --base where nothing
            # was there before, merged on) removes the field.
            want = (MISSING if field else None) if want_deleted \
                else yaml_load(chosen.get("value"))
        elif choice == "base":
            args = ["--base"]
            want_deleted = False
            # No value before both changes: --base removes the field.
            want = yaml_load(c.get("base")) if c.get("base") is not None \
                else MISSING
        else:
            if not field:
                return "skip"
            v = value_for(field, n)
            args = ["--value", cli_of(field, v)]
            want_deleted = False
            want = v
        self.say("  %s: resolve %s %s %s" % (lap.device, rid, arg_field,
                                            " ".join(args)))
        old = lap.main
        rc, out, err = self.kh(lap, "resolve", rid, arg_field, *args)
        if rc == 1 and choice == "base" and c.get("base") is None and field \
                and "no value before both changes" in err:
            # Nothing there before both changes and the field is required:
            # refused with that reason (the record must stay valid).
            self.say("  %s: refused, as it should be: no base value" %
                     lap.device)
            return "failed"
        if rc != 0:
            self.fail("steps/resolve", "%s: resolve %s %s %s: exit %d: %s" % (
                lap.device, rid, arg_field, " ".join(args), rc,
                (out + err).strip()[-600:]))
            if self.git_dirty(lap):
                self.git(lap.dir, "reset", "-q", "--hard", "main")
            return "failed"
        sha = self.rev(lap)
        if sha == old:
            self.fail("steps/resolve", "%s: resolve %s %s made no commit" %
                      (lap.device, rid, arg_field))
            return "failed"
        self.register(lap, sha, "resolve", [old])
        lap.main = sha
        lap.seen.add(sha)
        rec = self.rec_at(lap.dir, sha, record_path(rid))
        before = self.rec_at(lap.dir, old, record_path(rid))
        if field:
            got = get_path(rec, field)
            if got != want:
                self.fail("steps/resolve", "%s: after resolve %s %s %s the "
                          "field is %s, not %s" % (lap.device, rid, field,
                                                   " ".join(args), show(got),
                                                   show(want)))
            if field in FIELDS and got is not MISSING:
                self.ledger.append({"t": "W", "c": sha, "lap": lap.i, "id": rid,
                                    "f": field, "v": got, "resolve": True,
                                    "origin": origin,
                                    "writer": get_path(before, field) != got})
            elif field in FIELDS:
                # --base where nothing was there before both changes, or a
                # deletion proposal taken: the settlement removed the
                # field, as a person asked.
                self.ledger.append({"t": "R", "c": sha, "lap": lap.i, "id": rid,
                                    "f": field})
        else:
            if want_deleted:
                if rec is not None:
                    self.fail("steps/resolve", "%s: resolve %s / %s kept the "
                              "record; the proposal deletes it" %
                              (lap.device, rid, " ".join(args)))
                self.ledger.append({"t": "D", "c": sha, "lap": lap.i, "id": rid,
                                    "resolve": True,
                                    "writer": before is not None})
            else:
                if rec != want:
                    self.fail("steps/resolve", "%s: after resolve %s / %s the "
                              "record differs from the choice" %
                              (lap.device, rid, " ".join(args)))
                for f in FIELDS:
                    got = get_path(rec, f)
                    if got is not MISSING:
                        self.ledger.append({
                            "t": "W", "c": sha, "lap": lap.i, "id": rid,
                            "f": f, "v": got, "resolve": True,
                            "origin": origin,
                            "writer": get_path(before, f) != got})
        left = [x for x in self.conflicts(lap)
                if rid_of(x["file"]) == rid and x["field"] == field]
        if left:
            self.fail("steps/resolve", "%s: the conflict on %s %s is still "
                      "listed after resolve" % (lap.device, rid, arg_field))
        if self.git_dirty(lap):
            self.fail("steps/resolve", "%s: resolve left the work tree changed"
                      % lap.device)
            self.git(lap.dir, "reset", "-q", "--hard", "main")
        return "ok"

    def execute(self, step):
        op = step["op"]
        lap = self.laps[step["lap"]] if "lap" in step else None
        if op == "join":
            if lap.joined:
                return "skip"
            self.do_join(lap)
            return "ok"
        if lap is None or not lap.joined:
            return "skip"
        if op == "new":
            rid = self.do_new(lap, step["n"])
            if rid and step.get("commit"):
                self.do_commit(lap)
            return "ok" if rid else "failed"
        if op == "edit":
            r = self.do_edit(lap, step["id"], step["writes"], step["how"])
            if r == "ok" and step.get("commit"):
                self.do_commit(lap)
            return r
        if op == "delete":
            r = self.do_delete(lap, step["id"])
            if r == "ok" and step.get("commit"):
                self.do_commit(lap)
            return r
        if op == "commit":
            return self.do_commit(lap)
        if op == "sync":
            return self.do_sync(lap, step["to"])
        if op == "resolve":
            return self.do_resolve(lap, step["id"], step["field"],
                                   step["choice"], step.get("take", 1),
                                   step.get("n", 0), step.get("take_key"))
        raise ValueError("unknown step %r" % step)

    # ---------------------------------------------------- convergence --
    def do_converge(self, max_passes=6):
        for lap in self.laps:
            if lap.joined and self.git_dirty(lap):
                self.do_commit(lap, "before converging")
        trees = []
        for p in range(1, max_passes + 1):
            moves = 0
            for lap in self.laps:
                if not lap.joined:
                    continue
                for to in ("stick", "hub"):
                    if self.do_sync(lap, to) == "moved":
                        moves += 1
            self.converge["passes"] = p
            self.converge["moves"].append(moves)
            self.say("converge pass %d: %d syncs moved a main" % (p, moves))
            if moves == 0:
                self.converge["rested"] = True
                return
            # Mains that keep moving while every tree stays the same will
            # not rest: two such passes in a row are enough to say so.
            trees.append({self.git(l.dir, "rev-parse", "main^{tree}").strip()
                          for l in self.laps if l.joined})
            if p >= 4 and len(trees[-1]) == 1 and trees[-1] == trees[-2] == trees[-3]:
                self.converge["same_tree"] = True
                return

    # ------------------------------------------------------- model out --
    def dump(self):
        data = {
            "spec": self.spec,
            "laptops": [{"i": l.i, "device": l.device, "surveyor": l.surveyor,
                         "dir": l.dir, "remote": l.remote, "joined": l.joined,
                         "main": l.main} for l in self.laps],
            "stick": self.stick, "hub": self.hub,
            "commits": self.commits, "ledger": self.ledger,
            "initial": self.initial, "failures": self.failures,
            "converge": self.converge,
        }
        with open(os.path.join(self.root, "model.json"), "w",
                  encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)


# ------------------------------------------------------------ generator --

class Gen:
    """Chooses the next steps from the seed and the laptops' state."""

    W = [("edit", 24), ("new", 7), ("delete", 4), ("commit", 3),
         ("sync", 26), ("resolve", 9), ("clash", 9), ("delmod", 5),
         ("tri", 5), ("confdel", 5)]

    def __init__(self, sim, rng, n0):
        self.sim = sim
        self.rng = rng
        self.n = n0

    def next_n(self):
        self.n += 1
        return self.n

    def joined(self):
        return [l for l in self.sim.laps if l.joined]

    def pick_rec(self, lap, hot_bias=0.5, avoid=()):
        recs = sorted(self.sim.records_of(lap) - set(avoid))
        if not recs:
            return None
        hot = [r for r in self.sim.hot() if r in recs]
        if hot and self.rng.random() < hot_bias:
            return self.rng.choice(hot)
        return self.rng.choice(recs)

    def edit_step(self, lap, rid, fields=None, commit=None):
        if fields is None:
            fields = [self.rng.choice(FIELDS)]
            if self.rng.random() < 0.3:
                f2 = self.rng.choice(FIELDS)
                if f2 != fields[0]:
                    fields.append(f2)
        how = self.rng.choice(["hand", "hand", "editor", "fmt"])
        if commit is None:
            commit = self.rng.random() < 0.8
        return {"op": "edit", "lap": lap.i, "id": rid, "how": how,
                "writes": [[f, self.next_n()] for f in fields],
                "commit": commit}

    def sync_steps(self, lap, to=None):
        to = to or self.rng.choice(["stick", "hub"])
        out = []
        if lap.dirty() and self.rng.random() < 0.85:
            out.append({"op": "commit", "lap": lap.i})
        out.append({"op": "sync", "lap": lap.i, "to": to})
        return out

    def others(self, lap, rid, k):
        c = [l for l in self.joined() if l is not lap and
             rid in self.sim.records_of(l)]
        self.rng.shuffle(c)
        return c[:k] if len(c) >= k else None

    def round(self):
        sim = self.sim
        late = [l for l in sim.laps if not l.joined]
        if late and self.rng.random() < 0.06:
            return [{"op": "join", "lap": late[0].i}]
        lap = self.rng.choice(self.joined())
        total = sum(w for _, w in self.W)
        r = self.rng.uniform(0, total)
        for act, w in self.W:
            r -= w
            if r <= 0:
                break
        if act == "edit":
            rid = self.pick_rec(lap)
            if rid:
                return [self.edit_step(lap, rid)]
            act = "new"
        if act == "new":
            return [{"op": "new", "lap": lap.i, "n": self.next_n(),
                     "commit": self.rng.random() < 0.85}]
        if act == "delete":
            rid = self.pick_rec(lap, hot_bias=0.1)
            if rid:
                return [{"op": "delete", "lap": lap.i, "id": rid,
                         "commit": self.rng.random() < 0.85}]
            return self.sync_steps(lap)
        if act == "commit":
            if lap.dirty():
                return [{"op": "commit", "lap": lap.i}]
            return self.sync_steps(lap)
        if act == "sync":
            return self.sync_steps(lap)
        if act == "resolve":
            conf = sim.conflicts(lap)
            if not conf:
                return self.sync_steps(lap)
            c = self.rng.choice(conf)
            choices = ["take", "take", "base", "value"] if c["field"] else \
                ["take", "take", "base"]
            ch = self.rng.choice(choices)
            out = []
            if lap.dirty():
                out.append({"op": "commit", "lap": lap.i})
            take = self.rng.randint(1, len(c["proposals"]))
            st = {"op": "resolve", "lap": lap.i, "id": rid_of(c["file"]),
                  "field": c["field"], "choice": ch}
            if ch == "take":
                st["take"] = take
                st["take_key"] = prop_key(c["proposals"][take - 1])
            if ch == "value":
                st["n"] = self.next_n()
            out.append(st)
            return out
        if act == "clash":
            # Two laptops change one field of a hot record before they meet;
            # sometimes the second deletes it instead.
            rid = self.pick_rec(lap, hot_bias=0.8)
            o = self.others(lap, rid, 1) if rid else None
            if not o:
                return self.sync_steps(lap)
            b = o[0]
            f = self.rng.choice(FIELDS)
            out = [self.edit_step(lap, rid, [f], True)]
            if self.rng.random() < 0.2:
                out.append({"op": "delete", "lap": b.i, "id": rid,
                            "commit": True})
            else:
                out.append(self.edit_step(b, rid, [f], True))
            if self.rng.random() < 0.7:
                to = self.rng.choice(["stick", "hub"])
                out += [{"op": "sync", "lap": lap.i, "to": to},
                        {"op": "sync", "lap": b.i, "to": to}]
            return out
        if act == "delmod":
            rid = self.pick_rec(lap, hot_bias=0.3)
            o = self.others(lap, rid, 1) if rid else None
            if not o:
                return self.sync_steps(lap)
            b = o[0]
            to = self.rng.choice(["stick", "hub"])
            return [{"op": "delete", "lap": lap.i, "id": rid, "commit": True},
                    self.edit_step(b, rid, None, True),
                    {"op": "sync", "lap": lap.i, "to": to},
                    {"op": "sync", "lap": b.i, "to": to}]
        if act == "tri":
            # Deleted on one laptop, changed differently on two others, which
            # each merge the deletion (one through the stick, one through
            # the hub) before they meet.
            rid = self.pick_rec(lap, hot_bias=0.3)
            o = self.others(lap, rid, 2) if rid else None
            if not o:
                return self.sync_steps(lap)
            b, c = o
            f = "/name" if self.rng.random() < 0.7 else self.rng.choice(FIELDS)
            out = [{"op": "delete", "lap": lap.i, "id": rid, "commit": True},
                   {"op": "sync", "lap": lap.i, "to": "stick"},
                   {"op": "sync", "lap": lap.i, "to": "hub"},
                   self.edit_step(b, rid, [f], True),
                   self.edit_step(c, rid, [f], True),
                   {"op": "sync", "lap": b.i, "to": "stick"},
                   {"op": "sync", "lap": c.i, "to": "hub"},
                   {"op": "sync", "lap": b.i, "to": "hub"}]
            if self.rng.random() < 0.5:
                out.append({"op": "sync", "lap": c.i, "to": "stick"})
            return out
        if act == "confdel":
            # A record with an open conflict: edited, then deleted.
            conf = [c for c in sim.conflicts(lap) if c["field"]]
            if not conf:
                # None open here: make one (through the hub or the stick),
                # then change the record and delete it on the laptop that
                # holds the conflict.
                rid = self.pick_rec(lap, hot_bias=0.3)
                o = self.others(lap, rid, 1) if rid else None
                if not o:
                    return self.sync_steps(lap)
                b = o[0]
                f = self.rng.choice(FIELDS)
                to = self.rng.choice(["stick", "hub"])
                out = [self.edit_step(b, rid, [f], True),
                       self.edit_step(lap, rid, [f], True),
                       {"op": "sync", "lap": b.i, "to": to},
                       {"op": "sync", "lap": lap.i, "to": to}]
                if self.rng.random() < 0.7:
                    out.append(self.edit_step(lap, rid, [self.rng.choice(
                        [x for x in FIELDS if x != f])], True))
                out += [{"op": "delete", "lap": lap.i, "id": rid,
                         "commit": True}]
                out += self.sync_steps(lap)
                return out
            c = self.rng.choice(conf)
            rid = rid_of(c["file"])
            others = [f for f in FIELDS if f != c["field"]]
            out = [self.edit_step(lap, rid, [self.rng.choice(others)], True),
                   {"op": "delete", "lap": lap.i, "id": rid, "commit": True}]
            out += self.sync_steps(lap)
            return out
        return self.sync_steps(lap)


# --------------------------------------------------------------- specs --

def make_spec(seed, laptops=None, rounds=None, max_laptops=8):
    rng = random.Random("spec-%s" % seed)
    # Both are always drawn, so that a run given its sizes replays the
    # run that chose them.
    n_drawn = rng.randint(4, 8)
    r_drawn = rng.randint(30, 400)
    n = laptops or min(n_drawn, max_laptops)
    r = rounds or r_drawn
    joins = ["init"]
    for i in range(1, n):
        joins.append("stick" if i % 2 else "hub")
    # Which later laptops join from which source: both kinds always.
    tail = joins[1:]
    rng.shuffle(tail)
    if "stick" not in tail:
        tail[0] = "stick"
    if "hub" not in tail:
        tail[-1] = "hub"
    joins = ["init"] + tail
    if n >= 5 and rng.random() < 0.7:
        joins[-1] += "-late"
    laps = [{"device": "lap%d" % i, "surveyor": "Điều tra viên %d" % (i + 1),
             "join": joins[i]} for i in range(n)]
    return {"seed": seed, "rounds": r, "laptops": laps, "steps": None}


def play(spec, root, trace=True, stop_on=None):
    # stop_on: a steps/... signature; the replay ends at the first step
    # that fails that way (the shrinker needs no more).
    os.makedirs(root, exist_ok=True)
    sim = Sim(spec, root, trace)
    try:
        sim.setup()
        steps = spec.get("steps")
        if steps is None:
            rng = random.Random("steps-%s" % spec["seed"])
            gen = Gen(sim, rng, 100)
            steps = []
            for r in range(spec["rounds"]):
                chunk = gen.round()
                sim.say("round %d" % (r + 1))
                for st in chunk:
                    sim.step_no = len(steps) + 1
                    st = dict(st)
                    steps.append(st)
                    st["result"] = sim.execute(st)
            spec["steps"] = [{k: v for k, v in s.items() if k != "result"}
                             for s in steps]
        else:
            for k, st in enumerate(steps):
                sim.step_no = k + 1
                sim.say("step %d: %s" % (k + 1, json.dumps(st, ensure_ascii=False)))
                sim.execute(st)
                if stop_on and any(f["sig"] == stop_on for f in sim.failures):
                    sim.dump()
                    return sim
        sim.step_no = 0
        sim.do_converge()
    except Failure as e:
        sim.fail("steps/harness", str(e))
    sim.dump()
    return sim


# -------------------------------------------------------------- checks --

class Model:
    def __init__(self, root):
        self.root = os.path.abspath(root)
        with open(os.path.join(self.root, "model.json"), encoding="utf-8") as f:
            self.d = json.load(f)
        self.laps = [l for l in self.d["laptops"] if l["joined"]]
        self.all_laps = self.d["laptops"]
        self.problems = []

    def bad(self, kind, msg):
        msg = " / ".join(x.strip() for x in msg.strip().split("\n") if x.strip())
        self.problems.append((kind, msg))

    def git(self, where, *args, ok=(0,)):
        rc, out, err = run_cmd(["git", "-C", where] + list(args))
        if rc not in ok:
            raise Failure("git %s: exit %d: %s" % (" ".join(args), rc, err))
        return out

    def kh(self, where, *args):
        return run_cmd([KHAOSAT, "-C", where] + list(args))

    def files_at(self, where, rev, prefix):
        out = {}
        rc, ls, _ = run_cmd(["git", "-C", where, "ls-tree", "-r", rev, "--",
                             prefix])
        entries = []
        for line in ls.split("\n"):
            if "\t" in line:
                meta, path = line.split("\t", 1)
                entries.append((meta.split()[2], path))
        if not entries:
            return out
        p = subprocess.run(["git", "-C", where, "cat-file", "--batch"],
                           input="".join(e[0] + "\n" for e in entries).encode(),
                           stdout=subprocess.PIPE)
        data = p.stdout
        pos = 0
        for oid, path in entries:
            nl = data.index(b"\n", pos)
            size = int(data[pos:nl].split()[2])
            out[path] = data[nl + 1:nl + 1 + size].decode("utf-8", "replace")
            pos = nl + 1 + size + 1
        return out

    # anc[c]: bit set of every ancestor of c (c excluded).
    def ancestry(self):
        commits = self.d["commits"]
        order = sorted(commits, key=lambda c: commits[c]["order"])
        idx = {c: k for k, c in enumerate(order)}
        anc = {}
        for c in order:
            bits = 0
            for p in commits[c]["parents"]:
                if p in anc:
                    bits |= anc[p] | (1 << idx[p])
            anc[c] = bits
        return idx, anc


def check_steps(m):
    for f in m.d["failures"]:
        if f["sig"].startswith("steps/"):
            m.bad(f["sig"][6:], "step %d: %s" % (f["step"], f["msg"]))


def check_converge(m):
    c = m.d["converge"]
    if not c["rested"]:
        m.bad("no-rest", "after %d passes (every laptop syncing with the stick "
              "and the hub in turn) mains still move: moves per pass %s%s" %
              (c["passes"], c["moves"], "; every laptop has had the same tree "
               "for the last three passes: each sync adds merges that change "
               "nothing" if c.get("same_tree") else ""))


def check_identical(m):
    first = m.laps[0]
    t0 = m.git(first["dir"], "rev-parse", "main^{tree}").strip()
    c0 = m.kh(first["dir"], "conflicts", "--json")
    for l in m.laps:
        t = m.git(l["dir"], "rev-parse", "main^{tree}").strip()
        if t != t0:
            m.bad("tree", "%s: main's tree is %s, %s's is %s" %
                  (l["device"], t[:10], first["device"], t0[:10]))
        c = m.kh(l["dir"], "conflicts", "--json")
        if c[0] not in (0, 1) or c[1] != c0[1]:
            m.bad("conflicts", "%s: conflicts --json differs from %s's "
                  "(exit %d)" % (l["device"], first["device"], c[0]))
        rc, out, err = run_cmd(["git", "-C", l["dir"], "fsck", "--full",
                                "--no-dangling", "--no-progress"])
        if rc != 0 or (out + err).strip():
            m.bad("fsck", "%s: git fsck: %s" % (l["device"], (out + err).strip()[:400]))
        st = m.git(l["dir"], "status", "--porcelain").strip()
        if st:
            m.bad("worktree", "%s: git status: %s" % (l["device"], st[:300]))
        rc, out, err = m.kh(l["dir"], "status", "--json")
        try:
            js = json.loads(out)
            if js.get("changes"):
                m.bad("worktree", "%s: khaosat status lists %s" %
                      (l["device"], js["changes"]))
        except ValueError:
            m.bad("worktree", "%s: khaosat status --json: %s" % (l["device"], out + err))
        have = set(m.git(l["dir"], "rev-list", "main").split())
        lost = {c for c, x in m.d["commits"].items()
                if x["kind"] != "merge"} - have
        if lost:
            m.bad("commits", "%s: main lacks %d commit(s) laptops made: "
                  "%s" % (l["device"], len(lost), " ".join(sorted(x[:10] for x in lost))[:300]))
    rc, out, err = run_cmd(["git", "--git-dir", m.d["hub"], "fsck", "--full",
                            "--no-dangling", "--no-progress"])
    # A hub has no main of its own: git says so in a notice.
    out = "\n".join(l for l in (out + err).split("\n")
                    if not l.startswith("notice: HEAD points to an unborn"))
    err = ""
    if rc != 0 or out.strip():
        m.bad("fsck", "hub: git fsck: %s" % (out + err).strip()[:400])
    for d, _, files in os.walk(m.d["stick"]):
        for f in files:
            if f.endswith(".bundle"):
                rc, out, err = run_cmd(["git", "-C", first["dir"], "bundle",
                                        "verify", os.path.join(d, f)])
                if rc != 0:
                    m.bad("bundle", "git bundle verify %s: %s" % (f, err.strip()[:300]))


def final_state(m):
    first = m.laps[0]
    recs = {}
    for path, text in m.files_at(first["dir"], "main", "records/workshop").items():
        recs[rid_of(path)] = yaml_load(text)
    rc, out, err = m.kh(first["dir"], "conflicts", "--json")
    conf = conflicts_of(out)
    return recs, conf


def check_lost(m):
    recs, conf = final_state(m)
    idx, anc = m.ancestry()
    ledger = m.d["ledger"]
    by_id = {}
    for e in ledger:
        by_id.setdefault(e["id"], []).append(e)

    def before(a, b):       # commit a is in the history of commit b (a != b)
        return a != b and a in idx and b in anc and (anc[b] >> idx[a]) & 1

    # Everything each record's conflicts propose, by field.
    props = {}
    whole = {}
    for c in conf:
        rid = rid_of(c["file"])
        for p in c["proposals"]:
            if p.get("deleted"):
                continue
            if c["field"]:
                props.setdefault((rid, c["field"]), []).append(
                    yaml_load(p.get("value")))
            elif not p.get("deleted"):
                whole.setdefault(rid, []).append(yaml_load(p.get("value")))
    deleted_prop = {rid_of(c["file"]) for c in conf if
                    any(p.get("deleted") for p in c["proposals"])}

    for rid in sorted(by_id):
        es = by_id[rid]
        live = []
        for e in es:
            gone = False
            # A settlement that kept a proposal wrote what its proposer
            # wrote: a later change that saw either has seen it.
            o = e.get("origin")
            for j in es:
                if j is e or not (before(e["c"], j["c"]) or
                                  (o and (o == j["c"] or before(o, j["c"])))):
                    continue
                if e["t"] in ("W", "R") and (j["t"] == "D" or (
                        j["t"] in ("W", "R") and j["f"] == e["f"])):
                    gone = True
                elif e["t"] == "C" and j["t"] == "D":
                    gone = True
                elif e["t"] == "D" and j["t"] in ("W", "C"):
                    gone = True
                if gone:
                    break
            if not gone:
                live.append(e)
        rec = recs.get(rid)
        kept = lambda f, v: (rec is not None and get_path(rec, f) == v) or \
            v in props.get((rid, f), []) or \
            any(get_path(w, f) == v for w in whole.get(rid, []))
        for e in live:
            # A resolution that kept a field as it was wrote nothing there:
            # it only settles what it saw.
            if e["t"] == "W" and e.get("writer", True) and \
                    not kept(e["f"], e["v"]):
                m.bad("value", "%s %s: %s, committed by %s in %s, is lost: the "
                      "record %s; proposals %s" % (
                          rid, e["f"], show(e["v"]),
                          m.all_laps[e["lap"]]["device"], e["c"][:10],
                          "is gone" if rec is None else "has " + show(get_path(rec, e["f"])),
                          [show(v) for v in props.get((rid, e["f"]), [])] +
                          [show(get_path(w, e["f"])) for w in whole.get(rid, [])]))
        if rec is not None:
            for e in live:
                if e["t"] == "D" and rid not in deleted_prop:
                    m.bad("deletion", "%s: deleted by %s in %s, no later change "
                          "saw that, yet the record is here with no "
                          "delete-against-modify conflict" %
                          (rid, m.all_laps[e["lap"]]["device"], e["c"][:10]))
            # A field a settlement removed stays removed in the version a
            # delete-against-modify keeps, until a later write of it: a
            # deletion of the record does not bring it back.
            removed = {e["f"] for e in es if e["t"] == "R" and not any(
                j["t"] in ("W", "R") and j.get("f") == e["f"] and
                before(e["c"], j["c"]) for j in es)}
            for f in FIELDS:
                if get_path(rec, f) is MISSING and f not in removed:
                    m.bad("dropped-field", "%s: the field %s is gone from the "
                          "record (nobody removes fields); conflicts on it: %s"
                          % (rid, f, [show(v) for v in props.get((rid, f), [])]))
        else:
            if not any(e["t"] == "D" for e in es):
                m.bad("deletion", "%s: the record is gone, but nobody deleted it"
                      % rid)
    # No invented value: every value the final tree holds or proposes for a
    # record was written by some commit (or the record was made with it).
    universe = {}
    for rid, flat in m.d["initial"].items():
        for path, v in flat.items():
            universe.setdefault((rid, path), set()).add(v)
    for e in ledger:
        if e["t"] == "W":
            universe.setdefault((e["id"], e["f"]), set()).add(
                json.dumps(e["v"], ensure_ascii=False, sort_keys=True))

    def invented(rid, where, value, prefix=""):
        if rid not in m.d["initial"]:
            m.bad("invented", "%s: %s: a record the run never made" % (rid, where))
            return
        for path, v in flatten(value, prefix).items():
            if path == "/id":
                continue
            if v not in universe.get((rid, path), set()):
                m.bad("invented", "%s %s: %s %s was never written by any commit"
                      % (rid, path, where, v))

    for rid, rec in recs.items():
        invented(rid, "the record holds", rec)
    for c in conf:
        rid = rid_of(c["file"])
        if c.get("base") is None:
            pass        # no value before both changes
        elif c["field"]:
            invented(rid, "the conflict's base", yaml_load(c.get("base")), c["field"])
        else:
            invented(rid, "the conflict's base", yaml_load(c.get("base")))
        for p in c["proposals"]:
            if p.get("deleted"):
                continue
            invented(rid, "a proposal", yaml_load(p.get("value")), c["field"])


def check_proposals(m):
    first = m.laps[0]
    commits = m.d["commits"]
    rc, out, err = m.kh(first["dir"], "conflicts", "--json")
    conf = conflicts_of(out)
    cache = {}

    def rec_at(rev, path):
        if (rev, path) not in cache:
            t = run_cmd(["git", "-C", first["dir"], "show", "%s:%s" % (rev, path)])
            cache[(rev, path)] = yaml_load(t[1]) if t[0] == 0 else None
        return cache[(rev, path)]

    for c in conf:
        rid = rid_of(c["file"])
        field = c["field"]
        for p in c["proposals"]:
            what = "%s %s proposal %d (%s)" % (rid, field or "/", p["number"],
                                               "delete" if p.get("deleted") else
                                               show(yaml_load(p.get("value")))
                                               if field else "a whole record")
            sha = p.get("commit", "")
            if sha not in commits:
                m.bad("commit", "%s names commit %s, which no laptop made" %
                      (what, sha[:10]))
                continue
            lap = m.all_laps[commits[sha]["lap"]]
            if p.get("author") != lap["surveyor"] or p.get("device") != lap["device"]:
                m.bad("author", "%s says %r on %s; commit %s was made by %r on %s"
                      % (what, p.get("author"), p.get("device"), sha[:10],
                         lap["surveyor"], lap["device"]))
            info = run_cmd(["git", "-C", first["dir"], "log", "-1",
                            "--format=%an%x00%(trailers:key=Device,valueonly)", sha])[1]
            an, dev = (info.rstrip("\n") + "\0").split("\0")[:2]
            if an != p.get("author") or dev.strip() != p.get("device"):
                m.bad("author", "%s says %r on %s; git says commit %s is by %r, "
                      "Device %s" % (what, p.get("author"), p.get("device"),
                                     sha[:10], an, dev.strip()))
            parents = commits[sha]["parents"]
            here = rec_at(sha, c["file"])
            if p.get("deleted") and field:
                # The field is gone on that side (the record may stay).
                if here is not None and get_path(here, field) is not MISSING:
                    m.bad("writer", "%s names commit %s (%s), which still holds "
                          "the field" % (what, sha[:10], lap["device"]))
                    continue
                same = [q for q in parents
                        if rec_at(q, c["file"]) is None or
                        get_path(rec_at(q, c["file"]), field) is MISSING]
            elif p.get("deleted"):
                if here is not None:
                    m.bad("writer", "%s names commit %s (%s), which still holds "
                          "the record" % (what, sha[:10], lap["device"]))
                    continue
                same = [q for q in parents if rec_at(q, c["file"]) is None]
            elif field:
                want = yaml_load(p.get("value"))
                at = get_path(here, field)
                if at != want:
                    m.bad("writer", "%s names commit %s (%s, %s), where the "
                          "field is %s" % (what, sha[:10], lap["device"],
                                           commits[sha]["kind"], show(at)))
                    continue
                same = [q for q in parents if get_path(rec_at(q, c["file"]), field) == want]
            else:
                want = yaml_load(p.get("value"))
                if here != want:
                    m.bad("writer", "%s names commit %s (%s, %s), whose record "
                          "differs from the proposal" % (what, sha[:10],
                                                         lap["device"], commits[sha]["kind"]))
                    continue
                same = [q for q in parents if rec_at(q, c["file"]) == want]
            if same:
                m.bad("writer", "%s names commit %s (%s, %s), but its parent %s "
                      "already held that: the commit did not write it" %
                      (what, sha[:10], lap["device"], commits[sha]["kind"],
                       same[0][:10]))


def check_settle(m):
    first = m.laps[0]
    rc, out, err = m.kh(first["dir"], "check")
    if rc not in (0, 1):
        m.bad("check", "khaosat check: exit %d: %s" % (rc, err.strip()[:300]))
    for line in (out + err).split("\n"):
        if ": error: " in line and "open conflict" not in line:
            m.bad("invalid", "khaosat check: %s" % line.strip())
    for choice in (["--take", "1"], ["--base"]):
        scratch = os.path.join(m.root, "settle" + choice[0].replace("-", "_"))
        shutil.rmtree(scratch, ignore_errors=True)
        subprocess.run(["cp", "-a", first["dir"], scratch], check=True)
        tried = set()
        failed = 0
        gone_at_start = {c["file"] for c in conflicts_of(
            m.kh(scratch, "conflicts", "--json")[1] or "[]")
            if not os.path.exists(os.path.join(scratch, c["file"]))}
        for _ in range(500):
            rc, out, err = m.kh(scratch, "conflicts", "--json")
            conf = conflicts_of(out)
            todo = [c for c in conf if (c["file"], c["field"]) not in tried]
            if not todo:
                break
            c = todo[0]
            tried.add((c["file"], c["field"]))
            rid = rid_of(c["file"])
            rc, out, err = m.kh(scratch, "resolve", rid, c["field"] or "/", *choice)
            if rc == 1 and choice == ["--base"] and c.get("base") is None \
                    and c["field"] and "no value before both changes" in err:
                # Nothing there before both changes and the field is
                # required: --base is refused with that reason (the record
                # must stay valid), and a proposal settles it.
                rc, out, err = m.kh(scratch, "resolve", rid, c["field"],
                                    "--take", "1")
            if rc != 0:
                failed += 1
                exists = os.path.exists(os.path.join(scratch, c["file"]))
                m.bad("orphan" if c["file"] in gone_at_start else
                      choice[0].strip("-"),
                      "resolve %s %s %s: exit %d (the record %s): %s" % (
                          rid, c["field"] or "/", " ".join(choice), rc,
                          "exists" if exists else
                          "was deleted before this settling began"
                          if c["file"] in gone_at_start else
                          "was deleted by an earlier resolve of this settling",
                          (out + err).strip()[-300:]))
        rc, out, err = m.kh(scratch, "check")
        if rc != 0:
            m.bad(choice[0].strip("-") + "-check",
                  "after resolve %s on every conflict (%d refused), khaosat "
                  "check exits %d: %s" % (" ".join(choice), failed, rc,
                                           "; ".join(l for l in (out + err).split("\n")
                                                     if ": error: " in l)[:600]))
        shutil.rmtree(scratch, ignore_errors=True)


def check_fixpoint(m):
    before = {l["device"]: m.git(l["dir"], "rev-parse", "main").strip()
              for l in m.laps}
    for l in m.laps:
        remote = l["remote"]
        for target in (m.d["stick"], remote):
            rc, out, err = m.kh(l["dir"], "sync", target)
            if rc != 0:
                m.bad("sync", "%s: sync %s: exit %d: %s" % (l["device"], target,
                                                             rc, err.strip()[:300]))
    for l in m.laps:
        after = m.git(l["dir"], "rev-parse", "main").strip()
        if after != before[l["device"]]:
            n = m.git(l["dir"], "rev-list", "--count", "%s..%s" % (
                before[l["device"]], after)).strip()
            same = m.git(l["dir"], "rev-parse", "main^{tree}").strip() == \
                m.git(l["dir"], "rev-parse", before[l["device"]] + "^{tree}").strip()
            m.bad("moved", "%s: main moved from %s to %s (%s new commit(s)%s)" % (
                l["device"], before[l["device"]][:10], after[:10], n,
                ", same tree" if same else ""))
            if not same:
                diff = m.git(l["dir"], "diff", "--unified=0", before[l["device"]],
                             after, "--", "records", "conflicts")
                changed = [x for x in diff.split("\n") if x[:1] in "+-" and
                           not x.startswith("+++") and not x.startswith("---")]
                m.bad("tree", "%s: and its tree changed (after every laptop "
                      "had the same): %s" % (l["device"], " | ".join(changed[:6])))


CHECK_FN = {"steps": check_steps, "converge": check_converge,
            "identical": check_identical, "lost": check_lost,
            "proposals": check_proposals, "settle": check_settle,
            "fixpoint": check_fixpoint}


def run_check(root, name):
    m = Model(root)
    try:
        CHECK_FN[name](m)
    except Failure as e:
        m.bad("harness", str(e))
    return m.problems


# ------------------------------------------------------------ shrinking --

def signatures(root, names=CHECKS):
    sigs = []
    for name in names:
        for kind, _ in run_check(root, name):
            s = "%s/%s" % (name, kind)
            if s not in sigs:
                sigs.append(s)
    return sigs


def write_spec(path, spec):
    # One laptop and one step a line: easy to read, to diff and to cut.
    head = {k: v for k, v in spec.items() if k not in ("laptops", "steps")}
    with open(path, "w", encoding="utf-8") as f:
        f.write("{\n")
        for k, v in head.items():
            f.write(" %s: %s,\n" % (json.dumps(k), json.dumps(v, ensure_ascii=False)))
        f.write(' "laptops": [\n%s\n ],\n' % ",\n".join(
            "  " + json.dumps(l, ensure_ascii=False) for l in spec["laptops"]))
        f.write(' "steps": [\n%s\n ]\n}\n' % ",\n".join(
            "  " + json.dumps(st, ensure_ascii=False) for st in spec["steps"] or []))


def replay_fails(spec, steps, sig, workdir):
    # Commit ids hold the time of day, and they order proposals and pick
    # "ours" in merges: a replay may take another path.  A failure that
    # needs luck is tried SYNC_MODEL_SHRINK_TRIES times (default 1).
    for _ in range(max(1, int(os.environ.get("SYNC_MODEL_SHRINK_TRIES", "1")))):
        shutil.rmtree(workdir, ignore_errors=True)
        s = dict(spec)
        s["steps"] = steps
        play(s, workdir, trace=False,
             stop_on=sig if sig.startswith("steps/") else None)
        name = sig.split("/")[0]
        hit = sig in ["%s/%s" % (name, k) for k, _ in run_check(workdir, name)]
        shutil.rmtree(workdir, ignore_errors=True)
        if hit:
            return True
    return False


def shrink_dir(root):
    # Replays are many: on a memory file system when there is one (no
    # fsync to wait for), else beside the run.
    base = os.environ.get("SYNC_MODEL_SHRINK_DIR")
    if not base and os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        base = "/dev/shm"
    if base:
        import tempfile
        return tempfile.mkdtemp(prefix="syncmodel-shrink.", dir=base)
    d = os.path.join(root, "shrink")
    os.makedirs(d, exist_ok=True)
    return d


def shrink_one(spec, steps, sig, work, until):
    tries = [0]

    def fails(cand):
        tries[0] += 1
        return replay_fails(spec, cand, sig, work)

    cur = list(steps)
    # The shortest failing prefix first (a bisection: cheap, and most of
    # a run often comes after what breaks).
    lo, hi = 0, len(cur)
    while lo < hi - 1 and time.time() < until:
        mid = (lo + hi) // 2
        if fails(cur[:mid]):
            hi = mid
        else:
            lo = mid
    cur = cur[:hi]
    # Then chunks of steps dropped, halving the chunk.
    chunk = max(1, len(cur) // 2)
    while time.time() < until:
        i = 0
        changed = False
        while i < len(cur) and time.time() < until:
            cand = cur[:i] + cur[i + chunk:]
            if cand and fails(cand):
                cur = cand
                changed = True
            else:
                i += chunk
        if not changed:
            if chunk == 1:
                return cur, tries[0], True
            chunk //= 2
    return cur, tries[0], False


def shrink(root, seconds, out_dir, target=None):
    m = Model(root)
    spec = m.d["spec"]
    steps = spec["steps"]
    found = []
    for f in m.d["failures"]:
        if f["sig"] not in found:
            found.append(f["sig"])
    for s in signatures(root, CHECKS[1:]):
        if s not in found:
            found.append(s)
    if not found:
        print("# nothing fails: nothing to shrink")
        return 0
    if target == "all":
        targets = found
    elif target:
        targets = target.split(",")
    else:
        # One promise: the first broken one, the steps' own failures last
        # (they are often what a broken merge left behind).
        order = CHECKS[1:] + ["steps"]
        targets = [min(found, key=lambda s: order.index(s.split("/")[0]))]
    others = [s for s in found if s not in targets]
    if others:
        print("# also failing: %s (SYNC_MODEL_SHRINK_TARGET=SIG, or =all, "
              "shrinks for another)" % ", ".join(others))
    print("# shrinking for %s, %d s in all (SYNC_MODEL_SHRINK_SECONDS)" % (
        ", ".join(targets), seconds))
    deadline = time.time() + seconds
    work = shrink_dir(root)
    results = []
    try:
        for k, sig in enumerate(targets):
            left = deadline - time.time()
            if left <= 0:
                print("# shrink: no time left for %s" % sig)
                continue
            until = time.time() + left / (len(targets) - k)
            if not replay_fails(spec, steps, sig, os.path.join(work, "r")):
                print("# shrink %s: a replay of the whole step list does not "
                      "fail that way (commit ids, which hold the time, order "
                      "proposals and merges; SYNC_MODEL_SHRINK_TRIES=3 tries "
                      "each replay again)" % sig)
                continue
            cur, tries, done = shrink_one(spec, steps, sig,
                                          os.path.join(work, "r"), until)
            print("# shrink %s: %d steps -> %d (%d replays%s)" % (
                sig, len(steps), len(cur), tries + 1,
                "" if done else ", stopped at the time bound"))
            results.append((sig, cur))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for sig, cur in results:
        s = dict(spec)
        s["steps"] = cur
        s["shrunk_for"] = sig
        name = "syncmodel-seed%s-%s.json" % (spec["seed"], sig.replace("/", "-"))
        path = os.path.join(out_dir, name)
        write_spec(path, s)
        print("# %s fails with these %d steps (after the set-up of %d laptops: %s):"
              % (sig, len(cur), len(spec["laptops"]),
                 ", ".join("%s %s" % (l["device"], l["join"]) for l in spec["laptops"])))
        for st in cur:
            print("#   " + json.dumps(st, ensure_ascii=False))
        print("# written to %s; replay: SYNC_MODEL_REPLAY=%s sh tests/t0915-sync-model.sh -v"
              % (path, path))
    return 0


# ---------------------------------------------------------------- main --

def editor_main(path):
    edits = json.loads(os.environ["SM_EDIT"])
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for field, y in edits:
        t = set_field_text(text, field, y)
        if t is None:
            sys.exit(1)
        text = t
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "editor":
        editor_main(sys.argv[2])
        return 0
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--dir", required=True)
    r.add_argument("--seed")
    r.add_argument("--rounds", type=int)
    r.add_argument("--laptops", type=int)
    r.add_argument("--max-laptops", type=int, default=8)
    r.add_argument("--replay")
    r.add_argument("--quiet", action="store_true")
    c = sub.add_parser("check")
    c.add_argument("--dir", required=True)
    c.add_argument("name", choices=CHECKS)
    s = sub.add_parser("shrink")
    s.add_argument("--dir", required=True)
    s.add_argument("--seconds", type=float, default=120)
    s.add_argument("--out-dir", default=os.environ.get("TMPDIR", "/tmp"))
    s.add_argument("--target")
    w = sub.add_parser("save")
    w.add_argument("--dir", required=True)
    w.add_argument("--out", required=True)
    a = ap.parse_args()

    if a.cmd == "run":
        if a.replay:
            with open(a.replay, encoding="utf-8") as f:
                spec = json.load(f)
        else:
            spec = make_spec(a.seed, a.laptops, a.rounds, a.max_laptops)
        t0 = time.time()
        sim = play(spec, a.dir, trace=not a.quiet)
        print("%d laptops (%s), %d steps, %d commits, %d merges, %d values "
              "written, %d deletions; converge: %d pass(es)%s; %.1f s" % (
                  len(sim.laps), ", ".join("%s %s" % (l.device, l.join)
                                           for l in sim.laps),
                  len(spec["steps"]), len(sim.commits),
                  sum(1 for c in sim.commits.values() if c["kind"] == "merge"),
                  sum(1 for e in sim.ledger if e["t"] == "W"),
                  sum(1 for e in sim.ledger if e["t"] == "D"),
                  sim.converge["passes"],
                  "" if sim.converge["rested"] else ", no rest",
                  time.time() - t0))
        print("(each step: %s/steps.log; each command: %s/commands.log; "
              "kept with KHAOSAT_KEEP=1)" % (a.dir, a.dir))
        return 0
    if a.cmd == "check":
        probs = run_check(a.dir, a.name)
        for kind, msg in probs[:40]:
            print("[%s/%s] %s" % (a.name, kind, msg))
        if len(probs) > 40:
            print("... and %d more" % (len(probs) - 40))
        if a.name == "lost" and not probs:
            m = Model(a.dir)
            print("%d ledger entries checked" % len(m.d["ledger"]))
        return 1 if probs else 0
    if a.cmd == "shrink":
        return shrink(a.dir, a.seconds, a.out_dir, a.target)
    if a.cmd == "save":
        m = Model(a.dir)
        write_spec(a.out, m.d["spec"])
        spec = m.d["spec"]
        print("# replay: SYNC_MODEL_SEED=%s SYNC_MODEL_ROUNDS=%d "
              "SYNC_MODEL_LAPTOPS=%d sh tests/t0915-sync-model.sh -v" %
              (spec["seed"], spec["rounds"], len(spec["laptops"])))
        print("# or its step list: SYNC_MODEL_REPLAY=%s sh "
              "tests/t0915-sync-model.sh -v" % a.out)
        return 0


if __name__ == "__main__":
    sys.exit(main())
