#!/bin/sh
# khaosat export: the spreadsheet read back by an independent reader
# (python's zipfile and xml.etree), the CSV files by python's csv module,
# both compared cell by cell with the record files (read by a small reader
# of the canonical YAML form, not by khaosat); JSON; --at a commit or a
# date, with that commit's schema; --where; records with errors or open
# conflicts exported with their status; nothing left behind on failure.
. "$(dirname "$0")/lib.sh"

W1=records/workshop/md01/000/md01-0001.yaml
W2=records/workshop/md01/000/md01-0002.yaml

in_s() {
	(cd s && "$@")
}

test_expect_success 'setup: a survey with the samples, and the readers' '
	make_survey s &&
	copy_samples s &&
	in_s khaosat commit -m "Samples" >/dev/null &&
	git -C s rev-parse HEAD >c1 &&
	cat >reader.py <<-\EOF &&
	# Independent readers: records in canonical YAML, xlsx, csv.
	import csv, datetime, json, os, re, sys, zipfile
	import xml.etree.ElementTree as ET

	def scalar(s):
	    if s.startswith("\""):
	        return json.loads(s)
	    if s.startswith(chr(39)):
	        return s[1:-1].replace(chr(39) * 2, chr(39))
	    return s

	def parse_yaml(text):
	    lines = text.split("\n")
	    pos = 0
	    def ind(l):
	        return len(l) - len(l.lstrip(" "))
	    def live(i):
	        return i < len(lines) and lines[i].strip() != ""
	    def block(n):
	        nonlocal pos
	        if lines[pos][n:].startswith("- "):
	            seq = []
	            while live(pos) and ind(lines[pos]) == n and lines[pos][n:].startswith("- "):
	                rest = lines[pos][n + 2:]
	                if re.match(r"^[A-Za-z_][A-Za-z0-9_]*:( |$)", rest):
	                    lines[pos] = " " * (n + 2) + rest
	                    seq.append(block(n + 2))
	                else:
	                    seq.append(scalar(rest))
	                    pos += 1
	            return seq
	        m = {}
	        while live(pos) and ind(lines[pos]) == n and not lines[pos][n:].startswith("- "):
	            k, _, v = lines[pos][n:].partition(":")
	            v = v[1:] if v.startswith(" ") else v
	            pos += 1
	            if v in ("|-", "|"):
	                buf = []
	                while pos < len(lines) and (not lines[pos].strip() or ind(lines[pos]) > n):
	                    buf.append(lines[pos][n + 2:])
	                    pos += 1
	                while buf and buf[-1] == "":
	                    buf.pop()
	                m[k] = "\n".join(buf) + ("" if v == "|-" else "\n")
	            elif v == "":
	                m[k] = block(ind(lines[pos]))
	            else:
	                m[k] = scalar(v)
	        return m
	    return block(0)

	def records(survey, kind):
	    out = {}
	    for dp, dn, fn in os.walk(os.path.join(survey, "records", kind)):
	        for f in fn:
	            with open(os.path.join(dp, f), encoding="utf-8") as h:
	                out[f[:-5]] = parse_yaml(h.read())
	    return out

	def flat(rec, prefix=""):
	    """Leaf paths of objects; lists of scalars joined; lists of objects apart."""
	    cells, lists = {}, {}
	    for k, v in rec.items():
	        p = prefix + k
	        if isinstance(v, dict):
	            c, l = flat(v, p + ".")
	            cells.update(c)
	            lists.update(l)
	        elif isinstance(v, list) and v and isinstance(v[0], dict):
	            lists[p] = v
	        elif isinstance(v, list):
	            cells[p] = "; ".join(v)
	        else:
	            cells[p] = v
	    return cells, lists

	NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
	      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}

	def col_index(ref):
	    n = 0
	    for ch in re.match(r"[A-Z]+", ref).group(0):
	        n = n * 26 + ord(ch) - 64
	    return n - 1

	def read_xlsx(path):
	    """{sheet name: (rows as lists of (type, value)), raw xml}, in order."""
	    z = zipfile.ZipFile(path)
	    wb = ET.fromstring(z.read("xl/workbook.xml"))
	    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
	    target = {r.get("Id"): r.get("Target") for r in rels}
	    shared = []
	    if "xl/sharedStrings.xml" in z.namelist():
	        for si in ET.fromstring(z.read("xl/sharedStrings.xml")):
	            shared.append("".join(t.text or "" for t in si.iter("{%s}t" % NS["m"])))
	    sheets = []
	    for s in wb.find("m:sheets", NS):
	        rid = s.get("{%s}id" % NS["r"])
	        raw = z.read("xl/" + target[rid]).decode("utf-8")
	        root = ET.fromstring(raw)
	        rows = []
	        for row in root.iter("{%s}row" % NS["m"]):
	            cells = []
	            for c in row.findall("m:c", NS):
	                i = col_index(c.get("r"))
	                while len(cells) < i:
	                    cells.append(("", None))
	                t = c.get("t")
	                if t == "inlineStr":
	                    val = ("s", "".join(x.text or "" for x in c.iter("{%s}t" % NS["m"])))
	                elif t == "s":
	                    val = ("s", shared[int(c.find("m:v", NS).text)])
	                elif t == "b":
	                    val = ("b", c.find("m:v", NS).text == "1")
	                else:
	                    val = ("n", float(c.find("m:v", NS).text))
	                cells.append(val)
	            rows.append(cells)
	        sheets.append((s.get("name"), rows, raw))
	    return sheets

	def excel_date(serial):
	    return (datetime.datetime(1899, 12, 30) + datetime.timedelta(days=serial)).strftime("%Y-%m-%d")

	def same(cell, want, what):
	    """An xlsx cell (type, value) against a record value (text)."""
	    t, v = cell
	    if want is None:
	        assert t == "", "%s: expected empty, got %r" % (what, cell)
	    elif t == "n" and re.match(r"^\d{4}-\d\d-\d\d$", want):
	        assert excel_date(v) == want, "%s: %r vs %r" % (what, excel_date(v), want)
	    elif t == "n":
	        assert v == float(want), "%s: %r vs %r" % (what, v, want)
	    elif t == "b":
	        assert ("true" if v else "false") == want, "%s: %r vs %r" % (what, v, want)
	    else:
	        assert v == want, "%s: %r vs %r" % (what, v, want)
	EOF
	python3 -c "import sys; sys.path.insert(0, \".\"); import reader"
