#!/usr/bin/env python3
"""Writes demo/brussels.ndjson, the shipped Brussels drug policy demo ledger.

Facts come from ../shared/domain/brussels-drug-policy.md; every event names its public source
in `evidence`, and events built on an uncertain fact say so with an evidence entry starting
"assumption (U):". Run it again after editing; the output is deterministic.
"""
import json, pathlib

NVA = "https://english.n-va.be/news/court-of-audit-brussels-drug-policy (24 Jan 2024)"
FEDA = "https://fedabxl.be/nl/2023/10/rapport-politique-de-prevention-et-de-lutte-contre-les-assuetudes-en-region-de-bruxelles-capitale/"
SAFE = "https://safe.brussels/en/areas-action"
TRANSIT = "https://fr.transitasbl.be/qui-sommes-nous/"
DOMAIN = "shared/domain/brussels-drug-policy.md"

events = []

def ev(type_, subject, source, time, data, evidence=None, assumption=None):
    evidence = list(evidence or [DOMAIN])
    if assumption:
        evidence.append("assumption (U): " + assumption)
    e = {"id": f"brx-{len(events) + 1:03d}", "source": source, "type": type_, "subject": subject,
         "time": time, "data": data, "evidence": evidence}
    events.append(e)
    return e["id"]

A = lambda s: "actor/" + s
# Actors
ev("actor.registered", A("court-of-audit"), A("court-of-audit"), "1831-12-30", {"name": "Court of Audit (Rekenhof / Cour des comptes)", "kind": "auditor"}, [FEDA])
ev("actor.registered", A("federal-government"), A("federal-government"), "1831-07-21", {"name": "Federal government of Belgium", "kind": "federal"})
ev("actor.registered", A("brussels-region"), A("brussels-region"), "1989-01-12", {"name": "Brussels-Capital Region government", "kind": "regional"})
ev("actor.registered", A("safe-brussels"), A("brussels-region"), "2016-01-01", {"name": "Brussels Prevention & Security (safe.brussels)", "kind": "regional", "parent": A("brussels-region")}, [SAFE])
ev("actor.registered", A("cores"), A("brussels-region"), "2016-01-01", {"name": "Regional Security Council (CORES)", "kind": "regional", "parent": A("brussels-region")}, [SAFE])
ev("actor.registered", A("cocom"), A("cocom"), "1989-01-12", {"name": "Common Community Commission (COCOM / GGC)", "kind": "community"})
ev("actor.registered", A("cocof"), A("cocof"), "1989-01-12", {"name": "French Community Commission (COCOF)", "kind": "community"})
ev("actor.registered", A("transit"), A("transit"), "1995-09-18", {"name": "Transit asbl", "kind": "non-profit"}, [TRANSIT])
ev("actor.registered", A("city-of-brussels"), A("city-of-brussels"), "1989-01-12", {"name": "City of Brussels", "kind": "municipal"})
ev("actor.registered", A("drug-policy-cell"), A("federal-government"), "2002-09-02", {"name": "Interministerial Conference on Drugs / General Drug Policy Cell", "kind": "federal", "parent": A("federal-government")})
ev("actor.registered", A("national-drug-commissioner"), A("federal-government"), "2023-04-13", {"name": "National Drug Commissioner", "kind": "federal", "parent": A("federal-government")})
ev("actor.registered", A("evadrug"), A("evadrug"), "2018-12-15", {"name": "EVADRUG consortium (BELSPO; UGent, UCLouvain, KU Leuven)", "kind": "research"})
ev("actor.registered", A("brussels-prosecutor"), A("federal-government"), "2001-01-01", {"name": "Brussels public prosecutor", "kind": "federal", "parent": A("federal-government")}, assumption="registration date is a placeholder")
zones = {"5339": "Bruxelles-Capitale/Ixelles", "5340": "Bruxelles-Ouest", "5341": "Midi",
         "5342": "Uccle/Watermael-Boitsfort/Auderghem", "5343": "Montgomery", "5344": "Bruxelles-Nord (Polbruno)"}
for z, name in zones.items():
    ev("actor.registered", A("zone-" + z), A("zone-" + z), "2001-01-01", {"name": f"Police zone {z} {name}", "kind": "police-zone"}, assumption="registration date is a placeholder (zones exist since the 2001 police reform)")

