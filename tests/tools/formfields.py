"""The fields a browser would send for the first record form of a page.

formfields.py PAGE.html: prints NAME=VALUE per line for each input with
a value, each selected option and each ticked box, as a browser submits
them (buttons and the token left out).
"""
import html.parser
import sys


class Form(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.out = []
        self.select = None
        self.area = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("name") != "csrf":
            kind = a.get("type", "text")
            if kind == "checkbox" and "checked" not in a:
                return
            self.out.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self.select = a.get("name")
        elif tag == "option" and self.select and "selected" in a:
            self.out.append((self.select, a.get("value", "")))
        elif tag == "textarea":
            self.area = [a.get("name"), ""]

    def handle_data(self, data):
        if self.area:
            self.area[1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea" and self.area:
            # a browser drops the first line break and sends CR LF
            text = self.area[1]
            if text.startswith("\n"):
                text = text[1:]
            self.out.append((self.area[0], text.replace("\n", "\r\n")))
            self.area = None


def fields(page):
    """The (name, value) pairs a browser sends for the form of `page`."""
    p = Form()
    p.feed(page)
    return p.out


if __name__ == "__main__":
    # one field per line: a line break inside a value is written as \n
    for k, v in fields(open(sys.argv[1], encoding="utf-8").read()):
        print("%s=%s" % (k, v.replace("\\", "\\\\").replace("\r", "\\r")
                         .replace("\n", "\\n")))