'

test_expect_success 'xlsx --values: every cell of every sheet is the records'"'"' value' '
	in_s khaosat export --values -o ../all.xlsx 2>err &&
	grep -q "^exported 42 records to ../all.xlsx$" err &&
	test_path_is_file all.xlsx &&
	python3 - <<-\EOF
	import sys; sys.path.insert(0, ".")
	from reader import *
	sheets = read_xlsx("all.xlsx")
	names = [s[0] for s in sheets]
	assert names == ["Cơ sở công nghiệp nông thôn", "Sản phẩm", "Máy móc thiết bị",
	                 "Hỗ trợ khuyến công đã nhận", "Ảnh và tài liệu", "Nhãn hiệu",
	                 "Cơ sở được quyền sử dụng", "Ảnh và tài liệu nhãn hiệu",
	                 "Thông tin"], names
	info = {r[0][1]: r[1][1] for r in sheets[-1][1]}
	tables = {v: k for k, v in info.items() if k.startswith("Sheet ")}
	checked = 0
	for kind in ("workshop", "brand"):
	    recs = records("s", kind)
	    rows = dict((s[0], s[1]) for s in sheets)[tables[kind][7:-1]]
	    titles, paths = [c[1] for c in rows[0]], [c[1] for c in rows[1]]
	    assert paths[:2] == ["id", "_status"] and paths[-1] == "_other", paths
	    ids = [r[0][1] for r in rows[2:]]
	    assert sorted(ids) == sorted(recs), (ids, sorted(recs))
	    assert ids == sorted(ids, key=lambda i: (i.split("-")[0], int(i.split("-")[1])))
	    lists = {}
	    for row in rows[2:]:
	        row = row + [("", None)] * (len(paths) - len(row))
	        rid = row[0][1]
	        cells, lists[rid] = flat(recs[rid])
	        assert row[1] == ("s", "ok"), row[1]
	        for i, p in enumerate(paths[2:-1], 2):
	            same(row[i], cells.pop(p, None), "%s %s" % (rid, p))
	            checked += 1
	        assert set(cells) == {"id"}, cells
	        assert row[-1] == ("", None), row[-1]
	    # each list of objects: rows in record order, item by item
	    for table, sheet in tables.items():
	        if not table.startswith(kind + "."):
	            continue
	        field = table[len(kind) + 1:]
	        rows = dict((s[0], s[1]) for s in sheets)[sheet[7:-1]]
	        paths = [c[1] for c in rows[1]]
	        assert paths[:2] == ["id", "_index"], paths
	        got = [r + [("", None)] * (len(paths) - len(r)) for r in rows[2:]]
	        want = [(rid, i, it) for rid in ids for i, it in enumerate(lists[rid].get(field, []), 1)]
	        assert len(got) == len(want), (table, len(got), len(want))
	        for r, (rid, i, it) in zip(got, want):
	            assert r[0] == ("s", rid) and r[1] == ("n", float(i)), (r[:2], rid, i)
	            c, _ = flat(it)
	            for j, p in enumerate(paths[2:-1], 2):
	                same(r[j], c.pop(p, None), "%s %s[%d].%s" % (kind, rid, i, p))
	                checked += 1
	            assert not c, c
	assert checked > 2000, checked
	EOF
