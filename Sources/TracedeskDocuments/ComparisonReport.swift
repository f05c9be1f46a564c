import Foundation
import TracedeskCompare
import TracedeskModel
import TracedeskHistory

/// The HTML report of a comparison (or of `diff`, a comparison of two runs): a summary table per
/// prompt, then each prompt's two sides next to each other. Built like the run report, from
/// `templates/comparison-report.html`, with the same guarantees: pod text is text, answers are
/// rendered through the allowlist, no script, nothing fetched.
public struct ComparisonReport {
    public let comparison: Comparison
    /// Where each run's own report is, relative to this report, by jobId (written beside it).
    public let runReportLinks: [String: String]

    /// The class of a link to a run's own report.
    public static let runLinkClass = "run-report-link"

    /// The class of the hidden `<pre>` holding the comparison as JSON (`compare --json`'s), for `import`.
    public static let comparisonClass = "tracedesk-comparison"

    /// For a comparison report (`data`), the run reports it links to, as written (relative to
    /// the report's folder), in order and once each; `nil` when `data` is not a comparison report.
    public static func linkedRunReports(in data: Data, origin: String) throws(TracedeskError) -> [String]? {
        try read(data, origin: origin)?.links
    }

    /// What a comparison report carries for `import`: the run reports it links to, and the
    /// comparison itself (absent from reports written before it was embedded, and from `diff`'s);
    /// `nil` when `data` is not a comparison report.
    public static func read(_ data: Data, origin: String) throws(TracedeskError) -> (links: [String], comparison: Comparison?)? {
        let document = try HTMLDocument(parsing: String(decoding: data, as: UTF8.self), origin: origin)
        guard document.elements(where: { $0.name == "body" && $0.classes.contains("comparison-report") }).first != nil else { return nil }
        let comparison = document.elements { $0.name == "pre" && $0.classes.contains(comparisonClass) }.first
            .flatMap { Comparison.stored($0.textContent) }
        return (links(in: document), comparison)
    }

    private static func links(in document: HTMLDocument) -> [String] {
        var seen: Set<String> = []
        return document.elements { element in
            guard element.name == "a", let href = element.attribute("href") else { return false }
            // Reports written before the class existed marked these links `mono` only.
            return element.classes.contains(runLinkClass)
                || (element.classes.contains("mono") && href.hasSuffix(".html") && !href.contains(":") && !href.hasPrefix("/"))
        }
        .compactMap { $0.attribute("href") }
        .filter { seen.insert($0).inserted }
    }
    public let writtenAt: Int64
    let format = TextFormat(timeZone: TimeZone(identifier: "UTC")!)

    /// The report of `tracedesk diff`: two runs, not two versions over prompts and repeats.
    public let twoRuns: Bool
    /// Each run's own report, by jobId, embedded in this one (`--self-contained`): one file to
    /// share instead of a file and a folder.
    public let embeddedRunReports: [String: String]

    /// The class of a link to a run's report embedded in the same file (not followed by `import`).
    public static let embeddedRunLinkClass = "embedded-run-link"

    public init(comparison: Comparison, runReportLinks: [String: String] = [:], twoRuns: Bool = false,
                embeddedRunReports: [String: String] = [:], writtenAt: Int64 = Date().epochMilliseconds) {
        self.comparison = comparison
        self.runReportLinks = runReportLinks
        self.twoRuns = twoRuns
        self.embeddedRunReports = embeddedRunReports
        self.writtenAt = writtenAt
    }