P = lambda s: "plan/" + s
# Plans
ev("plan.published", P("pgsp-1"), A("safe-brussels"), "2017-02-02", {"title": "Global Security and Prevention Plan 1 (PGSP/GGVP)", "issuer": A("safe-brussels"), "level": "regional", "period": {"start": "2017-01-01", "end": "2020-12-31"}}, [SAFE])
ev("priority.adopted", P("pgsp-1"), A("safe-brussels"), "2017-02-02", {"priority": "drugs-addiction", "title": "Theme 3: drugs and addiction"}, [SAFE, NVA])
ev("priority.adopted", P("pgsp-1"), A("safe-brussels"), "2017-02-02", {"priority": "public-nuisance", "title": "Public nuisance"}, [SAFE], "theme name paraphrased")
ev("plan.published", P("pgsp-2"), A("safe-brussels"), "2021-01-14", {"title": "Global Security and Prevention Plan 2 (PGSP/GGVP)", "issuer": A("safe-brussels"), "level": "regional", "period": {"start": "2021-01-01", "end": "2024-12-31"}, "supersedes": P("pgsp-1")}, [SAFE])
ev("priority.adopted", P("pgsp-2"), A("safe-brussels"), "2021-01-14", {"priority": "drugs-addiction", "title": "Drugs and addiction (10 prevention measures)"}, [SAFE])
zone_dates = {"5339": "2020-01-15", "5340": "2020-01-20", "5341": "2019-11-06", "5342": "2020-02-01", "5343": "2020-02-10", "5344": "2020-02-15"}
for z, d in zone_dates.items():
    ev("plan.published", P("zsp-" + z), A("zone-" + z), d, {"title": f"Zonal safety plan {z} 2020-2025", "issuer": A("zone-" + z), "level": "zonal", "period": {"start": "2020-01-01", "end": "2025-12-31"}, "parent": P("pgsp-1")},
       assumption=None if z in ("5340", "5341") else "publication day not public")
ev("priority.adopted", P("zsp-5340"), A("zone-5340"), "2020-01-20", {"priority": "drugs-addiction", "title": "Narcotics (sale and trade)"})
ev("priority.adopted", P("zsp-5341"), A("zone-5341"), "2019-11-06", {"priority": "drugs-addiction"}, assumption="zone 5341's drug priority inferred")
ev("priority.adopted", P("zsp-5339"), A("zone-5339"), "2020-01-15", {"priority": "drugs-addiction"}, assumption="which zones adopted the priority is not public")
ev("priority.adopted", P("zsp-5343"), A("zone-5343"), "2020-02-10", {"priority": "drugs-addiction"}, assumption="which zones adopted the priority is not public")
ev("priority.waived", P("zsp-5342"), A("zone-5342"), "2020-02-01", {"priority": "drugs-addiction", "justification": "Objective analysis: the phenomenon is not significant locally"}, assumption="demo assumes two zones left drugs out; this one with a justification")
ev("priority.adopted", P("zsp-5341"), A("zone-5341"), "2019-11-06", {"priority": "public-nuisance"}, assumption="illustrative")
ev("priority.dropped", P("zsp-5341"), A("zone-5341"), "2022-01-10", {"priority": "public-nuisance", "reason": "Merged into the drugs-addiction priority"}, assumption="illustrative drop")
ev("plan.published", P("interfederal-drug-strategy"), A("drug-policy-cell"), "2023-12-20", {"title": "Interfederal drug strategy 2024-2025", "issuer": A("drug-policy-cell"), "level": "federal", "period": {"start": "2024-01-01", "end": "2025-12-31"}})
ev("priority.adopted", P("interfederal-drug-strategy"), A("drug-policy-cell"), "2023-12-20", {"priority": "drugs-addiction"})
ev("plan.published", P("social-health-plan"), A("cocom"), "2023-12-15", {"title": "Integrated social-health plan (COCOF/COCOM)", "issuer": A("cocom"), "level": "community", "period": {"start": "2024-01-01", "end": "2029-12-31"}}, assumption="day in December 2023 and end year not public")
ev("plan.published", P("gare-du-midi-plan"), A("federal-government"), "2023-08-31", {"title": "Gare du Midi plans (22 actions)", "issuer": A("federal-government"), "level": "federal", "period": {"start": "2023-09-01", "end": "2024-08-31"}}, assumption="exact dates and period not public")

