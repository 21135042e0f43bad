#!/bin/sh
# Attach benchmark: BENCH_PHOTOS phone photos of about BENCH_PHOTO_MB MB
# each attached to one record, the stick sync that carries them to
# another laptop, and its apply there, against plain git bundle, fetch and
# merge of the same commits, in the same run.  In a temporary folder it
# sets up, with khaosat:
#
#   photos     BENCH_PHOTOS JPEGs of 4000x3000 (/usr/bin/python3 and PIL):
#              a picture drawn by tests/tools/mkphoto.py with a phone's EXIF
#              (GPS position, camera and owner), each covered with its own
#              random noise (which a JPEG cannot squeeze) and saved at
#              quality 95 with that EXIF, the noise set so that a photo
#              weighs about BENCH_PHOTO_MB MB (MiB)
#   laptop md01  khaosat init --unsigned --device md01, the samples copied
#              in and committed (commit OLD), khaosat sync to the stick
#   laptop md07  khaosat clone of the stick (device md07), one khaosat
#              sync: the stick holds both laptops' bundles at OLD
#
# Then it measures (hyperfine, median of BENCH_RUNS after a warm-up, when
# it is installed; else date +%s%N around each run, median) and, in one
# more run of each under GNU time, peak RSS:
#
#   attach     khaosat attach md01-0001 with every photo in one call, then
#              khaosat commit (each run in a fresh copy of md01 at OLD); the
#              time of both, per photo, and the bytes kept against those
#              given (photos are reduced to 2048 px on their longest side)
#   stick      on md01, khaosat sync STICK after that commit: the bytes it
#              added to the stick vs git bundle create main ^OLD (one run;
#              its time too, for information), and the bundle the stick
#              then holds for md01 vs git bundle create main
#   apply      on md07, khaosat sync STICK vs git fetch of git's bundle of
#              the same commits + git merge, each run in a fresh copy of
#              md07 and of the stick (copied, untimed)
#
# It checks the result with plain git as the witness: every photo kept as
# its own file on md01, and after the first khaosat sync on md07: main at
# md01's tip, the same tree, all the photo files there, git fsck clean,
# the work tree clean.  Prints a table with the target: what the sync
# adds to the stick within 1.05x git's bundle of the same commits.
#
#   BUILD=build/release sh tests/bench/attach.sh
#
# BENCH_PHOTOS     photos attached (default 50)
# BENCH_PHOTO_MB   about how many MB (MiB) each photo weighs (default 5)
# BENCH_RUNS       timed runs of the attach and of the apply (default 3)
# BENCH_TOOL=date  use the fallback timer even when hyperfine is there
# BENCH_KEEP=1     keep the temporary folder (its path is printed)
#
# Without PIL for /usr/bin/python3 or exiftool there are no photos to
# attach: it says so and exits 0.  A benchmark, not a test: a target that
# is not met never fails it.  Exit 0; 1 when a command crashed or failed,
# or a check of khaosat's result failed.
set -u
bench="bench-attach"
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$top/tests/bench/lib.sh"
P=${BENCH_PHOTOS:-50}
MB=${BENCH_PHOTO_MB:-5}
RUNS=${BENCH_RUNS:-3}
PY=/usr/bin/python3
ID=md01-0001
W=4000
H=3000

bench_need "run 'make khaosat'" "$ks"
bench_numbers BENCH_PHOTOS="$P" BENCH_PHOTO_MB="$MB" BENCH_RUNS="$RUNS"
if [ "$P" -lt 1 ] || [ "$MB" -lt 1 ] || [ "$RUNS" -lt 1 ]; then
	note "BENCH_PHOTOS, BENCH_PHOTO_MB and BENCH_RUNS must be at least 1"
	exit 2
fi
if ! "$PY" -c "import PIL" 2>/dev/null; then
	note "$PY cannot import PIL (Debian package python3-pil): no photos to attach, nothing measured"
	exit 0
