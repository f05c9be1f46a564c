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
    /// For a run followed over the debug stream: `stream`, and what its request said, since its
    /// events (embedded in place of bodies) do not.
    public var transport: String?
    public var conversationId: String?
    public var versionStatus: String?
    /// When the request was sent, epoch ms.
    public var sentAt: Int64?
    /// The rates the run's AI units were counted by, so that an import counts the same.
    public var aiUnitRates: AIUnitRates?
    /// The pod the run was followed on.
    public var pod: String?

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

    /// The class of the `pre` that holds a streamed run's events, one JSON line each.
    public static let eventsClass = "tracedesk-events"

    /// Events as lines of `{"at": ms, "data": "…"}`: one line each, whatever the data holds.
    public static func eventLines(_ events: [ReceivedEvent]) -> String {
        var text = ""
        for event in events {
            text += JSONValue.object(["at": .integer(event.receivedAt), "data": .string(event.data)]).compactText
            text += "\n"
        }
        return text
    }

    /// The events of `eventLines` read back; a line that is not one is an error naming it.
    public static func events(fromLines text: String, origin: String) throws(TracedeskError) -> [ReceivedEvent] {
        var events: [ReceivedEvent] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            guard let value = JSONValue(parsing: String(line)), let data = value["data"]?.stringValue,
                  let at = value["at"]?.int64Value, (0...Timestamp.latest).contains(at) else {
                throw .badInput("\(origin): embedded event \(number + 1) is not {\"at\", \"data\"}")
            }
            events.append(ReceivedEvent(data: data, receivedAt: at))
        }
        return events
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
    public static func read(_ data: Data, origin: String) throws(TracedeskError) -> (run: EmbeddedRun?, bodies: [Body], events: [ReceivedEvent]) {
        let document = try HTMLDocument(parsing: String(decoding: data, as: UTF8.self), origin: origin)
        let bodies = document.elements { $0.name == "pre" && $0.classes.contains(bodyClass) }.map { pre in
            Body(text: pre.textContent, firstSeenAt: pre.attribute("data-first-seen").flatMap { Int64($0) }.flatMap { (0...Timestamp.latest).contains($0) ? $0 : nil })
        }
        var events: [ReceivedEvent] = []
        for pre in document.elements(where: { $0.name == "pre" && $0.classes.contains(eventsClass) }) {
            events += try Self.events(fromLines: pre.textContent, origin: origin)
        }
        guard !bodies.isEmpty || !events.isEmpty else {
            throw .badInput("\(origin): HTML without status bodies (only reports written by Tracedesk can be imported)")
        }
        let run = document.elements { $0.name == "pre" && $0.classes.contains(runClass) }.first
            .flatMap { try? JSONDecoder().decode(EmbeddedRun.self, from: Data($0.textContent.utf8)) }
        return (run, bodies, events)
    }
}
