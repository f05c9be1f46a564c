import Foundation
import TracedeskModel
import TracedeskHistory

/// The HTML report of one recorded run: a self-contained file to share with someone who has
/// neither Tracedesk nor access to the pod.
///
/// Built from `templates/run-report.html` through `HTMLDocument`, so everything the pod sent is a
/// text node or an attribute value; the answer's Markdown is rendered and then copied through
/// `MarkupAllowlist.answer`. Every status body of the run is embedded, as text, for `import`.
public struct RunReport {
    /// The step tree opens subtrees while the rows in view stay within this number.
    public static let openStepLimit = 200
    /// Chunks or citations above this number start collapsed.
    public static let openReferenceLimit = 50

    public let details: RunDetails
    /// Every snapshot of the run, with its body.
    public let snapshots: [SnapshotRecord]
    /// When the report is written, epoch ms.
    public let writtenAt: Int64
    /// The runs of the run's conversation (itself among them), oldest first; empty when unknown.
    public let conversation: [RunRecord]
    /// Which bodies are embedded for `import`.
    public let bodies: EmbeddedBodies
    /// The events of a run followed over the debug stream, embedded for `import` (it has no bodies).
    public let events: [ReceivedEvent]
    /// The AI-unit rates of the run's pod, embedded so that an import counts the same units.
    public let aiUnitRates: AIUnitRates?
    /// What the run spent its time and tokens on, computed once.
    public let insights: RunInsights
    /// The steps this page draws in its tree, by position, for a run too long for one page
    /// (serve pages long runs; a report file holds every step). Insights, totals and the
    /// timeline's scale stay those of the whole run; a link to a step on another page goes there.
    public var stepWindow: Range<Int>? {
        didSet { pageSteps = stepWindow.map { StepTreeLayout.onPage(window: $0, keepOpen: insights.failingPath, tree: insights.tree) } }
    }
    /// How many steps a page of this run draws (the window's length, but for the last page).
    public var stepPageSize: Int?
    /// The steps this page draws: the window, the steps above them, and the path down to a
    /// failure (always in view); worked out once, when the window is set.
    private(set) var pageSteps: Set<Int>?
    /// Whether the bodies (or a streamed run's events) are embedded for `import`; a page of a
    /// long run leaves them to the report it offers for download.
    public var embedsBodies = true
    let format = TextFormat(timeZone: TimeZone(identifier: "UTC")!)

    public init(details: RunDetails, snapshots: [SnapshotRecord], events: [ReceivedEvent] = [], aiUnitRates: AIUnitRates? = nil,
                conversation: [RunRecord] = [], bodies: EmbeddedBodies = .all, writtenAt: Int64 = Date().epochMilliseconds) {
        self.details = details
        self.snapshots = snapshots
        self.events = events
        self.aiUnitRates = aiUnitRates
        self.conversation = conversation
        self.bodies = bodies
        self.insights = RunInsights(details)
        self.writtenAt = writtenAt
    }

    /// The report of `run` as `store` holds it now, with the other runs of its conversation.
    public init(of run: RunRecord, from store: HistoryStore, bodies: EmbeddedBodies = .all, embeddingBodies: Bool = true) throws(TracedeskError) {
        var conversation: [RunRecord] = []
        if let id = run.conversationId, !id.isEmpty {
            conversation = try store.runs(matching: RunQuery(conversationId: id, limit: Self.conversationLimit)).reversed()
        }
        let events = run.transport == .stream && embeddingBodies ? try store.streamEvents(of: run) : []
        let rates = try run.pod.flatMap { pod throws(TracedeskError) in try store.aiUnitRates(pod: pod)?.rates }
        // Only the bodies the report embeds are read: a long run's bodies are large.
        let snapshots = !embeddingBodies ? [] : bodies == .last ? try store.latestSnapshot(of: run).map { [$0] } ?? [] : try store.snapshots(of: run)
        self.init(details: try store.details(of: run), snapshots: snapshots, events: events,
                  aiUnitRates: run.aiUnits == nil ? nil : rates, conversation: conversation, bodies: bodies)
        embedsBodies = embeddingBodies
    }

    /// At most this many runs of a conversation are listed (the newest).
    public static let conversationLimit = 100

    /// The page of `pageSize` steps that holds step `position` (0-based), as the range a `stepWindow` takes.
    public static func page(holding position: Int, pageSize: Int, of count: Int) -> Range<Int> {
        let size = max(1, pageSize)
        let start = min(max(0, position), max(0, count - 1)) / size * size
        return start..<min(count, start + size)
    }