'

test_expect_success 'xlsx: titles, labels, frozen header, filter, widths, information sheet' '
	in_s khaosat export -o ../labels.xlsx 2>err &&
	git -C s rev-parse HEAD >head &&
	python3 - "$(cat head)" <<-\EOF
	import sys; sys.path.insert(0, ".")
	from reader import *
	sheets = read_xlsx("labels.xlsx")
	name, rows, raw = sheets[0]
	assert rows[0][2] == ("s", "Tên cơ sở") and rows[1][2] == ("s", "name"), rows[0][:3]
	paths = [c[1] for c in rows[1]]
	assert rows[0][paths.index("address.commune_name")] == ("s", "Địa chỉ: Xã, phường")
	first = rows[2]
	assert first[0] == ("s", "md01-0001")
	assert first[paths.index("legal_type")] == ("s", "Công ty TNHH"), first[3]
	assert first[paths.index("pollution.sources")][1].startswith("Bụi")
	assert "state=\"frozen\"" in raw and "ySplit=\"2\"" in raw, raw[:600]
	assert "<autoFilter ref=\"A2:" in raw
	assert "<col min=\"3\" max=\"3\" width=" in raw
	info = dict((r[0][1], r[1][1]) for r in sheets[-1][1])
	assert sheets[-1][0] == "Thông tin"
	assert info["Survey"] == "Mỹ Đồng" and info["Commit"] == sys.argv[1], info
	assert info["Taken from"] == "the survey folder, all of it saved to the history", info
	assert info["Records"] == "42" and info["Invalid"] == "0", info
	assert info["Table workshop.products"] == "55 rows", info
	EOF
'

test_expect_success 'csv: one file per table, BOM, CRLF, python csv reads the records back' '
	in_s khaosat export --format csv --values -o ../csv 2>err &&
	grep -q "^exported 42 records to ../csv$" err &&
	(cd csv && ls) >files &&
	cat >expect <<-\EOF &&
	_info.csv
	brand.attachments.csv
	brand.csv
	brand.usage_rights.csv
	workshop.attachments.csv
	workshop.csv
	workshop.machinery.csv
	workshop.products.csv
	workshop.support.csv
	EOF
	test_cmp expect files &&
	python3 - <<-\EOF
	import sys; sys.path.insert(0, ".")
	from reader import *
	for kind in ("workshop", "brand"):
	    raw = open("csv/%s.csv" % kind, "rb").read()
	    assert raw.startswith(b"\xef\xbb\xbf"), raw[:10]
	    assert raw.count(b"\r\n") >= 11 and b"\r\n" in raw.split(b"\n")[0] + b"\n"
	    recs = records("s", kind)
	    with open("csv/%s.csv" % kind, encoding="utf-8-sig", newline="") as h:
	        rows = list(csv.reader(h))
	    paths = rows[1]
	    assert len(rows) == len(recs) + 2
	    for row in rows[2:]:
	        cells, _ = flat(recs[row[0]])
	        assert row[1] == "ok"
	        for p, v in zip(paths[2:-1], row[2:-1]):
	            want = cells.get(p)
	            assert v == ("" if want is None else want), (row[0], p, v, want)
	    with open("csv/%s.csv" % kind, encoding="utf-8-sig", newline="") as h:
	        assert len(list(csv.reader(h))) == len(rows)
	with open("csv/workshop.products.csv", encoding="utf-8-sig", newline="") as h:
	    rows = list(csv.reader(h))
	assert rows[1][:3] == ["id", "_index", "name"], rows[1]
	assert sum(len(r.get("products", [])) for r in records("s", "workshop").values()) == len(rows) - 2
	EOF
