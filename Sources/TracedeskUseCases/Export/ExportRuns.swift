import Foundation
import TracedeskClient
import TracedeskExport
import TracedeskHistory
import TracedeskModel

/// `tracedesk export otlp`: recorded runs as OpenTelemetry spans, sent to an OTLP/HTTP backend
/// (Phoenix, Jaeger, Tempo, an OpenTelemetry Collector) in batches, or printed (`--dry-run`).
public struct ExportRuns: Sendable {
    /// Which runs.
    public enum Selection: Sendable {
        /// These RUN arguments (jobIds, prefixes, `last`).
        case named([String])
        /// Every run the filters select, as `runs` lists them but without a limit.
        case matching(RunQuery)
    }

    public var history: HistoryLocation
    public var selection: Selection
    public var endpoint: String?
    public var headers: [String]
    /// `openinference.project.name`: the Phoenix project.
    public var project: String
    public var spanOptions: SpanOptions
    public var dryRun: Bool
    /// `--timeout`: the whole export, every call and every retry wait within it.
    public var timeout: Duration?
    /// `--redact`: the rules every span's texts are redacted by (one redactor for the export,
    /// so a person keeps one pseudonym across its runs).
    public var redaction: RedactionRules?

    /// Spans a request carries at most, and bytes it carries at most (a run's spans may exceed it).
    static let batchSpans = 512
    static let batchBytes = 4 << 20
    /// Runs read from the history at a time.
    static let pageSize = 200

    public init(history: HistoryLocation, selection: Selection, endpoint: String?, headers: [String], project: String,
                spanOptions: SpanOptions = SpanOptions(), dryRun: Bool, timeout: Duration? = nil) {
        self.timeout = timeout
        self.history = history
        self.selection = selection
        self.endpoint = endpoint
        self.headers = headers
        self.project = project
        self.spanOptions = spanOptions
        self.dryRun = dryRun
    }

    /// What an export did.
    public struct Summary: Sendable, Equatable {
        public var runs = 0
        public var spans = 0
        public var batches = 0
        /// Spans in the batches the backend took.
        public var acceptedSpans = 0
        /// Spans the backend said it did not keep (OTLP partial success), and what it said.
        public var rejectedSpans: Int64 = 0
        public var rejections: [String] = []
    }