fi
if ! command -v exiftool >/dev/null 2>&1; then
	note "exiftool is missing (Debian package libimage-exiftool-perl): no photos to attach, nothing measured"
	exit 0
fi

# hyperfine and GNU time, installed like the build dependencies when missing
bench_deps hyperfine:hyperfine /usr/bin/time:time
bench_need_time
bench_timer
bench_tmp attach
# (khaosat only)
# shellcheck disable=SC2119
bench_copy
bench_env

size() { stat -c %s "$1"; }

# bytes DIR: the bytes of the files under DIR
bytes() {
	find "$1" -type f -exec stat -c %s {} + | awk '{ s += $1 } END { print s + 0 }'
}

# ---- the photos ----

note "making $P photos of ${W}x$H, about $MB MB each"
photos=$tmp/photos
mkdir -p "$photos"
"$PY" "$top/tests/tools/mkphoto.py" "$tmp/base.jpg" --size "${W}x$H" \
	--gps 20.9871,106.6512 --camera --quality 95 2>"$tmp/err" ||
	die "mkphoto.py"
# The noise: uniform random colour blended in with weight A, A found by
# bisection on a quarter of the picture (a JPEG of noise grows with its
# area), so that a photo weighs about MB MiB; each photo its own noise.
cat >"$tmp/bin/noise.py" <<'EOF'
import io
import os
import sys
from PIL import Image

base_path, out, count, mb = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
base = Image.open(base_path)
exif = base.info.get("exif", b"")
base = base.convert("RGB")
w, h = base.size
want = mb * 1048576


def noisy(im, a):
    n = Image.frombytes("RGB", im.size, os.urandom(im.size[0] * im.size[1] * 3))
    return Image.blend(im, n, a)


def weight(im, a):
    b = io.BytesIO()
    noisy(im, a).save(b, "JPEG", quality=95)
    return b.tell()


