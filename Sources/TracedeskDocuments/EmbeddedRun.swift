import Foundation
import TracedeskModel
import TracedeskHistory

/// What a run report carries for `tracedesk import`: the run's context, and every status body
/// as text in `<pre class="tracedesk-body">` elements with the instants it was seen.
///
/// The bodies are text nodes like everything else in the report: inert, shown on demand, and read
/// back with libxml2's HTML parser, which returns them exactly as they were recorded.
public struct EmbeddedRun: Sendable, Codable, Equatable {
    /// The class of the hidden `<pre>` holding this context as JSON.
    public static let runClass = "tracedesk-run"
    /// The class of each `<pre>` holding a status body.
    public static let bodyClass = "tracedesk-body"

    public var format = "tracedesk-report/1"
    public var jobId: String
    public var team: String?
    public var label: String?
    public var message: String?
    public var parameters: [String: String]?

    public init(jobId: String, team: String?, label: String?, message: String?, parameters: [String: String]?) {
        self.jobId = jobId
        self.team = team
        self.label = label
        self.message = message
        self.parameters = parameters
    }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "{}"
    }

    /// A body read back from a report.
    public struct Body: Sendable {
        public var text: String
        public var firstSeenAt: Int64?
    }

    /// Whether `data` is HTML rather than JSON: its first non-blank character is `<`.
    public static func looksLikeHTML(_ data: Data) -> Bool {
        var bytes = data.prefix(1024)[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        return bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "<")
    }

    /// The context and bodies of the report in `data`; `origin` names the file in errors.
    public static func read(_ data: Data, origin: String) throws(TracedeskError) -> (run: EmbeddedRun?, bodies: [Body]) {
        let document = try HTMLDocument(parsing: String(decoding: data, as: UTF8.self), origin: origin)
        let bodies = document.elements { $0.name == "pre" && $0.classes.contains(bodyClass) }.map { pre in
            Body(text: pre.textContent, firstSeenAt: pre.attribute("data-first-seen").flatMap { Int64($0) }.flatMap { (0...Timestamp.latest).contains($0) ? $0 : nil })
        }
        guard !bodies.isEmpty else {
            throw .badInput("\(origin): HTML without status bodies (only reports written by Tracedesk can be imported)")
        }
        let run = document.elements { $0.name == "pre" && $0.classes.contains(runClass) }.first
            .flatMap { try? JSONDecoder().decode(EmbeddedRun.self, from: Data($0.textContent.utf8)) }
        return (run, bodies)
    }
}
