import Foundation
import FusionSimulator
import InProcessPod
import TracedeskClient
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases

// report: rendering the run report of the simulator's largest team (XX_MAINTENANCE_MATERIAL_SHORTAGE,
// about 6,000 steps and 1,000 chunks), next to libxml2's own parse and serialise of the same output
// and Jinja2 writing the same report (scripts/bench/jinja2-report.py).
// The run is played on the in-process pod in virtual time and recorded in a history file first.

/// Peak resident memory since the last reset, in bytes (Linux: VmHWM of /proc/self/status).
func peakResidentBytes() -> Int64? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kilobytes = Int64(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
    return kilobytes * 1024
}

/// Current resident memory in bytes (VmRSS).
func residentBytes() -> Int64? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
          let kilobytes = Int64(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
    return kilobytes * 1024
}

/// Resets the peak to the current resident size (Linux 4.0+: writing 5 to clear_refs).
func resetPeak() {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}

struct Sample {
    var milliseconds: Double
    /// Peak resident memory above the resident size at the start, in bytes.
    var peakGrowth: Int64
}

func sample(_ work: () throws -> Void) rethrows -> Sample {
    // Each sample starts quiet: the trees of the one before are freed in the background.
    resetPeak()
    let base = residentBytes() ?? 0
    let start = ContinuousClock.now
    try work()
    let elapsed = ContinuousClock.now - start
    let peak = peakResidentBytes() ?? 0
    return Sample(milliseconds: Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15,
                  peakGrowth: max(0, peak - base))
}

func recordLargeRun(store: HistoryStore, scenarios: URL) async throws -> RunRecord {
    let team = "XX_MAINTENANCE_MATERIAL_SHORTAGE"
    let transport = InProcessPodTransport(library: try ScenarioLibrary.load(directory: scenarios), seed: 7)
    let clock = transport.clock()
    let client = AgentClient(pod: URL(string: "https://pod.example.com")!, team: team, transport: transport,
                             tokens: StaticTokenProvider(try await bearer(transport)), clock: clock)
    let follower = JobFollower(client: client, store: store, context: RecordingContext(teamCode: team, source: .invoke),
                               options: .init(), clock: clock)
    let first = try await follower.start(InvokeRequest(message: "Which work orders are short of material at plant M1?"))
    _ = try await follower.follow(jobId: first.body.jobId, after: first)
    return try store.run(first.body.jobId)
}

/// Samples of each figure: this kind of machine's timings wander by a third from run to run.
let samples = 9

