import Foundation
import TracedeskModel
import GRDB

/// A row of `node`: one step of a run, in tree order.
///
/// `position` numbers a run's nodes depth first from 0; `parentPosition` points to the parent,
/// `nil` for top-level nodes; `depth` is 0 at the top. The steps of a nested run (a WORKFLOW
/// node that called another team) are stored under that node, one level deeper, and the node
/// carries the nested run's `nestedJobId`, `nestedTraceId` and `nestedStatus`.
public struct NodeRecord: Sendable, Hashable, Codable {
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

    /// The node's own tokens, or, for a call to another team that reports none, the nested run's.
    public var displayTokens: TokenUsage {
        let own = TokenUsage(input: inputTokens, output: outputTokens)
        guard own.isZero, nestedJobId != nil else { return own }
        return TokenUsage(input: nestedInputTokens ?? 0, output: nestedOutputTokens ?? 0)
    }

    /// A label for people: the code, else the name, else the type.
    public var label: String { code ?? name ?? type ?? "node" }
}

extension NodeRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "node"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A row of `chunk` or `citation`: a passage a document tool returned, in the order received.
public struct DocumentReferenceRecord: Sendable, Hashable, Codable, FetchableRecord {
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
}
