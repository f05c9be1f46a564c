import Foundation

/// A request to the simulated pod, before or without HTTP: what `PodRouter.dispatch` routes.
public struct PodRequest: Sendable {
    public var method: String
    /// The path, without the query.
    public var path: String
    /// Query items, percent-decoded; a later item of the same name wins.
    public var query: [String: String]
    /// Header values by lower-case name.
    public var headers: [String: String]
    public var body: Data

    public init(method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:], body: Data = Data()) {
        self.method = method.uppercased()
        self.path = path
        self.query = query
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { $1 })
        self.body = body
    }

    /// A header by name, case-insensitively.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}
