#!/usr/bin/python3
"""Reads an .xlsx attendee list with openpyxl (an independent reader) and
checks every cell against the expected values.

usage: xlsx_check.py FILE NCOLS VALUE...   (row by row, header first)

Every cell must be a string (never a formula or a number). Exits 0 when
the sheet holds exactly the values given, 1 otherwise.
"""
import sys

from openpyxl import load_workbook


def main():
    path, ncols, values = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    ws = load_workbook(path).active
    rows = list(ws.iter_rows())
    want_rows = [values[i : i + ncols] for i in range(0, len(values), ncols)]
    if len(rows) != len(want_rows):
        print("xlsx_check: %d rows, expected %d" % (len(rows), len(want_rows)), file=sys.stderr)
        return 1
    for r, (got, want) in enumerate(zip(rows, want_rows), 1):
        if len(got) != ncols:
            print("xlsx_check: row %d has %d cells" % (r, len(got)), file=sys.stderr)
            return 1
        for cell, w in zip(got, want):
            v = cell.value if cell.value is not None else ""
            if cell.data_type not in ("s", "n") or (cell.data_type == "n" and v != ""):
                print("xlsx_check: %s is of type %s" % (cell.coordinate, cell.data_type),
                      file=sys.stderr)
                return 1
            if v != w:
                print("xlsx_check: %s is %r, expected %r" % (cell.coordinate, v, w),
                      file=sys.stderr)
                return 1
    print("xlsx_check: %d rows as expected" % len(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