func reportBenchmark() async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tracedesk-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = try HistoryStore(path: folder.appendingPathComponent("history.sqlite").path)
    let run = try await recordLargeRun(store: store, scenarios: repository.appendingPathComponent("samples/scenarios"))
    let snapshots = try store.snapshots(of: run)
    let bodyBytes = snapshots.reduce(0) { $0 + $1.body.utf8.count }
    print("Report of \(run.teamCode ?? "?"): \(TextFormat.count(Int64(run.nodeCount))) steps, \(TextFormat.count(Int64(run.chunkCount))) chunks, "
          + "\(snapshots.count) status bodies (\(RunReport.bytes(bodyBytes))); median of \(samples), release build\n")

    var html: [UInt8] = []
    var redacted: [UInt8] = []
    var text = ""
    var details: RunDetails?
    var rows: [(String, [Sample])] = [("read the run from the history", []), ("render the report", []),
                                      ("write it to disk", []), ("libxml2: parse the report", []),
                                      ("libxml2: parse + serialise the report", []),
                                      ("render it redacted (--redact, a new redactor)", [])]
    for _ in 0..<samples {
        rows[0].1.append(try sample { details = try store.details(of: run); _ = try store.snapshots(of: run) })
        rows[1].1.append(try sample { html = try RunReport(details: details!, snapshots: snapshots).htmlBytes() })
        rows[2].1.append(try sample { try ReportFile.write(bytes: html, to: folder.appendingPathComponent("report.html").path) })
        text = String(decoding: html, as: UTF8.self)
        rows[3].1.append(try sample { _ = try HTMLDocument(parsing: text, origin: "report") })
        rows[4].1.append(try sample { _ = try HTMLDocument(parsing: text, origin: "report").serializedBytes() })
        rows[5].1.append(try sample {
            let redactor = try Redactor(rules: .builtIn)
            redacted = try RunReport(details: details!, snapshots: snapshots).redacted(by: redactor).htmlBytes()
        })
    }
    print("step                                             time     peak memory growth")
    for (name, samples) in rows {
        let time = samples.map(\.milliseconds).sorted()[samples.count / 2]
        let memory = samples.map(\.peakGrowth).sorted()[samples.count / 2]
        print(name.padding(toLength: 46, withPad: " ", startingAt: 0)
              + String(format: "%8.0f ms", time) + (RunReport.bytes(Int(memory))).leftPadded(16))
    }
    print("\nReport size: \(RunReport.bytes(html.count)) (of which status bodies \(RunReport.bytes(bodyBytes)), escaped)")

    // The floors, in the same run: libxml2's own parse and serialise of the output (what xmllint
    // does, without its process), and Jinja2 writing the same report (scripts/bench/jinja2-report.py
    // says what it computes), with a bare template beside it for reference.
    func median(_ row: Int) -> Double { rows[row].1.map(\.milliseconds).sorted()[rows[row].1.count / 2] }
    let render = median(1), libxml2 = median(4)
    let input = folder.appendingPathComponent("run.json")
    let css = (try? ReportTemplates.embedded.text(of: ReportTemplates.styleSheet)) ?? ""
    let insights = RunInsights(details!)
    func ranked(_ items: [(node: Int, value: Int64, share: Double)]) -> JSONValue {
        .array(items.map { .object(["node": .integer(Int64($0.node)), "value": .integer($0.value), "share": .number($0.share)]) })
    }
    let wall = Double(max(insights.wallMs ?? 1, 1))
    let payload = JSONValue.object([
        "details": JSONValue(parsing: try JSONOutput.text(RunDetailsOutput(details!))) ?? .null,
        "insights": .object([
            "criticalPath": ranked(insights.criticalPath.sorted { $0.durationMs > $1.durationMs }.prefix(10)
                .map { ($0.node, $0.durationMs, Double($0.durationMs) / wall) }),
            "slowest": ranked(insights.slowest.map { ($0.node, $0.value, $0.share) }),
            "tokens": ranked(insights.tokens.map { ($0.node, $0.value, $0.share) }),
        ]),
        "snapshots": .array(snapshots.map { snapshot in
            .object(["sequence": .integer(Int64(snapshot.sequence)), "status": snapshot.status.map(JSONValue.string) ?? .null,
                     "firstSeenAt": .integer(snapshot.firstSeenAt), "lastSeenAt": .integer(snapshot.lastSeenAt),
                     "timesSeen": .integer(Int64(snapshot.timesSeen)), "httpStatus": snapshot.httpStatus.map { .integer(Int64($0)) } ?? .null,
                     "bytes": .integer(Int64(snapshot.body.utf8.count)), "body": .string(snapshot.body)])
        }),
        "css": .string(css),
    ])
    try Data(payload.compactText.utf8).write(to: input)
    let script = repository.appendingPathComponent("scripts/bench/jinja2-report.py").path
    let jinja = try pythonJSON([script, input.path, String(samples)])
    func figures(_ key: String) -> (ms: Double, bytes: Double) {
        (jinja[key]?["ms"]?.doubleValue ?? .nan, Double(jinja[key]?["bytes"]?.int64Value ?? 0))
    }
    let same = figures("same"), bare = figures("bare")
    let ours = Double(html.count) / render / 1000, theirs = same.bytes / same.ms / 1000
    func line(_ name: String, _ ms: Double, _ megabytesPerSecond: Double?, _ bytes: Double?) -> String {
        name.padding(toLength: 50, withPad: " ", startingAt: 0) + String(format: "%8.0f ms", ms)
            + (megabytesPerSecond.map { String(format: " %10.1f", $0) } ?? "") + (bytes.map { "   (\(RunReport.bytes(Int($0))))" } ?? "")
    }
    print("\nagainst the floors (median of \(samples))                        time        MB/s")
    print(line("tracedesk: render the report", render, ours, Double(html.count)))
    print(line("libxml2 parse + serialise (xmllint's work)", libxml2, nil, nil))
    print(line("Jinja2 3 (autoescape): the same report", same.ms, theirs, same.bytes))
    print(line("Jinja2 3 (autoescape): a bare template (reference)", bare.ms, bare.bytes / bare.ms / 1000, bare.bytes))
    let againstLibxml2 = render / libxml2, againstJinja = ours / theirs
    print(String(format: "\nrender / libxml2 parse+serialise: %.2fx (target at most 1.5x: %@); bytes per second against Jinja2's same report: %.2fx (target 3x or better: %@)",
                 againstLibxml2, againstLibxml2 <= 1.5 ? "met" : "MISSED", againstJinja, againstJinja >= 3 ? "met" : "MISSED"))

    // --redact: the same report with every text through the redactor (learning, detectors, pseudonyms).
    let redactedRender = median(5)
    print(String(format: "render redacted / render: %.2fx (target at most 1.3x: %@); %@, %d pseudonyms' worth of «…»",
                 redactedRender / render, redactedRender / render <= 1.3 ? "met" : "MISSED", RunReport.bytes(redacted.count),
                 String(decoding: redacted, as: UTF8.self).components(separatedBy: "«").count - 1))

    // --bodies: what a long-polled run's file weighs with fewer bodies.
    for choice in [EmbeddedBodies.changed, .last] {
        var smaller: [UInt8] = []
        let sampled = try sample { smaller = try RunReport(details: details!, snapshots: snapshots, bodies: choice).htmlBytes() }
        print("--bodies \(choice.rawValue)".padding(toLength: 18, withPad: " ", startingAt: 0)
              + "\(RunReport.bytes(smaller.count)) in " + String(format: "%.0f ms", sampled.milliseconds))
    }
}

