import Foundation
import Synchronization
import TracedeskClient

/// A transport that answers from a script and keeps every request: an OpenTelemetry backend, or
/// anything else a test stands in for. Requests to other hosts go to `fallback` (the pod).
final class CapturingTransport: HTTPTransport {
    let host: String
    let fallback: (any HTTPTransport)?
    private let answers: Mutex<[HTTPResponseData]>
    private let captured = Mutex<[HTTPRequestData]>([])

    /// Answers `answers` in turn, then 200 for ever.
    init(host: String = "otel.example.com", answers: [HTTPResponseData] = [], fallback: (any HTTPTransport)? = nil) {
        self.host = host
        self.fallback = fallback
        self.answers = Mutex(answers)
    }

    var requests: [HTTPRequestData] { captured.withLock { $0 } }

    func send(_ request: HTTPRequestData) async throws -> HTTPResponseData {
        if request.url.host != host, let fallback { return try await fallback.send(request) }
        captured.withLock { $0.append(request) }
        return answers.withLock { $0.isEmpty ? HTTPResponseData(status: 200, headers: [:], body: Data()) : $0.removeFirst() }
    }
}