    public func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        let destination = try OTLPDestination.resolve(endpoint: endpoint, headers: headers, environment: context.environment)
        let redactor = try redaction.map { rules throws(TracedeskError) in try Redactor(rules: rules) }
        let store = try history.openForReading(in: context)
        let started = context.clock.now()
        var summary = Summary()
        if dryRun {
            try context.output.writeData("[\n")
            var first = true
            try await forEachRun(in: store, redactor: redactor, context: context) { spans throws(TracedeskError) in
                summary.runs += 1
                for span in spans {
                    let text = try JSONOutput.text(span).trimmingCharacters(in: .newlines)
                    try context.output.writeData((first ? "" : ",\n") + text)
                    first = false
                    summary.spans += 1
                }
            }
            try context.output.writeData((first ? "" : "\n") + "]\n")
            try context.note("\(summary.runs) run\(summary.runs == 1 ? "" : "s") as \(summary.spans) spans (dry run: nothing sent to \(destination.shownEndpoint))")
            return .success
        }
        let sender = OTLPSender(destination: destination, transport: try context.transports.make(.init(), context.environment),
                                clock: context.clock, deadline: timeout.map { Deadline(after: $0, clock: context.clock) })
        let resource = OTLPEncoding.Resource(project: project, version: TracedeskVersion.current)
        var batch: [ExportedSpan] = []
        var batchBytes = 0
        func flush() async throws(TracedeskError) {
            guard !batch.isEmpty else { return }
            let body: Data
            do { body = try OTLPEncoding.request(batch, resource: resource) } catch {
                throw TracedeskError.badInput("the spans cannot be encoded: \(error)")
            }
            let rejection: OTLPSender.Rejection?
            do {
                rejection = try await sender.send(body)
            } catch {
                // What the backend already took stays taken: say how much, so a rerun's duplicates are expected.
                guard summary.batches > 0 else { throw error }
                throw TracedeskError(error.kind, "\(error.message) (\(TextFormat.count(Int64(summary.acceptedSpans))) spans in "
                                     + "\(summary.batches) earlier batch\(summary.batches == 1 ? "" : "es") were accepted; exporting again sends only copies of those)")
            }
            summary.batches += 1
            summary.acceptedSpans += batch.count
            if let rejection {
                summary.rejectedSpans += rejection.spans
                if !rejection.message.isEmpty, summary.rejections.count < 3 { summary.rejections.append(rejection.message) }
            }
            batch = []
            batchBytes = 0
        }
        try await forEachRun(in: store, redactor: redactor, context: context) { spans throws(TracedeskError) in
            summary.runs += 1
            summary.spans += spans.count
            for span in spans {
                batch.append(span)
                batchBytes += Self.estimatedBytes(span)
                if batch.count >= Self.batchSpans || batchBytes >= Self.batchBytes { try await flush() }
            }
        }
        try await flush()
        let seconds = Double(context.clock.now() - started) / 1000
        if summary.rejectedSpans > 0 {
            let said = summary.rejections.isEmpty ? "" : ": " + summary.rejections.map { TextFormat.snippet($0, width: 120) }.joined(separator: "; ")
            throw TracedeskError(.podUnavailable, "the OpenTelemetry backend at \(destination.shownEndpoint) rejected "
                                 + "\(TextFormat.count(summary.rejectedSpans)) of \(TextFormat.count(Int64(summary.spans))) spans\(said)")
        }
        try context.output.write("Exported \(TextFormat.count(Int64(summary.runs))) run\(summary.runs == 1 ? "" : "s") as "
                                 + "\(TextFormat.count(Int64(summary.spans))) spans in \(summary.batches) batch\(summary.batches == 1 ? "" : "es") "
                                 + "to \(destination.shownEndpoint) (project \(project)) in \(String(format: "%.1f", seconds)) s\n")
        return .success
    }

    /// Each selected run's spans, a page of runs at a time.
    private func forEachRun(in store: HistoryStore, redactor: Redactor?, context: CommandContext,
                            _ body: ([ExportedSpan]) async throws(TracedeskError) -> Void) async throws(TracedeskError) {
        let now = context.clock.now()
        func spans(of run: RunRecord) throws(TracedeskError) -> [ExportedSpan] {
            if let redactor, let body = try store.latestSnapshot(of: run)?.body { redactor.learn(json: body) }
            return RunSpans.spans(of: LiveExport.redacted(try store.details(of: run, now: now), by: redactor), options: spanOptions)
        }
        switch selection {
        case .named(let references):
            var seen = Set<String>()
            for reference in references {
                let run = try store.run(reference)
                guard seen.insert(run.jobId).inserted else { continue }
                try await body(spans(of: run))
            }
        case .matching(var query):
            query.limit = Self.pageSize
            query.after = nil
            while true {
                let page = try store.runs(matching: query)
                for run in page {
                    try Task.checkCancellation(or: TracedeskError(.interrupted, "interrupted while exporting"))
                    try await body(spans(of: run))
                }
                guard page.count == Self.pageSize, let last = page.last, let cursor = store.cursor(of: last) else { break }
                query.after = cursor
            }
        }
    }

    /// About how many bytes a span takes in protobuf: its texts and a little for the rest.
    static func estimatedBytes(_ span: ExportedSpan) -> Int {
        span.attributes.reduce(64 + span.name.utf8.count) { total, attribute in
            total + attribute.key.utf8.count + 8 + (attribute.value.stringValue?.utf8.count ?? 8)
        }
    }
}

extension Task where Success == Never, Failure == Never {
    /// Throws `error` when the task is cancelled (Ctrl-C).
    static func checkCancellation(or error: TracedeskError) throws(TracedeskError) {
        if Task.isCancelled { throw error }
    }
}

/// Tracedesk's version, as `--version` prints it and spans carry it.
public enum TracedeskVersion {
    public static let current = "0.2.0"
}
