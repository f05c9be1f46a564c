#!/usr/bin/env python3
"""The Jinja2 floor of the report benchmark (tracedesk-bench report).

Usage: jinja2-report.py RUN.json [REPEATS]

RUN.json holds {"details": <tracedesk show --json>, "insights": {...}, "snapshots": [{..., "body": text}], "css": text}.

Two renders are timed, each the median of REPEATS, and printed as JSON:
- "same": the report Tracedesk writes, written the way a Python team would write it with Jinja2
  (autoescape on): the same sections, the step tree with each step's bars, offsets and times,
  each step's panel with its prompt and its input and output as indented JSON, the chunks,
  citations, status history and every status body. Everything a render computes (the tree and
  which subtrees open, times, counts, bar geometry, JSON indenting, prompts) is computed inside
  the timed render, as Tracedesk computes it inside its own; reading RUN.json is not timed, as
  Tracedesk's reading of its history is not. The insights (critical path, slowest steps, tokens)
  come computed from Tracedesk: analysis, not rendering.
- "bare": one template over the fields as they are, with none of that work: the speed of
  Jinja2's template engine and escaping alone, for reference.
Each as {"ms": ..., "bytes": ...}.
"""
import datetime
import json
import statistics
import sys
import time

import jinja2

# ---------------------------------------------------------------------------------------------
# Formatting, as Tracedesk's TextFormat does it.

def count(value):
    return f"{value:,}"


def precise(ms):
    if ms is None:
        return "-"
    if ms < 0:
        return "-" + precise(-ms)
    if ms < 1000:
        return f"{ms} ms"
    seconds, thousandths = divmod(ms, 1000)
    if seconds < 60:
        return f"{seconds}.{thousandths:03d} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d}.{thousandths:03d} s"
    return f"{seconds // 3600} h {(seconds % 3600) // 60:02d} min {seconds % 60:02d} s"


