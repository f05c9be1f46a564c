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

    /// A transport whose one streamed answer is `chunks`, then ends (or hangs, for a reader to leave).
    struct ChunkedStream: HTTPTransport {
        var chunks: [String]
        var hangs = false
        func send(_ request: HTTPRequestData) async throws -> HTTPResponseData { HTTPResponseData(status: 404, headers: [:], body: Data()) }
        func stream(_ request: HTTPRequestData) async throws -> HTTPStreamingResponse {
            let (chunks, hangs) = (chunks, hangs)
            return HTTPStreamingResponse(status: 200, headers: [:], body: AsyncThrowingStream { continuation in
                for chunk in chunks { continuation.yield(Array(chunk.utf8)) }
                if !hangs { continuation.finish() }
            })
        }
    }

    func recordedExchange(in folder: URL) throws -> JSONValue {
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path).first)
        let data = try Data(contentsOf: folder.appendingPathComponent(name))
        return try #require(JSONValue(parsing: data))
    }

    @Test("a stream longer than the recording keeps is cut at a chunk, and every event it kept keeps its arrival")
    func cutStreamKeepsArrivals() async throws {
        let folder = try TemporaryFolder()
        let clock = Locked<Int64>(1_000)
        let chunks = ["data: {\"a\": 1}\n\n", "data: {\"b\": 2}\n\ndata: {\"c\"", ": 3}\n\n", "data: {\"d\": 4}\n\n"]
        let recording = try RecordingTransport(inner: ChunkedStream(chunks: chunks), folder: folder.url, now: { clock.withLock { $0 += 10; return $0 } },
                                               maximumStreamBytes: chunks[0].utf8.count + chunks[1].utf8.count)
        let response = try await recording.stream(HTTPRequestData(method: "POST", url: URL(string: "https://pod.example.com/api/x/debug")!))
        var read = 0
        for try await chunk in response.body { read += chunk.count }
        #expect(read == chunks.joined().utf8.count, "the caller reads it all")
        let exchange = try recordedExchange(in: folder.url)
        #expect(exchange["failure"]?.stringValue == "the stream was longer than the recording keeps")
        let kept = try #require(exchange["response"]?["body"]?.stringValue)
        let arrivals = exchange["response"]?["eventArrivals"]?.arrayValue?.compactMap(\.int64Value) ?? []
        let stream = CapturedStream(exchangeRequest: nil, response: kept, at: 1_000, arrivals: arrivals)
        #expect(stream.events.count == 3, "a, b and the start of c")
        #expect(arrivals.count == stream.events.count && stream.events.map(\.receivedAt) == arrivals, "each event keeps its own arrival: \(arrivals)")
        #expect(Set(arrivals).count > 1)
    }

    @Test("a reader that is cancelled leaves the stream: the recording says so, it is no clean end")
    func cancelledReader() async throws {
        let folder = try TemporaryFolder()
        let recording = try RecordingTransport(inner: ChunkedStream(chunks: ["data: {\"a\": 1}\n\n"], hangs: true), folder: folder.url)
        let reader = Task {
            let response = try await recording.stream(HTTPRequestData(method: "POST", url: URL(string: "https://pod.example.com/api/x/debug")!))
            for try await _ in response.body {}
        }
        try await Task.sleep(for: .milliseconds(100))
        reader.cancel()
        _ = await reader.result
        // Saved when the tap is let go, which may be a moment after the reader ends.
        for _ in 0..<100 where (try? FileManager.default.contentsOfDirectory(atPath: folder.url.path))?.isEmpty != false {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try recordedExchange(in: folder.url)["failure"]?.stringValue == "the stream was left before its end")
    }
}
