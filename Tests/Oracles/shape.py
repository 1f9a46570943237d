#!/usr/bin/env python3
"""The checks of an event's shape (contract sections 3, 4 and 10), made independently of ledgerd.

Usage: shape.py SOCKET SEED ATTEMPTS

Against a ledger on SOCKET that holds the Brussels demo (its subjects are the references), sends
ATTEMPTS events, one per request: each a valid event of a random type with one to three random
defects (an attribute or field missing, unknown, null, of the wrong type or out of its rules, a
malformed id, subject, reference, time, date, duration, list or number). This file decides, by its
own reading of the contract, which refusal wins among the checks that need no head state: `id`
shape, unknown attribute, missing attribute, attribute values (`type`, `subject`, `source`,
`time`, the rest), then `data` (not an object, unknown field, missing field, empty amendment,
field values). When it finds one, ledgerd must answer that code (and its status); when it finds
none, ledgerd must not answer a shape code. Exit status 0 when every answer agreed; the last line
is a JSON summary. Python 3 standard library only (it shares no code with ledgerd).
"""
import datetime as dt, json, random, re, sys

from common import request

SOCK, SEED, ATTEMPTS = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


def post(body):
    status, answer = request(SOCK, "POST", "/v1/events", body)
    return status, json.loads(answer)


# ---------------------------------------------------------------- the catalogue (section 4)

KINDS = ["actor", "plan", "measure", "report", "coordination", "finding"]
ENUMS = {
    "actor-kind": "federal regional community municipal police-zone non-profit auditor research parliament".split(),
    "level": "federal regional community zonal municipal".split(),
    "stance": "prevention harm-reduction treatment social-reintegration enforcement administrative-enforcement".split(),
    "report-kind": "monitoring evaluation audit study activity".split(),
    "form": "agreement protocol steering-committee working-group informal".split(),
    "severity": "info minor major critical".split(),
    "status": "accepted rejected implemented".split(),
}
# field -> (rule, required); rules: str, slug, date-period, duration, enum:NAME, ref:KIND, refs:KINDS:MIN,
# strings (list of strings), numbers (object of numbers), id (an event id)
CATALOGUE = {
    "actor.registered": ("actor", {"name": ("str", True), "kind": ("enum:actor-kind", True),
                                   "parent": ("ref:actor", False)}),
    "plan.published": ("plan", {"title": ("str", True), "issuer": ("ref:actor", True), "level": ("enum:level", True),
                                "period": ("period", True), "parent": ("ref:plan", False),
                                "supersedes": ("ref:plan", False)}),
    "priority.adopted": ("plan", {"priority": ("slug", True), "title": ("str", False)}),
    "priority.dropped": ("plan", {"priority": ("slug", True), "reason": ("str", False)}),
    "priority.waived": ("plan", {"priority": ("slug", True), "justification": ("str", True)}),
    "measure.launched": ("measure", {"title": ("str", True), "owner": ("ref:actor", True),
                                     "stance": ("enum:stance", True), "plan": ("ref:plan", False),
                                     "priority": ("slug", False), "objective": ("str", False),
                                     "indicators": ("strings", False), "baseline": ("numbers", False),
                                     "phenomenon": ("slug", False)}),
    "measure.ended": ("measure", {"reason": ("str", False)}),
    "reporting.required": ("measure", {"to": ("ref:actor", True), "every": ("duration", True)}),
    "report.filed": ("report", {"title": ("str", True), "filer": ("ref:actor", True),
                                "kind": ("enum:report-kind", True), "covers": ("refs:measure,plan:1", True),
                                "period": ("period", False), "indicators": ("numbers", False)}),
    "coordination.established": ("coordination", {"parties": ("refs:actor:2", True), "form": ("enum:form", True),
                                                  "mandate": ("str", False)}),
    "coordination.ended": ("coordination", {"reason": ("str", False)}),
    "finding.recorded": ("finding", {"auditor": ("ref:actor", True), "about": ("refs:" + ",".join(KINDS) + ":1", True),
                                     "severity": ("enum:severity", True), "text": ("str", True),
                                     "recommendation": ("str", False)}),
    "finding.answered": ("finding", {"by": ("ref:actor", True), "response": ("str", True),
                                     "status": ("enum:status", True)}),
    "event.retracted": (None, {"target": ("id", True), "reason": ("str", True)}),
}
AMENDABLE = dict(CATALOGUE["measure.launched"][1])
CATALOGUE["measure.amended"] = ("measure", {k: (rule, False) for k, (rule, _) in AMENDABLE.items()})
ATTRIBUTES = ["id", "source", "type", "subject", "time", "data", "specversion", "datacontenttype", "evidence",
              "expectedversion"]
