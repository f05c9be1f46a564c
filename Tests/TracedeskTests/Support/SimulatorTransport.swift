import Foundation
import FusionSimulator
import InProcessPod
import Synchronization
import TracedeskClient
import TracedeskCommandLine
import TracedeskCompare
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases

/// The in-process pod on the sample scenarios, with helpers for building clients on it.
final class SimulatorTransport: HTTPTransport {
    let inner: InProcessPodTransport
    var pod: SimulatedPod { inner.pod }
    var runClock: ManualClock { inner.runClock }
    var wallClock: ManualClock { inner.wallClock }
    var requests: [HTTPRequestData] { inner.requests }

    static let scenarios = Fixtures.repository.appendingPathComponent("samples/scenarios")
    static let pod = URL(string: "https://pod.example.com")!
    static let tokenURL = URL(string: "https://idcs.example.com/oauth2/v1/token")!

    init(tokenLifetime: Int = 3600, library: ScenarioLibrary? = nil) throws {
        inner = InProcessPodTransport(library: try library ?? ScenarioLibrary.load(directory: Self.scenarios), tokenLifetime: tokenLifetime)
    }

    func send(_ request: HTTPRequestData) async throws -> HTTPResponseData { try await inner.send(request) }

    /// Makes the next `count` calls fail as if the connection dropped.
    func dropNext(_ count: Int) { inner.dropNext(count) }

    /// A clock whose sleeps move the pod's clocks, remembering each wait.
    func sleeper(_ recorded: Locked<[Duration]>) -> PollingClock {
        inner.clock { duration in recorded.withLock { $0.append(duration) } }
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
