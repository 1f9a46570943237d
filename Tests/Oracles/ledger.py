#!/usr/bin/env python3
"""The head-state rules and the seven views of the contract, computed independently of ledgerd.

Usage: ledger.py SOCKET SEED ATTEMPTS CUTS

Sends ATTEMPTS random events, one per request, to the empty ledger served on SOCKET: every type,
retractions, times with offsets, some carrying `expectedversion`, many refused (a creation of an
existing subject, an event on an absent one, a reference to nothing, a time before the creation,
an ended measure, a priority in the wrong position, a retraction the rules forbid). For each
one, this file first decides from its own model of the head state (sections 4 and 10: the
order version-conflict, already-exists / not-found, time before creation, unknown-reference,
invalid-state) whether ledgerd must store it or which code it must answer, and compares. Then
it reads every subject's history (`GET /v1/subjects/KIND/SLUG`, each event with `retractedby`;
404 for a subject never recorded) and 100 filtered pages of `GET /v1/events` (`after`, `limit`,
`subject`, `type`) and compares them with the log.

Then, at CUTS random cuts (`at` as a date or a date-time, `seq` anywhere from 0 to the head, a
`recorded` cut, for coordination sometimes a `parties` list), it asks ledgerd for every view and
compares the answer, member for member, with what this file computes from the canonical lines of
`GET /v1/events` by its own reading of section 5: which events are visible at a cut, the fold in
(time, seq) order, each view's rows, the RFC 6962 root of the first `seq` leaves. Only
evaluability's `reasons` is compared loosely (present exactly when the plan is not evaluable),
since its words are free.

It shares no code with ledgerd, on purpose: it was written from contract.md alone, so a
misreading of the contract in one is unlikely to be repeated in the other. Exit status 0 when
every answer and view agreed, 1 otherwise (the first differences are printed); the last line is
a JSON summary. Python 3 standard library only.
"""
import base64, calendar, datetime as dt, hashlib, json, random, sys

from common import request, tree_hash

SOCK = sys.argv[1]


def call(method, target, body=None):
    return request(SOCK, method, target, body)


# ---------------------------------------------------------------- random events

rng = random.Random(int(sys.argv[2]))
ACTOR_KINDS = "federal regional community municipal police-zone non-profit auditor research parliament".split()
LEVELS = "federal regional community zonal municipal".split()
STANCES = "prevention harm-reduction treatment social-reintegration enforcement administrative-enforcement".split()
REPORT_KINDS = "monitoring evaluation audit study activity".split()
FORMS = "agreement protocol steering-committee working-group informal".split()
SEVERITIES = "info minor major critical".split()
STATUSES = "accepted rejected implemented".split()
PRIORITIES = ["drugs", "safety", "youth"]
PHENOMENA = ["public-drug-use", "dealing"]

actors = [f"actor/a{i}" for i in range(6)]
plans = [f"plan/p{i}" for i in range(10)]
measures = [f"measure/m{i}" for i in range(24)]
reports = [f"report/r{i}" for i in range(30)]
coords = [f"coordination/c{i}" for i in range(5)]
findings = [f"finding/f{i}" for i in range(5)]
created = {}  # subject -> time string of a creation sent and accepted
n = 0


def rtime(after=None):
    base = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    t = base + dt.timedelta(days=rng.randrange(0, 6 * 365), seconds=rng.choice([0, 0, rng.randrange(86400)]))
    if after is not None and t < after:
        t = after + dt.timedelta(days=rng.randrange(0, 400))
    if t.hour == 0 and t.minute == 0 and t.second == 0 and rng.random() < 0.5:
        return t.strftime("%Y-%m-%d")
    if rng.random() < 0.2:  # the same instant with an offset; stored in UTC
        offset = dt.timezone(dt.timedelta(minutes=rng.choice([-300, -60, 60, 120, 330])))
        return t.astimezone(offset).isoformat()
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(s):
    """A time as sent here or as stored: a date, or a date-time with Z or an offset."""
    if len(s) == 10:
        return dt.datetime.strptime(s, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc)
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(dt.timezone.utc)