M = lambda s: "measure/" + s
# Measures
ev("measure.launched", M("drug-user-centre-2016"), A("safe-brussels"), "2016-06-01", {"title": "EUR 5M via BPS to Transit for a drug-user centre", "owner": A("safe-brussels"), "stance": "harm-reduction", "phenomenon": "problem-drug-use"}, assumption="day of the 2016 decision")
ev("measure.launched", M("integrated-centre-port"), A("brussels-region"), "2021-06-01", {"title": "Integrated centre, avenue du Port (EUR 12.3M)", "owner": A("brussels-region"), "stance": "treatment", "phenomenon": "problem-drug-use"}, assumption="announcement day")
for n, title in [("3-1", "Prevention in schools"), ("3-2", "Outreach in nightlife"), ("3-3", "Support to families"), ("3-4", "Awareness campaigns")]:
    data = {"title": f"PGSP 2 measure {n.replace('-', '.')}: {title}", "owner": A("safe-brussels"), "stance": "prevention", "plan": P("pgsp-2"), "priority": "drugs-addiction", "phenomenon": "problem-drug-use"}
    if n == "3-4":
        data["objective"] = "Raise awareness of addiction risks among young people"
    ev("measure.launched", M("pgsp2-" + n), A("safe-brussels"), "2021-02-01", data, [SAFE], None if n == "3-4" else "measure titles paraphrased")
ev("measure.launched", M("gate-consumption-room"), A("city-of-brussels"), "2022-05-05", {"title": "GATE drug consumption room, rue de Woeringen", "owner": A("city-of-brussels"), "stance": "harm-reduction", "plan": P("pgsp-2"), "priority": "drugs-addiction", "objective": "Reduce public drug use and related harm", "indicators": ["people served", "public drug uses avoided"], "phenomenon": "public-drug-use"})
ev("measure.launched", M("possession-fines"), A("federal-government"), "2022-01-01", {"title": "Federal on-the-spot fines for drug possession (EUR 75/150/300)", "owner": A("federal-government"), "stance": "enforcement", "objective": "Sanction possession for personal use quickly", "indicators": ["fines issued"], "phenomenon": "public-drug-use"})
ev("measure.amended", M("possession-fines"), A("federal-government"), "2023-01-01", {"title": "Federal on-the-spot fines for drug possession (EUR 75/150/300; up to 1,000 for cocaine)", "baseline": {"fines issued": 0}})
ev("measure.launched", M("transit-street-work"), A("transit"), "2017-03-01", {"title": "Transit street work and harm-reduction counter", "owner": A("transit"), "stance": "harm-reduction", "plan": P("pgsp-1"), "priority": "drugs-addiction", "phenomenon": "public-drug-use"}, [TRANSIT], "start date under PGSP 1")
ev("measure.amended", M("transit-street-work"), A("transit"), "2021-02-01", {"plan": P("pgsp-2")}, [TRANSIT], "moved under PGSP 2")
ev("measure.launched", M("transit-crisis-centre"), A("transit"), "1995-09-18", {"title": "Low-threshold crisis centre", "owner": A("transit"), "stance": "treatment", "phenomenon": "problem-drug-use"}, [TRANSIT])
ev("measure.launched", M("cocom-addiction-services"), A("cocom"), "2019-01-01", {"title": "Licensing and funding of addiction services", "owner": A("cocom"), "stance": "treatment", "phenomenon": "problem-drug-use"}, assumption="start date of the current licensing framework")
ev("measure.launched", M("zone-5340-narcotics"), A("zone-5340"), "2020-03-01", {"title": "Action against the sale and trade of narcotics", "owner": A("zone-5340"), "stance": "enforcement", "plan": P("zsp-5340"), "priority": "drugs-addiction", "phenomenon": "drug-trafficking"}, assumption="start date")
ev("measure.launched", M("midi-station-actions"), A("federal-government"), "2023-09-01", {"title": "Gare du Midi action plan (22 actions)", "owner": A("federal-government"), "stance": "enforcement", "plan": P("gare-du-midi-plan"), "phenomenon": "public-drug-use"}, assumption="start date")
ev("measure.ended", M("drug-user-centre-2016"), A("safe-brussels"), "2021-06-01", {"reason": "Folded into the integrated centre, avenue du Port"}, assumption="illustrative end")
ev("measure.amended", M("gate-consumption-room"), A("city-of-brussels"), "2022-05-06", {"stance": "treatment"}, assumption="a recording mistake, retracted below")
ev("event.retracted", M("gate-consumption-room"), A("city-of-brussels"), "2022-05-09", {"target": events[-1]["id"], "reason": "Recorded by mistake: GATE is a harm-reduction service"})
ev("measure.launched", M("link-up-consumption-room"), A("cocom"), "2024-10-01", {"title": "Second consumption room (Link Up), care pathway", "owner": A("cocom"), "stance": "harm-reduction", "phenomenon": "public-drug-use"}, assumption="opening date")

