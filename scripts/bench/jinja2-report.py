#!/usr/bin/env python3
"""The Jinja2 floor of the report benchmark (tracedesk-bench report).

Usage: jinja2-report.py RUN.json [REPEATS]

RUN.json holds {"details": <tracedesk show --json>, "bodies": [status body text, ...]}. The
script renders the same content a Tracedesk report holds (header, step table, each step's input
and output, chunks, citations, every status body) through one autoescaping Jinja2 template, and
prints the median render time and the bytes written, as JSON: {"ms": ..., "bytes": ...}.
"""
import json
import statistics
import sys
import time

import jinja2

TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ run.teamCode }} · {{ run.status }} · {{ run.jobId }}</title>
<style>{{ css }}</style></head>
<body class="run-report">
<header><h1>{{ run.teamCode }} <span class="badge">{{ run.status }}</span></h1>
<dl class="facts">{% for key, value in run.items() if value is not mapping and value is not sequence or value is string %}<dt>{{ key }}</dt><dd>{{ value }}</dd>{% endfor %}</dl></header>
<main>
<section id="prompt"><h2>Prompt</h2><pre>{{ run.message }}</pre></section>
<section id="output"><h2>Output</h2><div class="answer">{{ run.output }}</div></section>
<section id="steps"><h2>Steps</h2><table class="grid nodes"><thead><tr><th>#</th><th>Step</th><th>Type</th><th>Status</th><th>Start</th><th>Duration</th><th>Tokens in</th><th>Tokens out</th></tr></thead><tbody>
{% for node in nodes %}<tr class="node-row" data-position="{{ node.position }}"><td class="num">{{ node.position + 1 }}</td><td class="step"><a href="#node-{{ node.position }}">{{ node.code }}</a></td><td>{{ node.type }}</td><td>{{ node.status }}</td><td class="num">{{ node.startedAt }}</td><td class="num">{{ node.durationMs }} ms</td><td class="num">{{ node.inputTokens }}</td><td class="num">{{ node.outputTokens }}</td></tr>
{% endfor %}</tbody></table>
{% for node in nodes %}<details class="node" id="node-{{ node.position }}"><summary>{{ node.position + 1 }}. {{ node.code }} {{ node.type }} · {{ node.status }}</summary>
{% if node.input %}<h3>Input</h3><pre class="input">{{ node.input }}</pre>{% endif %}{% if node.output %}<h3>Output</h3><pre class="output">{{ node.output }}</pre>{% endif %}{% if node.error %}<h3>Error</h3><pre class="error">{{ node.error }}</pre>{% endif %}</details>
{% endfor %}</section>
<section id="chunks"><h2>Supporting chunks</h2><table class="grid chunks"><tbody>
{% for chunk in chunks %}<tr class="chunk-row"><td class="num">{{ chunk.position + 1 }}</td><td><strong>{{ chunk.title }}</strong><br><span>{{ chunk.source }}</span></td><td class="num">{{ chunk.score }}</td><td><div class="chunk-text">{{ chunk.text }}</div></td></tr>
{% endfor %}</tbody></table></section>
<section id="raw-bodies"><h2>Raw status bodies</h2>
{% for body in bodies %}<details class="raw-body"><summary>Body {{ loop.index }}</summary><pre class="tracedesk-body">{{ body }}</pre></details>
{% endfor %}</section>
</main></body></html>
"""


def main():
    data = json.load(open(sys.argv[1]))
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    details = data["details"]
    environment = jinja2.Environment(autoescape=True)
    template = environment.from_string(TEMPLATE)
    context = dict(run=details["run"], nodes=details.get("nodes", []), chunks=details.get("chunks", []),
                   bodies=data["bodies"], css=data.get("css", ""))
    times, size = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        html = template.render(**context)
        times.append((time.perf_counter() - start) * 1000)
        size = len(html.encode("utf-8"))
    print(json.dumps({"ms": statistics.median(times), "bytes": size}))


if __name__ == "__main__":
    main()