def pick(pool):
    """Mostly a subject that was created, so that most events are accepted."""
    live = [x for x in pool if x in created]
    return rng.choice(live) if live and rng.random() < 0.9 else rng.choice(pool)


def fresh(pool):
    """Mostly a subject not created yet (a creation of an existing one is refused)."""
    new = [x for x in pool if x not in created]
    return rng.choice(new) if new and rng.random() < 0.85 else rng.choice(pool)


def some(pool, k):
    if k > 0 and rng.random() < 0.9:
        live = [x for x in pool if x in created]
        if len(live) >= k:
            return sorted(rng.sample(live, k))
    return sorted(rng.sample(pool, k))


def make():
    kind = rng.choice(["actor"] * 3 + ["plan"] * 3 + ["prio"] * 5 + ["measure"] * 5 + ["amend"] * 2 + ["end"]
                      + ["oblige"] * 3 + ["report"] * 4 + ["coord"] * 2 + ["coordend", "finding", "answer", "answer"]
                      + ["retract"] * 2)
    if kind == "actor":
        s = fresh(actors)
        d = {"name": "Actor " + s, "kind": rng.choice(ACTOR_KINDS)}
        if rng.random() < 0.3:
            d["parent"] = pick(actors)
        return "actor.registered", s, d, True
    if kind == "plan":
        s = fresh(plans)
        a, b = sorted([rtime(), rtime()])
        d = {"title": "Plan " + s, "issuer": pick(actors), "level": rng.choice(LEVELS),
             "period": {"start": a[:10], "end": b[:10]}}
        if rng.random() < 0.6:
            d["parent"] = pick(plans)
        if rng.random() < 0.1:
            d["supersedes"] = pick(plans)
        return "plan.published", s, d, True
    if kind == "prio":
        t = rng.choice(["priority.adopted", "priority.adopted", "priority.dropped", "priority.waived"])
        d = {"priority": rng.choice(PRIORITIES)}
        if t == "priority.waived":
            d["justification"] = "not significant here"
        if t == "priority.dropped" and rng.random() < 0.5:
            d["reason"] = "done"
        if t == "priority.adopted" and rng.random() < 0.5:
            d["title"] = "A priority"
        return t, pick(plans), d, False
    if kind == "measure":
        s = fresh(measures)
        d = {"title": "Measure " + s, "owner": pick(actors), "stance": rng.choice(STANCES)}
        if rng.random() < 0.6:
            d["plan"] = pick(plans)
        if rng.random() < 0.4:
            d["priority"] = rng.choice(PRIORITIES)
        if rng.random() < 0.5:
            d["objective"] = "an objective"
        if rng.random() < 0.5:
            d["indicators"] = some(["i1", "i2", "i3"], rng.randrange(0, 3))
        if rng.random() < 0.4:
            d["baseline"] = {k: rng.randrange(0, 100) for k in some(["i1", "i2"], rng.randrange(0, 3))}
        if rng.random() < 0.7:
            d["phenomenon"] = rng.choice(PHENOMENA)
        return "measure.launched", s, d, True
    if kind == "amend":
        d = {}
        for f, gen in [("title", lambda: "Renamed"), ("owner", lambda: pick(actors)),
                       ("stance", lambda: rng.choice(STANCES)), ("plan", lambda: pick(plans)),
                       ("priority", lambda: rng.choice(PRIORITIES)), ("objective", lambda: "new objective"),
                       ("indicators", lambda: some(["i1", "i2", "i3"], rng.randrange(0, 3))),
                       ("baseline", lambda: {"i1": rng.randrange(0, 9)}),
                       ("phenomenon", lambda: rng.choice(PHENOMENA))]:
            if rng.random() < 0.25:
                d[f] = gen()
        if not d:
            d["stance"] = rng.choice(STANCES)
        return "measure.amended", pick(measures), d, False
    if kind == "end":
        return "measure.ended", pick(measures), {"reason": "over"}, False
    if kind == "oblige":
        every = f"P{rng.choice([1, 1, 2, 3, 6, 12, 13])}{rng.choice('DWMY')}"
        return "reporting.required", pick(measures), {"to": pick(actors), "every": every}, False
    if kind == "report":
        s = fresh(reports)
        d = {"title": "Report " + s, "filer": pick(actors), "kind": rng.choice(REPORT_KINDS),
             "covers": some(measures + plans[:3], rng.choice([1, 1, 2]))}
        return "report.filed", s, d, True
    if kind == "coord":
        s = fresh(coords)
        d = {"parties": some(actors, rng.choice([2, 2, 3])), "form": rng.choice(FORMS)}
        return "coordination.established", s, d, True
    if kind == "coordend":
        return "coordination.ended", pick(coords), {"reason": "over"}, False
    if kind == "finding":
        s = fresh(findings)
        d = {"auditor": pick(actors), "about": some(measures + plans + actors, rng.choice([1, 2])),
             "severity": rng.choice(SEVERITIES), "text": "a finding"}
        return "finding.recorded", s, d, True
    if kind == "answer":
        d = {"by": pick(actors), "response": "noted", "status": rng.choice(STATUSES)}
        return "finding.answered", pick(findings), d, False
    if not log:
        return None
    target = rng.choice(list(log))  # any stored event, retractions included (refused: invalid-state)
    return "event.retracted", log[target]["subject"], {"target": target, "reason": "wrong"}, False


