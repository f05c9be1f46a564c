import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel
@testable import TracedeskServe
#if canImport(Glibc)
import Glibc
#endif

/// `tracedesk serve` against what any web page, or any client on the network, can send it.
@Suite("serve under hostile requests")
struct HostileServeTests {
    let folder: TemporaryFolder
    let tracedesk: CommandLineHarness
    static let oddJobId = "odd job%41/é?#1"

    init() async throws {
        folder = try TemporaryFolder()
        tracedesk = try CommandLineHarness.withPod(in: folder.url)
        let deep = #"{"jobId": "deep-answer", "status": "COMPLETE", "workflowCode": "DEEP", "output": "\#(String(repeating: "<div>", count: 300_000))"}"#
        let brackets = #"{"jobId": "deep-brackets", "status": "COMPLETE", "workflowCode": "DEEP", "output": "\#(String(repeating: "[", count: 200_000))x](http://a)"}"#
        let odd = #"{"jobId": "\#(Self.oddJobId)", "status": "COMPLETE", "workflowCode": "TEAM %2F é", "output": "odd"}"#
        for (name, body) in [("deep.json", deep), ("brackets.json", brackets), ("odd.json", odd)] {
            try Data(body.utf8).write(to: folder.url.appendingPathComponent(name))
        }
        let imported = await tracedesk.run(["import", "samples/bodies/coe-status-complete.json",
                                            folder.url.appendingPathComponent("deep.json").path,
                                            folder.url.appendingPathComponent("brackets.json").path,
                                            folder.url.appendingPathComponent("odd.json").path])
        #expect(imported.status == 0, "\(imported.stderr)")
    }

    func server(_ change: (inout ServeSettings) -> Void = { _ in }) throws -> TracedeskServer {
        var settings = ServeSettings(port: 0)
        change(&settings)
        return TracedeskServer(store: try HistoryStore(path: tracedesk.database, mode: .readOnly), settings: settings)
    }