quarter = base.crop((0, 0, w // 2, h // 2))
lo, hi = 0.0, 1.0
for _ in range(12):
    a = (lo + hi) / 2
    if 4 * weight(quarter, a) < want:
        lo = a
    else:
        hi = a
a = (lo + hi) / 2
for i in range(count):
    noisy(base, a).save(os.path.join(out, "photo%03d.jpg" % (i + 1)), "JPEG",
                        quality=95, exif=exif)
print("%.4f" % a)
EOF
"$PY" "$tmp/bin/noise.py" "$tmp/base.jpg" "$photos" "$P" "$MB" \
	>"$tmp/out" 2>"$tmp/err" || die "making the photos"
noise=$(cat "$tmp/out")
given=$(bytes "$photos")
distinct=$(sha256sum "$photos"/*.jpg | cut -c1-64 | sort -u | wc -l)
[ "$distinct" -eq "$P" ] || die "the $P photos are not all different ($distinct)"

# ---- the two laptops at OLD ----

lap1=$tmp/md01
lap7=$tmp/md07
stick=$tmp/stick
mkdir -p "$stick"
note "laptop md01: the samples committed, then khaosat sync to the stick"
N=$(find "$top/samples/records/workshop" -name '*.yaml' | wc -l)
bench_init "$lap1" --unsigned --device md01
cp -r "$top/samples/records" . || exit 1
ks_commit samples
old=$(git rev-parse main)
must "khaosat sync (md01, at OLD)" "$ks" sync "$stick"
note "laptop md07: khaosat clone of the stick, then khaosat sync"
cd "$tmp" || exit 1
must "khaosat clone" "$ks" clone "$stick" "$lap7" --device md07 --surveyor Other
cd "$lap7" || exit 1
git config gc.auto 0
must "khaosat sync (md07, at OLD)" "$ks" sync "$stick"
[ "$(git rev-parse main)" = "$old" ] ||
	die "md07 is not at md01's commit OLD after the clone and a sync"
cd "$tmp" || exit 1
cp -a "$lap1" "$tmp/md01-old" || exit 1
cp -a "$lap7" "$tmp/md07-old" || exit 1

# ---- fresh copies ----

bench_copy_repo
# fresh-md01: md01 back at OLD
cat >"$tmp/bin/fresh-md01" <<EOF
#!/bin/sh
set -e
'$tmp/bin/copy-repo' '$tmp/md01-old' '$lap1'
sync
EOF
# fresh-md07: md07 at OLD, the stick as md01's sync left it
run=$tmp/run
runstick=$tmp/run-stick
cat >"$tmp/bin/fresh-md07" <<EOF
#!/bin/sh
set -e
'$tmp/bin/copy-repo' '$tmp/md07-old' '$run'
rm -rf '$runstick'
cp -a '$tmp/stick-after' '$runstick'
sync
EOF
cat >"$tmp/bin/attach-ks" <<EOF
#!/bin/sh
cd '$lap1' &&
	'$ks' attach $ID '$photos'/*.jpg &&
	exec '$ks' commit -m "$P photos"
EOF
cat >"$tmp/bin/apply-ks" <<EOF
#!/bin/sh
cd '$run' && exec '$ks' sync '$runstick'
EOF
bench_apply_git "$run" "$tmp/photos-git.bundle"
chmod +x "$tmp/bin/fresh-md01" "$tmp/bin/fresh-md07" \
	"$tmp/bin/attach-ks" "$tmp/bin/apply-ks" "$tmp/bin/apply-git"

# ---- attach ----

note "attach: $P photos to $ID + khaosat commit, in a fresh md01 at OLD each run"
peak "'$tmp/bin/attach-ks'" "'$tmp/bin/fresh-md01'" && at_m=$K || at_m=failed
measure "$RUNS" "'$tmp/bin/attach-ks'" "'$tmp/bin/fresh-md01'" && at_t=$M ||
	at_t=failed
# md01 is now as the last run left it: the photos committed
cd "$lap1" || exit 1
if [ "$(git rev-list --count "$old..main")" -lt 1 ] ||
	[ -n "$(git status --porcelain)" ]; then
	git status --porcelain | head -n 5 >"$tmp/err"
	die "md01 after khaosat attach + commit: no commit, or a work tree not clean"
fi
tip=$(git rev-parse main)
adir=$(git ls-files attachments | sed -n "s|/$ID/[^/]*\$|/$ID|p" | sort -u)
[ -n "$adir" ] || die "no file kept under attachments/ for $ID"
kept_n=$(git ls-files "$adir" | wc -l)
kept=$(bytes "$adir")
[ "$kept_n" -eq "$P" ]
verdict "md01: the $P photos kept as $kept_n files in $adir" $?
at_p=-
! numeric "$at_t" || at_p=$(awk -v t="$at_t" -v p="$P" 'BEGIN { printf "%.6f\n", t / p }')

# ---- stick ----

note "stick: khaosat sync on md01 after the commit, then git bundle create"
before=$(bytes "$stick")
st_t=$(timed "$ks" sync "$stick") || die "khaosat sync (md01, the photos)"
after=$(bytes "$stick")
added=$((after - before))
st_tg=$(timed git bundle create -q "$tmp/photos-git.bundle" main "^$old") ||
	die "git bundle create main ^OLD"
git bundle create -q "$tmp/full-git.bundle" main 2>"$tmp/err" ||
	die "git bundle create main"
inc_git=$(size "$tmp/photos-git.bundle")
full_git=$(size "$tmp/full-git.bundle")
own=$(find "$stick" -name md01.bundle)
own_s=$(size "$own" 2>/dev/null) || own_s=failed
st_t=$(awk -v n="$st_t" -v f="$bench_sfmt" 'BEGIN { printf f "\n", n / 1e9 }')
st_tg=$(awk -v n="$st_tg" -v f="$bench_sfmt" 'BEGIN { printf f "\n", n / 1e9 }')
cp -a "$stick" "$tmp/stick-after" || exit 1

# ---- apply ----

note "apply: on md07, khaosat sync of the stick; its result, and its peak memory"
peak "'$tmp/bin/apply-ks'" "'$tmp/bin/fresh-md07'" ||
	die "khaosat sync (md07, the photos)"
ap_m_ks=$K
cd "$run" || exit 1
[ "$(git rev-parse main)" = "$tip" ]
verdict "md07 after khaosat sync: main at md01's tip" $?
[ "$(git rev-parse 'HEAD^{tree}')" = "$(git -C "$lap1" rev-parse 'HEAD^{tree}')" ] &&
	[ "$(git symbolic-ref HEAD)" = refs/heads/main ] &&
	[ -z "$(git status --porcelain)" ]
verdict "md07 after khaosat sync: md01's tree, on main, the work tree clean" $?
got=$(find "$adir" -type f 2>/dev/null | wc -l)
[ "$got" -eq "$kept_n" ] ||
	die "md07 after khaosat sync: $got of the $kept_n photo files in $adir"
verdict "md07 after khaosat sync: all $kept_n photo files in $adir" 0
if ! git fsck --strict --no-progress >"$tmp/out" 2>"$tmp/err" ||
	grep -q . "$tmp/out" "$tmp/err"; then
	cat "$tmp/out" >>"$tmp/err"
	die "git fsck --strict on md07 after khaosat sync"
fi
verdict "md07 after khaosat sync: git fsck --strict clean" 0
cd "$tmp" || exit 1
note "apply: git fetch + merge of git's bundle, its result and peak memory"
peak "'$tmp/bin/apply-git'" "'$tmp/bin/fresh-md07'" && ap_m_git=$K ||
	ap_m_git=failed
[ "$(git -C "$run" rev-parse main)" = "$tip" ] ||
	fail "git fetch + merge of git's bundle: main is not md01's tip"
note "apply: khaosat sync, timed"
measure "$RUNS" "'$tmp/bin/apply-ks'" "'$tmp/bin/fresh-md07'" && ap_t_ks=$M ||
	ap_t_ks=failed
note "apply: git fetch + git merge, timed"
measure "$RUNS" "'$tmp/bin/apply-git'" "'$tmp/bin/fresh-md07'" && ap_t_git=$M ||
	ap_t_git=failed
rm -rf "$run" "$runstick"

# ---- the table ----

echo
echo "khaosat attach benchmark: $P photos of ${W}x$H attached to $ID, then carried by a stick"
echo "photos given: $(fmt_b "$given") ($(fmt_b $((given / P))) each, noise weight $noise); kept: $kept_n files, $(fmt_b "$kept") ($(awk -v k="$kept" -v g="$given" 'BEGIN { printf "%.1f%%", 100 * k / g }') of given)"
built_line
echo "timer: $(timer_name), median of $RUNS runs (the stick sync: one run); peak memory: GNU time, one run"
echo "anchor: git for the stick and apply; the photos given for the bytes kept"
echo
table_start '%-46s %10s %10s %8s  %-9s %s\n' anchor
row "attach $P photos + commit: time" "$at_t" - "$(fmt_s "$at_t")" - -
row "  ... per photo" "$at_p" - "$(fmt_s "$at_p")" - -
rows_of "attach + commit: peak memory" "$at_m" - fmt_kb -
rows_of "photos: bytes kept (vs given)" "$kept" "$given" fmt_b -
rows_of "stick: bytes the sync added (vs git bundle)" "$added" "$inc_git" fmt_b 1.05
rows_of "stick: md01.bundle whole (vs full git bundle)" "$own_s" "$full_git" fmt_b -
rows_of "stick: sync time (vs git bundle create)" "$st_t" "$st_tg" fmt_s -
rows_of "apply on md07: time (vs fetch + merge)" "$ap_t_ks" "$ap_t_git" fmt_s -
rows_of "apply on md07: peak memory" "$ap_m_ks" "$ap_m_git" fmt_kb -
table_end
bench_exit "correctness (plain git as the witness):"