# Reporting obligations
ev("reporting.required", M("gate-consumption-room"), A("brussels-region"), "2022-05-05", {"to": A("brussels-region"), "every": "P1Y"}, assumption="reporting obligation modelled from the regional support")
ev("reporting.required", M("pgsp2-3-4"), A("safe-brussels"), "2021-02-01", {"to": A("cores"), "every": "P1Y"}, [SAFE], "the annual evaluation foreseen in PGSP follow-up, per measure")
ev("reporting.required", M("pgsp2-3-1"), A("safe-brussels"), "2021-02-01", {"to": A("cores"), "every": "P1Y"}, [SAFE], "the annual evaluation foreseen in PGSP follow-up, per measure")
ev("reporting.required", M("transit-street-work"), A("safe-brussels"), "2017-03-01", {"to": A("safe-brussels"), "every": "P6M"}, [TRANSIT], "funding condition")
ev("reporting.required", M("transit-street-work"), A("safe-brussels"), "2021-02-01", {"to": A("safe-brussels"), "every": "P1Y"}, [TRANSIT], "replaced by an annual obligation under PGSP 2")
ev("reporting.required", M("possession-fines"), A("federal-government"), "2023-04-13", {"to": A("national-drug-commissioner"), "every": "P1Y"}, assumption="obligation to the new commissioner")
ev("reporting.required", M("zone-5340-narcotics"), A("zone-5340"), "2020-03-01", {"to": A("safe-brussels"), "every": "P1Y"}, assumption="zonal plans report to the region")

R = lambda s: "report/" + s
# Reports
ev("report.filed", R("obps-2018"), A("safe-brussels"), "2018-12-15", {"title": "OBPS observatory report: police-recorded drug offences 4,348 (2007) to 8,362 (2016)", "filer": A("safe-brussels"), "kind": "study", "covers": [P("pgsp-1")], "period": {"start": "2007-01-01", "end": "2016-12-31"}, "indicators": {"drug offences 2007": 4348, "drug offences 2016": 8362}}, assumption="day in December 2018")
ev("report.filed", R("evadrug-2021"), A("evadrug"), "2021-12-15", {"title": "EVADRUG: fragmentation, weak monitoring, no baselines", "filer": A("evadrug"), "kind": "evaluation", "covers": [P("pgsp-1")], "period": {"start": "2018-12-15", "end": "2021-12-15"}})
ev("report.filed", R("fines-count-2023"), A("federal-government"), "2023-08-31", {"title": "On-the-spot fines for possession: 7,855 fines by August 2023", "filer": A("federal-government"), "kind": "monitoring", "covers": [M("possession-fines")], "indicators": {"fines issued": 7855}})
ev("report.filed", R("transit-activity-2017"), A("transit"), "2017-09-01", {"title": "Street work activity report, first half-year", "filer": A("transit"), "kind": "activity", "covers": [M("transit-street-work")]}, [TRANSIT], "illustrative activity report")
ev("report.filed", R("court-audit-2023"), A("court-of-audit"), "2023-10-15", {"title": "Prevention and fight against addictions in the Brussels-Capital Region (2019-2020)", "filer": A("court-of-audit"), "kind": "audit", "covers": [P("pgsp-1"), P("pgsp-2")], "period": {"start": "2019-01-01", "end": "2020-12-31"}}, [FEDA], "day in October 2023")
ev("report.filed", R("gate-two-years"), A("transit"), "2024-05-05", {"title": "GATE: two years, 972 people served, about 12,000 public drug uses avoided", "filer": A("transit"), "kind": "activity", "covers": [M("gate-consumption-room")], "indicators": {"people served": 972, "public drug uses avoided": 12000}}, assumption="publication day")

