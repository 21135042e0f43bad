"""Opens the form of each record named and saves it as a browser would,
unchanged, through the khaosat serve under test (./addr, ./port, ./cookie
as req.py reads them).

resave.py CSRF ID...

Prints "ID STATUS" for each save that is not a 303, and exits 1 then.
"""
import http.client
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from formfields import fields  # noqa: E402

csrf, ids = sys.argv[1], sys.argv[2:]
port = int(open("port").read())
try:
    addr = open("addr").read().strip()
except OSError:
    addr = "127.0.0.1"
cookie = open("cookie").read().strip()
head = {"Host": "%s:%d" % (addr, port), "Cookie": cookie}
bad = 0
for rid in ids:
    c = http.client.HTTPConnection(addr, port, timeout=30)
    c.request("GET", "/records/%s/edit" % rid, headers=head)
    page = c.getresponse().read().decode("utf-8")
    body = fields(page) + [("csrf", csrf), ("op", "save")]
    c.request("POST", "/records/%s/edit" % rid,
              body=urllib.parse.urlencode(body).encode(),
              headers=dict(head, **{"Content-Type": "application/x-www-form-urlencoded"}))
    r = c.getresponse()
    r.read()
    c.close()
    if r.status != 303:
        print(rid, r.status)
        bad = 1
sys.exit(bad)
