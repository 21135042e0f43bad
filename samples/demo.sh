#!/bin/sh
# make demo: what a surveyor's first day looks like, on the sample survey of
# the Mỹ Đồng casting village.  Creates a survey in a temporary folder,
# brings in the sample records, checks and commits them, adds a workshop
# from the command line, shows a located error for a bad value, and ends
# with the log.
#   sh samples/demo.sh KHAOSAT SAMPLES_DIR
set -eu
ks=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
samples=$(cd "$2" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/khaosat-demo.XXXXXX")
survey="$dir/my-dong"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { step "khaosat $*"; "$ks" "$@"; }

run init "$survey" --device md01 --surveyor "Nguyễn Thị Hoa" \
	--email hoa@khuyencong.example --name "Khảo sát làng nghề đúc Mỹ Đồng"
cd "$survey"
step "cp -r samples/records ."
cp -r "$samples/records" .
run status | head -n 6
echo "  ..."
run check
run fmt --check
run commit -m "Bring in the sample survey of Mỹ Đồng"
run new workshop --set name="Hộ kinh doanh Đúc gang Phạm Văn Tư" \
	--set legal_type=ho_kinh_doanh --set phone=0912345678 \
	--set address.village="Thôn 7" --set address.commune_name="Mỹ Đồng" \
	--set address.province_name="Hải Phòng" \
	--set trade_group=do_go_gom_su_det_may_co_khi_nho \
	--set main_trade="Đúc gang" --set workers.regular=-3 || true
echo "(refused: nothing was saved)"
step "khaosat new workshop ... --set workers.regular=3"
out=$("$ks" new workshop --set name="Hộ kinh doanh Đúc gang Phạm Văn Tư" \
	--set legal_type=ho_kinh_doanh --set phone=0912345678 \
	--set address.village="Thôn 7" --set address.commune_name="Mỹ Đồng" \
	--set address.province_name="Hải Phòng" \
	--set trade_group=do_go_gom_su_det_may_co_khi_nho \
	--set main_trade="Đúc gang" --set workers.regular=3)
echo "$out"
id=$(echo "$out" | sed -n 's/^Saved workshop \([^ :]*\).*/\1/p')
run show "$id"
run commit -m "Add the Phạm Văn Tư household foundry"
run log
step "git fsck --full   (plain git agrees)"
git fsck --full
echo
echo "The demo survey is in $survey"