    /// The report as HTML text; with `chrome`, as a page of `tracedesk serve`.
    public func html(templates: ReportTemplates = .embedded, chrome: PageChrome? = nil) throws(TracedeskError) -> String {
        let template = try templates.document(ReportTemplates.comparisonReport)
        let document = template.document
        try template.fill("title", text: "\(comparison.team) · \(comparison.baseline) → \(comparison.candidate) · \(comparison.verdict.rawValue)")
        try template.fill("generator") { meta in meta.setAttribute("content", "Tracedesk") }
        try template.fill("team") { heading in document.text(comparison.team, in: heading, breakingAfter: ["_"]) }
        try template.fill("verdict") { badge in
            badge.setAttribute("class", "badge verdict-\(comparison.verdict.rawValue)")
            document.text(comparison.verdict.rawValue, in: badge)
        }
        var subtitle = "A \(comparison.label(baseline: true)) against B \(comparison.label(baseline: false))"
        subtitle += " · \(comparison.prompts.count) prompt\(comparison.prompts.count == 1 ? "" : "s") × \(comparison.repeats) repeat\(comparison.repeats == 1 ? "" : "s")"
        if let suite = comparison.suite { subtitle += " · suite \(suite)" }
        if let id = comparison.id { subtitle += " · comparison #\(id)" }
        if twoRuns, let prompt = comparison.prompts.first {
            func run(_ side: Comparison.SideResult) -> String {
                let job = side.runs.first?.jobId.map { String($0.prefix(8)) } ?? "?"
                return side.spec.hasPrefix(job) || side.runs.first?.jobId == side.spec ? job : "\(job) (\(side.spec))"
            }
            subtitle = "Run A \(run(prompt.a)) against run B \(run(prompt.b))"
        }
        try template.fill("eyebrow", text: twoRuns ? "Tracedesk diff of two runs" : "Tracedesk comparison")
        try template.fill("summary-note", text: twoRuns
            ? "A is the first run, B the second: what changed from A to B, step by step."
            : "A is the baseline, B the candidate: the question is what B would change. Times and tokens are medians over the repeats of each side.")
        try template.fill("subtitle", text: subtitle)
        try template.fill("summary") { slot in summary(in: slot, of: document) }
        try template.fill("prompts") { (slot: HTMLElement) throws(TracedeskError) in
            for prompt in comparison.prompts { section(for: prompt, in: slot, of: document) }
            try embedRuns(in: slot, of: document)
            // The comparison itself, inert text like a run report's bodies, so that `import` can
            // record it again; two runs diffed are no comparison of the history.
            if !twoRuns {
                document.element("pre", in: slot, attributes: ["class": Self.comparisonClass, "hidden": "hidden"], text: comparison.json)
            }
        }
        try template.fill("footer", text: "Written by Tracedesk on \(format.instant(writtenAt)). Times are UTC (Z).")
        chrome?.apply(to: document)
        return template.serialized()
    }

    private func summary(in slot: HTMLElement, of document: HTMLDocument) {
        let table = document.element("table", in: Self.scrolling(slot, of: document, label: "Summary"), attributes: ["class": "grid comparison-summary"])
        let head = document.element("tr", in: document.element("thead", in: table))
        let median = twoRuns ? "" : " (median)"
        // Two runs have no expectations to hold: the column is left out rather than left empty.
        let columns: [(String, Bool)] = [("Prompt", false), ("Verdict", false), ("Why", false), ("Time A → B" + median, true),
                                          ("Tokens A → B" + median, true)] + (twoRuns ? [] : [("Expectations, B vs A", true)]) + [("Steps +/−/~", true)]
        for (title, numeric) in columns {
            document.element("th", in: head, attributes: numeric ? ["class": "num", "scope": "col"] : ["scope": "col"], text: title)
        }
        let body = document.element("tbody", in: table)
        for prompt in comparison.prompts {
            let row = document.element("tr", in: body, attributes: ["class": "prompt-row verdict-row-\(prompt.verdict.rawValue)"])
            document.element("a", in: document.element("td", in: row), attributes: ["href": "#prompt-\(prompt.index)"], text: Self.title(of: prompt))
            document.element("td", in: row, attributes: ["class": "verdict-\(prompt.verdict.rawValue)"], text: prompt.verdict.rawValue)
            // The reasons behind the verdict; a note (noise between repeats) when there is none.
            let why = document.element("td", in: row, attributes: ["class": "why"])
            if prompt.reasons.isEmpty && prompt.notes.isEmpty {
                document.text("-", in: why)
            } else {
                let list = document.element("ul", in: why, attributes: ["class": "why-list"])
                for reason in prompt.reasons { document.element("li", in: list, text: reason) }
                for note in prompt.notes { document.element("li", in: list, attributes: ["class": "note"], text: note) }
            }
            for cell in [prompt.timeCell, prompt.tokenCell] + (twoRuns ? [] : [prompt.expectationCell]) + [prompt.stepCell] {
                document.element("td", in: row, attributes: ["class": "num"], text: cell)
            }
        }
    }