REQUIRED = ["source", "type", "subject", "time", "data"]
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}\Z")
DURATION = re.compile(r"P[1-9][0-9]{0,2}[DWMY]\Z")
TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?([Zz]|[+-]\d{2}:\d{2}))?\Z")


# ---------------------------------------------------------------- the rules (section 10)

def is_text(v, limit=10_000):
    return (isinstance(v, str) and 0 < len(v) <= limit
            and not any((ord(c) < 0x20 and c not in "\n\t") or ord(c) == 0x7F for c in v))


def is_subject(v, kinds=KINDS):
    if not isinstance(v, str) or "/" not in v:
        return False
    kind, _, slug = v.partition("/")
    return kind in kinds and SLUG.match(slug) is not None


def is_date(v):
    if not isinstance(v, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        return False
    try:
        return dt.date.fromisoformat(v).year >= 1
    except ValueError:
        return False


def parse_time(v):
    """The UTC instant of a contract time, or None."""
    m = TIME.match(v) if isinstance(v, str) else None
    if not m:
        return None
    try:
        day = dt.datetime(int(m[1]), int(m[2]), int(m[3]))
        if m[4] is None:
            return day
        t = day.replace(hour=int(m[4]), minute=int(m[5]), second=int(m[6]))
    except ValueError:
        return None
    zone = m[7]
    if zone not in "Zz":
        sign = 1 if zone[0] == "+" else -1
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 23 or minutes > 59:
            return None
        try:
            t -= sign * dt.timedelta(hours=hours, minutes=minutes)
        except OverflowError:  # past 9999-12-31 or before 0001-01-01 in UTC
            return None
    return t


def is_number(v):
    return (isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and abs(v) <= 2 ** 53)


def is_event_id(v):
    return isinstance(v, str) and 1 <= len(v) <= 128 and all("!" <= c <= "~" for c in v)


def value_ok(rule, v):
    if rule == "str":
        return is_text(v)
    if rule == "slug":
        return isinstance(v, str) and SLUG.match(v) is not None
    if rule == "duration":
        return isinstance(v, str) and DURATION.match(v) is not None
    if rule == "id":
        return is_event_id(v)
    if rule.startswith("enum:"):
        return isinstance(v, str) and v in ENUMS[rule[5:]]
    if rule.startswith("ref:"):
        return is_subject(v, [rule[4:]])
    if rule.startswith("refs:"):
        kinds, minimum = rule[5:].split(":")
        return (isinstance(v, list) and len(v) >= int(minimum) and len(set(map(json.dumps, v))) == len(v)
                and all(is_subject(x, kinds.split(",")) for x in v))
    if rule == "strings":
        return isinstance(v, list) and all(is_text(x) for x in v) and len(set(map(json.dumps, v))) == len(v)
    if rule == "numbers":
        return isinstance(v, dict) and all(is_text(k) and is_number(x) for k, x in v.items())
    raise ValueError(rule)


def period_problem(v):
    """The period's own refusal in its phase: (phase, code), or None."""
    if not isinstance(v, dict):
        return ("values", "invalid-field")
    if set(v) - {"start", "end"}:
        return ("unknown", "unknown-field")
    if not {"start", "end"} <= set(v):
        return ("missing", "missing-field")
    if not (is_date(v["start"]) and is_date(v["end"])) or v["start"] > v["end"]:
        return ("values", "invalid-field")
    return None


def expected_refusal(event, now):
    """The refusal that wins among the checks without head state, or None (section 10's order)."""
    if "id" in event and not is_event_id(event["id"]):
        return "invalid-field"
    if any(k not in ATTRIBUTES for k in event):
        return "unknown-field"
    if any(k not in event for k in REQUIRED):
        return "missing-field"
    # Attribute values, in this order; null is invalid-field whatever the attribute.
    etype = event["type"]
    for attribute in ["type", "subject", "source", "time"]:
        v = event[attribute]
        if v is None:
            return "invalid-field"
        if attribute == "type":
            if not isinstance(v, str):
                return "invalid-field"
            if v not in CATALOGUE:
                return "unknown-type"
        elif attribute == "subject":
            kind = CATALOGUE[etype][0]
            if not is_subject(v) or (kind is not None and not v.startswith(kind + "/")):
                return "invalid-subject"
        elif attribute == "source":
            if not is_subject(v, ["actor"]):
                return "invalid-field"
        else:
            t = parse_time(v)
            if t is None or t > now + dt.timedelta(hours=24):
                return "invalid-time"
    if any(event.get(k, "") is None for k in ATTRIBUTES):
        return "invalid-field"
    if "specversion" in event and event["specversion"] != "1.0":
        return "invalid-field"
    if "datacontenttype" in event and event["datacontenttype"] != "application/json":
        return "invalid-field"
    if "evidence" in event:
        e = event["evidence"]
        if not (isinstance(e, list) and 1 <= len(e) <= 16 and all(is_text(x, 2048) for x in e)
                and len(set(map(json.dumps, e))) == len(e)):
            return "invalid-field"
    if "expectedversion" in event:
        x = event["expectedversion"]
        if not (isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= 2 ** 53):
            return "invalid-field"
    data = event["data"]
    if not isinstance(data, dict):
        return "invalid-field"
    fields = CATALOGUE[etype][1]
    if any(k not in fields for k in data):
        return "unknown-field"
    if "period" in data and period_problem(data["period"]) == ("unknown", "unknown-field"):
        return "unknown-field"
    if any(required and k not in data for k, (_, required) in fields.items()):
        return "missing-field"
    if etype == "measure.amended" and not data:
        return "missing-field"
    if "period" in data and period_problem(data["period"]) == ("missing", "missing-field"):
        return "missing-field"
    for k, (rule, _) in fields.items():
        if k not in data:
            continue
        v = data[k]
        if rule == "period":
            if period_problem(v) is not None:
                return "invalid-field"
        elif v is None or not value_ok(rule, v):
            return "invalid-field"
    return None


# ---------------------------------------------------------------- valid events and defects

rng = random.Random(SEED)
EXISTING = {"actor": "actor/brussels-region", "plan": "plan/pgsp-1", "measure": "measure/gate-consumption-room",
            "report": "report/evadrug-2021", "coordination": "coordination/midi-task-force",
            "finding": "finding/no-coherent-objectives"}
counter = 0


def fresh_subject(kind):
    global counter
    counter += 1
    return f"{kind}/oracle-{SEED}-{counter}"


def valid_value(rule):
    if rule == "str":
        return rng.choice(["A title", "Ligne\nnouvelle", "tab\there", "é" * 3])
    if rule == "slug":
        return rng.choice(["drugs-addiction", "a", "public-drug-use"])
    if rule == "duration":
        return rng.choice(["P1M", "P12M", "P2W", "P999D", "P1Y"])
    if rule == "id":
        return "some-event-id"
    if rule.startswith("enum:"):
        return rng.choice(ENUMS[rule[5:]])
    if rule.startswith("ref:"):
        return EXISTING[rule[4:]]
    if rule.startswith("refs:"):
        kinds, minimum = rule[5:].split(":")
        if kinds == "actor":
            return ["actor/brussels-region", "actor/city-of-brussels", "actor/cocom"][:int(minimum)]
        return [EXISTING[k] for k in kinds.split(",")][:max(int(minimum), 1)]
    if rule == "strings":
        return rng.choice([[], ["i1"], ["i1", "i2"]])
    if rule == "numbers":
        return rng.choice([{}, {"i1": 3}, {"i1": 2.5, "i2": -7}])
    if rule == "period":
        return {"start": "2020-01-01", "end": "2021-12-31"}
    raise ValueError(rule)


def valid_event():
    etype = rng.choice(sorted(CATALOGUE))
    kind, fields = CATALOGUE[etype]
    data = {k: valid_value(rule) for k, (rule, required) in fields.items() if required or rng.random() < 0.5}
    if etype == "measure.amended" and not data:
        data["stance"] = "prevention"
    creation = etype in ("actor.registered", "plan.published", "measure.launched", "report.filed",
                         "coordination.established", "finding.recorded")
    subject = fresh_subject(kind) if creation else EXISTING[kind or rng.choice(KINDS)]
    event = {"source": "actor/brussels-region" if etype != "actor.registered" else subject, "type": etype,
             "subject": subject, "data": data,
             "time": rng.choice(["2024-01-01", "2024-02-03T10:00:00Z", "2024-02-03t10:00:00+02:00"])}
    if rng.random() < 0.3:
        event["evidence"] = ["https://example.org/" + str(rng.randrange(1000))]
    if rng.random() < 0.2:
        event["specversion"] = "1.0"
    if rng.random() < 0.2:
        event["datacontenttype"] = "application/json"
    return event


BAD_STRINGS = ["", "x" * 10_001, "bell\u0007", "cr\r", "del\u007f", 5, True, [], {}]
BAD_TIMES = ["2024-13-01", "2024-02-30", "2024-01-01T10:00:00", "2024-01-01 10:00:00Z", "24-01-01",
             "2024-01-01T24:00:00Z", "9999-12-31T23:00:00-01:00", "0000-01-01", "2999-01-01", "2024-01-01T10:00Z",
             20240101]
BAD_SUBJECTS = ["actor", "actor/", "actor/Upper", "Actor/x", "plan/x y", "measure/-x", "nothing/x", 12,
                "finding/" + "a" * 65, "report/ok", "coordination/ok"]
BAD_FIELD_VALUES = ["actor/Nope", "plan/", "measure/x", "nope", ["actor/a", "actor/a"], {"start": "2020-01-01"},
                    {"start": "2021-01-01", "end": "2020-01-01"}, {"start": "2020-02-30", "end": "2021-01-01"},
                    {"start": "2020-01-01", "end": "2021-01-01", "x": 1}, "P0M", "P01M", "P1000D", "P1H", "1M",
                    {"i1": 2 ** 54}, {"i1": "3"}, [""], ["a", 1]]
BAD_PERIODS = [{"start": "2020-01-01"}, {"end": "2020-01-01"}, {"start": "2020-01-01", "end": "2020-01-02", "x": 1},
               {"start": "2020-01-01", "end": "2020-13-01"}, []]


def defect(event):
    data = event["data"] if isinstance(event.get("data"), dict) else None
    etype = event.get("type")
    fields = CATALOGUE[etype][1] if isinstance(etype, str) and etype in CATALOGUE else {}
    choices = [
        lambda: event.pop(rng.choice(REQUIRED), None),
        lambda: event.__setitem__(rng.choice(["recorded", "seq", "Type", "extra"]), "x"),
        lambda: event.__setitem__(rng.choice(ATTRIBUTES), None),
        lambda: event.__setitem__("id", rng.choice(["", "has space", "x" * 129, "é", 7, "tab\t"])),
        lambda: event.__setitem__("type", rng.choice(["actor.deleted", "Actor.registered", 3, ["actor.registered"]])),
        lambda: event.__setitem__("subject", rng.choice(BAD_SUBJECTS)),
        lambda: event.__setitem__("source", rng.choice(["plan/pgsp-1", "actor", "actor/Bad", 1, "actor/x/y"])),
        lambda: event.__setitem__("time", rng.choice(BAD_TIMES)),
        lambda: event.__setitem__("specversion", rng.choice(["0.3", "1", 1.0])),
        lambda: event.__setitem__("datacontenttype", rng.choice(["text/plain", "application/JSON"])),
        lambda: event.__setitem__("evidence",
                                  rng.choice([[], ["a"] * 17, ["a", "a"], ["x" * 2049], "a", [1], [""]])),
        lambda: event.__setitem__("expectedversion", rng.choice([-1, 1.5, "1", 2 ** 54, True])),
        lambda: event.__setitem__("data", rng.choice(["x", [], 3])),
    ]
    if data is not None:
        names = list(fields)
        choices += [
            lambda: data.pop(rng.choice(list(data)), None) if data else None,
            lambda: data.__setitem__(rng.choice(["unknown", "Title", "owner_id"]), "x"),
            lambda: data.__setitem__(rng.choice(names), None) if names else None,
            lambda: data.__setitem__(rng.choice(names), rng.choice(BAD_STRINGS)) if names else None,
            lambda: data.__setitem__(rng.choice(names), rng.choice(BAD_FIELD_VALUES)) if names else None,
        ]
        if "period" in fields:
            choices.append(lambda: data.__setitem__("period", rng.choice(BAD_PERIODS)))
    rng.choice(choices)()


def registration():
    """An event that is valid whatever the head: a new actor registering itself."""
    subject = fresh_subject("actor")
    return {"source": subject, "type": "actor.registered", "subject": subject, "time": "2024-01-01",
            "data": {"name": "N", "kind": "federal"}}


STATUS = {"invalid-field": 422, "unknown-field": 422, "missing-field": 422, "invalid-subject": 422,
          "unknown-type": 422, "invalid-time": 422}
SHAPE_CODES = {"invalid-field", "unknown-field", "missing-field", "invalid-subject", "unknown-type"}
answers = {}
agreed = disagreed = batches = 0
for attempt in range(ATTEMPTS):
    event = valid_event()
    for _ in range(rng.choice([1, 1, 2, 3])):
        defect(event)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    expected, index = expected_refusal(event, now), None
    if rng.random() < 0.25:
        # A batch: new actors around the event, and sometimes a second defective event after it.
        batches += 1
        body = [registration() for _ in range(rng.randrange(0, 3))]
        index = len(body)
        body.append(event)
        body += [registration() for _ in range(rng.randrange(0, 2))]
        first = index
        if rng.random() < 0.5:
            second = valid_event()
            defect(second)
            body.append(second)
            if expected is None and (later := expected_refusal(second, now)) is not None:
                expected, index = later, len(body) - 1
        if expected is None:
            index = None
    else:
        body, first = event, None
    status, answer = post(body)
    got = answer.get("code", "stored")
    answers[got] = answers.get(got, 0) + 1
    if expected is not None:
        ok = got == expected and status == STATUS[expected] and answer.get("index") == index
        # A shape-valid event before the one refused here may fail on the head state first, which
        # this file does not model: that refusal, at that event's index, is right too.
        if isinstance(body, list) and index != first and answer.get("index") == first:
            ok = ok or got not in SHAPE_CODES
    else:
        ok = got not in SHAPE_CODES
    if ok:
        agreed += 1
    else:
        disagreed += 1
        if disagreed <= 10:
            print(f"DISAGREE: expected {expected} at index {index}, ledgerd answered {status} {got} "
                  f"at index {answer.get('index')}: {answer.get('detail')}")
            print("  body:", json.dumps(body, ensure_ascii=True)[:800])
print(json.dumps({"attempts": ATTEMPTS, "batches": batches, "answers": answers, "agreed": agreed,
                  "mismatches": disagreed}))
sys.exit(1 if disagreed else 0)
