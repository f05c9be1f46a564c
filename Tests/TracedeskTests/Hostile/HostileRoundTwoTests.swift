import Foundation
import FusionSimulator
import GRDB
import Testing
@testable import TracedeskClient
import TracedeskCommandLine
@testable import TracedeskCompare
import TracedeskDocuments
import TracedeskExport
@testable import TracedeskHistory
@testable import TracedeskModel
@testable import TracedeskUseCases

/// The second round of hostile inputs (issue 30): files, pods, backends and identity domains
/// that lie, grow without end or point elsewhere. Each case once failed; none may again.
@Suite("Hostile inputs, round two")
struct HostileRoundTwoTests {
    let folder: TemporaryFolder
    let tracedesk: CommandLineHarness

    init() throws {
        folder = try TemporaryFolder()
        tracedesk = CommandLineHarness(database: folder.path("history.sqlite"))
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = folder.path(name)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("an HTML file of 300,000 nested <div> is refused as no report, walked without recursion")
    func deepHTMLImport() async throws {
        let path = try write("deep.html", "<!DOCTYPE html><html><body>" + String(repeating: "<div>", count: 300_000) + "</body></html>")
        let imported = await tracedesk.run(["import", path])
        #expect(imported.status == 2)
        #expect(imported.stderr.contains("HTML without status bodies"))
    }

    @Test("an HTML file over 64 MiB is refused with exit 2, read no further")
    func hugeHTML() async throws {
        let path = folder.path("huge.html")
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.write(contentsOf: Data("<!DOCTYPE html><html><body><pre>".utf8))
        let block = Data(repeating: UInt8(ascii: "x"), count: 1 << 20)
        for _ in 0..<65 { try handle.write(contentsOf: block) }
        try handle.close()
        let imported = await tracedesk.run(["import", path])
        #expect(imported.status == 2)
        #expect(imported.stderr.contains("larger than 64 MiB"), "\(imported.stderr)")
    }

    @Test("a comparison report's links are followed only to regular report files inside its folder, and nothing refused is echoed",
          arguments: ["../victim/private.json", "%2e%2e/victim/private.json", "link-out/private.json", "/etc/passwd", "runs/notes.txt"])
    func linksStayInTheFolder(link: String) async throws {
        _ = try write("victim/private.json", #"{"jobId": "private-run", "status": "COMPLETE", "secret": "SECRET-BYTES-1234"}"#)
        _ = try write("share/runs/notes.txt", "SECRET-BYTES-1234")
        try? FileManager.default.createSymbolicLink(atPath: folder.path("share/link-out"), withDestinationPath: folder.path("victim"))
        let report = try write("share/compare.html", """
            <!DOCTYPE html><html lang="en"><head><meta name="generator" content="Tracedesk"><title>A hostile comparison</title></head><body class="comparison-report">
            <table><tr class="prompt-row"><td><a class="run-link" href="\(link)">A</a></td></tr></table></body></html>
            """)
        let imported = await tracedesk.run(["import", report])
        #expect(imported.status == 2, "\(imported.stdout) \(imported.stderr)")
        #expect(!imported.stderr.contains("SECRET-BYTES") && !imported.stderr.contains("root:"), "\(imported.stderr)")
        let listed = await tracedesk.run(["runs"])
        #expect(!listed.stdout.contains("private-run"))
    }

    @Test("a FIFO with no writer reads as empty at once instead of blocking import")
    func fifoWithoutWriter() async throws {
        let path = folder.path("pipe")
        #expect(mkfifo(path, 0o600) == 0)
        let imported = await tracedesk.run(["import", path])
        #expect(imported.status == 2)
        #expect(imported.stderr.contains("holds no status body"), "\(imported.stderr)")
    }

    @Test("a jobId longer than a RUN argument may be is refused at import, so every recorded run can be named")
    func longJobId() throws {
        let long = String(repeating: "j", count: 5_000)
        #expect(throws: StatusBodyError.jobIdTooLong) { try StatusBody(data: Data(#"{"jobId": "\#(long)", "status": "COMPLETE"}"#.utf8)) }
        let fits = String(repeating: "j", count: StatusBody.maximumJobIdBytes)
        #expect((try? StatusBody(data: Data(#"{"jobId": "\#(fits)", "status": "COMPLETE"}"#.utf8))) != nil)
    }

    @Test("a body naming its jobId (or status) twice is refused: SQLite and Tracedesk would read different ones")
    func duplicateKeys() async throws {
        let path = try write("twice.json", #"{"jobId": "J-other", "jobId": "J", "status": "COMPLETE"}"#)
        let imported = await tracedesk.run(["import", path])
        #expect(imported.status == 2)
        #expect(imported.stderr.contains("\"jobId\" appears twice"), "\(imported.stderr)")
        #expect((try? StatusBody(data: Data(#"{"jobId": "J", "status": "RUNNING", "status": "COMPLETE"}"#.utf8))) == nil)
        // Keys that do not identify the run may repeat, as JSON allows.
        #expect((try? StatusBody(data: Data(#"{"jobId": "J", "output": "a", "output": "b"}"#.utf8))) != nil)
    }

    @Test("JSON output escapes C1 controls and line separators; a team code with a line break cannot forge a row of runs")
    func controlCharacters() async throws {
        let path = try write("c1.json", #"{"jobId": "c1-run", "status": "COMPLETE", "workflowCode": "TEAM\nFORGED  ROW", "output": "a\u009b31mred\u2028b"}"#)
        let imported = await tracedesk.run(["import", path])
        #expect(imported.status == 0, "\(imported.stderr)")
        let shown = await tracedesk.run(["show", "c1-run", "--json"])
        #expect(!shown.stdout.unicodeScalars.contains { $0.value == 0x9B || $0.value == 0x2028 })
        #expect(shown.stdout.contains(#"\u009b"#))
        #expect(JSONValue(parsing: shown.stdout)?["run"]?["output"]?.stringValue == "a\u{9B}31mred\u{2028}b", "the JSON still means the same")
        let runs = await tracedesk.run(["runs"])
        #expect(!runs.stdout.split(separator: "\n").contains { $0.hasPrefix("FORGED") })
        #expect(runs.stdout.contains(#"TEAM\nFORGED"#), "\(runs.stdout)")
    }

    @Test("a report is written 0600 and its runs' folder 0700 whatever the umask; a report that cannot be written is exit 8")
    func reportPermissions() async throws {
        let imported = await tracedesk.run(["import", "samples/bodies/coe-status-complete.json"])
        #expect(imported.status == 0)
        let previous = umask(0)
        defer { umask(previous) }
        let path = folder.path("open.html")
        let written = await tracedesk.run(["report", "last", "-o", path])
        #expect(written.status == 0, "\(written.stderr)")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode & 0o777 == 0o600, "\(String(mode, radix: 8))")
        let unwritable = await tracedesk.run(["report", "last", "-o", "/proc/version-report.html"])
        #expect(unwritable.status == 8, "\(unwritable.stderr)")
    }

    @Test("a history that another user owns, or on a read-only file system, is read; nothing is written beside it")
    func readOnlyHistory() async throws {
        let imported = await tracedesk.run(["import", "samples/bodies/coe-status-complete.json"])
        #expect(imported.status == 0)
        // Another user's history: the file may be readable (0644), but the write-ahead log beside
        // it is the owner's alone (SQLite makes it 0600), and SQLite cannot open the history
        // without it. Root may open anything, so the log is a folder here: the same refusal.
        try FileManager.default.createDirectory(atPath: folder.path("elsewhere"), withIntermediateDirectories: true)
        let copy = folder.path("elsewhere/history.sqlite")
        try FileManager.default.copyItem(atPath: tracedesk.database, toPath: copy)
        try FileManager.default.createDirectory(atPath: copy + "-wal", withIntermediateDirectories: false)
        let reader = CommandLineHarness(database: copy)
        for command in [["runs"], ["show", "last"], ["history"]] {
            let result = await reader.run(command)
            #expect(result.status == 0, "\(command): \(result.stderr)")
            #expect(result.stderr.contains("as of its last checkpoint"), "\(command): \(result.stderr)")
        }
        let store = try HistoryStore(path: copy, mode: .readOnly)
        #expect(try store.run("last").jobId == "c73c1580-70cc-4f62-93c0-48d9484d8b8b")
        #expect(store.missesUncheckpointedWrites)
    }

    @Test("a first use that cannot set the history up leaves no empty file or folder behind; --db naming a folder says so")
    func failedFirstUse() async throws {
        let nested = folder.path("new/deeper/history.sqlite")
        // A folder where SQLite needs its shared memory: the setup fails after the file was created.
        try FileManager.default.createDirectory(atPath: folder.path("new/deeper"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: nested + "-shm", withIntermediateDirectories: false)
        #expect(throws: TracedeskError.self) { try HistoryStore(path: nested, mode: .readWrite) }
        #expect(!FileManager.default.fileExists(atPath: nested))
        let folderResult = await CommandLineHarness(database: folder.url.path).run(["runs"])
        #expect(folderResult.status == 2 || folderResult.status == 6)
        #expect(folderResult.stderr.contains("is a folder"), "\(folderResult.stderr)")
    }

    @Test("suites: a status no run ends with, an oversized message, and a file too large are refused at load")
    func suites() throws {
        #expect(throws: TracedeskError.self) {
            try PromptSuite.parse(Data("prompts:\n  - message: hi\n    expect: {status: BOGUS}\n".utf8), origin: "s.yaml", json: false)
        }
        let long = String(repeating: "m", count: InvokeRequest.maximumMessageBytes + 1)
        #expect(throws: TracedeskError.self) {
            try PromptSuite.parse(Data(#"{"prompts": [{"message": "\#(long)"}]}"#.utf8), origin: "s.json", json: true)
        }
        let ok = try PromptSuite.parse(Data("prompts:\n  - message: hi\n    expect: {status: waiting}\n".utf8), origin: "s.yaml", json: false)
        #expect(ok.prompts.count == 1)
    }

    @Test("an identity domain's numeric or empty access_token is no token; its error text never prints a secret")
    func tokenAnswers() {
        #expect(!OAuthTokenProvider.isPlausibleToken(""))
        #expect(!OAuthTokenProvider.isPlausibleToken("12345678901234567890"))
        #expect(!OAuthTokenProvider.isPlausibleToken("a token with spaces in it"))
        #expect(OAuthTokenProvider.isPlausibleToken("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"))
        let basic = "Basic " + Data("tracedesk-demo:demo-secret".utf8).base64EncodedString()
        let said = OAuthTokenProvider.said("bad request: Authorization \(basic) (client tracedesk-demo:demo-secret)\u{1B}[2J", secrets: [basic, "demo-secret"])
        #expect(!said.contains("demo-secret") && !said.contains(basic.dropFirst(6)))
        #expect(!said.contains("\u{1B}"))
    }

    @Test("OTLP: credentials in the endpoint are never printed; a header with a line break is refused at once")
    func otlpDestination() throws {
        let destination = try OTLPDestination.resolve(endpoint: "https://user:hunter2@otel.example:4318", headers: [], environment: [:])
        #expect(!destination.shownEndpoint.contains("hunter2") && destination.shownEndpoint.contains("***@otel.example"))
        #expect(throws: TracedeskError.self) {
            try OTLPDestination.resolve(endpoint: nil, headers: ["x-key=abc\r\nInjected: 1"], environment: [:])
        }
        do {
            _ = try OTLPDestination.resolve(endpoint: nil, headers: ["no-equals-secret"], environment: [:])
            Issue.record("a header without = is refused")
        } catch {
            #expect(!error.message.contains("no-equals-secret"), "a malformed header is not echoed")
        }
    }

    @Test("OTLP: a partial success with rejected spans is a failure that says how many; a later failure says what was accepted")
    func otlpLosses() async throws {
        let imported = await tracedesk.run(["import", "samples/bodies/coe-status-complete.json", "samples/bodies/workflow-nested-complete.json"])
        #expect(imported.status == 0)
        let backend = CapturingTransport(host: "127.0.0.1", answers: [HTTPResponseData(status: 200, headers: [:],
                                                                                      body: OTLPEncoding.partialSuccessResponse(rejectedSpans: 3, message: "span too large"))])
        var (context, stdout, stderr) = tracedesk.context()
        context.transports = .fixed(backend)
        let status = await TracedeskCommandLine.run(["export", "otlp", "--endpoint", "http://user:pw-secret@127.0.0.1:4318"], in: context)
        #expect(status == 5, "\(stdout.text) \(stderr.text)")
        #expect(stderr.text.contains("rejected 3 of") && stderr.text.contains("span too large"), "\(stderr.text)")
        #expect(!stderr.text.contains("pw-secret") && !stdout.text.contains("pw-secret"))
    }

    @Test("a pod answering 200 with what is no status body is named after three tries, not polled for minutes")
    func unreadableBodies() async throws {
        let pod = try SimulatorTransport()
        let sleeps = Locked<[Duration]>([])
        let started = try await pod.client(team: "PRODUCT_COMPARISON_ADVISOR_COE", sleeps: sleeps)
            .invoke(InvokeRequest(message: "Compare M1000034 and M1000040"))
        let malformed = FaultOnStatus(inner: pod, fault: "malformed")
        let client = AgentClient(pod: SimulatorTransport.pod, api: .v2, team: "PRODUCT_COMPARISON_ADVISOR_COE", transport: malformed,
                                 tokens: pod.oauth(), retry: RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(1)), clock: pod.sleeper(sleeps))
        let poller = Poller(client: client, options: Poller.Options(outageBudget: .seconds(300)), clock: pod.sleeper(sleeps))
        do {
            _ = try await poller.poll(jobId: started.body.jobId, record: { _ in })
            Issue.record("an unreadable answer ends the poll")
        } catch {
            #expect(error.kind == .podUnavailable)
            #expect(!error.isTransient)
            #expect(error.message.contains("gave up after 3 attempts"), "\(error.message)")
        }
        #expect(malformed.statusCalls == 3)
    }

    @Test("compare: a candidate that finished fewer repeats than the baseline is not graded, exit 10, never 0")
    func ungradedGate() async throws {
        // A and B alternate, one at a time: invokes 1 and 3 (counting from 0) are B's first two repeats.
        let faults = [FaultRule(kind: .status, on: "invoke", after: 1, count: 1, statusCode: 400),
                      FaultRule(kind: .status, on: "invoke", after: 3, count: 1, statusCode: 400)]
        let harness = try CommandLineHarness.withPod(in: folder.url, faults: ["XX_TRAVEL_POLICY_ADVISOR": faults])
        let result = await harness.run(["compare", "XX_TRAVEL_POLICY_ADVISOR", "--message", "Business class?", "--repeat", "3",
                                        "--concurrency", "1", "--fail-on", "regression", "--quiet"])
        #expect(result.status == 10, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("not-graded"), "\(result.stdout)")
        #expect(result.stderr.contains("could not be graded"), "\(result.stderr)")
    }

    @Test("a side that finished fewer runs than the other is no verdict, whatever the figures say")
    func notGradedVerdict() {
        func run(_ repetition: Int, failed: Bool) -> Comparison.RunOutcome {
            Comparison.RunOutcome(repetition: repetition, jobId: "j\(repetition)", status: failed ? "NOT RUN" : "COMPLETE",
                                  failure: failed ? "the pod refused" : nil, timeTakenMs: 1000, tokens: 100, checks: [], output: "same")
        }
        let a = Comparison.SideResult(spec: "PUBLISHED", runs: [run(1, failed: false), run(2, failed: false), run(3, failed: false)])
        let b = Comparison.SideResult(spec: "DRAFT", runs: [run(1, failed: true), run(2, failed: true), run(3, failed: false)])
        let prompt = Comparison.PromptResult(index: 0, prompt: .init(message: "m"), a: a, b: b, diff: nil, thresholds: .init())
        #expect(prompt.verdict == .notGraded)
        #expect(prompt.reasons == ["not graded: A finished 3 of 3 runs and B 1 of 3"])
        let even = Comparison.PromptResult(index: 0, prompt: .init(message: "m"), a: a, b: a, diff: nil, thresholds: .init())
        #expect(even.verdict == .unchanged)
    }

    @Test("invoke on a history that cannot be written says the jobId it started, and how to follow it")
    func jobIdBeforeRecording() async throws {
        var harness = try CommandLineHarness.withPod(in: folder.url)
        // A history file made read-only after it exists: recording the first body fails.
        _ = await harness.run(["import", "samples/bodies/coe-status-complete.json"])
        try FileManager.default.createDirectory(atPath: folder.path("ro"), withIntermediateDirectories: true)
        let readOnly = folder.path("ro/history.sqlite")
        try FileManager.default.copyItem(atPath: harness.database, toPath: readOnly)
        harness.database = readOnly
        let store = try HistoryStore(path: readOnly)
        try await store.writer.write { db in try db.execute(sql: "CREATE TRIGGER refuse BEFORE INSERT ON snapshot BEGIN SELECT RAISE(ABORT, 'disk full'); END") }
        let result = await harness.run(["invoke", "PRODUCT_COMPARISON_ADVISOR_COE", "Compare M1000034 and M1000040"])
        #expect(result.status == 6, "\(result.stderr)")
        #expect(result.stderr.contains("started job "), "\(result.stderr)")
        #expect(result.stderr.contains("tracedesk poll "), "\(result.stderr)")
    }
}

/// Asks the simulator for `fault` on every status call, and counts them.
final class FaultOnStatus: HTTPTransport {
    let inner: any HTTPTransport
    let fault: String
    private let calls = Locked(0)

    init(inner: any HTTPTransport, fault: String) {
        self.inner = inner
        self.fault = fault
    }

    var statusCalls: Int { calls.withLock { $0 } }

    func send(_ request: HTTPRequestData) async throws -> HTTPResponseData {
        var request = request
        if request.method == "GET", request.url.path.contains("/status/") {
            calls.withLock { $0 += 1 }
            request.headers[PodRouter.faultHeader] = fault
        }
        return try await inner.send(request)
    }
}
