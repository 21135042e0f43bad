#!/bin/sh
# The Windows build (khaosat.exe of make windows' release folder) under
# Wine: a surveyor's day with Vietnamese names, the stick between a
# Windows laptop and a Linux one in both directions, export, the web
# server, the installer.  Run by tests/windows/run.sh (make check-windows);
# khaosat is the Windows build, linux the Linux one.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib-serve.sh"

linux() {
	"$KHAOSAT_LINUX" "$@"
}

release=$KHAOSAT_WINDIR/khaosat
V="Khảo sát Mỹ Đồng"

# new_workshop NAME [--set...]: a valid workshop of the shipped schema.
new_workshop() {
	name=$1
	shift
	khaosat new workshop --set name="$name" --set legal_type=ho_kinh_doanh \
		--set address.village="Thôn 7" --set address.commune_name="Mỹ Đồng" \
		--set address.province_name="Hải Phòng" \
		--set trade_group=do_go_gom_su_det_may_co_khi_nho "$@"
}

test_expect_success 'the release folder holds the program, its libraries, catalogue and guide' '
	test_path_is_file "$release/khaosat.exe" &&
	test_path_is_file "$release/locale/vi/LC_MESSAGES/khaosat.mo" &&
	test_path_is_file "$release/doc/khaosat.vi.html" &&
	test_path_is_file "$release/doc/khaosat.html" &&
	test_path_is_file "$release/doc/licenses/libgit2.txt" &&
	test_path_is_file "$release/BAT-DAU.txt" &&
	grep -q "khaosat sync E:" "$release/BAT-DAU.txt" &&
	for dll in $(x86_64-w64-mingw32-objdump -p "$release/khaosat.exe" |
		     sed -n "s/^\tDLL Name: //p"); do
		case $dll in
		lib*) test_path_is_file "$release/$dll" || exit 1 ;;
		esac
	done
'

