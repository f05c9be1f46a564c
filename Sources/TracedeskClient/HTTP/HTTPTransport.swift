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

/// An answer whose body arrives over time (Server-Sent Events): the status and headers at once,
/// then the body's bytes as they come. The stream ends when the server closes the body, and
/// throws when the connection fails before that.
public struct HTTPStreamingResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: AsyncThrowingStream<[UInt8], any Error>

    public init(status: Int, headers: [String: String], body: AsyncThrowingStream<[UInt8], any Error>) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A header by name, case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The whole body, up to `limit` bytes (for an error answer).
    public func collected(upTo limit: Int = 1 << 20) async -> Data {
        var data = Data()
        do {
            for try await chunk in body {
                data.append(contentsOf: chunk.prefix(max(0, limit - data.count)))
                if data.count >= limit { break }
            }
        } catch {}
        return data
    }
}

/// Sends HTTP requests: `NetworkTransport` in the tool, an in-process pod in tests.
public protocol HTTPTransport: Sendable {
    /// Sends a request; throws only when no answer came (refused, reset, timed out, TLS failed).
    func send(_ request: HTTPRequestData) async throws -> HTTPResponseData

    /// Sends a request whose answer is read as it arrives. `request.timeout` bounds the wait for
    /// the answer's head only; the body may last as long as the run it reports.
    func stream(_ request: HTTPRequestData) async throws -> HTTPStreamingResponse
}

extension HTTPTransport {
    /// A transport that cannot stream answers with the whole body as one piece.
    public func stream(_ request: HTTPRequestData) async throws -> HTTPStreamingResponse {
        let response = try await send(request)
        let bytes = [UInt8](response.body)
        return HTTPStreamingResponse(status: response.status, headers: response.headers, body: AsyncThrowingStream { continuation in
            if !bytes.isEmpty { continuation.yield(bytes) }
            continuation.finish()
        })
    }
}