'

test_expect_success 'Vietnamese, quotes, commas and line breaks round-trip byte for byte' '
	name="Hộ kinh doanh \"Đúc, gang\" Phạm Văn Tư" &&
	notes=$(printf "Dòng một, có dấu phẩy\nDòng hai: \"ngoặc kép\" và ổ khóa") &&
	in_s khaosat new workshop --set name="$name" --set legal_type=ho_kinh_doanh \
		--set address.commune_name="Mỹ Đồng" --set address.province_name="Hải Phòng" \
		--set trade_group=do_go_gom_su_det_may_co_khi_nho --set notes="$notes" >out &&
	id=$(sed -n "s/^Saved workshop \([^ :]*\).*/\1/p" out) &&
	in_s khaosat export workshop --format csv -o ../csv2 2>err &&
	in_s khaosat export workshop -o ../rt.xlsx 2>>err &&
	grep -q "^note: the export includes 1 uncommitted change (not in commit " err &&
	printf "%s" "$name" >name.want && printf "%s" "$notes" >notes.want &&
	python3 - "$id" <<-\EOF
	import sys; sys.path.insert(0, ".")
	from reader import *
	rid = sys.argv[1]
	name, notes = open("name.want", "rb").read(), open("notes.want", "rb").read()
	with open("csv2/workshop.csv", encoding="utf-8-sig", newline="") as h:
	    rows = list(csv.reader(h))
	row = [r for r in rows if r[0] == rid][0]
	assert row[rows[1].index("name")].encode() == name
	assert row[rows[1].index("notes")].encode() == notes
	sheets = read_xlsx("rt.xlsx")
	rows = sheets[0][1]
	paths = [c[1] for c in rows[1]]
	row = [r for r in rows if r and r[0][1] == rid][0]
	assert row[paths.index("name")][1].encode() == name
	assert row[paths.index("notes")][1].encode() == notes
	info = dict((r[0][1], r[1][1]) for r in sheets[-1][1])
	assert info["Taken from"] == "the survey folder, with 1 change not yet saved to the history", info
	EOF
'

test_expect_success 'invalid records are exported with their first error, values untouched' '
	set_line s/$W2 "  regular:" "  regular: -3" &&
	in_s khaosat export workshop --format csv -o ../csv3 2>err &&
	grep -q "(1 invalid, 0 with open conflicts)" err &&
	python3 - <<-\EOF
	import csv
	with open("csv3/workshop.csv", encoding="utf-8-sig", newline="") as h:
	    rows = list(csv.reader(h))
	row = [r for r in rows if r[0] == "md01-0002"][0]
	assert row[1] == "invalid: Lao động (người) › Lao động thường xuyên: -3 is less than the smallest allowed, 0 (+1 more)", row[1]
	assert row[rows[1].index("workers.regular")] == "-3"
	assert [r[1] for r in rows[2:]].count("ok") == len(rows) - 3
	EOF
'

