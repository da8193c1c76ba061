#!/usr/bin/python3
"""Checks an iCalendar file written by Collective with an independent parser
(the icalendar package) and the tz database.

usage: ics_check.py FILE [UID START END SUMMARY DESCRIPTION SEQUENCE]...

START and END are Unix seconds (UTC). For each event named, checks that the
parser reads the same instants (through the TZID, through the file's own
VTIMEZONE, and through the tz database's Europe/London), the same text and
the same SEQUENCE. Also checks the raw form: CRLF line ends, lines of at
most 75 octets, valid UTF-8. Exits 0 when everything holds, 1 otherwise.
"""
import sys
from datetime import datetime, timezone

from icalendar import Calendar

try:
    from zoneinfo import ZoneInfo
except ImportError:  # Python before 3.9
    ZoneInfo = None


def fail(msg):
    print("ics_check: " + msg, file=sys.stderr)
    sys.exit(1)


def instants(prop, vtz):
    """The UTC instant of a DTSTART/DTEND, read three ways."""
    dt = prop.dt
    if dt.tzinfo is None:
        fail("a date-time without a time zone: %r" % dt)
    got = [dt.timestamp()]
    if "TZID" in prop.params:
        if prop.params["TZID"] != "Europe/London":
            fail("unexpected TZID %s" % prop.params["TZID"])
        naive = dt.replace(tzinfo=None)
        # RFC 5545 3.3.5: an ambiguous local time is the first occurrence.
        got.append(vtz.localize(naive, is_dst=True).timestamp())
        if ZoneInfo is not None:
            got.append(naive.replace(tzinfo=ZoneInfo("Europe/London"), fold=0).timestamp())
    return got


def main():
    if len(sys.argv) < 2 or (len(sys.argv) - 2) % 6 != 0:
        fail(__doc__)
    data = open(sys.argv[1], "rb").read()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        fail("not UTF-8: %s" % e)
    if not data.endswith(b"\r\n"):
        fail("the file does not end with CRLF")
    for n, line in enumerate(data[:-2].split(b"\r\n"), 1):
        if b"\n" in line or b"\r" in line:
            fail("line %d has a bare CR or LF" % n)
        if len(line) > 75:
            fail("line %d is %d octets long" % (n, len(line)))
    cal = Calendar.from_ical(data)
    tzs = cal.walk("VTIMEZONE")
    if len(tzs) != 1 or str(tzs[0]["TZID"]) != "Europe/London":
        fail("expected one VTIMEZONE for Europe/London")
    vtz = tzs[0].to_tz()
    events = {str(ev["UID"]): ev for ev in cal.walk("VEVENT")}
    args = sys.argv[2:]
    if len(events) != len(args) // 6:
        fail("expected %d events, found %d" % (len(args) // 6, len(events)))
    for i in range(0, len(args), 6):
        uid, start, end, summary, description, sequence = args[i : i + 6]
        ev = events.get(uid)
        if ev is None:
            fail("no event with UID %s" % uid)
        for name, want in (("DTSTART", int(start)), ("DTEND", int(end))):
            for got in instants(ev[name], vtz):
                if int(got) != want:
                    fail("%s %s: read %d (%s), expected %d (%s)" % (
                        uid, name, got, datetime.fromtimestamp(got, timezone.utc),
                        want, datetime.fromtimestamp(want, timezone.utc)))
        if str(ev["SUMMARY"]) != summary:
            fail("%s SUMMARY: %r != %r" % (uid, str(ev["SUMMARY"]), summary))
        got_desc = str(ev.get("DESCRIPTION", ""))
        if got_desc != description:
            fail("%s DESCRIPTION: %r != %r" % (uid, got_desc, description))
        if int(ev["SEQUENCE"]) != int(sequence):
            fail("%s SEQUENCE: %s != %s" % (uid, ev["SEQUENCE"], sequence))
        if "DTSTAMP" not in ev:
            fail("%s has no DTSTAMP" % uid)
    print("ics_check: %d events read back as written" % len(events))
    return 0


if __name__ == "__main__":
    sys.exit(main())
