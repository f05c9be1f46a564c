import Foundation
import GRDB
import TracedeskModel

/// A row of `node`: one step of a run, in tree order.
///
/// `position` numbers a run's nodes depth first from 0; `parentPosition` points to the parent,
/// `nil` for top-level nodes; `depth` is 0 at the top. The steps of a nested run (a WORKFLOW
/// node that called another team) are stored under that node, one level deeper, and the node
/// carries the nested run's `nestedJobId`, `nestedTraceId` and `nestedStatus`.
public struct NodeRecord: Sendable, Hashable {
    public var id: Int64?
    public var runId: Int64
    public var position: Int
    public var parentPosition: Int?
    public var depth: Int
    public var code: String?
    public var name: String?
    public var type: String?
    public var status: String?
    public var startedAt: Int64?
    public var endedAt: Int64?
    public var durationMs: Int64?
    public var inputTokens: Int64
    public var outputTokens: Int64
    public var model: String?
    /// The input as text: a string as it came, anything else as JSON.
    public var input: String?
    /// The output as text: a string as it came, anything else as JSON.
    public var output: String?
    public var error: String?
    public var nestedJobId: String?
    public var nestedTraceId: String?
    public var nestedStatus: String?
    /// The nested run's own token counts, where this node called another team.
    public var nestedInputTokens: Int64?
    public var nestedOutputTokens: Int64?
    /// The item as received, as JSON.
    public var raw: String
    /// The loop iteration the step ran in, when the pod said (a debug stream's `loopIndex`).
    public var loopIndex: Int?
    /// The AI units of the step's model calls; `nil` when it made none or a rate is unknown.
    public var aiUnits: Int64?

    public init(id: Int64? = nil, runId: Int64, position: Int, parentPosition: Int? = nil, depth: Int = 0, code: String? = nil,
                name: String? = nil, type: String? = nil, status: String? = nil, startedAt: Int64? = nil, endedAt: Int64? = nil,
                durationMs: Int64? = nil, inputTokens: Int64 = 0, outputTokens: Int64 = 0, model: String? = nil,
                input: String? = nil, output: String? = nil, error: String? = nil, nestedJobId: String? = nil,
                nestedTraceId: String? = nil, nestedStatus: String? = nil, nestedInputTokens: Int64? = nil,
                nestedOutputTokens: Int64? = nil, raw: String) {
        self.id = id
        self.runId = runId
        self.position = position
        self.parentPosition = parentPosition
        self.depth = depth
        self.code = code
        self.name = name
        self.type = type
        self.status = status
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.durationMs = durationMs
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.model = model
        self.input = input
        self.output = output
        self.error = error
        self.nestedJobId = nestedJobId
        self.nestedTraceId = nestedTraceId
        self.nestedStatus = nestedStatus
        self.nestedInputTokens = nestedInputTokens
        self.nestedOutputTokens = nestedOutputTokens
        self.raw = raw
    }

    /// The node's own tokens, or, for a call to another team that reports none, the nested run's.
    public var displayTokens: TokenUsage {
        let own = TokenUsage(input: inputTokens, output: outputTokens)
        guard own.isZero, nestedJobId != nil else { return own }
        return TokenUsage(input: nestedInputTokens ?? 0, output: nestedOutputTokens ?? 0)
    }

    /// A label for people: the code, else the name, else the type.
    public var label: String { code ?? name ?? type ?? "node" }

    /// The prompt a model step's item carries (its system and user messages), read from the item
    /// as recorded; `nil` for a step that calls no model or names no prompt. Only the items of
    /// model steps that hold a prompt's key are parsed: reading every step's JSON again would
    /// cost a run of thousands of steps dearly.
    public var prompt: LLMPrompt? {
        guard model != nil || type.map({ $0.caseInsensitiveCompare("LLM") == .orderedSame || $0.caseInsensitiveCompare("AGENT") == .orderedSame }) == true,
              Self.promptKeys.contains(where: { raw.utf8.contains(bytes: $0) }),
              let item = JSONValue(parsing: raw) else { return nil }
        return LLMPrompt(node: item)
    }

    /// The keys a prompt is read from, as they appear in an item's text.
    private static let promptKeys: [[UInt8]] = LLMPrompt.keys.map { Array("\"\($0)\"".utf8) }

    /// Whether the step failed: its status says so, or it carries an error.
    public var failed: Bool {
        RunStatus(status ?? "") == .error || error != nil
    }
}

extension NodeRecord: FetchableRecord {
    static let columns = [
        "id", "runId", "position", "parentPosition", "depth", "code", "name", "type", "status", "startedAt", "endedAt",
        "durationMs", "inputTokens", "outputTokens", "model", "input", "output", "error", "nestedJobId", "nestedTraceId",
        "nestedStatus", "nestedInputTokens", "nestedOutputTokens", "raw", "loopIndex", "aiUnits",
    ]
    static let selection = columns.joined(separator: ", ")

    public init(row: Row) throws {
        self.init(id: row[0], runId: row[1], position: row[2], parentPosition: row[3], depth: row[4], code: row[5], name: row[6],
                  type: row[7], status: row[8], startedAt: row[9], endedAt: row[10], durationMs: row[11], inputTokens: row[12],
                  outputTokens: row[13], model: row[14], input: row[15], output: row[16], error: row[17], nestedJobId: row[18],
                  nestedTraceId: row[19], nestedStatus: row[20], nestedInputTokens: row[21], nestedOutputTokens: row[22], raw: row[23])
        loopIndex = row[24]
        aiUnits = row[25]
    }

    /// The values of every column but `id`, in `columns` order.
    var values: [SQLValue] {
        [.integer(runId), .init(position), .init(parentPosition), .init(depth), .init(code), .init(name), .init(type), .init(status),
         .init(startedAt), .init(endedAt), .init(durationMs), .integer(inputTokens), .integer(outputTokens), .init(model), .init(input),
         .init(output), .init(error), .init(nestedJobId), .init(nestedTraceId), .init(nestedStatus), .init(nestedInputTokens),
         .init(nestedOutputTokens), .text(raw), .init(loopIndex), .init(aiUnits)]
    }
}

/// A row of `chunk` or `citation`: a passage a document tool returned, in the order received.
public struct DocumentReferenceRecord: Sendable, Hashable {
    public var id: Int64?
    public var runId: Int64
    public var position: Int
    public var title: String?
    public var source: String?
    public var score: Double?
    public var text: String?
    public var page: String?
    /// The item as received, as JSON.
    public var raw: String
    /// The loop iteration the step ran in, when the pod said (a debug stream's `loopIndex`).
    public var loopIndex: Int?
    /// The AI units of the step's model calls; `nil` when it made none or a rate is unknown.
    public var aiUnits: Int64?

    public init(id: Int64? = nil, runId: Int64, position: Int, title: String? = nil, source: String? = nil, score: Double? = nil,
                text: String? = nil, page: String? = nil, raw: String) {
        self.id = id
        self.runId = runId
        self.position = position
        self.title = title
        self.source = source
        self.score = score
        self.text = text
        self.page = page
        self.raw = raw
    }
}

extension DocumentReferenceRecord: FetchableRecord {
    static let selection = "id, runId, position, title, source, score, text, page, raw"

    public init(row: Row) throws {
        self.init(id: row[0], runId: row[1], position: row[2], title: row[3], source: row[4], score: row[5], text: row[6],
                  page: row[7], raw: row[8])
    }
}
