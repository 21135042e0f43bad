#!/bin/sh
# khaosat attach: photos and documents on records.  A photo is recognised
# by its content, turned upright, reduced, and kept without its metadata
# (read back with exiftool, an independent reader); its time and GPS
# position go into the record; bad files are refused with nothing
# changed; check and commit keep files and records in step; two laptops
# attaching to one workshop merge through a stick in both orders; a
# hostile bundle whose file lies about its content is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-serve.sh"

W1=records/workshop/md01/000/md01-0001.yaml
W2=records/workshop/md02/000/md02-0016.yaml
F1=attachments/workshop/md01/000/md01-0001
PY=/usr/bin/python3
MK="$KHAOSAT_TOP/tests/tools/mkphoto.py"

if ! command -v exiftool >/dev/null 2>&1 ||
	! $PY -c "import PIL" 2>/dev/null; then
	test_skip "exiftool or python3-pil is not installed (Debian packages libimage-exiftool-perl, python3-pil): no photos to attach"
	test_done
fi

# photo OUT [mkphoto options]: a test photo
photo() {
	$PY "$MK" "$@"
}

# tag FILE NAME: the value exiftool reads for NAME in FILE, or nothing
tag() {
	exiftool -s3 -"$2" "$1"
}

test_expect_success 'set-up: the samples, and a phone photo with GPS and the camera owner' '
	make_survey s &&
	copy_samples s &&
	(cd s && khaosat commit -m samples >/dev/null) &&
	photo big.jpg --size 4000x3000 --gps 20.9871,106.6512 \
		--taken "2026:11:20 09:15:30" --zone "+07:00" --orientation 6 --camera &&
	test "$(tag big.jpg SerialNumber)" = SN-99887766 &&
	test -n "$(tag big.jpg GPSLatitude)"
'