test_expect_success 'a record that does not parse and fields the schema lacks are kept' '
	mkdir -p s/records/workshop/md09/000 &&
	printf "id: md09-0001\nname: [unclosed\n" >s/records/workshop/md09/000/md09-0001.yaml &&
	printf "color: đỏ\n" >>s/$W1 &&
	in_s khaosat export workshop --format jsonl >out.jsonl 2>err &&
	in_s khaosat export workshop --format csv -o ../csv4 2>err &&
	python3 - <<-\EOF
	import csv, json
	recs = {r["id"]: r for r in map(json.loads, open("out.jsonl"))}
	bad = recs["md09-0001"]
	assert bad["record"] is None and bad["status"].startswith("invalid: "), bad
	assert recs["md01-0001"]["record"]["color"] == "đỏ"
	assert recs["md01-0001"]["status"].startswith("invalid: "), recs["md01-0001"]["status"]
	with open("csv4/workshop.csv", encoding="utf-8-sig", newline="") as h:
	    rows = list(csv.reader(h))
	row = [r for r in rows if r[0] == "md01-0001"][0]
	assert json.loads(row[-1]) == {"color": "đỏ"}, row[-1]
	assert [r for r in rows if r[0] == "md09-0001"][0][1].startswith("invalid: ")
	EOF
'

test_expect_success 'json: typed records, statuses and the information' '
	rm -r s/records/workshop/md09 &&
	git -C s checkout -q -- $W1 $W2 &&
	in_s khaosat export -o ../all.json 2>err &&
	python3 - <<-\EOF
	import json
	doc = json.load(open("all.json"))
	recs = {r["id"]: r for r in doc["records"]}
	r = recs["md01-0001"]
	assert r["kind"] == "workshop" and r["status"] == "ok" and r["errors"] == []
	assert r["record"]["tax_code"] == "0200094485"
	assert r["record"]["annual_revenue"] == 96500000000
	assert r["record"]["association_member"] is True
	assert r["record"]["products"][1]["name"] == "Puly thang máy"
	assert doc["info"]["Records"] == str(len(recs)) == "43", doc["info"]
	EOF
'

test_expect_success 'open conflicts are exported with the fields in conflict' '
	in_s khaosat commit -m "New workshop" >/dev/null &&
	git -C s branch other &&
	set_line s/$W1 "phone:" "phone: \"0911111111\"" &&
	in_s khaosat commit -m "phone a" >/dev/null &&
	git -C s checkout -q other &&
	set_line s/$W1 "phone:" "phone: \"0922222222\"" &&
	git -C s commit -q -am "phone b" &&
	git -C s checkout -q main &&
	in_s khaosat merge other >/dev/null &&
	test_path_is_file s/conflicts/$W1 &&
	in_s khaosat export workshop --format jsonl >out.jsonl 2>err &&
	grep -q "(0 invalid, 1 with open conflicts)" err &&
	in_s khaosat export workshop -o ../conflict.xlsx 2>err &&
	python3 - <<-\EOF
	import json, sys; sys.path.insert(0, ".")
	from reader import *
	recs = {r["id"]: r for r in map(json.loads, open("out.jsonl"))}
	assert recs["md01-0001"]["status"] == "conflict: /phone", recs["md01-0001"]
	assert recs["md01-0001"]["conflicts"] == ["/phone"]
	rows = read_xlsx("conflict.xlsx")[0][1]
	assert rows[2][0][1] == "md01-0001" and rows[2][1] == ("s", "conflict: /phone"), rows[2][:2]
	EOF
'

