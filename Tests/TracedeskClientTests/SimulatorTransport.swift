import Foundation
import FusionSimulator
import Synchronization
import TracedeskCore

/// An `HTTPTransport` that hands requests straight to a simulated pod: no socket, and time that
/// moves only when the poll loop "sleeps", so a 30-second run is tested in milliseconds.
final class SimulatorTransport: HTTPTransport {
    let pod: SimulatedPod
    let runClock: ManualClock
    let wallClock: ManualClock
    private let log = Locked<[HTTPRequestData]>([])
    /// Make the next N calls fail as if the connection dropped.
    let dropNext = Mutex(0)

    static let scenarios = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples/scenarios")
    static let pod = URL(string: "https://pod.example.com")!
    static let tokenURL = URL(string: "https://idcs.example.com/oauth2/v1/token")!

    init(tokenLifetime: Int = 3600, library: ScenarioLibrary? = nil) throws {
        runClock = ManualClock()
        wallClock = ManualClock(1_795_000_000_000)
        pod = SimulatedPod(library: try library ?? ScenarioLibrary.load(directory: Self.scenarios),
                           configuration: .demo(tokenLifetime: tokenLifetime, seed: 11), runClock: runClock, wallClock: wallClock)
    }

    var requests: [HTTPRequestData] { log.withLock { $0 } }

    func send(_ request: HTTPRequestData) async throws -> HTTPResponseData {
        log.withLock { $0.append(request) }
        if dropNext.withLock({ count in defer { count = max(0, count - 1) }; return count > 0 }) {
            throw URLError(.networkConnectionLost)
        }
        let path = request.url.path
        let query = Dictionary(URLComponents(url: request.url, resolvingAgainstBaseURL: false)?.queryItems?
            .map { ($0.name, $0.value ?? "") } ?? [], uniquingKeysWith: { $1 })
        let answer: PodResponse
        if path == "/oauth2/v1/token" {
            let form = Dictionary(String(decoding: request.body ?? Data(), as: UTF8.self).split(separator: "&").map { pair -> (String, String) in
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                return (parts[0], parts.count > 1 ? parts[1] : "")
            }, uniquingKeysWith: { $1 })
            answer = await pod.token(form: form, authorization: request.headers["Authorization"])
        } else if let match = path.firstMatch(of: /\/api\/fusion-ai\/orchestrator\/agent\/v[12]\/([^\/]+)\/invokeAsync/) {
            answer = await pod.invoke(team: String(match.1), body: request.body ?? Data(),
                                      authorization: request.headers["Authorization"], fault: request.headers["X-Simulator-Fault"])
        } else if let match = path.firstMatch(of: /\/api\/fusion-ai\/orchestrator\/agent\/v[12]\/([^\/]+)\/status\/([^\/]+)/) {
            answer = await pod.status(team: String(match.1), jobId: String(match.2), invocationMode: query["invocationMode"],
                                      authorization: request.headers["Authorization"], fault: request.headers["X-Simulator-Fault"])
        } else {
            return HTTPResponseData(status: 404, headers: [:], body: Data("no route".utf8))
        }
        if answer.dropConnection { throw URLError(.networkConnectionLost) }
        return HTTPResponseData(status: answer.status, headers: Dictionary(answer.headers, uniquingKeysWith: { $1 }), body: Data(answer.body.utf8))
    }

    /// A sleep that moves the pod's clocks instead of waiting, and remembers how long it was asked to wait.
    func sleeper(_ recorded: Locked<[Duration]>) -> PollingClock {
        PollingClock(now: { [wallClock] in wallClock.now() }, sleep: { [runClock, wallClock] duration in
            try Task.checkCancellation()
            recorded.withLock { $0.append(duration) }
            let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
            runClock.advance(byMilliseconds: milliseconds)
            wallClock.advance(byMilliseconds: milliseconds)
        })
    }

    func oauth(_ grant: OAuthSettings.Grant = .clientCredentials, secret: String? = DemoCredentials.clientSecret,
               cache: TokenCache? = nil) -> OAuthTokenProvider {
        OAuthTokenProvider(settings: OAuthSettings(tokenURL: Self.tokenURL, clientId: DemoCredentials.clientId, clientSecret: secret,
                                                   scope: DemoCredentials.scope, grant: grant),
                           transport: self, cache: cache, now: { [wallClock] in Date(milliseconds: wallClock.now()) })
    }

    func client(team: String, tokens: (any TokenProvider)? = nil, retry: RetryPolicy = RetryPolicy(),
                sleeps: Locked<[Duration]>, events: Locked<[ClientEvent]> = Locked([])) -> AgentClient {
        AgentClient(pod: Self.pod, api: .v2, team: team, transport: self, tokens: tokens ?? oauth(), retry: retry,
                    clock: sleeper(sleeps), observe: { event in events.withLock { $0.append(event) } })
    }
}

/// A value shared between a test and the closures it hands out (Mutex itself cannot be copied).
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        mutex.withLock { body(&$0) }
    }
}