# ---------------------------------------------------------------- the head state (sections 4 and 10)

REFERENCE_FIELDS = ["parent", "issuer", "owner", "plan", "supersedes", "to", "filer", "covers", "parties",
                    "auditor", "about", "by"]
CREATIONS = {"actor.registered", "plan.published", "measure.launched", "report.filed", "coordination.established",
             "finding.recorded"}
log = {}  # id -> the stored event as sent, with its seq
on_subject = {}  # subject -> ids of every event stored on it, in seq order
retracted = set()  # ids of retracted events


def live(i):
    return i not in retracted and log[i]["type"] != "event.retracted"


def creation_of(subject):
    return next((log[i] for i in on_subject.get(subject, []) if live(i) and log[i]["type"] in CREATIONS), None)


def references(event):
    """The subjects an event's data refers to, in catalogue order (none for a retraction)."""
    if event["type"] == "event.retracted":
        return []
    out = []
    for field in REFERENCE_FIELDS:
        value = event["data"].get(field)
        out += value if isinstance(value, list) else [value] if value is not None else []
    return out


def position(plan, priority):
    """A plan's position on a priority at the head: its latest live priority event in fold order."""
    events = sorted((log[i] for i in on_subject.get(plan, []) if live(i) and log[i]["type"].startswith("priority.")
                     and log[i]["data"]["priority"] == priority), key=lambda e: (parse_time(e["time"]), e["seq"]))
    return {"priority.adopted": "adopted", "priority.waived": "waived"}.get(events[-1]["type"]) if events else None