test_expect_success 'the zip holds the release folder' '
	python3 -c "
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
names = set(z.namelist())
for n in (\"khaosat/khaosat.exe\", \"khaosat/BAT-DAU.txt\",
          \"khaosat/locale/vi/LC_MESSAGES/khaosat.mo\"):
    assert n in names, n
" "$KHAOSAT_WINDIR"/khaosat-*-windows-x64.zip
'

test_expect_success 'khaosat.exe starts, and speaks Vietnamese when asked' '
	khaosat --version >out &&
	grep -q "^khaosat " out &&
	KHAOSAT_LANGUAGE=vi khaosat help >out &&
	grep -q "tạo một kho khảo sát\|khảo sát" out
'

test_expect_success 'init in a folder with a Vietnamese name, by a Vietnamese surveyor' '
	khaosat init "$V" --unsigned --device win01 --surveyor "Nguyễn Thị Hoa" &&
	test_path_is_file "$V/khaosat.yaml" &&
	git -C "$V" fsck --no-progress &&
	git -C "$V" log -1 --format=%an >out &&
	echo "Nguyễn Thị Hoa" >expect &&
	test_cmp expect out &&
	test "$(git -C "$V" config core.autocrlf)" = false
'

test_expect_success 'new --set saves a record with LF line ends; commit; plain git agrees' '
	(cd "$V" && new_workshop "Hộ Đúc Gang Phạm Văn Tư" --set workers.regular=3 >../out) &&
	grep -q "records/workshop/win01/000/win01-0001.yaml" out &&
	f="$V/records/workshop/win01/000/win01-0001.yaml" &&
	grep -q "^name: Hộ Đúc Gang Phạm Văn Tư$" "$f" &&
	! grep -q "$(printf "\r")" "$f" &&
	(cd "$V" && khaosat check && khaosat commit -m "Thêm hộ Phạm Văn Tư") &&
	git -C "$V" status --porcelain >out &&
	test_must_be_empty out &&
	git -C "$V" show HEAD:records/workshop/win01/000/win01-0001.yaml >committed &&
	test_cmp "$f" committed &&
	git -C "$V" log --format=%s -1 >out &&
	echo "Thêm hộ Phạm Văn Tư" >expect &&
	test_cmp expect out
'

# Wine's console on a terminal shows what khaosat writes but does not end
# a typed line, so the form is seen asking, not answered.
test_expect_success 'the form asks its first question on a console, in readable Vietnamese' '
	printf "expect Tên cơ sở [name] *\nkill TERM\n" >script &&
	(cd "$V" && test_expect_code 143 ptydrive -t 30 -o ../transcript ../script -- \
		"$KHAOSAT_BIN" new workshop) &&
	grep -q "Tên đầy đủ theo giấy đăng ký" transcript
'

test_expect_success 'a bad value is refused with its field, and nothing is written' '
	snapshot "$V" >before &&
	(cd "$V" && test_expect_code 1 new_workshop "Hộ A" --set workers.regular=-3 2>../err) &&
	grep -q "less than the smallest allowed" err &&
	snapshot "$V" >after &&
	test_cmp before after
'

test_expect_success 'check names the file, line and column of a hand-made error' '
	f="$V/records/workshop/win01/000/win01-0001.yaml" &&
	cp "$f" saved &&
	sed -i "s/^  regular: 3$/  regular: ba/" "$f" &&
	(cd "$V" && test_expect_code 1 khaosat check >../out 2>&1) &&
	grep -q "win01-0001.yaml:[0-9]*:[0-9]*:" out &&
	cp saved "$f" &&
	(cd "$V" && khaosat check)
'

# The Windows user's profile folder in Wine: HOME for the Windows build.
winhome=$WINEPREFIX/drive_c/users/$(id -un)

test_expect_success 'git configured for CRLF (as Git for Windows is) changes no record' '
	mkdir -p "$winhome" crlf-stick &&
	printf "[core]\n\tautocrlf = true\n" >"$winhome/.gitconfig" &&
	test_when_finished "rm -f \"$winhome/.gitconfig\"" &&
	(cd "$V" && new_workshop "Hộ Đúc Đồng Minh" >/dev/null && khaosat commit -m "Hộ Minh" &&
	 khaosat sync ../crlf-stick >/dev/null) &&
	git -C "$V" cat-file -p HEAD:records/workshop/win01/000/win01-0002.yaml >blob &&
	! grep -q "$(printf "\r")" blob &&
	khaosat clone crlf-stick crlf --device win09 --surveyor "Lê Thị Lan" >/dev/null &&
	test "$(git -C crlf config core.autocrlf)" = false &&
	! grep -rq "$(printf "\r")" crlf/records &&
	(cd crlf && khaosat status >../out) &&
	! grep -q "changed" out
'

# hold_lock: the survey's lock held from outside until release_lock.
# khaosat.exe locks one byte far past the end with LockFileEx, which Wine
# keeps as a POSIX record lock: lockf on that byte is the same lock.
hold_lock() {
	rm -f held
	python3 -c "
import fcntl, os, time
f = open(\"$V/.git/khaosat/lock\", \"a+\")
fcntl.lockf(f, fcntl.LOCK_EX, 1, 0x7ffffffffffffffe)
f.seek(0); f.truncate(); f.write(\"%d khaosat sync\\n\" % os.getpid()); f.flush()
open(\"held\", \"w\").close(); time.sleep(120)" &
	echo $! >holder.pid
	for i in $(seq 1 50); do
		test -f held && return 0
		sleep 0.1
	done
	return 1
}

release_lock() {
	kill "$(cat holder.pid)" 2>/dev/null
	wait "$(cat holder.pid)" 2>/dev/null
	return 0
}

test_expect_success 'the survey lock: a command waits for it, then gives up with nothing changed' '
	hold_lock &&
	test_when_finished release_lock &&
	sed -i "s/^  regular: 3$/  regular: 4/" "$V/records/workshop/win01/000/win01-0001.yaml" &&
	snapshot "$V" >before &&
	(cd "$V" && test_expect_code 4 env KHAOSAT_LOCK_TIMEOUT=1 "$KHAOSAT_BIN" commit -m x 2>../err) &&
	grep -q "the survey is busy" err &&
	snapshot "$V" >after &&
	test_cmp before after &&
	release_lock &&
	(cd "$V" && khaosat commit -m "4 lao động" >/dev/null) &&
	sed -i "s/^  regular: 4$/  regular: 3/" "$V/records/workshop/win01/000/win01-0001.yaml" &&
	(cd "$V" && khaosat commit -m "3 lao động" >/dev/null)
'

test_expect_success 'a photo and a document attached, checked and kept, as on Linux' '
	cp "$SAMPLES/photos/hung-phat-bien-hieu.jpg" "ảnh biển hiệu.jpg" &&
	(cd "$V" && khaosat attach win01-0001 "../ảnh biển hiệu.jpg" \
		"$SAMPLES/photos/hung-phat-dang-ky.pdf" --caption "Biển hiệu" >../out &&
	 khaosat check && khaosat commit -m "Ảnh" >/dev/null) &&
	test "$(git -C "$V" ls-files "*.jpg" "*.pdf" | wc -l)" = 2 &&
	grep -q "Biển hiệu" "$V/records/workshop/win01/000/win01-0001.yaml" &&
	test -z "$(git -C "$V" status --porcelain)" &&
	printf "not a photo" >"hỏng.jpg" &&
	snapshot "$V" >before &&
	(cd "$V" && test_expect_code 1 khaosat attach win01-0001 "../hỏng.jpg" 2>../err) &&
	snapshot "$V" >after &&
	test_cmp before after
'

test_expect_success 'stick: a Linux laptop sets up from what the Windows laptop wrote' '
	mkdir stick &&
	(cd "$V" && khaosat sync ../stick) &&
	for b in stick/*/*.bundle; do
		git -C "$V" bundle verify "$PWD/$b" >/dev/null 2>&1 || exit 1
	done &&
	linux clone stick lin --device lin01 --surveyor "Trần Văn Minh" &&
	test "$(git -C lin rev-parse main^{tree})" = "$(git -C "$V" rev-parse main^{tree})"
'

test_expect_success 'stick: each side adds and changes; both end on one tree' '
	(cd lin && linux new workshop --set name="Cơ sở Đúc Linh" --set legal_type=ho_kinh_doanh \
		--set address.village="Thôn 3" --set address.commune_name="Mỹ Đồng" \
		--set address.province_name="Hải Phòng" \
		--set trade_group=do_go_gom_su_det_may_co_khi_nho >/dev/null &&
	 sed -i "s/^  regular: 3$/  regular: 5/" records/workshop/win01/000/win01-0001.yaml &&
	 linux commit -m "Linux: thêm và sửa" >/dev/null && linux sync ../stick) &&
	(cd "$V" && sed -i "s/^name: Hộ Đúc Đồng Minh$/name: Hộ Đúc Đồng Minh Phát/" \
		records/workshop/win01/000/win01-0002.yaml &&
	 khaosat commit -m "Windows: sửa tên" >/dev/null && khaosat sync ../stick) &&
	(cd lin && linux sync ../stick) &&
	test "$(git -C lin rev-parse main^{tree})" = "$(git -C "$V" rev-parse main^{tree})" &&
	grep -q "^  regular: 5$" "$V/records/workshop/win01/000/win01-0001.yaml" &&
	test_path_is_file "$V/records/workshop/lin01/000/lin01-0001.yaml" &&
	grep -q "^name: Hộ Đúc Đồng Minh Phát$" lin/records/workshop/win01/000/win01-0002.yaml &&
	git -C "$V" fsck --no-progress &&
	git -C lin fsck --no-progress &&
	! grep -rq "$(printf "\r")" "$V/records"
'

test_expect_success 'stick: a conflict made on both sides is settled on Windows and reaches Linux' '
	(cd lin && sed -i "s/^name: Cơ sở Đúc Linh$/name: Cơ sở Đúc Linh (Linux)/" \
		records/workshop/lin01/000/lin01-0001.yaml &&
	 linux commit -m "tên" >/dev/null && linux sync ../stick) &&
	(cd "$V" && sed -i "s/^name: Cơ sở Đúc Linh$/name: Cơ sở Đúc Linh (Windows)/" \
		records/workshop/lin01/000/lin01-0001.yaml &&
	 khaosat commit -m "tên" >/dev/null && khaosat sync ../stick &&
	 test_expect_code 1 khaosat conflicts >../out) &&
	grep -q "lin01-0001" out &&
	(cd "$V" && khaosat resolve lin01-0001 name --value "Cơ sở Đúc Linh" &&
	 khaosat sync ../stick) &&
	(cd lin && linux sync ../stick) &&
	test "$(git -C lin rev-parse main^{tree})" = "$(git -C "$V" rev-parse main^{tree})" &&
	grep -q "^name: Cơ sở Đúc Linh$" lin/records/workshop/lin01/000/lin01-0001.yaml
'

test_expect_success 'a stick by its drive letter, as Windows names it' '
	ln -sfn "$PWD/stick" "$WINEPREFIX/dosdevices/e:" &&
	test_when_finished "rm -f \"$WINEPREFIX/dosdevices/e:\"" &&
	(cd lin && sed -i "s/^  regular: 5$/  regular: 6/" records/workshop/win01/000/win01-0001.yaml &&
	 linux commit -m "6" >/dev/null && linux sync ../stick) &&
	(cd "$V" && khaosat sync "E:\\" >../out) &&
	grep -q "lin01 *1 changed" out &&
	grep -q "^  regular: 6$" "$V/records/workshop/win01/000/win01-0001.yaml" &&
	khaosat clone "E:\\" "Máy thứ ba" --device win02 --surveyor "Lê Văn Tâm" &&
	test "$(git -C "Máy thứ ba" rev-parse main^{tree})" = "$(git -C "$V" rev-parse main^{tree})"
'

test_expect_success 'a drive with no stick in it is said to be missing' '
	(cd "$V" && test_expect_code 1 khaosat sync "Q:\\" 2>../err) &&
	grep -q "no such folder (is the stick plugged in" err &&
	test_expect_code 1 khaosat clone "Q:\\" nothing --device win03 --surveyor "X" 2>err &&
	grep -q "is the stick plugged in" err &&
	test_path_is_missing nothing
'

test_expect_success 'a hub on a shared folder: Windows and Linux sync through it both ways' '
	linux init --bare hub.git >/dev/null &&
	(cd "$V" && khaosat remote add hub ../hub.git >/dev/null && khaosat sync >/dev/null) &&
	(cd lin && linux remote add hub ../hub.git >/dev/null && linux sync >/dev/null) &&
	(cd lin && sed -i "s/^  regular: 6$/  regular: 7/" records/workshop/win01/000/win01-0001.yaml &&
	 linux commit -m "7" >/dev/null && linux sync >/dev/null) &&
	(cd "$V" && sed -i "s/^name: Hộ Đúc Đồng Minh Phát$/name: Hộ Đúc Đồng Minh Phát Đạt/" \
		records/workshop/win01/000/win01-0002.yaml &&
	 khaosat commit -m "tên" >/dev/null && khaosat sync >../out) &&
	grep -q "lin01 *1 changed" out &&
	(cd lin && linux sync >/dev/null) &&
	test "$(git -C lin rev-parse main^{tree})" = "$(git -C "$V" rev-parse main^{tree})" &&
	grep -q "^  regular: 7$" "$V/records/workshop/win01/000/win01-0001.yaml" &&
	git -C hub.git fsck --no-progress &&
	git -C "$V" fsck --no-progress
'

test_expect_success 'export writes a spreadsheet and CSV a person can open' '
	(cd "$V" && khaosat export --format xlsx -o ../survey.xlsx &&
	 khaosat export --format csv -o ../csv) &&
	python3 -c "
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
assert any(n.startswith(\"xl/worksheets/\") for n in z.namelist())
" survey.xlsx &&
	grep -rq "Hộ Đúc Gang Phạm Văn Tư" csv
'

test_expect_success 'khaosat serve answers a browser, and saves a record from its form' '
	test_when_finished stop_server &&
	start_server "$V" && served &&
	req -c GET / >out &&
	test "$(status out)" = 200 &&
	grep -q "Mỹ Đồng" out &&
	req -c GET /records >out &&
	grep -q "Hộ Đúc Gang Phạm Văn Tư" out &&
	token >csrf &&
	req -c -f POST /new/workshop csrf=$(cat csrf) op=save \
		"/name=Hộ Đúc Nhôm Trên Web" /legal_type=ho_kinh_doanh \
		/address/commune_name=Mỹ\ Đồng /address/province_name=Hải\ Phòng \
		/trade_group=do_go_gom_su_det_may_co_khi_nho \
		"/surveyed_at=2026-12-06" "/surveyor=Nguyễn Thị Hoa" >out &&
	test "$(status out)" = 303 &&
	id=$(sed -n "s|^Location: /records/\(win01-[0-9]*\)?saved=1.*$|\1|p" out | tr -d "\r") &&
	test -n "$id" &&
	grep -q "^name: Hộ Đúc Nhôm Trên Web$" "$V/$(record_path workshop $id)" &&
	test -z "$(git -C "$V" status --porcelain)" &&
	git -C "$V" log -1 --format=%an >who &&
	echo "Nguyễn Thị Hoa" >expect &&
	test_cmp expect who
'

test_expect_success 'the installer installs into Program Files and uninstalls' '
	setup=$(ls "$KHAOSAT_WINDIR"/khaosat-*-setup.exe) &&
	wine "$setup" /S &&
	pf="$WINEPREFIX/drive_c/Program Files/khaosat" &&
	test_path_is_file "$pf/khaosat.exe" &&
	test_path_is_file "$pf/libmicrohttpd-12.dll" &&
	wine "$pf/khaosat.exe" --version >out &&
	grep -q "^khaosat " out &&
	wine reg query "HKCU\\Environment" /v Path >path.out &&
	grep -q "khaosat" path.out &&
	wine "$pf/uninstall.exe" /S _?="C:\\Program Files\\khaosat" &&
	wineserver -w &&
	test_path_is_missing "$pf/khaosat.exe"
'

test_done