    private func section(for prompt: Comparison.PromptResult, in parent: HTMLElement, of document: HTMLDocument) {
        let section = document.element("section", in: parent, attributes: ["id": "prompt-\(prompt.index)", "class": "prompt"])
        let heading = document.element("h2", in: section)
        document.text("\(prompt.index + 1). \(Self.title(of: prompt)) ", in: heading)
        document.element("span", in: heading, attributes: ["class": "badge verdict-\(prompt.verdict.rawValue)"], text: prompt.verdict.rawValue)
        document.element("pre", in: section, attributes: ["class": "prompt"], text: prompt.message)
        if !prompt.reasons.isEmpty {
            let list = document.element("ul", in: section, attributes: ["class": "reasons"])
            for reason in prompt.reasons { document.element("li", in: list, text: reason) }
        }
        if !prompt.notes.isEmpty {
            let list = document.element("ul", in: section, attributes: ["class": "notes note"])
            for note in prompt.notes { document.element("li", in: list, text: note) }
        }
        figures(prompt, in: section, of: document)
        answers(prompt, in: section, of: document)
        if let diff = prompt.diff {
            steps(diff, in: section, of: document)
            references(diff, in: section, of: document)
        }
        runs(prompt, in: section, of: document)
    }

    private func figures(_ prompt: Comparison.PromptResult, in section: HTMLElement, of document: HTMLDocument) {
        let table = document.element("table", in: Self.scrolling(section, of: document, label: "Figures of A and B"), attributes: ["class": "grid figures"])
        let head = document.element("tr", in: document.element("thead", in: table))
        for title in ["", "A", "B"] { document.element("th", in: head, text: title) }
        let body = document.element("tbody", in: table)
        func row(_ title: String, _ a: String, _ b: String) {
            let row = document.element("tr", in: body)
            document.element("th", in: row, text: title)
            document.element("td", in: row, text: a)
            document.element("td", in: row, text: b)
        }
        row("Version", prompt.a.spec, prompt.b.spec)
        row(twoRuns ? "Status" : "Runs", twoRuns ? prompt.a.runs.first?.status ?? "-" : Self.statuses(prompt.a),
            twoRuns ? prompt.b.runs.first?.status ?? "-" : Self.statuses(prompt.b))
        // One run a side has a time and tokens, not a median and a range.
        row(twoRuns ? "Time" : "Time, median (min – max)", Self.spread(prompt.a.medianTimeMs, prompt.a.minTimeMs, prompt.a.maxTimeMs, TextFormat.duration),
            Self.spread(prompt.b.medianTimeMs, prompt.b.minTimeMs, prompt.b.maxTimeMs, TextFormat.duration))
        row(twoRuns ? "Tokens" : "Tokens, median (min – max)", Self.spread(prompt.a.medianTokens, prompt.a.minTokens, prompt.a.maxTokens, TextFormat.count),
            Self.spread(prompt.b.medianTokens, prompt.b.minTokens, prompt.b.maxTokens, TextFormat.count))
        if !twoRuns { row("Different answers over repeats", "\(prompt.a.distinctAnswers)", "\(prompt.b.distinctAnswers)") }
        let names = prompt.a.expectations.map(\.name) + prompt.b.expectations.map(\.name).filter { name in !prompt.a.expectations.contains { $0.name == name } }
        for name in names {
            let a = prompt.a.expectations.first { $0.name == name }, b = prompt.b.expectations.first { $0.name == name }
            let tableRow = document.element("tr", in: body, attributes: ["class": "expectation"])
            document.element("th", in: tableRow, text: "Expect \(name)")
            for tally in [a, b] {
                let cell = document.element("td", in: tableRow)
                guard let tally else { continue }
                document.element("span", in: cell, attributes: ["class": tally.always ? "pass" : "fail"],
                                 text: "\(tally.always ? "✓" : "✗") \(tally.met) of \(tally.of)")
            }
        }
    }

    static func statuses(_ side: Comparison.SideResult) -> String {
        side.statuses.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }

    /// A prompt's name, or what stands for it when the runs carried no message (imported bodies):
    /// a link must have text.
    static func title(of prompt: Comparison.PromptResult) -> String {
        prompt.name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? "the prompt (no message recorded)" : prompt.name
    }

    /// A box in `parent` that scrolls sideways, for a table wider than a narrow window: the page
    /// itself keeps its width.
    /// It can take the keyboard's focus, so that it scrolls without a mouse too (axe's
    /// scrollable-region-focusable), and is named for what it holds.
    static func scrolling(_ parent: HTMLElement, of document: HTMLDocument, label: String) -> HTMLElement {
        document.element("div", in: parent, attributes: ["class": "table-scroll", "tabindex": "0", "role": "region", "aria-label": label])
    }