    var run: RunRecord { details.run }

    /// The report as HTML text; with `chrome`, as a page of `tracedesk serve`. Throws `badInput`
    /// when a template lacks a slot the report needs.
    public func html(templates: ReportTemplates = .embedded, chrome: PageChrome? = nil) throws(TracedeskError) -> String {
        String(decoding: try htmlBytes(templates: templates, chrome: chrome), as: UTF8.self)
    }

    /// The report as the UTF-8 bytes of its HTML: what `report` writes to a file.
    public func htmlBytes(templates: ReportTemplates = .embedded, chrome: PageChrome? = nil) throws(TracedeskError) -> [UInt8] {
        let template = try templates.document(ReportTemplates.runReport)
        let document = template.document
        let team = run.teamCode ?? run.workflowCode ?? "Unknown team"
        try template.fill("title", text: "\(team) · \(run.status) · \(run.jobId)")
        try template.fill("generator") { meta in meta.setAttribute("content", "Tracedesk") }
        // A team code wraps at its underscores on a narrow screen, never inside a word.
        try template.fill("team") { heading in document.text(team, in: heading, breakingAfter: ["_"]) }
        try template.fill("status") { badge in
            badge.setAttribute("class", "badge \(Self.statusClass(run.status))")
            document.text(run.status.rawValue, in: badge)
        }
        try template.fill("subtitle", text: subtitle)
        try template.fill("facts") { list in facts(in: list, of: document) }
        try template.fill("insights") { slot in insights(in: slot, of: document) }
        try template.fill("prompt") { slot in prompt(in: slot, of: document) }
        try template.fill("error") { slot in error(in: slot, of: document) }
        try template.fill("output") { slot in output(in: slot, of: document) }
        try template.fill("follow-ups") { list in
            for question in run.followUpQuestions { document.element("li", in: list, text: question) }
        }
        try template.fill("conversation") { slot in conversationRuns(in: slot, of: document, link: chrome?.runLink) }
        try template.fill("timeline") { slot in
            TimelineChart(details).render(in: slot, of: document) { node in link(to: node) }
        }
        try template.fill("steps-summary") { slot in stepsSummary(in: slot, of: document) }
        try template.fill("step-tree") { slot in stepTree(in: slot, of: document) }
        try template.fill("chunks") { slot in references(details.chunks, kind: "chunk", in: slot, of: document) }
        try template.fill("citations") { slot in references(details.citations, kind: "citation", in: slot, of: document) }
        try template.fill("status-history") { slot in statusHistory(in: slot, of: document) }
        try template.fill("raw-bodies") { slot in rawBodies(in: slot, of: document) }
        try template.fill("footer", text: "Written by Tracedesk on \(format.instant(writtenAt)) from its history "
                          + "(recorded by \(run.source.rawValue)). Times are UTC (Z).")
        template.keepSection("error", if: run.error != nil || failedNodes.contains { $0.error != nil })
        template.keepSection("follow-ups", if: !run.followUpQuestions.isEmpty)
        template.keepSection("chunks", if: !details.chunks.isEmpty)
        template.keepSection("citations", if: !details.citations.isEmpty)
        template.keepSection("conversation", if: conversation.count > 1)
        chrome?.apply(to: document)
        return template.serializedBytes()
    }

    /// A file name for the report: `TEAM-jobId.html`, with only safe characters, the team cut to
    /// 100 characters so that the name stays within what file systems allow.
    public static func defaultFileName(for run: RunRecord) -> String {
        let team = String((run.teamCode ?? run.workflowCode ?? "run").prefix(100))
        return "\(ReportFile.fileNamePart(team))-\(ReportFile.fileNamePart(String(run.jobId.prefix(36)))).html"
    }

    /// The CSS class of a status: the status itself when it is one Tracedesk knows, else `other`.
    static func statusClass(_ status: String?) -> String {
        guard let status else { return "other" }
        return statusClass(RunStatus(status))
    }

    /// The CSS class of a status.
    static func statusClass(_ status: RunStatus) -> String {
        switch status {
        case .other: "other"
        case let known: "status-\(known.rawValue) \(known.rawValue)"
        }
    }

    // MARK: Header

    private var subtitle: String {
        var parts: [String] = []
        if let name = run.workflowName, name != run.teamCode { parts.append(name) }
        if let version = run.version { parts.append("version \(version)") }
        if let status = run.versionStatus { parts.append(status) }
        if let started = run.startedAt { parts.append("started \(format.instant(started))") }
        if let taken = run.timeTakenMs { parts.append("took \(TextFormat.duration(taken))") }
        return parts.joined(separator: " · ")
    }

