"""The serve benchmark's measurements, over HTTP, against a running
khaosat serve (tests/bench/serve.sh starts it).

serve.py URL PID STICK RUNS

Prints one line per measure, "NAME VALUE UNIT", for the shell to make the
table: the median time of each page (wall time on loopback: the server's
time to answer), a form's save with validation, the errors of 50 readers
during a sync, and the server's peak memory.
"""
import http.client
import re
import statistics
import sys
import threading
import time
import urllib.parse

url, pid, stick, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
u = urllib.parse.urlsplit(url)
host, port = u.hostname, u.port
key = urllib.parse.parse_qs(u.query)["k"][0]
cookie = "ks=" + key


def request(method, path, body=None):
    c = http.client.HTTPConnection(host, port, timeout=600)
    headers = {"Host": "%s:%d" % (host, port), "Cookie": cookie}
    if body is not None:
        body = urllib.parse.urlencode(body).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data.decode("utf-8", "replace")


def timed(method, path, body=None, want=200):
    t0 = time.monotonic()
    status, page = request(method, path, body)
    t = time.monotonic() - t0
    if status != want:
        sys.exit("%s %s: %d" % (method, path, status))
    return t, page


def median_ms(method, path):
    times = [timed(method, path)[0] for _ in range(runs)]
    return statistics.median(times) * 1000


def fields(page):
    """The fields a browser would send for the record form of `page`."""
    out = []
    for m in re.finditer(r'<input ([^>]*)>', page):
        a = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        if "name" in a and a.get("type") != "checkbox" and "value" in a:
            out.append((a["name"], html_unescape(a["value"])))
        elif a.get("type") == "checkbox" and " checked" in m.group(1):
            out.append((a["name"], html_unescape(a["value"])))
    for m in re.finditer(r'<select id="[^"]*" name="([^"]*)">(.*?)</select>', page, re.S):
        s = re.search(r'<option (?:selected )?value="([^"]*)"(?: selected)?>', m.group(2))
        sel = re.search(r'<option[^>]* selected[^>]*value="([^"]*)"|<option value="([^"]*)" selected', m.group(2))
        if sel:
            out.append((m.group(1), html_unescape(sel.group(1) or sel.group(2))))
    for m in re.finditer(r'<textarea id="[^"]*" name="([^"]*)"[^>]*>(.*?)</textarea>', page, re.S):
        out.append((m.group(1), html_unescape(m.group(2))))
    return out


def html_unescape(s):
    return (s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&#39;", "'").replace("&amp;", "&"))


def ids(page):
    return re.findall(r'<a href="/records/([a-z0-9]+-[0-9]+)">', page)


_, first = timed("GET", "/records")
some = ids(first)
if len(some) < 10:
    sys.exit("the records page lists %d records" % len(some))
print("records %.1f ms" % median_ms("GET", "/records"))
print("records-page-50 %.1f ms" % median_ms("GET", "/records?page=50"))
print("search %.1f ms" % median_ms("GET", "/records?q=" + urllib.parse.quote("hợp tác xã")))
print("filter %.1f ms" % median_ms("GET", "/records?kind=workshop&f.legal_type=hop_tac_xa"))
print("record %.1f ms" % median_ms("GET", "/records/" + some[0]))
print("overview %.1f ms" % median_ms("GET", "/"))

# a form's save: the form opened, one field changed, saved (validated and
# committed); only the save is timed
saves = []
for i in range(runs):
    rid = some[1 + i]
    _, page = timed("GET", "/records/%s/edit" % rid)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    body = [(k, v) for k, v in fields(page) if k != "csrf"]
    body = [(k, ("0912%06d" % i) if k == "/phone" else v) for k, v in body]
    if not any(k == "/phone" for k, _ in body):
        body.append(("/phone", "0912%06d" % i))
    body += [("csrf", csrf), ("op", "save")]
    t, _ = timed("POST", "/records/%s/edit" % rid, body, want=303)
    saves.append(t)
print("save %.1f ms" % (statistics.median(saves) * 1000))

# 50 readers while a sync runs
_, page = timed("GET", "/sync")
csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
timed("POST", "/sync", [("csrf", csrf), ("stick", stick)], want=303)
errors = []
lock = threading.Lock()


def reader(n):
    for j in range(4):
        path = ["/", "/records", "/records/" + some[(n + j) % len(some)], "/conflicts"][j]
        try:
            status, _ = request("GET", path)
            if status != 200:
                raise RuntimeError("%s: %d" % (path, status))
        except Exception as e:     # noqa: BLE001 - every failure counts
            with lock:
                errors.append(str(e))


t0 = time.monotonic()
threads = [threading.Thread(target=reader, args=(n,)) for n in range(50)]
for t in threads:
    t.start()
for t in threads:
    t.join()
readers = time.monotonic() - t0
while True:
    status, page = request("GET", "/sync")
    if "Refresh" not in page and "Đang đồng bộ" not in page and "Syncing" not in page:
        break
    time.sleep(0.5)
print("readers-errors %d errors" % len(errors))
print("readers-time %.1f s" % readers)
for e in errors[:5]:
    sys.stderr.write("bench-serve: reader: %s\n" % e)
ok = "khaosat sync" not in page
print("sync-done %d" % (1 if re.search(r'class="said">[^<]*(xong|done)', page) else 0))

with open("/proc/%s/status" % pid) as f:
    hwm = re.search(r"VmHWM:\s*(\d+) kB", f.read()).group(1)
print("memory %.1f MB" % (int(hwm) / 1024))
