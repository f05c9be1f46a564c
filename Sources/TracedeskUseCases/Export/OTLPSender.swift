import Foundation
import TracedeskClient
import TracedeskExport
import TracedeskModel

/// Sends OTLP/HTTP protobuf requests to one backend: retries 429, 502, 503 and 504 (after
/// their Retry-After, else with backoff), and says in words what else went wrong.
public struct OTLPSender: Sendable {
    public let destination: OTLPDestination
    let transport: any HTTPTransport
    let clock: PollingClock
    let retry: RetryPolicy

    public init(destination: OTLPDestination, transport: any HTTPTransport, clock: PollingClock = .system,
                retry: RetryPolicy = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(500), maxDelay: .seconds(10))) {
        self.destination = destination
        self.transport = transport
        self.clock = clock
        self.retry = retry
    }

    /// Posts one request's body.
    public func send(_ body: Data) async throws(TracedeskError) {
        var headers = destination.headers
        headers["Content-Type"] = "application/x-protobuf"
        let request = HTTPRequestData(method: "POST", url: destination.endpoint, headers: headers, body: body)
        let where_ = destination.endpoint.absoluteString
        var attempt = 1
        while true {
            let reason: String
            var retryAfter: Duration?
            do {
                let response = try await transport.send(request)
                switch response.status {
                case 200...299:
                    return
                case 401, 403:
                    throw TracedeskError(.authenticationRefused, "the OpenTelemetry backend at \(where_) refused the request (\(response.status)): "
                                         + "give its key with --header or OTEL_EXPORTER_OTLP_HEADERS")
                case 429, 502, 503, 504:
                    reason = "the OpenTelemetry backend at \(where_) answered \(response.status)"
                    retryAfter = response.header("Retry-After").flatMap { RetryAfter.parse($0, now: clock.now()) }
                default:
                    let detail = String(decoding: response.body.prefix(300), as: UTF8.self).split(whereSeparator: \.isNewline).first ?? ""
                    throw TracedeskError(.podUnavailable, "the OpenTelemetry backend at \(where_) refused the spans (\(response.status))"
                                         + (detail.isEmpty ? "" : ": \(detail)") + "; is it an OTLP/HTTP traces endpoint?")
                }
            } catch let error as TracedeskError {
                throw error
            } catch {
                reason = "no OpenTelemetry backend answers at \(where_) (\(NetworkFailure.describe(error)))"
            }
            guard attempt < retry.maxAttempts else {
                throw TracedeskError(.podUnavailable, "\(reason); gave up after \(attempt) attempt\(attempt == 1 ? "" : "s")")
            }
            let delay = min(max(retryAfter ?? .zero, retry.delay(forRetry: attempt)), .seconds(60))
            do { try await clock.sleep(delay) } catch { throw TracedeskError(.interrupted, "interrupted while exporting") }
            attempt += 1
        }
    }
}