def expected_answer(event):
    """The code of the refusal that wins among the head-state checks, or "stored"."""
    etype, subject, data = event["type"], event["subject"], event["data"]
    # The one check of the event's own values that can fail here: `time` at most 24 hours ahead.
    if parse_time(event["time"]) > dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=24):
        return "invalid-time"
    if "expectedversion" in event and event["expectedversion"] != len(on_subject.get(subject, [])):
        return "version-conflict"
    creation = creation_of(subject)
    if etype in CREATIONS:
        if creation is not None:
            return "already-exists"
    elif creation is None:
        return "not-found"
    before_creation = creation is not None and parse_time(event["time"]) < parse_time(creation["time"])
    if etype not in CREATIONS and etype != "event.retracted" and before_creation:
        return "invalid-time"
    if not (etype == "actor.registered" and event["source"] == subject) and creation_of(event["source"]) is None:
        return "unknown-reference"
    if any(creation_of(r) is None for r in references(event)):
        return "unknown-reference"
    if etype == "event.retracted":
        target = data["target"]
        if target not in on_subject.get(subject, []):
            return "unknown-reference"
        if log[target]["type"] == "event.retracted" or target in retracted:
            return "invalid-state"
        if log[target]["type"] in CREATIONS:
            others = [i for i in on_subject[subject] if i != target and live(i)]
            elsewhere = [i for i, e in log.items() if e["subject"] != subject and live(i) and subject in references(e)]
            if others or elsewhere:
                return "invalid-state"
    ended = any(live(i) and log[i]["type"] in ("measure.ended", "coordination.ended")
                for i in on_subject.get(subject, []))
    if etype in ("measure.amended", "measure.ended", "reporting.required", "coordination.ended") and ended:
        return "invalid-state"
    if etype.startswith("priority."):
        now = position(subject, data["priority"])
        if (etype == "priority.adopted" and now == "adopted") or (etype == "priority.dropped" and now != "adopted") \
                or (etype == "priority.waived" and now is not None):
            return "invalid-state"
    return "stored"


def store(event, seq):
    log[event["id"]] = dict(event, seq=seq)
    on_subject.setdefault(event["subject"], []).append(event["id"])
    if event["type"] == "event.retracted":
        retracted.add(event["data"]["target"])


attempts = int(sys.argv[3])
answers = {}  # problem code (or "stored") -> count
disagreements = 0
for _ in range(attempts):
    m = make()
    if m is None:
        continue
    etype, subject, data, creation = m
    n += 1
    # Mostly no earlier than the subject's creation; sometimes anywhere (refused: invalid-time).
    after = None if creation or subject not in created or rng.random() < 0.1 else parse_time(created[subject])
    time = rtime(after)
    registered = [a for a in actors if a in created]
    source = subject if etype == "actor.registered" else rng.choice(registered or actors)
    event = {"id": f"e{n}", "source": source,
             "type": etype, "subject": subject, "time": time, "data": data}
    if rng.random() < 0.1:
        count = len(on_subject.get(subject, []))
        event["expectedversion"] = count if rng.random() < 0.5 else rng.choice([0, count + 1, max(count - 1, 0)])
    expected = expected_answer(event)
    status, answer = call("POST", "/v1/events", event)
    answer = json.loads(answer)
    code = answer.get("code", "stored")
    answers[code] = answers.get(code, 0) + 1
    if code != expected:
        disagreements += 1
        if disagreements <= 10:
            print(f"DISAGREE on an append: expected {expected}, ledgerd answered {status} {code}: "
                  f"{answer.get('detail')}\n  event: {json.dumps(event)}")
    if status in (200, 201):
        store(event, answer["events"][0]["seq"])
        if creation:
            created[subject] = time

# ---------------------------------------------------------------- the oracle

status, body = call("GET", "/v1/events?limit=10000")
lines = [l for l in body.split(b"\n") if l]
assert status == 200 and len(lines) < 10000, "the log must fit one page of GET /v1/events"
events = [json.loads(l) for l in lines]
head = len(events)
assert all(e["seq"] == i + 1 for i, e in enumerate(events))
leaves = [hashlib.sha256(b"\x00" + l).digest() for l in lines]


def root(k):
    return base64.b64encode(tree_hash(leaves[:k])).decode()


def add_period(t, every):
    n, unit = int(every[1:-1]), every[-1]
    try:
        if unit in "DW":
            return t + dt.timedelta(days=n * (7 if unit == "W" else 1))
        months = n * (12 if unit == "Y" else 1)
        y, m = divmod(t.month - 1 + months, 12)
        y += t.year
        m += 1
        if y > 9999:
            raise OverflowError
        day = min(t.day, calendar.monthrange(y, m)[1])
        return t.replace(year=y, month=m, day=day)
    except OverflowError:
        return dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.timezone.utc)


