"""One HTTP request to the khaosat serve under test, printed whole.

req.py [-c] [-H HOST] [-O ORIGIN] [-T TYPE] [-C] METHOD PATH [BODY | @FILE]
    (-C: the body sent chunked, with no length; -o FILE: the body
    received written to FILE, not printed)
req.py [-c] ... -f METHOD PATH NAME=VALUE...   (a form, urlencoded here)
req.py [-c] ... -m METHOD PATH NAME=VALUE... NAME=@FILE...
    (multipart/form-data, as a form with <input type=file> sends it)
req.py [-c] ... -F FIELDS -f METHOD PATH NAME=VALUE...
    also the fields of FIELDS, one NAME=VALUE a line, as formfields.py
    writes them (\\n, \\r and \\\\ in values), before those given

Prints "STATUS", the headers, an empty line and the body.  -c sends the
cookie kept in ./cookie; the server's address and port are read from
./addr (127.0.0.1 without it) and ./port.
"""
import http.client
import sys
import urllib.parse

args = sys.argv[1:]
cookie = host = origin = None
ctype = None
form = False
multipart = False
chunked = False
save = None
fields = []
while args and args[0].startswith("-"):
    opt = args.pop(0)
    if opt == "-c":
        cookie = open("cookie").read().strip()
    elif opt == "-H":
        host = args.pop(0)
    elif opt == "-O":
        origin = args.pop(0)
    elif opt == "-T":
        ctype = args.pop(0)
    elif opt == "-f":
        form = True
    elif opt == "-m":
        multipart = True
    elif opt == "-C":
        chunked = True
    elif opt == "-o":
        save = args.pop(0)
    elif opt == "-F":
        for line in open(args.pop(0), encoding="utf-8").read().splitlines():
            k, v = line.split("=", 1)
            v = v.encode().decode("unicode_escape").encode("latin-1").decode()
            fields.append((k, v))
method, path = args[0], args[1]
if multipart:
    boundary = "----khaosat-test-boundary-7d1f"
    parts = []
    for a in args[2:]:
        k, v = a.split("=", 1)
        if v.startswith("@"):
            data = open(v[1:], "rb").read()
            name = v[1:].rsplit("/", 1)[-1]
            head = ('Content-Disposition: form-data; name="%s"; filename="%s"\r\n'
                    'Content-Type: application/octet-stream\r\n' % (k, name))
        else:
            data = v.encode("utf-8", "surrogateescape")  # bytes as given
            head = 'Content-Disposition: form-data; name="%s"\r\n' % k
        parts.append(b"--" + boundary.encode() + b"\r\n" + head.encode() + b"\r\n" + data + b"\r\n")
    body = b"".join(parts) + b"--" + boundary.encode() + b"--\r\n"
    ctype = ctype or "multipart/form-data; boundary=" + boundary
elif form:
    pairs = fields + [tuple(a.split("=", 1)) if "=" in a else (a, "") for a in args[2:]]
    body = urllib.parse.urlencode(pairs).encode()
    ctype = ctype or "application/x-www-form-urlencoded"
else:
    body = args[2].encode() if len(args) > 2 else None
    if body is not None and body.startswith(b"@"):
        body = open(body[1:].decode(), "rb").read()
    if body is not None and method == "POST":
        ctype = ctype or "application/x-www-form-urlencoded"
port = int(open("port").read())
try:
    addr = open("addr").read().strip()
except OSError:
    addr = "127.0.0.1"
c = http.client.HTTPConnection(addr, port, timeout=30)
c.putrequest(method, path, skip_host=True)
c.putheader("Host", host or "%s:%d" % (addr, port))
if cookie:
    c.putheader("Cookie", cookie)
if origin:
    c.putheader("Origin", origin)
if ctype:
    c.putheader("Content-Type", ctype)
if body is not None and chunked:
    # no length said: the body comes in pieces of 16 KiB
    c.putheader("Transfer-Encoding", "chunked")
    c.endheaders()
    for i in range(0, len(body), 16384):
        piece = body[i:i + 16384]
        c.send(b"%x\r\n%s\r\n" % (len(piece), piece))
    c.send(b"0\r\n\r\n")
else:
    if body is not None:
        c.putheader("Content-Length", str(len(body)))
    c.endheaders(body)
r = c.getresponse()
sys.stdout.write("%d\n" % r.status)
for k, v in r.getheaders():
    sys.stdout.write("%s: %s\n" % (k, v))
sys.stdout.write("\n")
body = r.read()
if save:
    open(save, "wb").write(body)
else:
    sys.stdout.write(body.decode("utf-8", "replace"))
