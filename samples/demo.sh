#!/bin/sh
# make demo: what a surveyor's first day looks like, on the sample survey of
# the Mỹ Đồng casting village.  Creates a survey in a temporary folder,
# brings in the sample records, checks and commits them, adds a workshop
# from the command line, shows a located error for a bad value, and ends
# with the log.  Then the centre and a second surveyor's laptop join through
# USB sticks: Hoa and Minh never meet, their changes reach each other through
# the centre (relay), and the phone they both corrected is a conflict the
# centre settles.  Then the three sync through a hub on the office network.
# Last, a signed survey: a new laptop enrolled through the stick and
# approved by the centre, and a forged bundle refused with its reason.
#   sh samples/demo.sh KHAOSAT SAMPLES_DIR
set -eu
ks=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
samples=$(cd "$2" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/khaosat-demo.XXXXXX")
survey="$dir/my-dong"
# The narration speaks the language khaosat speaks: its lines are in
# khaosat's catalogue (po/extract.sh), read with gettext(1).
TEXTDOMAIN=khaosat
TEXTDOMAINDIR=${KHAOSAT_LOCALEDIR:-$(dirname "$ks")/locale}
export TEXTDOMAIN TEXTDOMAINDIR
if command -v gettext >/dev/null 2>&1; then
	t() { gettext "$1"; }
else
	t() { printf '%s' "$1"; }
fi
# say FORMAT ARGS...: a line of narration, FORMAT translated.
say() { fmt=$(t "$1"); shift; printf "$fmt\n" "$@"; }
# step COMMAND [NOTE]: the command a person types, and a translated note.
step() {
	if [ $# -gt 1 ]; then
		printf '\n\033[1m$ %s   %s\033[0m\n' "$1" "$(t "$2")"
	else
		printf '\n\033[1m$ %s\033[0m\n' "$1"
	fi
}
# tell TEXT: what happens next, in words.
tell() { printf '\n\033[1m%s\033[0m\n' "$(t "$1")"; }
run() { step "khaosat $*"; "$ks" "$@"; }

run init "$survey" --unsigned --device md01 --surveyor "Nguyễn Thị Hoa" \
	--email hoa@khuyencong.example --name "Khảo sát làng nghề đúc Mỹ Đồng"
cd "$survey"
step "cp -r samples/records ."
cp -r "$samples/records" .
run status | head -n 6
echo "  ..."
run check
run fmt --check
run commit -m "$(t "Bring in the sample survey of Mỹ Đồng")"
run new workshop --set name="Hộ kinh doanh Đúc gang Phạm Văn Tư" \
	--set legal_type=ho_kinh_doanh --set phone=0912345678 \
	--set address.village="Thôn 7" --set address.commune_name="Mỹ Đồng" \
	--set address.province_name="Hải Phòng" \
	--set trade_group=do_go_gom_su_det_may_co_khi_nho \
	--set main_trade="Đúc gang" --set workers.regular=-3 || true
say "(refused: nothing was saved)"
step "khaosat new workshop ... --set workers.regular=3"
out=$("$ks" new workshop --set name="Hộ kinh doanh Đúc gang Phạm Văn Tư" \
	--set legal_type=ho_kinh_doanh --set phone=0912345678 \
	--set address.village="Thôn 7" --set address.commune_name="Mỹ Đồng" \
	--set address.province_name="Hải Phòng" \
	--set trade_group=do_go_gom_su_det_may_co_khi_nho \
	--set main_trade="Đúc gang" --set workers.regular=3)
echo "$out"
id=$(git status --porcelain -- records | sed -n 's|.*/\([^/]*\)\.yaml$|\1|p')
run show "$id"
run commit -m "$(t "Add the Phạm Văn Tư household foundry")"

# Photos and a document on a record: recognised by content, reduced,
# stripped of what the camera said of itself and its owner; the time and
# GPS position go into the record, the position becomes the workshop's.
run attach md01-0001 "$samples/photos/hung-phat-bien-hieu.jpg" --caption "Biển hiệu của cơ sở"
run attach md01-0001 "$samples/photos/hung-phat-lo-trung-tan.jpg" \
	"$samples/photos/hung-phat-dang-ky.pdf" --max-side 800
step "sed -n '/^position:/,/^surveyed_at:/p' records/workshop/md01/000/md01-0001.yaml"
sed -n '/^position:/,/^surveyed_at:/p' records/workshop/md01/000/md01-0001.yaml
run commit -m "$(t "Photos and the business registration of the Hưng Phát workshop")"
run log

# The centre and a second laptop join through USB sticks (folders here):
# stick-hoa goes between Hoa and the centre, stick-minh between Minh and the
# centre.  Hoa and Minh never meet.
hoa="$survey"
centre="$dir/centre"
minh="$dir/laptop-minh"
cd "$dir"
step "cd my-dong && khaosat sync ../stick-hoa" "(Hoa's laptop)"
mkdir stick-hoa stick-minh
(cd "$hoa" && "$ks" sync ../stick-hoa)
run clone stick-hoa centre --device tt01 --surveyor "Trung tâm Khuyến công Hải Phòng"
step "cd centre && khaosat sync ../stick-minh"
(cd "$centre" && "$ks" sync ../stick-minh)
run clone stick-minh laptop-minh --device md03 --surveyor "Trần Văn Minh"

w1=records/workshop/md01/000/md01-0001.yaml
w2=records/workshop/md01/000/md01-0002.yaml
tell "Hoa corrects md01-0001's phone and name; Minh corrects the same phone and md01-0002's workers"
(cd "$hoa" && sed -i 's/^phone: .*/phone: "0987654321"/' "$w1" &&
 sed -i 's/^name: .*/name: Công ty TNHH Cơ khí đúc Thành Phương Mỹ Đồng/' "$w1" &&
 "$ks" commit -m "Sửa điện thoại và tên md01-0001" >/dev/null)
(cd "$minh" && sed -i 's/^phone: .*/phone: "0911222333"/' "$w1" &&
 sed -i 's/^  regular: .*/  regular: 45/' "$w2" &&
 "$ks" commit -m "Cập nhật md01-0001, md01-0002" >/dev/null)
step "cd my-dong && khaosat sync ../stick-hoa"
(cd "$hoa" && "$ks" sync ../stick-hoa)
step "cd laptop-minh && khaosat sync ../stick-minh"
(cd "$minh" && "$ks" sync ../stick-minh)

step "cd centre && khaosat sync ../stick-hoa && khaosat sync ../stick-minh"
cd "$centre"
"$ks" sync ../stick-hoa
"$ks" sync ../stick-minh
run conflicts || true
# Proposals are numbered in commit-id order; keep Hoa's number.
n=$("$ks" conflicts md01-0001 | sed -n 's/^  \([0-9]*\)) 0987654321$/\1/p')
run resolve md01-0001 /phone --take "$n"
run sync ../stick-minh
run sync ../stick-hoa

step "cd my-dong && khaosat sync ../stick-hoa" "(Minh's workers arrive through the centre)"
cd "$hoa"
"$ks" sync ../stick-hoa
step "grep -A2 '^workers:' $w2" "(on Hoa's laptop)"
grep -A2 '^workers:' "$w2"
step "cd laptop-minh && khaosat sync ../stick-minh"
(cd "$minh" && "$ks" sync ../stick-minh)
step "khaosat show md01-0001 | head -n 9" "(the same on every laptop)"
"$ks" show md01-0001 | head -n 9
step "git rev-parse main^{tree}" "(on each laptop: the same survey)"
for m in "$hoa" "$centre" "$minh"; do
	printf '%s  %s\n' "$(git -C "$m" rev-parse 'main^{tree}')" "$(basename "$m")"
done
step "ls stick-hoa/*/ && git bundle verify" "(plain git reads the stick)"
ls "$dir"/stick-hoa/*/
git -C "$hoa" bundle verify --quiet "$(ls "$dir"/stick-hoa/*/tt01.bundle)" >/dev/null 2>&1 &&
	say "git bundle verify: the package file of the centre is whole."
step "git log --graph --oneline"
git log --graph --oneline | head -n 12
step "git fsck --full" "(plain git agrees)"
git fsck --full --no-progress && say "git fsck: no damage found."

# Back at the centre, on the office network: a hub that every laptop
# syncs with at once (here a folder; git daemon, ssh or any git server
# work the same way).  Each device pushes only its own ref there.
cd "$dir"
run init --bare hub.git
step "cd centre && khaosat remote add hub ../hub.git && khaosat sync"
(cd "$centre" && "$ks" remote add hub ../hub.git && "$ks" sync)
step "cd my-dong && khaosat remote add hub ../hub.git" "(Hoa's laptop)"
(cd "$hoa" && "$ks" remote add hub ../hub.git)
tell "Hoa corrects md01-0002's phone, Minh its seasonal workers; each syncs"
(cd "$hoa" && sed -i 's/^phone: .*/phone: "02253210000"/' "$w2" &&
 "$ks" commit -m "Điện thoại mới md01-0002" >/dev/null && "$ks" sync)
(cd "$minh" && "$ks" remote add hub ../hub.git >/dev/null &&
 sed -i 's/^  seasonal: .*/  seasonal: 12/' "$w2" &&
 "$ks" commit -m "Lao động thời vụ md01-0002" >/dev/null && "$ks" sync)
step "cd my-dong && khaosat sync"
(cd "$hoa" && "$ks" sync)
step "git -C hub.git for-each-ref" "(one history per laptop)"
git -C hub.git for-each-ref --format='%(objectname:short) %(refname)'
step "grep -E '^phone|seasonal' $w2" "(on Hoa's laptop: both changes)"
grep -E '^phone|seasonal' "$hoa/$w2"

# An auditor at Hoa's laptop: who set what in md01-0002, through all those
# merges, and can the history be trusted?
cd "$hoa"
run history md01-0002 phone
run history md01-0002 workers.seasonal
step "khaosat blame md01-0002 | sed -n '1,12p'"
"$ks" blame md01-0002 | sed -n '1,12p'
run diff HEAD~3 HEAD md01-0002

# The centre asks for signed commits: Hoa's laptop gets a key, git is told
# to sign, the centre commits which key is hers, and from then on every
# commit she makes (and every merge her syncs make) is signed.
step "ssh-keygen -t ed25519 -f hoa-key && git config commit.gpgSign true ..." "(Hoa's laptop)"
ssh-keygen -q -t ed25519 -N "" -C hoa@khuyencong.example -f "$dir/hoa-key"
git config gpg.format ssh
git config user.signingKey "$dir/hoa-key"
git config commit.gpgSign true
step "cd centre && echo 'hoa@khuyencong.example namespaces=\"git\" ssh-ed25519 ...' > allowed_signers && khaosat commit && khaosat sync"
(cd "$centre" &&
 echo "hoa@khuyencong.example namespaces=\"git\" $(cat "$dir/hoa-key.pub")" >allowed_signers &&
 "$ks" commit -m "Khoá ký của điều tra viên" >/dev/null && "$ks" sync hub)
step "cd my-dong && sed -i 's/^  insured: .*/  insured: 45/' $w2 && khaosat commit -m ... && khaosat sync"
sed -i 's/^  insured: .*/  insured: 45/' "$w2"
"$ks" commit -m "BHXH md01-0002" >/dev/null
"$ks" sync hub
step "git -c gpg.ssh.allowedSignersFile=allowed_signers verify-commit HEAD" "(plain git agrees)"
git -c gpg.ssh.allowedSignersFile=allowed_signers verify-commit HEAD 2>/dev/null &&
	say "git verify-commit: the last save is signed with Hoa's key."
run verify

# The centre's report: counts, likely duplicates, and the survey as a
# spreadsheet with Vietnamese headers, one sheet per kind and per list.
cd "$centre"
run stats workshop
run dupes || true
run export -o "$dir/my-dong.xlsx"
run export --format geojson -o "$dir/my-dong.geojson"
tell "The workshops on the map (my-dong.geojson, for QGIS or a web map):"
python3 -c 'import sys, json
for f in json.load(open(sys.argv[1]))["features"]:
    print(f["id"], f["geometry"]["coordinates"], f["properties"].get("name", ""))' \
	"$dir/my-dong.geojson"
tell "The sheets of my-dong.xlsx:"
python3 -c 'import sys, zipfile, re
z = zipfile.ZipFile(sys.argv[1])
print("\n".join(re.findall(r"<sheet name=\"([^\"]*)\"", z.read("xl/workbook.xml").decode())))' \
	"$dir/my-dong.xlsx"

# A signed survey, as every new survey is unless --unsigned: the centre
# starts it and is its first member; Tâm's new laptop, set up from the
# stick, asks to join and works at once; its work waits at the centre
# until the centre approves it; a bundle forged with plain git is refused
# with its reason.
signed="$dir/signed"
mkdir -p "$signed/stick"
cd "$signed"
run init centre --device tt01 --surveyor "Trung tâm Khuyến công Hải Phòng" \
	--name "Khảo sát làng nghề đúc Mỹ Đồng (có ký)"
(cd centre && cp -r "$samples/records" . && "$ks" commit -m "Bản khảo sát mẫu" >/dev/null &&
 "$ks" sync ../stick >/dev/null)
run clone stick laptop-tam --device md05 --surveyor "Lê Văn Tâm"
step "cd laptop-tam && sed -i 's/^  regular: .*/  regular: 90/' $w1 && khaosat commit -m ... && khaosat sync ../stick"
(cd laptop-tam && sed -i 's/^  regular: .*/  regular: 90/' "$w1" &&
 "$ks" commit -m "Lao động md01-0001" >/dev/null && "$ks" sync ../stick >/dev/null)
cd centre
run sync ../stick
run device list
run device approve md05
run sync ../stick
step "git clone laptop-tam forged && git commit -S && git bundle create forged.bundle main" "(khaosat.yaml changed behind the centre's back, signed with md05's key)"
git clone -q ../laptop-tam ../forged
echo "# changed by a surveyor" >>../forged/khaosat.yaml
git -C ../forged add khaosat.yaml
GIT_COMMITTER_NAME=md05 git -C ../forged -c gpg.format=ssh \
	-c user.signingKey="$signed/laptop-tam/.git/khaosat/key" \
	commit -q -S -m "Đổi quy tắc khảo sát" -m "Device: md05"
git -C ../forged bundle create -q ../forged.bundle main
run bundle apply ../forged.bundle || true
run verify
echo
say "Open %s in a spreadsheet program." "$dir/my-dong.xlsx"
echo
say "To see the survey in a web browser and work in it there: cd %s && khaosat serve --open" "$survey"
echo
say "The demo is in %s: my-dong (Hoa), laptop-minh (Minh), centre, the two sticks, hub.git and signed/ (the signed survey)." "$dir"