test_expect_success '--at: the records and the schema of that commit' '
	in_s khaosat resolve md01-0001 /phone --base >/dev/null &&
	git -C s rev-parse HEAD >c2 &&
	set_line s/$W1 "name:" "name: Công ty TNHH Đổi Tên Mới" &&
	sed -i "s/^    title: Tên cơ sở$/    title: Tên cơ sở (mới)/; s/^    maxLength: 200$/    maxLength: 20/" \
		s/schema/workshop.yaml &&
	grep -q "Tên cơ sở (mới)" s/schema/workshop.yaml &&
	git -C s commit -q -am "rename, tighter schema" &&
	in_s khaosat export workshop --at "$(cat c1)" -o ../at1.xlsx 2>err &&
	in_s khaosat export workshop --at main~1 --format csv -o ../at2 2>>err &&
	in_s khaosat export workshop --format csv -o ../now 2>>err &&
	! grep -q uncommitted err &&
	python3 - "$(cat c1)" <<-\EOF
	import csv, sys; sys.path.insert(0, ".")
	from reader import *
	sheets = read_xlsx("at1.xlsx")
	rows = sheets[0][1]
	info = dict((r[0][1], r[1][1]) for r in sheets[-1][1])
	assert info["Commit"] == sys.argv[1] and info["Taken from"] == "the survey history at " + sys.argv[1], info
	assert rows[0][2] == ("s", "Tên cơ sở") and rows[2][2] == ("s", "Công ty TNHH Cơ khí đúc Hưng Phát")
	assert all(r[1] == ("s", "ok") for r in rows[2:])
	assert len(rows) == 2 + 33
	def load(d):
	    with open(d + "/workshop.csv", encoding="utf-8-sig", newline="") as h:
	        return list(csv.reader(h))
	at2, now = load("at2"), load("now")
	assert at2[0][2] == "Tên cơ sở" and now[0][2] == "Tên cơ sở (mới)"
	assert at2[2][2] == "Công ty TNHH Cơ khí đúc Hưng Phát" and at2[2][1] == "ok"
	assert now[2][2] == "Công ty TNHH Đổi Tên Mới"
	assert now[2][1].startswith("invalid: Tên cơ sở (mới): must have at most 20 characters"), now[2][1]
	assert all(r[1] == "ok" for r in at2[2:]) and len(at2) == 2 + 34
	EOF
'

test_expect_success '--at: schema files a $ref names come from that commit too' '
	make_survey r &&
	copy_samples r &&
	printf "\$defs:\n  nm: {type: string, maxLength: 5, title: Tên chung}\n" \
		>r/schema/common.yaml &&
	python3 - <<-\EOF &&
	p = "r/schema/workshop.yaml"
	s = open(p).read()
	old = "  name:\n    type: string\n    title: Tên cơ sở\n"
	assert old in s
	open(p, "w").write(s.replace(old, "  name:\n    $ref: \"common.yaml#/$defs/nm\"\n", 1))
	EOF
	git -C r add -A && git -C r commit -q -m "names of 5 characters" &&
	sed -i "s/maxLength: 5/maxLength: 500/" r/schema/common.yaml &&
	(cd r && khaosat export workshop --at HEAD --format jsonl >../at.jsonl 2>/dev/null) &&
	(cd r && khaosat export workshop --format jsonl >../wt.jsonl 2>/dev/null) &&
	python3 - <<-\EOF
	import json
	at = [json.loads(l) for l in open("at.jsonl")]
	wt = [json.loads(l) for l in open("wt.jsonl")]
	assert len(at) == len(wt) == 33
	assert all(r["status"].startswith("invalid: Tên chung: must have at most 5 characters") for r in at), at[0]["status"]
	assert all(r["status"] == "ok" for r in wt), [r["status"] for r in wt]
	EOF
'

test_expect_success '--at DATE: main as it stood at the end of that day' '
	set_line s/$W1 "  regular:" "  regular: 301" &&
	GIT_COMMITTER_DATE="2099-06-30T10:00:00Z" git -C s commit -q -am "June" &&
	set_line s/$W1 "  regular:" "  regular: 302" &&
	GIT_COMMITTER_DATE="2099-07-15T10:00:00Z" git -C s commit -q -am "July" &&
	for day in 2099-06-30 2099-07-14 2099-07-15; do
		in_s khaosat export workshop --at $day --format jsonl >at-$day 2>err || return 1
	done &&
	python3 - <<-\EOF
	import json
	def regular(day):
	    for line in open("at-" + day):
	        r = json.loads(line)
	        if r["id"] == "md01-0001":
	            return r["record"]["workers"]["regular"]
	assert regular("2099-06-30") == 301 and regular("2099-07-14") == 301
	assert regular("2099-07-15") == 302
	EOF
'

test_expect_success '--at before the survey existed, or an unknown revision: exit 1' '
	in_s test_expect_code 1 khaosat export --at 2001-01-01 --format json >out 2>err &&
	test_must_be_empty out &&
	in_s test_expect_code 1 khaosat export --at no-such-rev --format json >out 2>err &&
	test_must_be_empty out
'