    func withRouter(_ change: (inout ServeSettings) -> Void = { _ in }, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: try server(change).router())
        try await app.test(.router) { client in try await body(client) }
    }

    func get(_ client: any TestClientProtocol, _ uri: String, method: HTTPRequest.Method = .get,
             headers: HTTPFields = [:]) async throws -> (status: Int, text: String, headers: HTTPFields) {
        try await client.execute(uri: uri, method: method, headers: headers) { response in
            (response.status.code, String(buffer: response.body), response.headers)
        }
    }

    @Test("a run longer than a page is drawn a page of steps at a time, its bodies left to the download; links to other pages go there")
    func pagedSteps() async throws {
        // 30 steps: the 25th the slowest, the 28th failed.
        let nodes = (1...35).map { number in
            #"{"nodeCode": "STEP_\#(number)", "nodeType": "TOOL", "status": "\#(number == 28 ? "FAILED" : "COMPLETED")", "#
                + #""startTime": \#(1_773_000_000_000 + number * 100), "endTime": \#(1_773_000_000_000 + number * 100 + (number == 25 ? 90_000 : 50))}"#
        }
        let body = #"{"jobId": "long-run", "status": "ERROR", "workflowCode": "LONG", "error": {"message": "STEP_28 failed"}, "#
            + #""startDate": 1773000000000, "endTime": 1773000200000, "nodes": [\#(nodes.joined(separator: ", "))]}"#
        let file = folder.url.appendingPathComponent("long.json")
        try Data(body.utf8).write(to: file)
        #expect(await tracedesk.run(["import", file.path]).status == 0)
        try await withRouter({ $0.stepsPerPage = 10 }) { client in
            let first = try await get(client, "/runs/long-run")
            #expect(first.status == 200)
            #expect(first.text.contains("Steps 1–10 of 35"), "\(first.text.prefix(400))")
            #expect(first.text.contains(#"id="step-3""#) && !first.text.contains(#"id="step-15""#), "only this page's steps are drawn")
            #expect(first.text.contains(#"id="step-28""#), "the failed step is always in view")
            #expect(first.text.contains(#"href="?steps=21#step-25""#), "the slowest step is linked on its own page")
            #expect(first.text.contains(#"href="?steps=11" rel="next""#))
            #expect(!first.text.contains(EmbeddedRun.bodyClass) && first.text.contains("the report to download holds it"))
            let third = try await get(client, "/runs/long-run?steps=25")
            #expect(third.text.contains("Steps 21–30 of 35") && third.text.contains(#"id="step-25""#))
            let last = try await get(client, "/runs/long-run?steps=9999")
            #expect(last.text.contains("Steps 31–35 of 35"), "past the end: the last page")
            #expect(last.text.contains(#"href="?steps=21" rel="prev">‹ previous 10</a>"#), "the page before the short last one is a whole page")
            #expect(try await get(client, "/runs/long-run?steps=0").status == 400)
            #expect(try await get(client, "/runs/long-run?steps=x").status == 400)
            let download = try await get(client, "/runs/long-run/report.html")
            #expect(download.text.contains(#"id="step-15""#) && download.text.contains(EmbeddedRun.bodyClass), "the download holds every step and body")
        }
        try await withRouter { client in
            let whole = try await get(client, "/runs/long-run")
            #expect(!whole.text.contains("step-pages") && whole.text.contains(#"id="step-15""#), "a run within a page is drawn whole")
        }
    }

    @Test("a run diffed with itself is a diff, by path, by form and by prefix: never a trap")
    func diffWithItself() async throws {
        let job = "c73c1580-70cc-4f62-93c0-48d9484d8b8b"
        try await withRouter { client in
            let direct = try await get(client, "/diff/\(job)/\(job)")
            #expect(direct.status == 200)
            #expect(direct.text.contains(job.prefix(8)))
            let prefixed = try await get(client, "/diff/\(job.prefix(8))/\(job)")
            #expect(prefixed.status == 200)
            let form = try await get(client, "/diff?a=\(job)&b=\(job)")
            #expect(form.status == 303)
            #expect(form.headers[.location] == "/diff/\(job)/\(job)")
        }
    }

    @Test("answers nested 300,000 deep render: the run page opens and the report is written")
    func deeplyNestedAnswers() async throws {
        try await withRouter { client in
            for job in ["deep-answer", "deep-brackets"] {
                let page = try await get(client, "/runs/\(job)")
                #expect(page.status == 200, "\(job)")
                let report = try await get(client, "/runs/\(job)/report.html")
                #expect(report.status == 200, "\(job)")
            }
        }
        let output = folder.url.appendingPathComponent("deep.html").path
        let written = await tracedesk.run(["report", "deep-answer", "-o", output])
        #expect(written.status == 0, "\(written.stderr)")
    }

    @Test("links to jobIds and team codes with %, spaces, slashes and accents lead back to them")
    func percentEncodedLinks() async throws {
        try await withRouter { client in
            let runs = try await get(client, "/")
            let document = try HTMLDocument(parsing: runs.text, origin: "runs")
            let hrefs = Set(document.elements(named: "a").compactMap { $0.attribute("href") }
                .filter { $0.hasPrefix("/runs/") || $0.hasPrefix("/teams/") })
            #expect(hrefs.contains { $0.hasPrefix("/runs/\(TeamCode.pathSegment(Self.oddJobId))") })
            for href in hrefs {
                let page = try await get(client, href)
                #expect(page.status == 200, "\(href)")
            }
            let run = try await get(client, "/api/runs/\(TeamCode.pathSegment(Self.oddJobId))")
            #expect(run.status == 200 && run.text.contains("odd job"))
        }
    }

    @Test("two Host headers are 400; a NUL in a parameter is 400; HEAD is answered without a body")
    func malformedRequests() async throws {
        try await withRouter { client in
            var twoHosts = HTTPFields()
            twoHosts[HTTPField.Name("Host")!] = "evil.example"
            let smuggled = try await get(client, "/", headers: twoHosts)
            #expect(smuggled.status == 400)
            let nul = try await get(client, "/?q=%00")
            #expect(nul.status == 400)
            #expect(nul.text.contains("control character"))
            let head = try await get(client, "/", method: .head)
            #expect(head.status == 200)
            #expect(head.text.isEmpty)
            let headRun = try await get(client, "/runs/deep-answer", method: .head)
            #expect(headRun.status == 200)
        }
    }

    @Test("a client without the token, or for another host, is not told where the history is")
    func refusalsHideThePath() async throws {
        try await withRouter({ $0.token = "0123456789abcdef0123" }) { client in
            let refused = try await get(client, "/")
            #expect(refused.status == 401)
            #expect(!refused.text.contains(tracedesk.database))
            #expect(!refused.text.contains(folder.url.path))
        }
        let strict = ServeSettings(host: "127.0.0.1", port: 8370)
        #expect(strict.allowedHosts(port: 8370)?.contains("evil.example") == false)
    }

    @Test("loopback means 127.0.0.0/8 written as an address, not a name that starts with 127.", arguments: [
        ("127.0.0.1", true), ("127.1.2.3", true), ("localhost", true), ("::1", true),
        ("127.evil.example", false), ("127.0.0.1.evil.example", false), ("127.0.0.256", false), ("127.", false), ("1270.0.0.1", false),
    ])
    func loopback(host: String, loopback: Bool) {
        #expect(ServeSettings.isLoopback(host) == loopback)
    }

    @Test("live streams beyond the limit are refused with 503; the count falls back when one ends")
    func liveStreamLimit() async throws {
        try await withRouter({ $0.maximumLiveStreams = 0 }) { client in
            let refused = try await get(client, "/api/events")
            #expect(refused.status == 503)
            #expect(refused.headers[.retryAfter] == "10")
        }
        let count = LiveStreamCount()
        #expect(count.open(limit: 1))
        #expect(!count.open(limit: 1))
        count.close()
        #expect(count.open(limit: 1))
    }

    @Test("heavy pages beyond the render limit wait, then are turned away with 503 and Retry-After")
    func renderGate() async throws {
        let gate = RenderGate(permits: 1)
        let holding = AsyncStream<Void>.makeStream()
        let release = AsyncStream<Void>.makeStream()
        let first = Task {
            try await gate.run(timeout: .seconds(60)) { () -> Int in
                holding.continuation.yield()
                // Holds the one permit until told to let go.
                let semaphore = DispatchSemaphore(value: 0)
                Task { for await _ in release.stream { semaphore.signal(); break } }
                semaphore.wait()
                return 1
            }
        }
        for await _ in holding.stream { break }
        let turnedAway = try await gate.run(timeout: .milliseconds(50)) { 2 }
        #expect(turnedAway == nil)
        release.continuation.yield()
        #expect(try await first.value == 1)
        #expect(try await gate.run(timeout: .seconds(5)) { 3 } == 3)
    }

    /// Runs `server` live on a free port for `body`.
    func live(_ server: TracedeskServer, _ body: (Int) async throws -> Void) async throws {
        let ready = AsyncStream<Int>.makeStream()
        let app = server.application { bound in ready.continuation.yield(bound) }
        let running = Task { try await app.runService(gracefulShutdownSignals: []) }
        defer { running.cancel() }
        var number = 0
        for await bound in ready.stream { number = bound; break }
        try await body(number)
    }

    @Test("live: a client that drips its request head is cut off once the head timeout passes")
    func slowClient() async throws {
        try await live(try server { $0.requestHeadTimeout = .milliseconds(400) }) { port in
            let dripping = try RawConnection(port: port)
            try dripping.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            #expect(await dripping.waitForClose(within: .seconds(5)))
            let prompt = try RawConnection(port: port)
            try prompt.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(await prompt.readsAnswer(within: .seconds(5)))
        }
    }

    @Test("live: connections beyond the cap are closed at once; those within it are answered")
    func connectionCap() async throws {
        try await live(try server { $0.maximumConnections = 3 }) { port in
            // Four at once: connections are set up on several event loops, so which one is
            // the fourth to be counted is not known; one of them must be closed, and one only.
            let connections = try (0..<4).map { _ in try RawConnection(port: port) }
            var closed: [Int] = []
            for (index, connection) in connections.enumerated() where await connection.waitForClose(within: .milliseconds(1500)) {
                closed.append(index)
            }
            #expect(closed.count == 1, "\(closed)")
            let held = connections.enumerated().filter { !closed.contains($0.offset) }.map(\.element)
            try held[0].send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(await held[0].readsAnswer(within: .seconds(5)))
        }
    }
}