    /// A step's tokens in the aligned steps: blank on the side it is missing from, a dash when it reported none.
    static func stepTokens(_ tokens: Int64?) -> String {
        guard let tokens else { return "" }
        return tokens == 0 ? "-" : TextFormat.count(tokens)
    }

    static func spread(_ median: Int64?, _ low: Int64?, _ high: Int64?, _ format: (Int64) -> String) -> String {
        guard let median else { return "-" }
        guard let low, let high, low != high else { return format(median) }
        return "\(format(median)) (\(format(low)) – \(format(high)))"
    }

    private func answers(_ prompt: Comparison.PromptResult, in section: HTMLElement, of document: HTMLDocument) {
        document.element("h3", in: section, text: "Answers")
        let outputA = prompt.diff?.a.output ?? prompt.a.runs.first?.output
        let outputB = prompt.diff?.b.output ?? prompt.b.runs.first?.output
        let grid = document.element("div", in: section, attributes: ["class": "side-by-side"])
        for (label, output) in [("A · \(prompt.a.spec)", outputA), ("B · \(prompt.b.spec)", outputB)] {
            let column = document.element("div", in: grid)
            document.element("h4", in: column, text: label)
            let answer = document.element("div", in: column, attributes: ["class": "answer"])
            if let output, !output.isEmpty {
                document.appendMarkdown(output, in: answer, under: 4)
            } else {
                document.element("p", in: answer, attributes: ["class": "note"], text: "No answer.")
            }
        }
        guard let diff = prompt.diff, diff.outputChanged else {
            document.element("p", in: section, attributes: ["class": "note"], text: "The first answers of A and B are the same, word for word.")
            everyAnswer(prompt, in: section, of: document)
            return
        }
        let details = document.element("details", in: section, attributes: ["class": "group", "open": "open"])
        document.element("summary", in: details, text: String(format: "What changed: %.0f%% of the words", WordDiff.changedShare(diff.output) * 100))
        structuredDiff(StructuredTextDiff.diff(diff.a.output ?? "", diff.b.output ?? ""), in: details, of: document)
        everyAnswer(prompt, in: section, of: document)
    }

    /// Every distinct answer of a side that gave more than one over its repeats, with the
    /// repeats that gave it: the figures above are over all of them, the diff over the first.
    private func everyAnswer(_ prompt: Comparison.PromptResult, in section: HTMLElement, of document: HTMLDocument) {
        for (label, side) in [("A", prompt.a), ("B", prompt.b)] where side.distinctAnswers > 1 {
            var order: [String] = []
            var repeats: [String: [Int]] = [:]
            for run in side.runs {
                let answer = run.output ?? ""
                if repeats[answer] == nil { order.append(answer) }
                repeats[answer, default: []].append(run.repetition)
            }
            let group = document.element("details", in: section, attributes: ["class": "group every-answer"])
            document.element("summary", in: group,
                             text: "\(label) gave \(order.count) different answers over \(side.runs.count) repeats")
            for (number, answer) in order.enumerated() {
                let numbers = repeats[answer, default: []].map(String.init).joined(separator: ", ")
                document.element("h4", in: group, text: "Answer \(number + 1), repeat\(repeats[answer, default: []].count == 1 ? "" : "s") \(numbers)")
                let block = document.element("div", in: group, attributes: ["class": "answer"])
                if answer.isEmpty {
                    document.element("p", in: block, attributes: ["class": "note"], text: "No answer.")
                } else {
                    document.appendMarkdown(answer, in: block, under: 4)
                }
            }
        }
    }

    /// A structured diff: tables as tables (a changed row cell by cell), other lines word by word.
    private func structuredDiff(_ blocks: [StructuredTextDiff.Block], in parent: HTMLElement, of document: HTMLDocument) {
        let holder = document.element("div", in: parent, attributes: ["class": "md-diff"])
        for block in blocks {
            switch block {
            case .table(let rows):
                let table = document.element("table", in: Self.scrolling(holder, of: document, label: "A table of the answers, A to B"), attributes: ["class": "grid md-diff-table"])
                let body = document.element("tbody", in: table)
                for row in rows {
                    let line = document.element("tr", in: body, attributes: ["class": "change-\(row.change.rawValue)"])
                    for cell in row.cells { segments(cell, in: document.element("td", in: line), of: document) }
                }
            case .line(let line):
                // Headings and list items drawn as such, not as their Markdown source.
                let (role, shown) = line.presented
                let roleClass = switch role { case .text: ""; case .heading: " md-heading"; case .item: " md-item" }
                let paragraph = document.element("p", in: holder, attributes: ["class": "md-line\(roleClass) change-\(line.change.rawValue)"])
                segments(shown, in: paragraph, of: document)
            }
        }
    }