def fmt(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def fold(at, seq):
    retracted = {e["data"]["target"] for e in events[:seq] if e["type"] == "event.retracted"}
    visible = [e for e in events[:seq]
               if e["type"] != "event.retracted" and parse_time(e["time"]) <= at and e["id"] not in retracted]
    visible.sort(key=lambda e: (parse_time(e["time"]), e["seq"]))
    st = {"actors": {}, "plans": {}, "measures": {}, "reports": {}, "coords": {}, "findings": {}}
    for e in visible:
        t, s, d = e["type"], e["subject"], e["data"]
        if t == "actor.registered":
            st["actors"][s] = dict(d)
        elif t == "plan.published":
            st["plans"][s] = dict(d, positions={})
        elif t.startswith("priority."):
            st["plans"][s]["positions"][d["priority"]] = {"priority.adopted": "adopted", "priority.waived": "waived",
                                                          "priority.dropped": "none"}[t]
        elif t == "measure.launched":
            st["measures"][s] = dict(d, launched=e["time"], ended=None, obligation=None)
        elif t == "measure.amended":
            st["measures"][s].update(d)
        elif t == "measure.ended":
            st["measures"][s]["ended"] = e["time"]
        elif t == "reporting.required":
            st["measures"][s]["obligation"] = {"to": d["to"], "every": d["every"], "since": e["time"]}
        elif t == "report.filed":
            st["reports"][s] = dict(d, time=e["time"])
        elif t == "coordination.established":
            st["coords"][s] = dict(d, ended=False)
        elif t == "coordination.ended":
            st["coords"][s]["ended"] = True
        elif t == "finding.recorded":
            st["findings"][s] = dict(d, time=e["time"], answers=[])
        elif t == "finding.answered":
            st["findings"][s]["answers"].append(d["status"])
    return st


def covering(st, m):
    return [r for r in st["reports"].values() if m in r["covers"]]


def views(at, seq, parties=None, tensions=(("harm-reduction", "enforcement"),)):
    st = fold(at, seq)
    cut = {"at": fmt(at), "seq": seq, "root": root(seq)}
    out = {}
    inv = []
    for m in sorted(st["measures"]):
        x = st["measures"][m]
        rs = covering(st, m)
        inv.append({"id": m, "title": x["title"], "owner": x["owner"], "plan": x.get("plan"),
                    "priority": x.get("priority"), "stance": x["stance"],
                    "status": "ended" if x["ended"] else "active", "launched": x["launched"], "ended": x["ended"],
                    "reports": len(rs), "lastReport": max((r["time"] for r in rs), key=parse_time, default=None)})
    out["inventory"] = dict(cut, measures=inv)
    rows, summary = [], {k: 0 for k in ["ok", "overdue", "never-reported", "reported", "unreported"]}
    for m in sorted(st["measures"]):
        x = st["measures"][m]
        if x["ended"]:
            continue
        rs = covering(st, m)
        last = max((r["time"] for r in rs), key=parse_time, default=None)
        o = x["obligation"]
        if o:
            anchor = parse_time(o["since"]) if last is None else max(parse_time(o["since"]), parse_time(last))
            due = add_period(anchor, o["every"])
            status = "ok" if at <= due else ("never-reported" if not rs else "overdue")
            due = fmt(due)
        else:
            due, status = None, ("reported" if rs else "unreported")
        summary[status] += 1
        rows.append({"id": m, "owner": x["owner"], "obligation": o, "lastReport": last, "due": due,
                     "status": status})
    out["reporting"] = dict(cut, measures=rows, summary=summary)
    al = []
    for p in sorted(st["plans"]):
        children = sorted(c for c, y in st["plans"].items() if y.get("parent") == p)
        if not children:
            continue
        for prio in sorted(k for k, v in st["plans"][p]["positions"].items() if v == "adopted"):
            pos = {c: st["plans"][c]["positions"].get(prio, "none") for c in children}
            al.append({"plan": p, "priority": prio, "children": len(children),
                       "adopted": [c for c in children if pos[c] == "adopted"],
                       "waived": [c for c in children if pos[c] == "waived"],
                       "missing": [c for c in children if pos[c] == "none"]})
    out["alignment"] = dict(cut, plans=al)
    ps = sorted(set(parties if parties is not None else
                    [x["owner"] for x in st["measures"].values() if not x["ended"]]))
    pairs, gaps = [], []
    for i, a in enumerate(ps):
        for b in ps[i + 1:]:
            arr = sorted(c for c, y in st["coords"].items()
                         if not y["ended"] and a in y["parties"] and b in y["parties"])
            formal = any(st["coords"][c]["form"] != "informal" for c in arr)
            pairs.append({"a": a, "b": b, "formal": formal, "arrangements": arr})
            if not formal:
                gaps.append([a, b])
    out["coordination"] = dict(cut, pairs=pairs, gaps=gaps)
    ev = []
    for p in sorted(st["plans"]):
        ms = [m for m, x in st["measures"].items() if x.get("plan") == p]
        obj = [m for m in ms if st["measures"][m].get("objective")]
        ind = [m for m in ms if st["measures"][m].get("indicators")]
        base = [m for m in ms if st["measures"][m].get("baseline")]
        rep = [m for m in ms if covering(st, m)]
        evals = [r for r in st["reports"].values()
                 if r["kind"] in ("evaluation", "audit") and (p in r["covers"] or any(m in r["covers"] for m in ms))]
        evaluable = len(ms) > 0 and all(m in obj and m in ind and m in rep for m in ms)
        ev.append({"plan": p, "measures": len(ms), "withObjective": len(obj), "withIndicators": len(ind),
                   "withBaseline": len(base), "reported": len(rep), "evaluations": len(evals),
                   "evaluable": evaluable, "reasons": not evaluable})
    out["evaluability"] = dict(cut, plans=ev)
    conf = []
    active = sorted(m for m, x in st["measures"].items() if not x["ended"] and x.get("phenomenon"))
    for i, a in enumerate(active):
        for b in active[i + 1:]:
            xa, xb = st["measures"][a], st["measures"][b]
            if xa["phenomenon"] != xb["phenomenon"]:
                continue
            if not any({xa["stance"], xb["stance"]} == set(t) for t in tensions):
                continue
            oa, ob = st["actors"].get(xa["owner"]), st["actors"].get(xb["owner"])
            if oa is None or ob is None or oa["kind"] == ob["kind"]:
                continue
            conf.append({"phenomenon": xa["phenomenon"], "measures": [a, b], "stances": [xa["stance"], xb["stance"]],
                         "kinds": [oa["kind"], ob["kind"]]})
    conf.sort(key=lambda c: (c["phenomenon"], c["measures"]))
    out["coherence"] = dict(cut, conflicts=conf)
    fs = []
    for f in sorted(st["findings"]):
        x = st["findings"][f]
        fs.append({"id": f, "auditor": x["auditor"], "severity": x["severity"], "about": sorted(x["about"]),
                   "time": x["time"], "status": x["answers"][-1] if x["answers"] else "open",
                   "answers": len(x["answers"])})
    out["findings"] = dict(cut, findings=fs)
    return out


def normalise(name, v):
    if name == "evaluability":
        for p in v["plans"]:
            p["reasons"] = bool(p["reasons"])
    return v


# ---------------------------------------------------------------- the reading routes (sections 6 and 10)

reads = 0
retracted_by = {e["data"]["target"]: e["id"] for e in events if e["type"] == "event.retracted"}
for subject in actors + plans + measures + reports + coords + findings:
    # Every event ever stored on the subject, in seq order, each with the id of its retraction.
    mine = [dict(e, retractedby=retracted_by.get(e["id"])) for e in events if e["subject"] == subject]
    status, body = call("GET", "/v1/subjects/" + subject)
    expected = (200, {"subject": subject, "events": mine}) if mine else (404, "not-found")
    got = (status, json.loads(body) if status == 200 else json.loads(body).get("code"))
    reads += 1
    if got != expected:
        disagreements += 1
        print(f"DISAGREE on GET /v1/subjects/{subject}: expected {json.dumps(expected)[:600]}\n"
              f"  ledgerd: {json.dumps(got)[:600]}")
for _ in range(100):
    # The canonical lines after a seq, at most `limit`, of one subject or type or both, in seq order.
    after, limit = rng.randrange(0, head + 2), rng.choice([1, 7, 50, 1000])
    subject = rng.choice([None, rng.choice(actors + plans + measures)])
    etype = rng.choice([None, "measure.launched", "event.retracted", "priority.adopted"])
    query = f"/v1/events?after={after}&limit={limit}" + (f"&subject={subject}" if subject else "") \
        + (f"&type={etype}" if etype else "")
    chosen = [line for line, e in zip(lines, events) if e["seq"] > after and subject in (None, e["subject"])
              and etype in (None, e["type"])][:limit]
    status, body = call("GET", query)
    reads += 1
    if status != 200 or body != b"".join(line + b"\n" for line in chosen):
        disagreements += 1
        print(f"DISAGREE on GET {query}: expected {len(chosen)} lines, ledgerd answered {status} "
              f"with {len(body.splitlines())}")

cuts = int(sys.argv[4])
mismatches = 0
coverage = {}
for k in range(cuts):
    seq = query_seq = rng.randrange(0, head + 1)
    day = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(0, 7 * 365))
    if rng.random() < 0.5:
        at_q, at = day.isoformat(), dt.datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=dt.timezone.utc)
    else:
        at = dt.datetime(day.year, day.month, day.day, rng.randrange(24), tzinfo=dt.timezone.utc)
        at_q = fmt(at)
    recorded = ""
    if rng.random() < 0.3:  # a recorded cut: the second some event was recorded in, or a day before any
        when = parse_time(rng.choice(events)["recorded"][:19] + "Z") if events and rng.random() < 0.8 else None
        recorded_q = fmt(when) if when else "2000-01-01"
        limit = when or dt.datetime(2000, 1, 1, 23, 59, 59, tzinfo=dt.timezone.utc)
        seq = min(seq, sum(1 for e in events if parse_time(e["recorded"][:19] + "Z") <= limit))
        recorded = "&recorded=" + recorded_q
    parties = None
    if rng.random() < 0.3:
        parties = sorted(set(rng.sample(actors, rng.randrange(1, 5))))
    expected = views(at, seq, parties)
    for name in ["inventory", "reporting", "alignment", "coordination", "evaluability", "coherence", "findings"]:
        rows = [v for key, v in expected[name].items() if isinstance(v, list)][0]
        coverage[name] = coverage.get(name, 0) + len(rows)
        if name == "reporting":
            for status, count in expected[name]["summary"].items():
                coverage[status] = coverage.get(status, 0) + count
        q = f"/v1/views/{name}?at={at_q}&seq={query_seq}{recorded}"
        if name == "coordination" and parties is not None:
            q += "&parties=" + ",".join(parties)
        status, body = call("GET", q)
        got = normalise(name, json.loads(body))
        if got != expected[name]:
            mismatches += 1
            print(f"MISMATCH {name}: {q}")
            print("  daemon:", json.dumps(got, sort_keys=True)[:3000])
            print("  oracle:", json.dumps(expected[name], sort_keys=True)[:3000])
            if mismatches > 5:
                sys.exit(1)
# The summary, one JSON line: the log's size, the answers to the appends by problem code, and the
# rows compared per view (reporting's also by status).
print(json.dumps({"head": head, "attempts": attempts, "answers": answers, "reads": reads, "cuts": cuts,
                  "rows": coverage, "mismatches": mismatches + disagreements}))
sys.exit(1 if mismatches or disagreements else 0)