test_expect_success 'a photo is kept upright, reduced, and without its metadata' '
	(cd s && khaosat attach md01-0001 ../big.jpg --caption "Biển hiệu" >../out) &&
	f=$(ls s/$F1/*.jpg) &&
	test "$(ls s/$F1 | wc -l)" = 1 &&
	name=$(basename "$f" .jpg) &&
	test "$(sha256sum "$f" | cut -c1-64)" = "$name" &&
	grep -q "big.jpg: kept as $F1/$name.jpg" out &&
	test "$(tag "$f" ImageWidth)x$(tag "$f" ImageHeight)" = 1500x2000 &&
	for t in GPSLatitude GPSLongitude Make Model SerialNumber OwnerName \
		Artist Software DateTimeOriginal Orientation; do
		test -z "$(tag "$f" $t)" || { echo "kept $t"; return 1; }
	done
'

test_expect_success 'its time and position are in the record, and the record has its position' '
	grep -q "^  - sha256: $(basename $(ls s/$F1/*.jpg) .jpg)$" s/$W1 &&
	grep -q "^    caption: Biển hiệu$" s/$W1 &&
	grep -q "^    taken: \"2026-11-20T09:15:30+07:00\"$" s/$W1 &&
	sed -n "/^position:/,/^[a-z]/p" s/$W1 >pos &&
	grep -q "^  latitude: 20.9871$" pos &&
	grep -q "^  longitude: 106.6512$" pos &&
	grep -q "^  source: photo$" pos &&
	(cd s && khaosat check >../out) &&
	(cd s && khaosat commit -m "Ảnh biển hiệu" >/dev/null) &&
	git -C s fsck --strict 2>&1 | (! grep -q .) &&
	git -C s show --stat --format= HEAD -- attachments | grep -q "1 file changed" &&
	test -z "$(git -C s status --porcelain)"
'

test_expect_success 'a brand takes a photo with GPS: the photo keeps its place, the brand has none' '
	photo gps.jpg --size 800x600 --gps 20.9871,106.6512 &&
	B=records/brand/md01/000/md01-0018.yaml &&
	(cd s && khaosat attach md01-0018 ../gps.jpg >../out) &&
	! grep -q "now the record" out &&
	grep -q "^    position:" s/$B &&
	! grep -q "^position:" s/$B &&
	(cd s && khaosat check md01-0018 && git checkout -q -- $B &&
		git clean -qfd attachments/brand)
'

test_expect_success 'the same photo again adds nothing; --original keeps the size, only turned' '
	(cd s && khaosat attach md01-0001 ../big.jpg >../out) &&
	grep -q "the record has this file already" out &&
	test "$(grep -c "^  - sha256:" s/$W1)" = 1 &&
	(cd s && khaosat attach md01-0001 ../big.jpg --original >../out) &&
	test "$(ls s/$F1 | wc -l)" = 2 &&
	for f in s/$F1/*.jpg; do
		test "$(tag "$f" ImageWidth)" = 4000 || continue
		test "$(tag "$f" Orientation)" = "Rotate 90 CW" &&
		test -z "$(tag "$f" GPSLatitude)$(tag "$f" SerialNumber)$(tag "$f" Make)" &&
		touch found
	done &&
	test -f found &&
	(cd s && khaosat commit -m "Ảnh gốc" >/dev/null)
'

test_expect_success 'PNG and WebP lose their EXIF and text; a PDF is kept as it is' '
	photo p.png --format png --size 320x200 --gps 20.95,106.7 --camera &&
	exiftool -q -overwrite_original -PNG:Comment="chủ: Nguyễn Văn Chủ" p.png &&
	test -n "$(tag p.png Comment)" &&
	photo p.webp --format webp --size 320x200 --gps 20.95,106.7 --camera &&
	test -n "$(tag p.webp GPSLatitude)" &&
	printf "%%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n" >g.pdf &&
	(cd s && khaosat attach md02-0016 ../p.png ../p.webp ../g.pdf >../out) &&
	d=attachments/workshop/md02/000/md02-0016 &&
	test "$(ls s/$d | wc -l)" = 3 &&
	for f in s/$d/*.png s/$d/*.webp; do
		test -z "$(tag "$f" GPSLatitude)$(tag "$f" Make)$(tag "$f" Comment)$(tag "$f" SerialNumber)" || return 1
		$PY -c "from PIL import Image; import sys; Image.open(sys.argv[1]).load()" "$f" || return 1
	done &&
	cmp g.pdf s/$d/*.pdf &&
	grep -q "^    type: application/pdf$" s/$W2 &&
	grep -q "^    kind: document$" s/$W2 &&
	(cd s && khaosat commit -m "Ảnh và giấy tờ" >/dev/null)
'

test_expect_success 'files that are not what they say are refused, nothing changed' '
	echo "not a photo" >fake.jpg &&
	head -c 20000 big.jpg >cut.jpg &&
	printf "%%PDF-1.4\n1 0 obj\n" >cut.pdf &&
	truncate -s 300M huge.jpg &&
	before=$(git -C s rev-parse HEAD) &&
	for f in fake.jpg cut.jpg cut.pdf huge.jpg; do
		(cd s && test_must_fail khaosat attach md01-0001 ../big.jpg ../$f >../out 2>../err) || return 1
		grep -q "$f" err || return 1
		test -z "$(git -C s status --porcelain)" || return 1
	done &&
	(cd s && test_must_fail khaosat attach md01-0001 ../fake.jpg 2>../err) &&
	grep -q "fake.jpg: error: not a JPEG, PNG or WebP photo or a PDF document by its content" err &&
	(cd s && test_must_fail khaosat attach md01-0001 ../cut.jpg 2>../err) &&
	grep -q "cut.jpg: error: the JPEG" err &&
	(cd s && test_must_fail khaosat attach md01-0001 ../huge.jpg 2>../err) &&
	grep -q "huge.jpg: error: 300 MB, over the limit of 100 MB" err &&
	test "$(git -C s rev-parse HEAD)" = "$before"
'

test_expect_success 'check and commit keep files and records in step' '
	f=$(ls s/$F1/*.jpg | head -1) &&
	mv "$f" moved.jpg &&
	(cd s && test_must_fail khaosat check >../out 2>&1) &&
	grep -q "the file is gone, but $W1 still lists it" out &&
	(cd s && test_must_fail khaosat commit -m x >/dev/null 2>&1) &&
	mv moved.jpg "$f" &&
	cp big.jpg "s/$F1/$(printf "%064d" 0).jpg" &&
	(cd s && test_must_fail khaosat check >../out 2>&1) &&
	grep -q "its content is not the one its name says" out &&
	rm "s/$F1/$(printf "%064d" 0).jpg" &&
	photo other.jpg --size 100x100 &&
	o=$(sha256sum other.jpg | cut -c1-64) &&
	cp other.jpg s/$F1/$o.jpg &&
	(cd s && test_must_fail khaosat commit -m x >../out 2>&1) &&
	grep -q "$F1/$o.jpg: error: no record lists this file" out &&
	rm s/$F1/$o.jpg &&
	(cd s && khaosat check >/dev/null) &&
	test -z "$(git -C s status --porcelain)"
'

test_expect_success 'a record deleted takes its files with it, in one commit' '
	d=attachments/workshop/md02/000/md02-0016 &&
	(cd s && khaosat delete md02-0016 -m "Đã đóng cửa" >/dev/null) &&
	test_path_is_missing s/$d &&
	test "$(git -C s show --format= --name-only HEAD | grep -c "^$d/")" = 3 &&
	git -C s show --format= --name-only HEAD | grep -q "^$W2$" &&
	test -z "$(git -C s status --porcelain)"
'

test_expect_success 'two laptops attach photos to one workshop; the stick merges them, both orders' '
	mkdir stick &&
	(cd s && khaosat sync ../stick >/dev/null) &&
	khaosat clone stick s2 --device md07 --surveyor "Trần Văn Minh" >/dev/null &&
	photo a.jpg --size 800x600 --gps 20.99,106.65 &&
	photo b.jpg --size 600x800 --gps 20.98,106.66 --taken "2026:11:21 10:00:00" &&
	(cd s && khaosat attach md01-0002 ../a.jpg --caption "Lò trung tần" >/dev/null &&
		khaosat commit -m a >/dev/null) &&
	(cd s2 && khaosat attach md01-0002 ../b.jpg --caption "Hệ thống lọc bụi" >/dev/null &&
		khaosat commit -m b >/dev/null) &&
	(cd s && khaosat sync ../stick >/dev/null) &&
	(cd s2 && khaosat sync ../stick >../out) &&
	(cd s && khaosat sync ../stick >/dev/null) &&
	for x in s s2; do
		(cd $x && khaosat conflicts >../c && khaosat check >/dev/null) || return 1
		! grep -q "md01-0002" c || return 1
		test "$(ls $x/attachments/workshop/md01/000/md01-0002 | wc -l)" = 2 || return 1
		grep -q "caption: Lò trung tần" $x/records/workshop/md01/000/md01-0002.yaml || return 1
		grep -q "caption: Hệ thống lọc bụi" $x/records/workshop/md01/000/md01-0002.yaml || return 1
		git -C $x fsck --strict 2>&1 | (! grep -q .) || return 1
	done &&
	test "$(git -C s rev-parse HEAD^{tree})" = "$(git -C s2 rev-parse HEAD^{tree})"
'

test_expect_success 'the terminal form asks for photos after saving: dropped paths, a refusal, Ctrl-C' '
	make_survey f &&
	cat >f/schema/workshop.yaml <<-\EOF &&
	$schema: https://json-schema.org/draft/2020-12/schema
	title: Cơ sở
	type: object
	additionalProperties: false
	required: [id, name]
	properties:
	  id:
	    type: string
	  name:
	    type: string
	    title: Tên cơ sở
	    minLength: 2
	  position:
	    type: object
	  attachments:
	    type: array
	    readOnly: true
	    x-key: sha256
	    items:
	      type: object
	      required: [sha256, kind, type]
	      properties:
	        sha256:
	          type: string
	        kind:
	          enum: [photo, document]
	        type:
	          type: string
	        caption:
	          type: string
	        taken:
	          type: string
	        position:
	          type: object
	EOF
	(cd f && khaosat commit -m "A form with photos" >/dev/null) &&
	mkdir "thư mục ảnh" &&
	photo "thư mục ảnh/biển hiệu.jpg" --size 900x600 --gps 20.9871,106.6512 &&
	echo "not a photo" >fake.jpg &&
	cat >script <<-EOF &&
	expect [name] *
	send Xưởng đúc Minh Khai
	expect fill in this part?
	send
	expect Save this record?
	send y
	expect Saved workshop md01-0001
	expect File:
	send '"'"'$PWD/thư mục ảnh/biển hiệu.jpg'"'"'
	expect What it shows
	send Biển hiệu
	expect kept as attachments/workshop/md01/000/md01-0001/
	expect its GPS position is now the record
	expect File:
	send $PWD/fake.jpg
	expect What it shows
	send
	expect not attached; nothing was changed
	expect File:
	send $PWD/thư\\\\ mục\\\\ ảnh/biển\\\\ hiệu.jpg
	expect What it shows
	send
	expect the record has this file already
	expect File:
	send
	expect Save it to the survey history
	EOF
	(cd f && ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop) &&
	W=f/records/workshop/md01/000/md01-0001.yaml &&
	grep -q "^    caption: Biển hiệu$" $W &&
	test "$(grep -c "^  - sha256:" $W)" = 1 &&
	grep -q "^position:" $W &&
	test "$(find f/attachments -type f | wc -l)" = 1 &&
	(cd f && khaosat check) &&
	cat >script <<-EOF &&
	expect [name] *
	send Xưởng đúc Tiến Thành
	expect fill in this part?
	send
	expect Save this record?
	send y
	expect Saved workshop md01-0002
	expect File:
	kill INT
	EOF
	(cd f && ptydrive -o ../transcript ../script -- "$KHAOSAT_BIN" new workshop) &&
	test -f f/records/workshop/md01/000/md01-0002.yaml &&
	(cd f && khaosat check)
'

test_expect_success 'a hostile bundle: a file whose name lies about its content is refused' '
	git clone -q s evil &&
	(cd evil &&
		d=attachments/workshop/md01/000/md01-0003 &&
		mkdir -p $d &&
		cp ../a.jpg $d/$(printf "%064d" 7).jpg &&
		git add -A && git -c user.name=x -c user.email=x@x commit -q -m evil &&
		git bundle create -q ../evil.bundle main) &&
	before=$(git -C s rev-parse HEAD) &&
	(cd s && test_must_fail khaosat bundle apply ../evil.bundle >../out 2>&1) &&
	grep -q "bad attached file" out &&
	test "$(git -C s rev-parse HEAD)" = "$before" &&
	test -z "$(git -C s status --porcelain)" &&
	test_path_is_missing s/attachments/workshop/md01/000/md01-0003
'

test_expect_success 'a hostile bundle: a real photo of no record is refused' '
	(cd evil &&
		git reset -q --hard HEAD^ &&
		d=attachments/workshop/md09/000/md09-0001 &&
		mkdir -p $d &&
		cp ../a.jpg $d/$(sha256sum ../a.jpg | cut -c1-64).jpg &&
		git add -A && git -c user.name=x -c user.email=x@x commit -q -m evil2 &&
		git bundle create -q ../evil2.bundle main) &&
	(cd s && test_must_fail khaosat bundle apply ../evil2.bundle >../out 2>&1) &&
	grep -q "attached file of no record" out &&
	test_path_is_missing s/attachments/workshop/md09
'



test_expect_success 'GeoJSON puts each record with a position on the map' '
	(cd s && khaosat export --format geojson -o ../w.geojson 2>../err) &&
	$PY -c "
import json
d = json.load(open(\"w.geojson\"))
assert d[\"type\"] == \"FeatureCollection\"
f = {x[\"id\"]: x for x in d[\"features\"]}
p = f[\"md01-0001\"]
assert p[\"geometry\"] == {\"type\": \"Point\", \"coordinates\": [106.6512, 20.9871]}, p
assert p[\"properties\"][\"position_source\"] == \"photo\"
assert p[\"properties\"][\"kind\"] == \"workshop\"
assert p[\"properties\"][\"address.commune_name\"]
assert \"md01-0002\" in f
assert \"md01-0004\" not in f
" &&
	grep -q "records have no position" err
'

test_expect_success 'the spreadsheet shows each workshop'"'"'s first photo in its row' '
	(cd s && khaosat export -o ../w.xlsx >/dev/null 2>&1) &&
	$PY -c "
import io, re, sys, zipfile
from PIL import Image
z = zipfile.ZipFile(\"w.xlsx\")
sheet = z.read(\"xl/worksheets/sheet1.xml\").decode()
rows = dict(re.findall(r\"<row r=\\\"(\\d+)\\\"[^>]*><c r=\\\"A\\d+\\\" t=\\\"inlineStr\\\"><is><t>([^<]*)</t>\", sheet))
drawing = z.read(\"xl/drawings/drawing1.xml\").decode()
at = [int(r) + 1 for r in re.findall(r\"<xdr:from><xdr:col>\\d+</xdr:col><xdr:colOff>\\d+</xdr:colOff><xdr:row>(\\d+)</xdr:row>\", drawing)]
ids = sorted(rows[str(r)] for r in at)
assert ids == [\"md01-0001\", \"md01-0002\"], ids
for n in z.namelist():
    if n.startswith(\"xl/media/\"):
        im = Image.open(io.BytesIO(z.read(n)))
        assert max(im.size) <= 120 and not im.getexif(), (n, im.size)
"
'

test_expect_success 'exports name each attached file; the spreadsheet links to it' '
	(cd s && khaosat export --format csv -o ../c1 2>/dev/null &&
		khaosat export --format json -o ../j1.json 2>/dev/null) &&
	$PY - <<-\EOF &&
	import csv, json, os, zipfile, re
	rows = list(csv.reader(open("c1/workshop.attachments.csv", encoding="utf-8-sig")))
	head = rows[1]
	got = {(r[0], r[head.index("_file")]) for r in rows[2:]}
	want = set()
	for dirpath, _, names in os.walk("s/attachments"):
	    for n in names:
	        rel = os.path.relpath(os.path.join(dirpath, n), "s")
	        if rel.startswith("attachments/workshop/"):
	            want.add((os.path.basename(dirpath), rel))
	assert want and got == want, (got, want)
	d = json.load(open("j1.json"))
	files = {r["id"]: r["files"] for r in d["records"]}
	assert set(files["md01-0001"]) == {p for i, p in want if i == "md01-0001"}
	assert files["md01-0004"] == []
	EOF
	(cd s && khaosat export -o ../x1.xlsx 2>/dev/null) &&
	test_path_is_missing x1_files &&
	$PY - "$PWD/s/" <<-\EOF
	import os, re, sys, urllib.parse, zipfile
	z = zipfile.ZipFile("x1.xlsx")
	links = set()
	for n in z.namelist():
	    if re.match(r"xl/worksheets/_rels/sheet\d+\.xml\.rels$", n):
	        for t in re.findall(r"Target=\"([^\"]+)\" TargetMode=\"External\"", z.read(n).decode()):
	            links.add(urllib.parse.unquote(t))
	assert links, "no link"
	for l in links:
	    assert l.startswith("file://" + sys.argv[1] + "attachments/workshop/"), l
	    assert os.path.isfile(l[len("file://"):]), l
	EOF
'

test_expect_success 'export --files copies each exported record'"'"'s files, and links to the copies' '
	(cd s && khaosat export --format csv --where id=md01-0001 -o ../c2 --files \
		>../out 2>&1) &&
	(cd s/attachments && find workshop/md01/000/md01-0001 -type f | sort) >want &&
	grep -q "copied $(wc -l <want) attached files" out &&
	(cd c2/attachments && find . -type f | sed "s|^\./||" | sort) >got &&
	test_cmp want got &&
	for f in $(cat want); do cmp s/attachments/$f c2/attachments/$f || return 1; done &&
	(cd s && khaosat export --at main -o ../x2.xlsx --files 2>/dev/null) &&
	test -d x2_files/workshop/md01/000/md01-0001 &&
	$PY - <<-\EOF
	import os, re, urllib.parse, zipfile
	z = zipfile.ZipFile("x2.xlsx")
	n = 0
	for name in z.namelist():
	    if re.match(r"xl/worksheets/_rels/sheet\d+\.xml\.rels$", name):
	        for t in re.findall(r"Target=\"([^\"]+)\" TargetMode=\"External\"", z.read(name).decode()):
	            p = urllib.parse.unquote(t)
	            assert p.startswith("x2_files/"), p
	            assert os.path.isfile(p), p
	            n += 1
	assert n >= 3, n
	EOF
'

test_expect_success 'export --files: a folder in the way, or no file to write to: refused, nothing made' '
	mkdir x3_files &&
	(cd s && test_expect_code 3 khaosat export -o ../x3.xlsx --files 2>../err) &&
	grep -q "x3_files: error: already there" err &&
	test_path_is_missing x3.xlsx &&
	test -z "$(ls -A x3_files)" &&
	(cd s && test_expect_code 1 khaosat export --format json --files >../out 2>../err) &&
	grep -q "only with an export written to a file" err &&
	test_must_be_empty out &&
	ls >after && ! grep "tmp-" after
'

test_expect_success 'the record page shows its photos; each file is served by its own name only' '
	start_server && test_when_finished stop_server && served &&
	sha=$(sed -n "s/^  - sha256: //p" s/$W1 | head -1) &&
	req -c GET /records/md01-0001 >out &&
	grep -q "<img src=\"/records/md01-0001/files/$sha.jpg\" alt=\"Biển hiệu\"" out &&
	req -c -o got.jpg GET /records/md01-0001/files/$sha.jpg >out &&
	head -1 out | grep -q "^200$" &&
	grep -q "^Content-Type: image/jpeg" out &&
	cmp got.jpg s/$F1/$sha.jpg &&
	for p in /records/md01-0002/files/$sha.jpg /records/md01-0001/files/$sha.png \
		/records/md01-0001/files/..%2F..%2F..%2Fkhaosat.yaml \
		/records/md01-0001/files/$(printf "%064d" 1).jpg; do
		req -c GET "$p" >out || return 1
		head -1 out | grep -q "^404$" || { echo "$p"; return 1; }
	done &&
	req -c GET /records/md01-0001/edit >form &&
	grep -q "name=\"/position/latitude\"" form &&
	! grep -q "name=\"/attachments" form &&
	cp s/$W1 before.yaml &&
	python3 "$KHAOSAT_TOP/tests/tools/resave.py" "$(token)" md01-0001 &&
	test_cmp before.yaml s/$W1
'

test_expect_success 'photos sent from the browser are attached and saved with their record' '
	start_server && test_when_finished stop_server && served &&
	req -c GET /records/md01-0005 >out &&
	grep -q "<form class=\"attach\" method=\"post\" action=\"/records/md01-0005/attach\" enctype=\"multipart/form-data\">" out &&
	photo up.jpg --size 3000x2000 --gps 20.97,106.68 --camera &&
	before=$(git -C s rev-parse HEAD) &&
	req -c -m POST /records/md01-0005/attach csrf=$(token) \
		"caption=Xưởng đúc" file=@up.jpg file=@g.pdf >out &&
	head -1 out | grep -q "^303$" &&
	grep -q "^Location: /records/md01-0005?saved=1" out &&
	test "$(git -C s rev-list --count $before..HEAD)" = 1 &&
	git -C s show --format=%s --name-only HEAD >shown &&
	grep -q "md01-0005" shown &&
	test "$(grep -c "^attachments/workshop/md01/000/md01-0005/" shown)" = 2 &&
	grep -q "^records/workshop/md01/000/md01-0005.yaml$" shown &&
	grep -q "^    caption: Xưởng đúc$" s/records/workshop/md01/000/md01-0005.yaml &&
	f=$(ls s/attachments/workshop/md01/000/md01-0005/*.jpg) &&
	test "$(tag "$f" ImageWidth)" -le 2048 &&
	test "$(tag "$f" ImageWidth)" -gt 1024 &&
	test -z "$(tag "$f" GPSLatitude)$(tag "$f" SerialNumber)" &&
	test -z "$(git -C s status --porcelain)"
'

test_expect_success 'the browser: a fake photo, a form without its token, a field not text: nothing changes' '
	start_server && test_when_finished stop_server && served &&
	before=$(git -C s rev-parse HEAD) &&
	req -c -m POST /records/md01-0006/attach csrf=$(token) file=@fake.jpg >out &&
	head -1 out | grep -q "^422$" &&
	grep -q "fake.jpg" out &&
	req -c -m POST /records/md01-0006/attach file=@up.jpg >out &&
	head -1 out | grep -q "^403$" &&
	req -c -m POST /records/md01-0006/attach csrf=$(token) >out &&
	head -1 out | grep -q "^422$" &&
	req -c -m POST /records/md01-0006 csrf=$(token) file=@up.jpg >out &&
	head -1 out | grep -q "^415$" &&
	printf "\377\376" >bad.txt &&
	req -c -m POST /records/md01-0006/attach csrf=$(token) "caption=$(cat bad.txt)" file=@up.jpg >out &&
	head -1 out | grep -q "^400$" &&
	test "$(git -C s rev-parse HEAD)" = "$before" &&
	test -z "$(git -C s status --porcelain)" &&
	test_path_is_missing s/attachments/workshop/md01/000/md01-0006 &&
	test -z "$(ls s/.git/khaosat/uploads)"
'

test_expect_success 'the browser: an upload that cannot be committed leaves the record and its files as they were' '
	start_server && test_when_finished stop_server && served &&
	before=$(git -C s rev-parse HEAD) &&
	git -C s config commit.gpgsign true &&
	git -C s config gpg.format openpgp &&
	test_when_finished "git -C s config --unset gpg.format; git -C s config --unset commit.gpgsign" &&
	req -c -m POST /records/md01-0006/attach csrf=$(token) file=@up.jpg >out &&
	head -1 out | grep -q "^422$" &&
	grep -q "gpg.format" out &&
	test "$(git -C s rev-parse HEAD)" = "$before" &&
	test -z "$(git -C s status --porcelain)" &&
	test_path_is_missing s/attachments/workshop/md01/000/md01-0006
'

test_expect_success 'the map page: a workshop offers it, a brand does not; a click is a point, far out none to save' '
	start_server && test_when_finished stop_server && served &&
	req -c GET /records/md01-0001 >out &&
	grep -q "<a class=\"map\" href=\"/records/md01-0001/map\">" out &&
	req -c GET /records/md01-0018 >out &&
	! grep -q "class=\"map\"" out &&
	req -c GET /records/md01-0018/map >out &&
	head -1 out | grep -q "^404$" &&
	req -c GET "/records/md01-0005/map?lat=20.97&lon=106.68&z=15&pick.x=0&pick.y=0" >out &&
	head -1 out | grep -q "^200$" &&
	$PY - <<-\EOF &&
	import math, re
	page = open("out", encoding="utf-8").read()
	lat, lon = map(float, re.search(r"class=\"picked\">[^0-9]*([0-9.]+)[^0-9]+([0-9.]+)", page).groups())
	span = 16 / 2 ** 15
	want_lat = 20.97 + span / 2 - 0.5 / 640 * span
	want_lon = 106.68 - span / math.cos(math.radians(20.97)) / 2 * (1 - 1 / 640)
	assert abs(lat - want_lat) < 1e-6 and abs(lon - want_lon) < 1e-6, (lat, lon, want_lat, want_lon)
	assert "<form class=\"position\" method=\"post\" action=\"/records/md01-0005/map\">" in page
	EOF
	req -c GET "/records/md01-0005/map?lat=20.97&lon=106.68&z=2&pick.x=10&pick.y=10" >out &&
	! grep -q "form class=\"position\"" out &&
	grep -q "class=\"picked\"" out
'

test_expect_success 'the map picture: the records placed in view, the point chosen' '
	start_server && test_when_finished stop_server && served &&
	lat=$(sed -n "s/^  latitude: //p" s/$W1) &&
	lon=$(sed -n "s/^  longitude: //p" s/$W1) &&
	req -c -o map.svg GET "/records/md01-0005/map.svg?lat=$lat&lon=$lon&z=12&plat=$lat&plon=$lon" >out &&
	head -1 out | grep -q "^200$" &&
	grep -qi "^Content-Type: image/svg+xml" out &&
	$PY - <<-\EOF
	import xml.etree.ElementTree as ET
	svg = ET.parse("map.svg").getroot()
	ns = "{http://www.w3.org/2000/svg}"
	titles = [t.text for t in svg.iter(ns + "title")]
	assert any(t.startswith("md01-0001 ") for t in titles), titles
	assert svg.find(".//%sg[@class=\"picked\"]" % ns) is not None
	EOF
'

test_expect_success 'a position picked on the map is saved as the record'"'"'s, in one commit' '
	start_server && test_when_finished stop_server && served &&
	before=$(git -C s rev-parse HEAD) &&
	req -c -f POST /records/md01-0005/map csrf=$(token) latitude=20.9712345 \
		longitude=106.6812345 accuracy=5 >out &&
	head -1 out | grep -q "^303$" &&
	grep -q "^Location: /records/md01-0005?saved=1" out &&
	test "$(git -C s rev-list --count $before..HEAD)" = 1 &&
	test "$(git -C s show --format= --name-only HEAD)" = records/workshop/md01/000/md01-0005.yaml &&
	sed -n "/^position:/,/^[a-z]/p" s/records/workshop/md01/000/md01-0005.yaml >got &&
	cat >want <<-\EOF &&
	position:
	  latitude: 20.971235
	  longitude: 106.681235
	  accuracy: 5.0
	  source: map
	EOF
	head -5 got >got5 &&
	test_cmp want got5 &&
	(cd s && khaosat check md01-0005) &&
	test -z "$(git -C s status --porcelain)"
'

test_expect_success 'the map: a position not a number, or sent without the token: refused, nothing changed' '
	start_server && test_when_finished stop_server && served &&
	before=$(git -C s rev-parse HEAD) &&
	req -c -f POST /records/md01-0005/map csrf=$(token) latitude=north \
		longitude=106.68 accuracy=5 >out &&
	head -1 out | grep -q "^422$" &&
	req -c -f POST /records/md01-0005/map csrf=$(token) latitude=95 \
		longitude=106.68 accuracy=5 >out &&
	head -1 out | grep -q "^422$" &&
	req -c -f POST /records/md01-0005/map latitude=20.9 longitude=106.68 \
		accuracy=5 >out &&
	head -1 out | grep -q "^403$" &&
	req -c -f POST /records/md01-0018/map csrf=$(token) latitude=20.9 \
		longitude=106.68 accuracy=5 >out &&
	head -1 out | grep -q "^404$" &&
	test "$(git -C s rev-parse HEAD)" = "$before" &&
	test -z "$(git -C s status --porcelain)"
'

test_expect_success 'verify checks every attached file at main, and finds one committed behind its back' '
	(cd s && khaosat verify >../out) &&
	grep -q "^attached files: [0-9]*, each checked against its name$" out &&
	cp a.jpg "s/$F1/$(printf "%064d" 5).jpg" &&
	git -C s add attachments &&
	git -C s -c user.name=x -c user.email=x@x commit -q -m "behind its back" &&
	(cd s && test_must_fail khaosat verify >../out 2>&1) &&
	grep -q "$F1/$(printf "%064d" 5).jpg.*a bad attached file: its content is not the one its name says" out
'
test_done
