import Foundation
import TracedeskExport
import TracedeskHistory
import TracedeskModel

/// `--otlp` on `invoke`, `poll`, `resume` and `compare`: each run is exported when it ends, with
/// the same span ids a later `tracedesk export otlp` sends (so a backend keeps one copy).
///
/// An export that fails is a warning: the run itself is recorded, and its outcome decides the
/// exit code; `tracedesk export otlp RUN` sends it again later.
public struct LiveExport: Sendable {
    public var endpoint: String?
    public var headers: [String]
    public var project: String
    /// The rules the spans are redacted by, or `nil`.
    public var redaction: RedactionRules?

    public init(endpoint: String? = nil, headers: [String] = [], project: String = "tracedesk") {
        self.endpoint = endpoint
        self.headers = headers
        self.project = project
    }

    /// `details` redacted by `redactor` (which learns it first), or as it is without one.
    static func redacted(_ details: RunDetails, by redactor: Redactor?) -> RunDetails {
        guard let redactor else { return details }
        redactor.learn(details)
        return redactor.redact(details)
    }

    /// Checked before any job starts: a wrong endpoint or header should not surface after a long run.
    public func destination(in context: CommandContext) throws(TracedeskError) -> OTLPDestination {
        try OTLPDestination.resolve(endpoint: endpoint, headers: headers, environment: context.environment)
    }

    /// Exports the runs `jobIds` of `store`, saying so (or why not) on standard error.
    public func export(_ jobIds: [String], from store: HistoryStore, in context: CommandContext) async {
        guard !jobIds.isEmpty else { return }
        do throws(TracedeskError) {
            let destination = try destination(in: context)
            let sender = OTLPSender(destination: destination, transport: try context.transports.make(.init(), context.environment),
                                    clock: context.clock)
            let redactor = try redaction.map { rules throws(TracedeskError) in try Redactor(rules: rules) }
            var spans: [ExportedSpan] = []
            for jobId in jobIds {
                let run = try store.run(jobId)
                if let redactor, let body = try store.latestSnapshot(of: run)?.body { redactor.learn(json: body) }
                spans += RunSpans.spans(of: Self.redacted(try store.details(of: run, now: context.clock.now()), by: redactor))
            }
            let body: Data
            do { body = try OTLPEncoding.request(spans, resource: .init(project: project, version: TracedeskVersion.current)) } catch {
                throw TracedeskError.badInput("the spans cannot be encoded: \(error)")
            }
            try await sender.send(body)
            try? context.note("exported \(jobIds.count == 1 ? "the run" : "\(jobIds.count) runs") as \(spans.count) spans to \(destination.endpoint.absoluteString)")
        } catch {
            try? context.warn("not exported: \(error.message); send it later with: tracedesk export otlp \(jobIds.map { String($0.prefix(8)) }.joined(separator: " "))")
        }
    }
}