    private func segments(_ segments: [WordDiff.Segment], in parent: HTMLElement, of document: HTMLDocument) {
        for segment in segments {
            switch segment.kind {
            case .same: document.text(segment.text, in: parent)
            case .added: document.element("ins", in: parent, text: segment.text)
            case .removed: document.element("del", in: parent, text: segment.text)
            }
        }
    }

    private func steps(_ diff: RunDiff, in section: HTMLElement, of document: HTMLDocument) {
        document.element("h3", in: section, text: "Steps, aligned")
        let details = document.element("details", in: section, attributes: ["class": "group"])
        if diff.steps.count <= RunReport.openStepLimit { details.setAttribute("open", "open") }
        document.element("summary", in: details, text: "\(diff.stepsAdded) added, \(diff.stepsRemoved) removed, \(diff.stepsChanged) changed, "
                         + "\(diff.steps.count { $0.change == .same }) the same")
        if let divergence = diff.divergence {
            // Where the runs parted, then what came of it: the branch, the chain, the cost.
            let lines = divergence.lines
            document.element("p", in: details, attributes: ["class": "divergence"], text: lines[0] + ".")
            let list = document.element("ul", in: details, attributes: ["class": "divergence-detail"])
            for line in lines.dropFirst() {
                let text = line.trimmingCharacters(in: .whitespaces)
                document.element("li", in: list, text: text.prefix(1).uppercased() + text.dropFirst() + ".")
            }
        } else if let divergence = diff.divergenceSentence {
            document.element("p", in: details, attributes: ["class": "divergence"], text: divergence + ".")
        }
        if comparison.repeats > 1 {
            document.element("p", in: details, attributes: ["class": "note"],
                             text: "The steps of repeat 1 of A and of B; the times and tokens at the top are medians over \(TextFormat.every(comparison.repeats, "repeat")).")
        }
        let table = document.element("table", in: Self.scrolling(details, of: document, label: "Steps, aligned"), attributes: ["class": "grid aligned-steps"])
        let head = document.element("tr", in: document.element("thead", in: table))
        for (title, numeric) in [("Step", false), ("Type", false), ("Change", false), ("Status A → B", false),
                                 ("Time A", true), ("Time B", true), ("Δ time", true), ("Tokens A", true), ("Tokens B", true), ("Δ tokens", true)] {
            document.element("th", in: head, attributes: numeric ? ["class": "num"] : [:], text: title)
        }
        let body = document.element("tbody", in: table)
        for step in diff.steps {
            let row = document.element("tr", in: body, attributes: ["class": "step-row change-\(step.change.rawValue)"])
            let cell = document.element("td", in: row, attributes: ["class": "step"])
            if step.depth > 0 { document.element("span", in: cell, attributes: ["class": "depth"], text: String(repeating: "· ", count: step.depth)) }
            document.element("span", in: cell, attributes: ["class": "mono"], text: step.path.split(separator: "/").last.map(String.init) ?? step.path)
            document.element("td", in: row, text: step.type ?? "")
            let change = step.change == .changed ? "changed (\(step.differences.joined(separator: ", ")))" : step.change.rawValue
            let changeClass = switch step.change { case .added: "pass"; case .removed: "fail"; default: "" }
            document.element("td", in: row, attributes: changeClass.isEmpty ? [:] : ["class": changeClass], text: change)
            document.element("td", in: row, text: [step.statusA ?? "–", step.statusB ?? "–"].joined(separator: " → "))
            document.element("td", in: row, attributes: ["class": "num"], text: step.durationMsA.map(TextFormat.duration) ?? "")
            document.element("td", in: row, attributes: ["class": "num"], text: step.durationMsB.map(TextFormat.duration) ?? "")
            document.element("td", in: row, attributes: ["class": "num"], text: step.durationDeltaMs.map { RunDiff.signedDuration($0) } ?? "")
            // A step that reports no tokens shows a dash, as in the run report; a zero delta between two such steps too.
            document.element("td", in: row, attributes: ["class": "num"], text: Self.stepTokens(step.tokensA))
            document.element("td", in: row, attributes: ["class": "num"], text: Self.stepTokens(step.tokensB))
            let tokenDelta: String = if step.tokensA == nil || step.tokensB == nil { "" }
                else if step.tokensA == 0, step.tokensB == 0 { "-" }
                else { step.tokenDelta.map(RunDiff.signed) ?? "" }
            document.element("td", in: row, attributes: ["class": "num"], text: tokenDelta)
            let code = step.path.split(separator: "/").last.map(String.init) ?? step.path
            if step.modelA != nil || step.modelB != nil {
                let modelRow = document.element("tr", in: body, attributes: ["class": "step-model-change"])
                let cell = document.element("td", in: modelRow, attributes: ["colspan": "10"])
                document.text("Model of \(code): ", in: cell)
                document.element("span", in: cell, attributes: ["class": "mono"], text: step.modelA ?? "none")
                document.text(" → ", in: cell)
                document.element("span", in: cell, attributes: ["class": "mono"], text: step.modelB ?? "none")
            }
            if let promptDiff = step.promptDiff {
                let diffRow = document.element("tr", in: body, attributes: ["class": "step-prompt-diff"])
                let cell = document.element("td", in: diffRow, attributes: ["colspan": "10"])
                // Open: a rewritten prompt is what the reader came to see.
                let fold = document.element("details", in: cell, attributes: ["open": "open"])
                document.element("summary", in: fold, text: String(format: "Prompt of %@, A to B (%.0f%% of the words changed)",
                                                                  code, WordDiff.changedShare(promptDiff) * 100))
                segments(promptDiff, in: document.element("div", in: fold, attributes: ["class": "diff chunk-text"]), of: document)
            }
            if let outputDiff = step.outputDiff {
                let diffRow = document.element("tr", in: body, attributes: ["class": "step-output-diff"])
                let cell = document.element("td", in: diffRow, attributes: ["colspan": "10"])
                let fold = document.element("details", in: cell)
                document.element("summary", in: fold, text: String(format: "Output of %@, A to B (%.0f%% of the words changed)",
                                                                  step.path.split(separator: "/").last.map(String.init) ?? step.path,
                                                                  WordDiff.changedShare(outputDiff) * 100))
                segments(outputDiff, in: document.element("div", in: fold, attributes: ["class": "diff chunk-text"]), of: document)
            }
        }
        let total = document.element("tr", in: document.element("tfoot", in: table), attributes: ["class": "total"])
        document.element("td", in: total, attributes: ["colspan": "4"], text: "Run")
        document.element("td", in: total, attributes: ["class": "num"], text: TextFormat.duration(diff.a.timeTakenMs))
        document.element("td", in: total, attributes: ["class": "num"], text: TextFormat.duration(diff.b.timeTakenMs))
        document.element("td", in: total, attributes: ["class": "num"], text: RunDiff.signedDuration(diff.timeDeltaMs))
        document.element("td", in: total, attributes: ["class": "num"], text: diff.a.tokens.map(TextFormat.count) ?? "unknown")
        document.element("td", in: total, attributes: ["class": "num"], text: diff.b.tokens.map(TextFormat.count) ?? "unknown")
        document.element("td", in: total, attributes: ["class": "num"], text: diff.tokenDelta.map(RunDiff.signed) ?? "-")
    }

