import Foundation
import FusionSimulator
import Testing
@testable import TracedeskClient
@testable import TracedeskCommandLine
@testable import TracedeskCompare
@testable import TracedeskDocuments
@testable import TracedeskHistory
@testable import TracedeskModel
@testable import TracedeskUseCases

@Suite("--record: every exchange saved without secrets, and replayed by import")
struct RecordingTransportTests {
    @Test("a recorded run replays into another history as the same run")
    func recordAndReplay() async throws {
        let simulator = try SimulatorTransport()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recording-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let recording = try RecordingTransport(inner: simulator, folder: folder, now: { [clock = simulator.wallClock] in clock.now() })
        let tokens = OAuthTokenProvider(
            settings: OAuthSettings(tokenURL: SimulatorTransport.tokenURL, clientId: DemoCredentials.clientId,
                                    clientSecret: DemoCredentials.clientSecret, scope: DemoCredentials.scope, grant: .clientCredentials),
            transport: recording, cache: nil)
        let sleeps = Locked<[Duration]>([])
        let client = AgentClient(pod: SimulatorTransport.pod, team: "XX_TRAVEL_POLICY_ADVISOR", transport: recording, tokens: tokens,
                                 clock: simulator.sleeper(sleeps))
        let store = try HistoryStore.inMemory()
        let poller = JobFollower(client: client, store: store, context: RecordingContext(teamCode: "XX_TRAVEL_POLICY_ADVISOR", source: .invoke),
                            options: .init(), clock: simulator.sleeper(sleeps))
        let first = try await client.invoke(InvokeRequest(message: "Business class?"))
        try poller.record(first)
        #expect(try await poller.follow(jobId: first.body.jobId, after: first) == .finished(status: .complete))

        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(files.count == simulator.requests.count, "one file per exchange")
        #expect(files.first?.contains("-POST-token") == true)
        let token = try await tokens.token(forceRefresh: false)
        var sources: [CaptureSource] = []
        for name in files {
            let url = folder.appendingPathComponent(name)
            let mode = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600)
            let text = try String(contentsOf: url, encoding: .utf8)
            #expect(!text.contains(token), "\(name) holds the token")
            #expect(!text.contains(DemoCredentials.clientSecret))
            #expect(!text.lowercased().contains("\"authorization\""))
            sources.append(CaptureSource.data(try Data(contentsOf: url), origin: name))
        }
        let tokenCall = try #require(JSONValue(parsing: try Data(contentsOf: folder.appendingPathComponent(files[0]))))
        #expect(tokenCall["response"]?["body"]?.stringValue?.contains("[redacted]") == true)

        let replayed = try HistoryStore.inMemory()
        let summary = try Importer(store: replayed).importBodies(from: sources, team: nil)
        #expect(summary.exchangesSkipped == 1, "the token call")
        let original = try store.run(first.body.jobId)
        let copy = try replayed.run(first.body.jobId)
        #expect(copy.status == .complete)
        #expect(copy.nodeCount == original.nodeCount)
        #expect(copy.output == original.output)
        #expect(try replayed.snapshots(of: copy).map(\.body) == (try store.snapshots(of: original).map(\.body)), "the same verbatim bodies")
    }

    @Test("secrets in form and JSON bodies are redacted; other text is left as it is")
    func redaction() {
        #expect(RecordingTransport.redact("grant_type=password&username=casey&password=hunter2&client_secret=s")
            == "grant_type=password&username=casey&password=%5Bredacted%5D&client_secret=%5Bredacted%5D")
        #expect(RecordingTransport.redact(#"{"access_token":"abc","expires_in":3600}"#).contains("[redacted]"))
        #expect(!RecordingTransport.redact(#"{"access_token":"abc","expires_in":3600}"#).contains("abc"))
        let body = #"{"jobId": "j", "status": "RUNNING"}"#
        #expect(RecordingTransport.redact(body) == body, "a body without secrets stays verbatim")
        #expect(RecordingTransport.redact("plain text, not a form") == "plain text, not a form")
    }
}