/// A bare TCP connection to the server, to send what no HTTP client would.
final class RawConnection: Sendable {
    let socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw TracedeskError.badInput("cannot connect to port \(port)") }
    }

    deinit { close(socket) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(socket, bytes, bytes.count, 0) == bytes.count else { throw TracedeskError.badInput("send failed") }
    }

    /// Runs a blocking socket call on a dispatch queue: blocking Swift's few cooperative threads
    /// would stall the server under test, whose handlers run on them.
    private func blocking(_ work: @escaping @Sendable () -> Bool) async -> Bool {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }

    func readsAnswer(within limit: Duration) async -> Bool {
        let socket = socket
        return await blocking { RawConnection.readsAnswer(socket, within: limit) }
    }

    func waitForClose(within limit: Duration) async -> Bool {
        let socket = socket
        return await blocking { RawConnection.waitForClose(socket, within: limit) }
    }

    /// Whether an HTTP answer's first bytes arrive within `limit`.
    static func readsAnswer(_ socket: Int32, within limit: Duration) -> Bool {
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(limit.components.seconds * 1000 + limit.components.attoseconds / 1_000_000_000_000_000)
        guard poll(&descriptor, 1, milliseconds) > 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 16)
        let count = recv(socket, &buffer, buffer.count, 0)
        return count > 0 && String(decoding: buffer, as: UTF8.self).hasPrefix("HTTP/1.1 200")
    }

    /// Whether the server closes the connection within `limit` (a read returns 0 or fails).
    static func waitForClose(_ socket: Int32, within limit: Duration) -> Bool {
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(limit.components.seconds * 1000 + limit.components.attoseconds / 1_000_000_000_000_000)
        guard poll(&descriptor, 1, milliseconds) > 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count <= 0 { return true }
            // An answer (a 4xx) before the close is fine; wait for the close itself.
            guard poll(&descriptor, 1, milliseconds) > 0 else { return false }
        }
    }
}
