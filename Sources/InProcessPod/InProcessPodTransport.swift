import Foundation
import FusionSimulator
import Synchronization
import TracedeskClient
import TracedeskModel

/// An `HTTPTransport` that hands Tracedesk's requests straight to a simulated pod through the
/// simulator's own routing (`PodRouter.dispatch`): no socket, and, with manual clocks, time that
/// moves only when the poll loop "sleeps". For tests and benchmarks that must run many long runs
/// exactly and quickly; the simulator still produces every body.
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
            let milliseconds = TextFormat.milliseconds(duration)
            runClock.advance(byMilliseconds: milliseconds)
            wallClock.advance(byMilliseconds: milliseconds)
        }, movesWhenSlept: true)
    }

    /// A streamed answer (`/debug`): each event is handed over once the run reaches it, the
    /// pod's clocks moved forward to its instant, so a run of minutes streams at once and exactly.
    public func stream(_ request: HTTPRequestData) async throws -> HTTPStreamingResponse {
        let answer = try await dispatch(request)
        guard case .events(let frames, _, let dropAfter)? = answer.stream else {
            let response = try response(to: answer)
            let bytes = [UInt8](response.body)
            return HTTPStreamingResponse(status: response.status, headers: response.headers, body: AsyncThrowingStream { continuation in
                if !bytes.isEmpty { continuation.yield(bytes) }
                continuation.finish()
            })
        }
        let runClock = runClock, wallClock = wallClock
        // Produced only as the reader asks for the next piece: time moves when the reader reads.
        let next = Mutex(0)
        let body = AsyncThrowingStream<[UInt8], any Error>(unfolding: {
            let index = next.withLock { value in defer { value += 1 }; return value }
            guard index < frames.count else { return nil }
            if let dropAfter, index >= dropAfter { throw URLError(.networkConnectionLost) }
            let frame = frames[index]
            let behind = frame.at - runClock.now()
            if behind > 0 {
                runClock.advance(byMilliseconds: behind)
                wallClock.advance(byMilliseconds: behind)
            }
            return Array(frame.text.utf8)
        })
        return HTTPStreamingResponse(status: answer.status, headers: Dictionary(answer.headers, uniquingKeysWith: { $1 }), body: body)
    }

    public func send(_ request: HTTPRequestData) async throws -> HTTPResponseData {
        try response(to: try await dispatch(request))
    }

    private func dispatch(_ request: HTTPRequestData) async throws -> PodResponse {
        log.withLock { $0.append(request) }
        if drops.withLock({ count in defer { count = max(0, count - 1) }; return count > 0 }) {
            throw URLError(.networkConnectionLost)
        }
        let components = URLComponents(url: request.url, resolvingAgainstBaseURL: false)
        let query = Dictionary((components?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        let podRequest = PodRequest(method: request.method, path: components?.percentEncodedPath ?? request.url.path, query: query,
                                    headers: request.headers, body: request.body ?? Data())
        return await PodRouter.dispatch(podRequest, to: pod)
    }

    private func response(to answer: PodResponse) throws -> HTTPResponseData {
        if answer.dropConnection { throw URLError(.networkConnectionLost) }
        var body = Data(answer.body.utf8)
        if case .huge(let total)? = answer.stream {
            body.append(Data(repeating: UInt8(ascii: "x"), count: max(0, total - body.count - 2)))
            body.append(Data(#""}"#.utf8))
        }
        return HTTPResponseData(status: answer.status, headers: Dictionary(answer.headers, uniquingKeysWith: { $1 }), body: body)
    }
}
