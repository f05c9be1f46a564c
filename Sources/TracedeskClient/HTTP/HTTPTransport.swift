import Foundation
import TracedeskModel

/// One HTTP exchange's request, as Tracedesk sends it.
public struct HTTPRequestData: Sendable {
    public var method: String
    public var url: URL
    public var headers: [String: String]
    public var body: Data?
    /// How long the whole exchange may take; the transport's default when `nil`.
    public var timeout: Duration?

    public init(method: String, url: URL, headers: [String: String] = [:], body: Data? = nil, timeout: Duration? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// One HTTP exchange's answer.
public struct HTTPResponseData: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A header by name, case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// Sends HTTP requests: `NetworkTransport` in the tool, an in-process pod in tests.
public protocol HTTPTransport: Sendable {
    /// Sends a request; throws only when no answer came (refused, reset, timed out, TLS failed).
    func send(_ request: HTTPRequestData) async throws -> HTTPResponseData
}