/// Records the large run, then renders its report `times` times and nothing else: what a profiler
/// should see; `redacted`, through a new redactor each time (`--redact`).
func reportLoop(times: Int, redacted: Bool = false) async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tracedesk-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = try HistoryStore(path: folder.appendingPathComponent("history.sqlite").path)
    let run = try await recordLargeRun(store: store, scenarios: repository.appendingPathComponent("samples/scenarios"))
    let details = try store.details(of: run), snapshots = try store.snapshots(of: run)
    var bytes = 0
    var samples: [Double] = []
    for _ in 0..<times {
        let start = ContinuousClock.now
        let report = RunReport(details: details, snapshots: snapshots)
        bytes = try (redacted ? report.redacted(by: try Redactor(rules: .builtIn)) : report).htmlBytes().count
        let elapsed = ContinuousClock.now - start
        samples.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
    }
    samples.sort()
    print(String(format: "rendered %d reports of %@: fastest %.0f ms, median %.0f ms", times, RunReport.bytes(bytes), samples[0], samples[times / 2]))
}

/// Runs `python3 ARGUMENTS` and reads the JSON object it prints.
func pythonJSON(_ arguments: [String]) throws -> JSONValue {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try ChildProcess.locate("python3"))
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0, let value = JSONValue(parsing: String(decoding: data, as: UTF8.self)) else {
        throw BenchmarkError("python3 \(arguments.joined(separator: " ")) failed (\(process.terminationStatus))")
    }
    return value
}
