import Foundation
import FusionSimulator
import Synchronization
import TracedeskCore

/// An `HTTPTransport` that hands Tracedesk's requests straight to a simulated pod: no socket, and,
/// with manual clocks, time that moves only when the poll loop "sleeps". For tests and benchmarks
/// that must run many long runs exactly and quickly; the simulator still produces every body.
public final class InProcessPodTransport: HTTPTransport {
    public let pod: SimulatedPod
    public let runClock: ManualClock
    public let wallClock: ManualClock
    private let log = Mutex<[HTTPRequestData]>([])
    private let drops = Mutex(0)

    public init(library: ScenarioLibrary, tokenLifetime: Int = 3600, seed: UInt64 = 11) {
        runClock = ManualClock()
        wallClock = ManualClock(1_795_000_000_000)
        pod = SimulatedPod(library: library, configuration: .demo(tokenLifetime: tokenLifetime, seed: seed),
                           runClock: runClock, wallClock: wallClock)
    }

    /// Every request sent so far.
    public var requests: [HTTPRequestData] { log.withLock { $0 } }

    /// Makes the next `count` calls fail as if the connection dropped.
    public func dropNext(_ count: Int) { drops.withLock { $0 = count } }

    /// A clock for the client and the poll loop: sleeping moves both of the pod's clocks forward.
    public func clock(recording waits: (@Sendable (Duration) -> Void)? = nil) -> PollingClock {
        PollingClock(now: { [wallClock] in wallClock.now() }, sleep: { [runClock, wallClock] duration in
            try Task.checkCancellation()
            waits?(duration)
            let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
            runClock.advance(byMilliseconds: milliseconds)
            wallClock.advance(byMilliseconds: milliseconds)
        })
    }

    public func send(_ request: HTTPRequestData) async throws -> HTTPResponseData {
        log.withLock { $0.append(request) }
        if drops.withLock({ count in defer { count = max(0, count - 1) }; return count > 0 }) {
            throw URLError(.networkConnectionLost)
        }
        let path = request.url.path
        let query = Dictionary(URLComponents(url: request.url, resolvingAgainstBaseURL: false)?.queryItems?
            .map { ($0.name, $0.value ?? "") } ?? [], uniquingKeysWith: { $1 })
        let authorization = request.headers["Authorization"]
        let fault = request.headers["X-Simulator-Fault"]
        let answer: PodResponse
        if path.hasSuffix("/oauth2/v1/token") {
            let form = Dictionary(String(decoding: request.body ?? Data(), as: UTF8.self).split(separator: "&").map { pair -> (String, String) in
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                return (parts[0], parts.count > 1 ? parts[1] : "")
            }, uniquingKeysWith: { $1 })
            answer = await pod.token(form: form, authorization: authorization)
        } else if let match = path.firstMatch(of: /\/api\/fusion-ai\/orchestrator\/agent\/v[12]\/([^\/]+)\/invokeAsync$/) {
            answer = await pod.invoke(team: String(match.1), body: request.body ?? Data(), authorization: authorization, fault: fault)
        } else if let match = path.firstMatch(of: /\/api\/fusion-ai\/orchestrator\/agent\/v[12]\/([^\/]+)\/status\/([^\/]+)$/) {
            answer = await pod.status(team: String(match.1), jobId: String(match.2), invocationMode: query["invocationMode"],
                                      authorization: authorization, fault: fault)
        } else {
            return HTTPResponseData(status: 404, headers: [:], body: Data("no route".utf8))
        }
        if answer.dropConnection { throw URLError(.networkConnectionLost) }
        return HTTPResponseData(status: answer.status, headers: Dictionary(answer.headers, uniquingKeysWith: { $1 }),
                                body: Data(answer.body.utf8))
    }
}