    /// The jobIds of the embedded run reports, in the order the comparison lists its runs.
    private var embeddedOrder: [String] {
        var seen: Set<String> = []
        return comparison.prompts.flatMap { $0.a.runs + $0.b.runs }.compactMap(\.jobId)
            .filter { embeddedRunReports[$0] != nil && seen.insert($0).inserted }
    }

    /// `--self-contained`: each run's report (its main part, the raw bodies left out) in a
    /// collapsed section of its own, ids prefixed so that they stay unique in the page.
    private func embedRuns(in parent: HTMLElement, of document: HTMLDocument) throws(TracedeskError) {
        let order = embeddedOrder
        guard !order.isEmpty else { return }
        let section = document.element("section", in: parent, attributes: ["id": "runs", "class": "embedded-runs"])
        document.element("h2", in: section, text: "The runs' reports")
        document.element("p", in: section, attributes: ["class": "note"],
                         text: "Each run's own report, embedded so that this file alone can be shared (its raw status bodies are left out: "
                            + "compare -o without --self-contained writes the reports beside it, for tracedesk import).")
        for (index, jobId) in order.enumerated() {
            guard let html = embeddedRunReports[jobId] else { continue }
            let source = try HTMLDocument(parsing: html, origin: "the report of \(jobId)")
            let details = document.element("details", in: section, attributes: ["class": "embedded-run"])
            let header = source.elements { $0.name == "header" && $0.classes.contains("report-header") }.first
            document.element("summary", in: details, text: embeddedTitle(of: jobId))
            // The link target is inside the details, so that following #run-N opens them.
            let fold = document.element("div", in: details, attributes: ["class": "embedded-run-body", "id": "run-\(index + 1)"])
            let prefix = "r\(index + 1)-"
            if let facts = header?.children.first(where: { $0.name == "dl" }) {
                document.appendCopy(of: facts, in: fold, prefixingIdsWith: prefix)
            }
            guard let main = source.elements(named: "main").first else { continue }
            for child in main.children where child.attribute("id") != "raw-bodies" {
                document.appendCopy(of: child, in: fold, prefixingIdsWith: prefix)
            }
            // The source's nodes are copied until here: it must not be freed (on another thread) before.
            withExtendedLifetime(source) {}
        }
    }

