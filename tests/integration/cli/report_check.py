#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Checks a report's DOM (chromium --dump-dom) against the CLI's JSON for the
# same calls: sections present and in order, school names shown, and every
# number the report marks (data-v) equal to the CLI's.
#   report_check.py DOM.html EXPECT.json
# EXPECT.json: {"sections": [...], "names": [...], "tables": [
#   {"table": "run", "attrs": {"measure": M}, "key": "period",
#    "json": FILE, "json_table": "points", "json_key": "period",
#    "json_notnull": FIELD (only the CLI's rows where FIELD has a value),
#    "fields": {"value": "value", "median": "median"}}, ...],
#  "matrix": [{"measure": M, "json": FILE of analyze mdc --each-school}]}
# Exit 0 when all hold; otherwise prints each failure and exits 1.
import html.parser
import json
import math
import sys


class Dom(html.parser.HTMLParser):
    """Collects h1/h2 texts, the whole text, and data tables."""

    def __init__(self):
        super().__init__()
        self.h2 = []
        self.text = []
        self.tables = []  # (attrs, rows); rows: (attrs, {k: v})
        self._h2 = None
        self._table = None
        self._row = None
        self._cells = []  # cell attrs stack for matrix cells

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "h2":
            self._h2 = ""
        elif tag == "table" and "data-table" in a:
            self._table = (a, [])
            self.tables.append(self._table)
        elif tag == "tr" and self._table is not None:
            self._row = (a, {})
            self._table[1].append(self._row)
        elif tag == "td" and self._row is not None:
            if "data-k" in a:
                self._row[1][a["data-k"]] = a.get("data-v", "")
            if "data-variation" in a:
                self._row[1].setdefault("cells", []).append(a)

    def handle_endtag(self, tag):
        if tag == "h2" and self._h2 is not None:
            self.h2.append(self._h2.strip())
            self._h2 = None
        elif tag == "table":
            self._table = None
            self._row = None

    def handle_data(self, data):
        if self._h2 is not None:
            self._h2 += data
        self.text.append(data)


def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def num(s):
    return None if s in ("", None) else float(s)


def main():
    dom = Dom()
    with open(sys.argv[1], encoding="utf-8") as f:
        dom.feed(f.read())
    with open(sys.argv[2], encoding="utf-8") as f:
        want = json.load(f)
    fails = []
    checked = 0
    # Sections, in order, each once.
    if dom.h2 != want["sections"]:
        fails.append("sections: %r != %r" % (dom.h2, want["sections"]))
    text = " ".join(dom.text)
    for name in want.get("names", []):
        if name not in text:
            fails.append("name not shown: %s" % name)
    for name in want.get("absent", []):
        if name in text:
            fails.append("shown but should not be: %s" % name)
    for t in want.get("tables", []):
        with open(t["json"], encoding="utf-8") as f:
            js = json.load(f)
        rows = js[t["json_table"]] if "json_table" in t else js
        if "json_notnull" in t:
            rows = [r for r in rows if r.get(t["json_notnull"]) is not None]
        found = [tb for tb in dom.tables
                 if tb[0].get("data-table") == t["table"]
                 and all(tb[0].get("data-" + k) == v
                         for k, v in t.get("attrs", {}).items())]
        if len(found) != 1:
            fails.append("table %s %r: found %d" %
                         (t["table"], t.get("attrs"), len(found)))
            continue
        dom_rows = {r[0].get("data-" + t["key"]): r[1]
                    for r in found[0][1] if ("data-" + t["key"]) in r[0]}
        if len(rows) == 0 or len(dom_rows) != len(rows):
            fails.append("table %s %r: %d rows in the report, %d in JSON" %
                         (t["table"], t.get("attrs"), len(dom_rows),
                          len(rows)))
        for r in rows:
            key = str(r[t["json_key"]])
            d = dom_rows.get(key)
            if d is None:
                fails.append("table %s: no row %s" % (t["table"], key))
                continue
            for dk, jk in t["fields"].items():
                a, b = num(d.get(dk)), r.get(jk)
                if not same(a, b):
                    fails.append("table %s row %s %s: report %r, CLI %r" %
                                 (t["table"], key, dk, a, b))
                checked += 1
    for m in want.get("matrix", []):
        with open(m["json"], encoding="utf-8") as f:
            js = json.load(f)
        cells = {}
        for tb in dom.tables:
            if tb[0].get("data-table") == "matrix":
                for r in tb[1]:
                    for c in r[1].get("cells", []):
                        cells[(c["data-measure"], c["data-unit"])] = c
        for r in js["icons"]:
            c = cells.get((m["measure"], r["unit"]))
            if c is None:
                fails.append("matrix: no cell %s %s" % (m["measure"], r["unit"]))
                continue
            jv = r["variation"] or ""
            ja = r["assurance"] or ""
            if c["data-variation"] != jv or c["data-assurance"] != ja:
                fails.append("matrix %s %s: report %s/%s, CLI %s/%s" %
                             (m["measure"], r["unit"], c["data-variation"],
                              c["data-assurance"], jv, ja))
            checked += 1
    for f in fails[:40]:
        print("FAIL:", f)
    if len(fails) > 40:
        print("... and %d more" % (len(fails) - 40))
    print("report_check: %d values compared, %d failures" % (checked,
                                                            len(fails)))
    return 1 if fails or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