    private func facts(in list: HTMLElement, of document: HTMLDocument) {
        func fact(_ term: String, _ value: String?, mono: Bool = false) {
            guard let value, !value.isEmpty else { return }
            let group = document.element("div", in: list)
            document.element("dt", in: group, text: term)
            document.element("dd", in: group, attributes: mono ? ["class": "mono"] : [:], text: value)
        }
        fact("Team", run.teamCode ?? run.workflowCode, mono: true)
        fact("Version", [run.version.map { "v\($0)" }, run.versionStatus].compactMap { $0 }.joined(separator: " "))
        fact("Status", run.status.rawValue)
        fact("Job", run.jobId, mono: true)
        fact("Trace", run.traceId, mono: true)
        fact("Conversation", run.conversationId, mono: true)
        fact("Started", run.startedAt.map { format.instant($0) })
        fact("Ended", run.endedAt.map { format.instant($0) })
        fact("Duration", run.timeTakenMs.map(TextFormat.duration))
        fact("Input tokens", run.inputTokens.map(TextFormat.count) ?? "unknown")
        fact("Output tokens", run.outputTokens.map(TextFormat.count) ?? "unknown")
        fact("Steps", TextFormat.count(Int64(run.nodeCount)))
        if !details.llmCalls.isEmpty {
            fact("AI units", run.aiUnits.map(TextFormat.count) ?? "unknown: the pod's rates do not type every model called")
        }
        if run.transport == .stream {
            fact("Followed", "over the debug stream, \(TextFormat.count(Int64(details.streamEvents))) events")
        }
        if let waiting = run.waiting, !waiting.isEmpty { fact("Waiting for", waiting.summary) }
        fact("Time waiting", insights.stepsWaitingMs.flatMap { $0 > 0 ? TextFormat.duration($0) : nil }
             ?? details.waitingMs.flatMap { $0 > 0 ? TextFormat.duration($0) + " (as Tracedesk saw it)" : nil })
        fact("Mode", run.invocationMode)
        fact("Architecture", run.architecture)
        fact("Label", run.label)
        fact("Pod", run.pod)
    }

    // MARK: Prompt, error, output

    private func prompt(in slot: HTMLElement, of document: HTMLDocument) {
        if let message = run.message {
            document.element("pre", in: slot, attributes: ["class": "prompt"], text: message)
        } else {
            document.element("p", in: slot, attributes: ["class": "note"], text: "The status bodies do not carry the prompt.")
        }
        guard !run.parameters.isEmpty else { return }
        document.element("h3", in: slot, text: "Parameters")
        let list = document.element("dl", in: slot, attributes: ["class": "kv"])
        for (name, value) in run.parameters.sorted(by: { $0.key < $1.key }) {
            document.element("dt", in: list, attributes: ["class": "mono"], text: name)
            document.element("dd", in: list, text: value)
        }
    }

    private var failedNodes: [NodeRecord] {
        details.nodes.filter { Self.failedStatus($0.status) || $0.error != nil }
    }

    private func error(in slot: HTMLElement, of document: HTMLDocument) {
        if let error = run.error { document.element("pre", in: slot, text: error) }
        let failed = failedNodes.filter { $0.error != nil }
        guard !failed.isEmpty else { return }
        document.element("h3", in: slot, text: failed.count == 1 ? "The step that failed" : "Steps that failed")
        let list = document.element("ul", in: slot)
        for node in failed {
            let item = document.element("li", in: list)
            document.element("a", in: item, attributes: ["href": link(to: node), "class": "mono"], text: node.label)
            document.text(": \(node.error ?? "")", in: item)
        }
    }

    private func output(in slot: HTMLElement, of document: HTMLDocument) {
        guard let output = run.output, !output.isEmpty else {
            document.element("p", in: slot, attributes: ["class": "note"],
                             text: run.status.isTerminal ? "The run gave no output." : "No output yet: the run was \(run.status) when last seen.")
            return
        }
        if let json = JSONValue(parsing: output), json.objectValue != nil || json.arrayValue != nil {
            document.element("pre", in: slot, attributes: ["class": "answer-json"], text: json.prettyText)
            return
        }
        let answer = document.element("div", in: slot, attributes: ["class": "answer"])
        document.appendMarkdown(output, in: answer, under: 2)
        let raw = document.element("details", in: slot)
        document.element("summary", in: raw, text: "The output as received")
        document.element("pre", in: raw, text: output)
    }
}