    /// What an embedded run was in the comparison, to tell the folded runs apart:
    /// `two items, two orgs · B DRAFT, repeat 2 · 57b41601 COMPLETE`, or `B · 57b41601 COMPLETE` for a diff.
    private func embeddedTitle(of jobId: String) -> String {
        for prompt in comparison.prompts {
            for (label, side) in [("A", prompt.a), ("B", prompt.b)] {
                guard let run = side.runs.first(where: { $0.jobId == jobId }) else { continue }
                let job = "\(jobId.prefix(8)) \(run.status)"
                if twoRuns { return "\(label) · \(job)" }
                let repeats = side.runs.count > 1 ? ", repeat \(run.repetition)" : ""
                return "\(Self.title(of: prompt)) · \(label) \(side.spec)\(repeats) · \(job)"
            }
        }
        return jobId
    }

    private func references(_ diff: RunDiff, in section: HTMLElement, of document: HTMLDocument) {
        let groups: [(String, [RunDiff.Reference], String)] = [
            ("Chunks gained", diff.chunksGained, "pass"), ("Chunks lost", diff.chunksLost, "fail"),
            ("Citations gained", diff.citationsGained, "pass"), ("Citations lost", diff.citationsLost, "fail"),
        ]
        for (title, references, style) in groups where !references.isEmpty {
            document.element("h3", in: section, text: "\(title) (\(references.count))")
            let list = document.element("ul", in: section, attributes: ["class": "references \(style)"])
            for reference in references {
                let item = document.element("li", in: list)
                document.element("strong", in: item, text: reference.document)
                document.text(": \(reference.text)", in: item)
            }
        }
    }

    private func runs(_ prompt: Comparison.PromptResult, in section: HTMLElement, of document: HTMLDocument) {
        document.element("h3", in: section, text: "Runs")
        let list = document.element("ul", in: section, attributes: ["class": "runs"])
        for (label, side) in [("A", prompt.a), ("B", prompt.b)] {
            for run in side.runs {
                let item = document.element("li", in: list)
                document.text(twoRuns ? "Run \(label): \(run.status)" : "\(label) repeat \(run.repetition): \(run.status)", in: item)
                if let time = run.timeTakenMs { document.text(", \(TextFormat.duration(time))", in: item) }
                if let jobId = run.jobId {
                    document.text(" · ", in: item)
                    if let index = embeddedOrder.firstIndex(of: jobId) {
                        document.element("a", in: item, attributes: ["href": "#run-\(index + 1)", "class": "mono \(Self.embeddedRunLinkClass)"], text: jobId)
                    } else if let link = runReportLinks[jobId], MarkupAllowlist.answer.allowsURL(link) {
                        document.element("a", in: item, attributes: ["href": link, "class": "mono \(Self.runLinkClass)"], text: jobId)
                    } else {
                        document.element("span", in: item, attributes: ["class": "mono"], text: jobId)
                    }
                }
                if let failure = run.failure { document.text(" · did not finish: \(failure)", in: item) }
            }
        }
    }
}