C = lambda s: "coordination/" + s
# Coordination
ev("coordination.established", C("cooperation-agreement-2002"), A("federal-government"), "2002-09-02", {"parties": [A("federal-government"), A("cocom"), A("cocof"), A("drug-policy-cell")], "form": "agreement", "mandate": "Cooperation agreement on a global and integrated drug policy"})
ev("coordination.established", C("pgsp-coordination-committee"), A("safe-brussels"), "2017-02-02", {"parties": [A("safe-brussels")] + [A("zone-" + z) for z in zones], "form": "steering-committee", "mandate": "BPS coordination committee following PGSP implementation with the zones"}, [SAFE])
ev("coordination.established", C("transit-bps-contacts"), A("transit"), "2017-03-01", {"parties": [A("safe-brussels"), A("transit")], "form": "informal", "mandate": "Operational contacts on street work"}, [NVA], "informal contacts; the Court found no institutionalised formal coordination")
ev("coordination.established", C("gate-partners"), A("city-of-brussels"), "2022-05-05", {"parties": [A("city-of-brussels"), A("transit")], "form": "protocol", "mandate": "Running GATE (with MASS)"})
ev("coordination.established", C("midi-task-force"), A("federal-government"), "2023-09-01", {"parties": [A("federal-government"), A("zone-5341"), A("city-of-brussels")], "form": "working-group", "mandate": "Gare du Midi actions"}, assumption="composition")
ev("coordination.ended", C("midi-task-force"), A("federal-government"), "2023-12-31", {"reason": "Replaced by the regional anti-trafficking task forces"}, assumption="end date")
ev("coordination.established", C("regional-security-cell"), A("cores"), "2024-03-11", {"parties": [A("cores"), A("safe-brussels"), A("brussels-prosecutor")] + [A("zone-" + z) for z in ("5339", "5341", "5344")], "form": "steering-committee", "mandate": "Regional anti-trafficking strategy: local task forces per hotspot, reporting to CORES"}, [SAFE])

F = lambda s: "finding/" + s
# Findings
ev("finding.recorded", F("no-evaluation-possible"), A("court-of-audit"), "2023-10-15", {"auditor": A("court-of-audit"), "about": [P("pgsp-2"), A("safe-brussels"), A("transit"), A("cocom")], "severity": "critical", "text": "An evaluation of the policy is not possible: no reports are drawn up, there is no general inventory of the measures taken and there is no institutionalised formal coordination between Safe Brussels, Transit and the Common Community Commission.", "recommendation": "Keep an inventory of measures, require reports, institutionalise coordination."}, [NVA, FEDA], "finding day in October 2023")
ev("finding.recorded", F("no-coherent-objectives"), A("court-of-audit"), "2023-10-15", {"auditor": A("court-of-audit"), "about": [P("pgsp-2")], "severity": "major", "text": "No coherent set of strategic and operational objectives.", "recommendation": "Set precise, measurable objectives with indicators and baselines."}, [FEDA], "finding day in October 2023")
ev("finding.recorded", F("no-needs-analysis"), A("court-of-audit"), "2023-10-15", {"auditor": A("court-of-audit"), "about": [A("safe-brussels"), A("cocom")], "severity": "major", "text": "No regional actor turns field data into prioritised needs."}, [FEDA], "finding day in October 2023")
ev("finding.answered", F("no-coherent-objectives"), A("safe-brussels"), "2023-11-30", {"by": A("safe-brussels"), "response": "The 2025-2029 plan will set measurable objectives and smoother coordination.", "status": "accepted"}, [NVA], "answer day")
ev("finding.answered", F("no-evaluation-possible"), A("safe-brussels"), "2024-06-01", {"by": A("safe-brussels"), "response": "A regional security cell reporting to CORES was set up.", "status": "implemented"}, [SAFE], "answer day")
ev("priority.adopted", P("zsp-5344"), A("zone-5344"), "2024-04-01", {"priority": "public-nuisance"}, assumption="zone 5344's plan named other priorities")

out = pathlib.Path(__file__).with_name("brussels.ndjson")
out.write_text("".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n" for e in events))
types = {e["type"] for e in events}
print(f"{len(events)} events, {len(types)} types -> {out}")
