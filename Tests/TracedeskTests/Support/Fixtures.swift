import Foundation
import TracedeskClient
import TracedeskCommandLine
import TracedeskCompare
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases

/// The sample bodies of `samples/bodies/`, read from the repository.
enum Fixtures {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: repository.appendingPathComponent("samples/bodies/\(name)"))
    }

    static func text(_ name: String) throws -> String {
        String(decoding: try data(name), as: UTF8.self)
    }

    static func body(_ name: String) throws -> StatusBody {
        try StatusBody(data: data(name))
    }

    static func body(json: String) throws -> StatusBody {
        try StatusBody(data: Data(json.utf8))
    }

    static let sampleNames = [
        "coe-invoke-running.json", "coe-status-complete.json", "workflow-nested-complete.json",
        "supervisor-complete.json", "approval-waiting.json", "worker-card-error.json",
        "document-chunks-complete.json",
    ]

    /// Finds a node by code anywhere in a tree, nested runs included.
    static func node(_ code: String, in nodes: [Node]) -> Node? {
        for node in nodes {
            if node.code == code { return node }
            if let found = Self.node(code, in: node.children) { return found }
            if let nested = node.nestedRun, let found = Self.node(code, in: nested.nodes) { return found }
        }
        return nil
    }
}