def duration(ms):
    if ms is None:
        return "-"
    if ms < 1000:
        return f"{ms} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = int(seconds)
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {(whole % 3600) // 60:02d} min"


def instant(ms):
    if ms is None:
        return "-"
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def pretty(text):
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        try:
            return json.dumps(json.loads(text), indent=2, ensure_ascii=False, separators=(",", " : "))
        except ValueError:
            return text
    return text


def size(count_):
    if count_ < 1024:
        return f"{count_} B"
    if count_ < 1024 * 1024:
        return f"{count_ / 1024:.1f} KiB"
    return f"{count_ / 1024 / 1024:.1f} MiB"


def bar_class(status):
    status = (status or "").upper()
    return {"COMPLETE": "done", "COMPLETED": "done", "SUCCEEDED": "done", "WAITING": "waiting", "RUNNING": "running",
            "ERROR": "failed", "FAILED": "failed"}.get(status, "other")


def prompt(node):
    """The messages of an LLM step, read from its item as Tracedesk's LLMPrompt reads them."""
    if not (node.get("model") or (node.get("type") or "").upper() in ("LLM", "AGENT")):
        return None
    raw = node.get("raw") or ""
    if not any(marker in raw for marker in ("messages", "rompt", "chatHistory", "preamble")):
        return None
    try:
        item = json.loads(raw)
    except ValueError:
        return None
    places = [item]
    info = item.get("nodeStepInfo") or item.get("stepInfo")
    if isinstance(info, dict):
        places.append(info)
        places += [d for d in info.get("details") or [] if isinstance(d, dict)]
    for place in places:
        messages = []
        system = place.get("systemPrompt") or place.get("preamble")
        if isinstance(system, str) and system:
            messages.append(("SYSTEM", system))
        for message in place.get("messages") or place.get("chatHistory") or []:
            if not isinstance(message, dict):
                continue
            content = message.get("content") or message.get("message") or message.get("text")
            if isinstance(content, list):
                content = "\n".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
            if content:
                messages.append((str(message.get("role") or "MESSAGE").upper(), content))
        user = place.get("prompt")
        if isinstance(user, str) and user:
            messages.append(("USER", user))
        if messages:
            return messages
    return None


ROLES = {"SYSTEM": "system", "USER": "user", "ASSISTANT": "assistant", "TOOL": "tool"}

# ---------------------------------------------------------------------------------------------

SAME = """<!DOCTYPE html>
<html lang="en">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="Jinja2">
<title>{{ team }} · {{ run.status }} · {{ run.jobId }}</title>
<style>{{ css|safe }}</style>
</head>
<body class="run-report">
<header class="report-header">
<p class="eyebrow">Tracedesk run report</p>
<h1><span>{{ team }}</span> <span class="badge status-{{ run.status }} {{ run.status }}">{{ run.status }}</span></h1>
<p class="subtitle">{{ subtitle }}</p>
<dl class="facts">{% for term, value, mono in facts %}<div>
<dt>{{ term }}</dt>
<dd{% if mono %} class="mono"{% endif %}>{{ value }}</dd>
</div>{% endfor %}</dl>
</header>
<nav class="contents" aria-label="Contents">{% for id, title in contents %}<a href="#{{ id }}">{{ title }}</a>
{% endfor %}</nav>
<main>
<section id="insights"><h2>At a glance</h2><div><div class="insights">
{% for card in cards %}<div class="card"><h3>{{ card.title }}</h3>{% if card.lead %}<p>{{ card.lead }}</p>{% endif %}<ol class="bars">
{% for row in card.rows %}<li class="bar-row {{ row.kind }}"><span class="bar-label">{% if row.link %}<a href="{{ row.link }}" class="mono">{{ row.label }}</a>{% else %}{{ row.label }}{% endif %}</span><svg class="bar-meter" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false"><rect class="track" width="100" height="10"></rect><rect class="fill" width="{{ row.width }}" height="10"></rect></svg><span class="bar-value num">{{ row.value }}</span></li>
{% endfor %}</ol></div>
{% endfor %}</div></div></section>
<section id="prompt"><h2>Prompt</h2><div><pre class="prompt">{{ run.message or "" }}</pre></div></section>
<section id="output"><h2>Output</h2><div><pre class="answer-json">{{ run.output or "" }}</pre></div></section>
<section id="timeline"><h2>Timeline</h2><div class="timeline"><svg viewBox="0 0 1000 {{ timeline.height }}" role="group" aria-label="Timeline of {{ timeline.rows|length }} steps">
{% for row in timeline.rows %}<a href="#step-{{ row.position + 1 }}"><text class="label" x="{{ row.indent }}" y="{{ row.y + 11 }}">{{ row.label }}</text><rect class="bar {{ row.status }}" x="{{ row.x }}" y="{{ row.y }}" width="{{ row.width }}" height="12"><title>{{ row.label }}: {{ row.took }}</title></rect></a>
{% endfor %}</svg></div></section>
<section id="steps"><h2>Steps</h2><div><p class="summary-line">{{ count(nodes|length) }} steps</p></div>
<div class="tree-detail"><div class="step-tree"><div class="tree-row tree-head" aria-hidden="true"><span>Step</span><span>Type</span><span>Status</span><span>When</span><span class="num">Start</span><span class="num">Duration</span><span class="num">Tokens in / out</span></div>
<ol class="tree" aria-label="Steps">
{%- for node in roots recursive %}
<li class="tree-item{{ node.failed }}">
<div class="tree-row" data-position="{{ node.position }}">
<span class="step"><span class="step-number">{{ node.position + 1 }}</span><a href="#step-{{ node.position + 1 }}" class="mono">{{ node.label }}</a></span><span>{{ node.type or "" }}{% if node.model %}<span class="model note">{{ node.model }}</span>{% endif %}</span><span>{{ node.status or "" }}</span><span class="when">{% if node.bar %}<span class="bar {{ node.barClass }}" style="margin-left:{{ node.bar[0] }}%;width:{{ node.bar[1] }}%"></span>{% endif %}</span><span class="num">{{ node.offset }}</span><span class="num">{{ node.took }}</span><span class="num tokens">{% if node.tokenBar %}<span class="token-bar"><span class="bar" style="width:{{ node.tokenBar }}%"></span></span>{% endif %}{{ node.tokens }}</span>
</div>
<div class="step-detail" id="step-{{ node.position + 1 }}"><div class="panel">
<h3><span class="step-number">{{ node.position + 1 }}</span><span class="mono">{{ node.label }}</span></h3>
<p class="meta">{{ node.meta }}</p>
<dl class="kv">{% for term, value in node.facts %}
<dt>{{ term }}</dt>
<dd>{{ value }}</dd>{% endfor %}
</dl>
{%- if node.prompt %}<h4>Prompt ({{ node.prompt|length }} messages)</h4>{% for role, text in node.prompt %}<div class="message role-{{ roles.get(role, 'other') }}"><p class="role">{{ role }}</p><pre>{{ text }}</pre></div>{% endfor %}{% endif %}
{%- for title, text in node.texts %}
<h4>{{ title }}</h4>
<pre class="{{ title|lower }}">{{ text }}</pre>{% endfor %}
</div></div>
{%- if node.children %}
<details class="subtree"{% if node.open %} open{% endif %}><summary class="fold"><span class="visually-hidden">{{ node.position + 1 }} {{ node.label }}: its {{ node.children|length }} steps</span></summary><ol class="tree">{{ loop(node.children) }}</ol></details>
{%- endif %}
</li>
{%- endfor %}
</ol>
<div class="bookend-details">{% for node in bookends %}<div class="step-detail" id="step-{{ node.position + 1 }}"><div class="panel"><h3><span class="step-number">{{ node.position + 1 }}</span><span class="mono">{{ node.code }}</span></h3><p class="meta">{{ node.type }} · {{ node.status }} · {{ precise(node.durationMs) }}</p>{% if node.input %}<h4>Input</h4><pre class="input">{{ node.input }}</pre>{% endif %}{% if node.output %}<h4>Output</h4><pre class="output">{{ node.output }}</pre>{% endif %}</div></div>{% endfor %}</div>
<div class="tree-row total"><span>Run total</span><span></span><span></span><span></span><span></span><span class="num">{{ precise(run.timeTakenMs) }}</span><span class="num">{{ totals }}</span></div>
</div></div></section>
<section id="chunks"><h2>Supporting chunks</h2><div><details class="group"><summary>{{ count(chunks|length) }} chunks</summary><table class="grid chunks"><thead><tr><th class="num">#</th><th>Document</th><th class="num">Score</th><th>Text</th></tr></thead><tbody>
{% for chunk in chunks %}<tr class="chunk-row" id="chunk-{{ chunk.position }}"><td class="num">{{ chunk.position + 1 }}</td><td><strong>{{ chunk.title or chunk.source or "untitled" }}</strong>{% if chunk.source and chunk.source != chunk.title %}<br><span class="mono note">{{ chunk.source }}</span>{% endif %}</td><td class="num">{{ "%.3f"|format(chunk.score) if chunk.score is not none else "-" }}</td><td><div class="chunk-text">{{ chunk.text or "" }}</div></td></tr>
{% endfor %}</tbody></table></details></div></section>
<section id="citations"><h2>Citations</h2><div><table class="grid citations"><tbody>
{% for citation in details.citations %}<tr class="citation-row" id="citation-{{ citation.position }}"><td class="num">{{ citation.position + 1 }}</td><td>{% if (citation.source or "").startswith("http") %}<a href="{{ citation.source }}" rel="noopener noreferrer nofollow">{{ citation.title or citation.source }}</a>{% else %}<strong>{{ citation.title or citation.source or "untitled" }}</strong>{% endif %}</td><td class="num">{{ "%.3f"|format(citation.score) if citation.score is not none else "-" }}</td><td><div class="chunk-text">{{ citation.text or "" }}</div></td></tr>
{% endfor %}</tbody></table></div></section>
<section id="status-history"><h2>Status history</h2><div><table class="grid status-changes"><thead><tr><th>Status</th><th>Seen from</th></tr></thead><tbody>
{% for change in details.statusChanges %}<tr class="status-change"><td><span class="badge status-{{ change.status }}">{{ change.status }}</span></td><td>{{ instant(change.at) }}</td></tr>
{% endfor %}</tbody></table>
<details class="group"><summary>{{ snapshots|length }} distinct bodies</summary><table class="grid snapshots"><tbody>
{% for snapshot in snapshots %}<tr><td class="num">{{ snapshot.sequence }}</td><td>{{ snapshot.status or "" }}</td><td>{{ instant(snapshot.firstSeenAt) }}</td><td>{{ instant(snapshot.lastSeenAt) }}</td><td class="num">{{ snapshot.timesSeen }}</td><td class="num">{{ snapshot.httpStatus or "-" }}</td><td class="num">{{ size(snapshot.bytes) }}</td></tr>
{% endfor %}</tbody></table></details></div></section>
<section id="raw-bodies" class="raw"><h2>Raw status bodies</h2><div><details class="group"><summary>{{ snapshots|length }} bodies</summary>
{% for snapshot in snapshots %}<details class="raw-body"><summary>Body {{ snapshot.sequence }} · {{ snapshot.status or "no status" }} · first seen {{ instant(snapshot.firstSeenAt) }} · seen {{ snapshot.timesSeen }}×</summary><pre class="tracedesk-body" data-sequence="{{ snapshot.sequence }}" data-first-seen="{{ snapshot.firstSeenAt }}" data-last-seen="{{ snapshot.lastSeenAt }}" data-times-seen="{{ snapshot.timesSeen }}">{{ snapshot.body }}</pre></details>
{% endfor %}</details></div></section>
</main>
<footer>Written by Tracedesk on {{ instant(now) }} from its history. Times are UTC (Z).</footer>
</body>
</html>
"""

BARE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ run.teamCode }} · {{ run.status }} · {{ run.jobId }}</title>
<style>{{ css }}</style></head>
<body class="run-report">
<section id="steps"><table class="grid nodes"><tbody>
{% for node in nodes %}<tr class="node-row" data-position="{{ node.position }}"><td class="num">{{ node.position + 1 }}</td><td class="step"><a href="#node-{{ node.position }}">{{ node.code }}</a></td><td>{{ node.type }}</td><td>{{ node.status }}</td><td class="num">{{ node.startedAt }}</td><td class="num">{{ node.durationMs }} ms</td><td class="num">{{ node.inputTokens }}</td><td class="num">{{ node.outputTokens }}</td></tr>
{% endfor %}</tbody></table>
{% for node in nodes %}<details class="node" id="step-{{ node.position + 1 }}"><summary>{{ node.position + 1 }}. {{ node.code }}</summary>
{% if node.input %}<pre class="input">{{ node.input }}</pre>{% endif %}{% if node.output %}<pre class="output">{{ node.output }}</pre>{% endif %}</details>
{% endfor %}</section>
<section id="chunks"><table class="grid chunks"><tbody>
{% for chunk in chunks %}<tr class="chunk-row"><td class="num">{{ chunk.position + 1 }}</td><td>{{ chunk.title }}</td><td class="num">{{ chunk.score }}</td><td>{{ chunk.text }}</td></tr>
{% endfor %}</tbody></table></section>
<section id="raw-bodies">{% for snapshot in snapshots %}<pre class="tracedesk-body">{{ snapshot.body }}</pre>
{% endfor %}</section>
</body></html>
"""


def render_same(template, data):
    """Everything the report computes, then the template."""
    details, insights = data["details"], data.get("insights", {})
    run, nodes = details["run"], details.get("nodes", [])
    team = run.get("teamCode") or run.get("workflowCode") or "Unknown team"
    starts = [n["startedAt"] for n in nodes if n.get("startedAt") is not None]
    origin = run.get("startedAt") if run.get("startedAt") is not None else (min(starts) if starts else None)
    axis_start = origin or 0
    ends = [n["endedAt"] for n in nodes if n.get("endedAt") is not None]
    axis_end = max([axis_start + 1] + [v for v in (run.get("endedAt"), max(ends) if ends else None) if v is not None])
    span = axis_end - axis_start
    by_position = {n["position"]: i for i, n in enumerate(nodes)}
    bookend = [(n.get("type") or "").upper() in ("START", "END") for n in nodes]
    most = max([(n.get("inputTokens") or 0) + (n.get("outputTokens") or 0) for i, n in enumerate(nodes) if not bookend[i]] or [0])

    items, roots = [None] * len(nodes), []
    for index, node in enumerate(nodes):
        if bookend[index]:
            continue
        failed = (node.get("status") or "").upper() in ("ERROR", "FAILED")
        start, end = node.get("startedAt"), node.get("endedAt")
        bar = None
        if start is not None:
            x = max(0.0, min(100.0, (start - axis_start) / span * 100))
            width = max(0.6, min(100 - x, max(0, (end if end is not None else start) - start) / span * 100))
            bar = (f"{x:.2f}", f"{width:.2f}")
        tokens_in, tokens_out = node.get("inputTokens") or 0, node.get("outputTokens") or 0
        nested = node.get("nestedRun") or {}
        token_bar = None
        if tokens_in or tokens_out:
            tokens = f"{count(tokens_in)} / {count(tokens_out)}"
            token_bar = f"{max(1.0, min(100.0, (tokens_in + tokens_out) / most * 100)) if most else 0:.2f}"
        elif nested.get("inputTokens") or nested.get("outputTokens"):
            tokens = f"({count(nested.get('inputTokens') or 0)} / {count(nested.get('outputTokens') or 0)})"
        else:
            tokens = "-"
        took = precise(node.get("durationMs"))
        meta = [node.get("type"), node.get("status"), took]
        if tokens_in or tokens_out:
            meta.append(f"{count(tokens_in)} tokens in, {count(tokens_out)} out")
        facts = [(t, v) for t, v in (("Name", node.get("name") if node.get("name") != node.get("code") else None),
                                     ("Model", node.get("model")), ("Started", instant(start) if start is not None else None),
                                     ("Ended", instant(end) if end is not None else None)) if v]
        item = {
            "position": node["position"], "label": node.get("code") or node.get("name") or node.get("type") or "node",
            "type": node.get("type"), "model": node.get("model"), "status": node.get("status"), "failed": " failed" if failed else "",
            "bar": bar, "barClass": "failed" if failed else bar_class(node.get("status")),
            "offset": "+" + precise(start - origin) if start is not None and origin is not None else "-", "took": took,
            "tokens": tokens, "tokenBar": token_bar, "meta": " · ".join(m for m in meta if m), "facts": facts, "prompt": prompt(node),
            "texts": [(t, pretty(v)) for t, v in (("Input", node.get("input")), ("Output", node.get("output")), ("Error", node.get("error"))) if v],
            "children": [], "open": False,
        }
        items[index] = item
        parent = node.get("parentPosition")
        while parent is not None and items[by_position[parent]] is None:
            parent = nodes[by_position[parent]].get("parentPosition")
        (items[by_position[parent]]["children"] if parent is not None else roots).append(item)
    # Subtrees open breadth first while the rows in view stay within 200.
    in_view, queue = len(roots), [i for i in roots if i["children"]]
    for item in queue:
        if in_view + len(item["children"]) <= 200:
            item["open"] = True
            in_view += len(item["children"])
            queue += [c for c in item["children"] if c["children"]]

    cards = []
    for title, rows in (("Where the time went", insights.get("criticalPath", [])), ("Slowest steps", insights.get("slowest", [])),
                        ("Where the tokens went", insights.get("tokens", []))):
        cards.append({"title": title, "lead": None, "rows": [
            {"kind": "time", "link": f"#step-{nodes[r['node']]['position'] + 1}", "label": f"{nodes[r['node']]['position'] + 1} {nodes[r['node']].get('code')}",
             "width": f"{max(0.5, min(100, r.get('share', 0) * 100)):.2f}", "value": precise(r.get("value"))} for r in rows]})

    rows, y = [], 24
    for node in nodes[:400]:
        start, end = node.get("startedAt"), node.get("endedAt")
        if start is None:
            continue
        x = 290 + 640 * (start - axis_start) / span
        rows.append({"position": node["position"], "indent": 6 + min(node.get("depth") or 0, 12) * 12, "y": y, "label": node.get("code") or "node",
                     "x": f"{x:.1f}", "width": f"{max(1.5, 640 * ((end or start) - start) / span):.1f}", "status": node.get("status") or "",
                     "took": precise(node.get("durationMs"))})
        y += 18
    facts = [(t, v, m) for t, v, m in (("Team", team, True), ("Status", run.get("status"), False), ("Job", run.get("jobId"), True),
                                        ("Trace", run.get("traceId"), True), ("Started", instant(run.get("startedAt")), False),
                                        ("Ended", instant(run.get("endedAt")), False), ("Duration", duration(run.get("timeTakenMs")), False),
                                        ("Input tokens", count(run.get("inputTokens") or 0), False),
                                        ("Output tokens", count(run.get("outputTokens") or 0), False), ("Steps", count(len(nodes)), False)) if v]
    return template.render(
        run=run, details=details, team=team, nodes=nodes, roots=roots, cards=cards, facts=facts,
        bookends=[node for index, node in enumerate(nodes) if bookend[index]],
        subtitle=" · ".join(p for p in (run.get("workflowName"), f"started {instant(run.get('startedAt'))}") if p),
        contents=[("insights", "At a glance"), ("prompt", "Prompt"), ("output", "Output"), ("timeline", "Timeline"), ("steps", "Steps"),
                  ("chunks", "Chunks"), ("status-history", "Status history"), ("raw-bodies", "Raw bodies")],
        timeline={"rows": rows, "height": y + 6}, chunks=details.get("chunks", []), snapshots=data["snapshots"], css=data.get("css", ""),
        totals=f"{count(run.get('inputTokens') or 0)} / {count(run.get('outputTokens') or 0)}", now=int(time.time() * 1000),
        count=count, precise=precise, instant=instant, size=size, roles=ROLES)


def render_bare(template, data):
    details = data["details"]
    return template.render(run=details["run"], nodes=details.get("nodes", []), chunks=details.get("chunks", []),
                           snapshots=data["snapshots"], css=data.get("css", ""))


def timed(render, template, data, repeats):
    times, written = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        html = render(template, data)
        times.append((time.perf_counter() - start) * 1000)
        written = len(html.encode("utf-8"))
    return {"ms": statistics.median(times), "bytes": written}


def main():
    data = json.load(open(sys.argv[1]))
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    environment = jinja2.Environment(autoescape=True)
    result = {
        "same": timed(render_same, environment.from_string(SAME), data, repeats),
        "bare": timed(render_bare, environment.from_string(BARE), data, repeats),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