test_expect_success '--where: dotted paths, lists, labels, NFC; several are ANDed' '
	in_s khaosat export workshop --at main~2 --format jsonl \
		--where address.commune_name="Mỹ Đồng" >a.jsonl 2>err &&
	nfd=$(python3 -c "import unicodedata; print(unicodedata.normalize(\"NFD\", \"Mỹ Đồng\"))") &&
	in_s khaosat export workshop --at main~2 --format jsonl \
		--where address.commune_name="$nfd" >b.jsonl 2>err &&
	test_cmp a.jsonl b.jsonl &&
	in_s khaosat export workshop --at main~2 --format jsonl \
		--where products.material=gang_cau >c.jsonl 2>err &&
	in_s khaosat export workshop --at main~2 --format jsonl \
		--where products.material="Gang cầu" >d.jsonl 2>err &&
	test_cmp c.jsonl d.jsonl &&
	in_s khaosat export workshop --at main~2 --format jsonl \
		--where products.material=gang_cau \
		--where address.commune_name="Mỹ Đồng" >e.jsonl 2>err &&
	python3 - <<-\EOF
	import json, sys; sys.path.insert(0, ".")
	from reader import *
	recs = records("s", "workshop")
	def ids(f):
	    return [json.loads(l)["id"] for l in open(f)]
	mydong = [i for i, r in recs.items() if r.get("address", {}).get("commune_name") == "Mỹ Đồng"]
	cau = [i for i, r in recs.items() if any(p.get("material") == "gang_cau" for p in r.get("products", []))]
	assert sorted(ids("a.jsonl")) == sorted(mydong) and mydong, mydong
	assert sorted(ids("c.jsonl")) == sorted(cau) and cau
	assert sorted(ids("e.jsonl")) == sorted(set(cau) & set(mydong))
	assert len(ids("e.jsonl")) < len(ids("a.jsonl"))
	EOF
'

test_expect_success 'usage errors: unknown field, kind or format, xlsx without -o (exit 2)' '
	in_s test_expect_code 2 khaosat export --where colour=red -o ../x.xlsx 2>err &&
	grep -q "^error: unknown field \"colour\"; the fields are: id, name, legal_type, " err &&
	in_s test_expect_code 2 khaosat export farm -o ../x.xlsx 2>err &&
	grep -q "^error: unknown kind \"farm\" (the survey has: workshop, brand)$" err &&
	in_s test_expect_code 2 khaosat export --format ods -o ../x.ods 2>err &&
	grep -q "^error: unknown format \"ods\"" err &&
	in_s test_expect_code 2 khaosat export --format xlsx 2>err &&
	grep -q "^error: xlsx needs a file" err &&
	test_path_is_missing x.xlsx
'

test_expect_success 'csv refuses a folder that is not empty and changes nothing' '
	mkdir busy && echo keep >busy/file &&
	in_s test_expect_code 3 khaosat export --format csv -o ../busy 2>err &&
	grep -q "the folder is not empty" err &&
	ls busy >list && echo file >expect && test_cmp expect list &&
	mkdir empty && in_s khaosat export --format csv -o ../empty 2>err &&
	test_path_is_file empty/workshop.csv &&
	ls >all && ! grep "\.tmp-" all
'

test_expect_success 'a failed write leaves nothing under the name (exit 4)' '
	in_s test_expect_code 4 khaosat export -o ../no-such-dir/x.xlsx 2>err &&
	test_path_is_missing no-such-dir &&
	mkdir taken &&
	in_s test_expect_code 4 khaosat export -o ../taken --format xlsx 2>err &&
	grep -q "cannot write" err &&
	test_path_is_dir taken &&
	ls >all && ! grep "\.tmp-" all &&
	in_s test_expect_code 4 khaosat export -o ../taken --format json 2>err &&
	test_path_is_dir taken &&
	ls >all && ! grep "\.tmp-" all
'

test_expect_success 'a csv folder typed with its slash, "out/", is the folder "out"' '
	(cd s && khaosat export --format csv -o ../slash/ 2>../err) &&
	test -f slash/workshop.csv &&
	grep -q "to ../slash$" err &&
	ls -a . | grep -v "^slash$" | { ! grep -q "slash"; }
'

test_done
