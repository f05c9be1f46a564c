import Foundation
import TracedeskClient
import TracedeskExport
import TracedeskModel

/// Sends OTLP/HTTP protobuf requests to one backend: retries 429, 502, 503 and 504 (after
/// their Retry-After, else with backoff) and network failures, within `deadline` when one is set;
/// a TLS failure or a host that does not resolve is not retried. Says in words what went wrong.
public struct OTLPSender: Sendable {
    public let destination: OTLPDestination
    let transport: any HTTPTransport
    let clock: PollingClock
    let retry: RetryPolicy
    /// `--timeout`: no call, retry wait or Retry-After goes past it.
    public var deadline: Deadline?

    public init(destination: OTLPDestination, transport: any HTTPTransport, clock: PollingClock = .system,
                retry: RetryPolicy = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(500), maxDelay: .seconds(10)),
                deadline: Deadline? = nil) {
        self.destination = destination
        self.transport = deadline.map { DeadlineTransport(inner: transport, deadline: $0) } ?? transport
        self.clock = clock
        self.retry = retry
        self.deadline = deadline
    }

    /// What the backend said it did not keep of one request.
    public struct Rejection: Sendable, Equatable {
        public var spans: Int64
        public var message: String
    }

    /// Posts one request's body; returns what the backend rejected of it (OTLP's partial success).
    @discardableResult
    public func send(_ body: Data) async throws(TracedeskError) -> Rejection? {
        var headers = destination.headers
        headers["Content-Type"] = "application/x-protobuf"
        let request = HTTPRequestData(method: "POST", url: destination.endpoint, headers: headers, body: body)
        let where_ = destination.shownEndpoint
        var attempt = 1
        while true {
            let reason: String
            var retryAfter: Duration?
            do {
                let response = try await transport.send(request)
                switch response.status {
                case 200...299:
                    return OTLPEncoding.rejection(inResponse: response.body).map { Rejection(spans: $0.rejectedSpans, message: $0.message) }
                case 401, 403:
                    throw TracedeskError(.authenticationRefused, "the OpenTelemetry backend at \(where_) refused the request (\(response.status)): "
                                         + "give its key with OTEL_EXPORTER_OTLP_HEADERS or --header-file")
                case 429, 502, 503, 504:
                    reason = "the OpenTelemetry backend at \(where_) answered \(response.status)"
                    retryAfter = response.header("Retry-After").flatMap { RetryAfter.parse($0, now: clock.now()) }
                default:
                    let detail = String(decoding: response.body.prefix(300), as: UTF8.self).split(whereSeparator: \.isNewline).first ?? ""
                    throw TracedeskError(.podUnavailable, "the OpenTelemetry backend at \(where_) refused the spans (\(response.status))"
                                         + (detail.isEmpty ? "" : ": \(TextFormat.snippet(String(detail), width: 200))") + "; is it an OTLP/HTTP traces endpoint?")
                }
            } catch let error as TracedeskError {
                throw error
            } catch {
                let description = NetworkFailure.describe(error)
                if NetworkFailure.isPermanent(error) {
                    throw TracedeskError.badInput("cannot reach the OpenTelemetry backend at \(where_): \(description); not retried")
                }
                reason = "no OpenTelemetry backend answers at \(where_) (\(description))"
            }
            guard attempt < retry.maxAttempts else {
                throw TracedeskError(.podUnavailable, "\(reason); gave up after \(attempt) attempt\(attempt == 1 ? "" : "s")")
            }
            let delay = min(max(retryAfter ?? .zero, retry.delay(forRetry: attempt)), .seconds(60))
            if let deadline, delay >= deadline.remaining {
                let wait = retryAfter.map { "the backend asks to wait \(TextFormat.duration(TextFormat.milliseconds($0))) (Retry-After)" }
                    ?? "the next try would come after it"
                throw deadline.exceeded("\(reason); \(wait)")
            }
            do { try await clock.sleep(delay) } catch { throw TracedeskError(.interrupted, "interrupted while exporting") }
            attempt += 1
        }
    }
}
