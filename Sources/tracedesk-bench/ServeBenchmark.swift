import Foundation
import TracedeskModel

// serve: `tracedesk serve` on a history of 100,000 runs (one step each) plus one run of 5,000
// steps. Each page is fetched by one curl process over one kept-alive connection, which reports
// every request's own time; the run page is set beside `tracedesk report` of the same run.

func serveBenchmark(runs count: Int = 100_000, repeats: Int = 9) throws {
    let binary = try tracedeskBinary()
    let curl = try ChildProcess.locate("curl")
    let folder = try scratchFolder("serve")
    defer { try? FileManager.default.removeItem(at: folder) }
    let database = folder.appendingPathComponent("history.sqlite").path
    let small = folder.appendingPathComponent("bodies-\(count).jsonl").path
    let large = folder.appendingPathComponent("large.jsonl").path
    try BenchmarkBodies.write(count: count, nodes: 1, to: small)
    try BenchmarkBodies.write(count: 1, nodes: 5_000, to: large, seed: 5_000)
    print("Serve: \(TextFormat.count(Int64(count))) runs of one step and one run of 5,000 steps, release build\n")
    _ = try check(ChildProcess.run([binary, "import", small, "--db", database]), "tracedesk import")
    _ = try check(ChildProcess.run([binary, "import", large, "--db", database]), "tracedesk import")
    let largeJob = try firstJobId(in: large)
    sync()

    let server = try ListeningProcess(binary: binary, arguments: ["serve", "--db", database, "--port", "0"])
    defer { server.stop() }
    let team = BenchmarkBodies.teams[3]
    let pages: [(String, String)] = [
        ("/ (the newest 50)", "/"),
        ("/?team=\(team)", "/?team=\(team)"),
        ("/?status=ERROR", "/?status=ERROR"),
        ("/?version=PUBLISHED&since=30d", "/?version=PUBLISHED&since=30d"),
        ("/?q=variance+forecast", "/?q=variance+forecast"),
        ("/?q=ledger (a word in every run)", "/?q=ledger"),
        ("/?team=…&status=COMPLETE&q=accrual", "/?team=\(team)&status=COMPLETE&q=accrual"),
        ("/api/runs?limit=50", "/api/runs?limit=50"),
        ("/teams", "/teams"),
        ("/teams/\(team)", "/teams/\(team)"),
    ]
    print("on \(TextFormat.count(Int64(count + 1))) runs, one request each           served in (median of \(repeats))   target")
    for (name, path) in pages {
        let median = try medianMilliseconds(curl: curl, url: server.address + path, repeats: repeats)
        let target = path.hasPrefix("/?") || path == "/" ? (median <= 50 ? "met" : "MISSED") : ""
        print(name.padding(toLength: 44, withPad: " ", startingAt: 0) + String(format: "%10.1f ms", median) + "   " + target)
    }

    let report = folder.appendingPathComponent("report.html").path
    let reports = try (0..<3).map { _ in
        try check(ChildProcess.run([binary, "report", largeJob, "-o", report, "--db", database]), "tracedesk report").seconds * 1000
    }.sorted()
    let page = try medianMilliseconds(curl: curl, url: server.address + "/runs/\(largeJob)", repeats: 5)
    let reportMedian = reports[1]
    print("\nthe run of 5,000 steps".padding(toLength: 45, withPad: " ", startingAt: 0) + "time (median)")
    print("GET /runs/{jobId} (the run page)".padding(toLength: 44, withPad: " ", startingAt: 0) + String(format: "%10.1f ms", page))
    print("tracedesk report (a whole process)".padding(toLength: 44, withPad: " ", startingAt: 0) + String(format: "%10.1f ms", reportMedian))
    print("\nTargets: the runs page, any filter, in at most 50 ms: see above; the run page no slower than "
          + "`tracedesk report`: \(page <= reportMedian ? "met" : "MISSED").")
}

/// The jobId of the first body in a JSON-lines file.
private func firstJobId(in path: String) throws -> String {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    guard let range = text.range(of: #""jobId":""#) ?? text.range(of: #""jobId": ""#),
          let end = text[range.upperBound...].firstIndex(of: "\"") else { throw BenchmarkError("no jobId in \(path)") }
    return String(text[range.upperBound..<end])
}

/// One curl process fetching `url` `repeats + 1` times over one connection; the median of each
/// request's own total time, the first (a warm-up) left out.
private func medianMilliseconds(curl: String, url: String, repeats: Int) throws -> Double {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: curl)
    var arguments = ["--silent", "--show-error", "--fail", "--write-out", "%{stderr}%{time_total}\\n"]
    for _ in 0...repeats { arguments += ["--output", "/dev/null", url] }
    process.arguments = arguments
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let data = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw BenchmarkError("curl \(url) failed (\(process.terminationStatus)): \(String(decoding: data, as: UTF8.self))")
    }
    let times = String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { Double($0) }.dropFirst().sorted()
    guard !times.isEmpty else { throw BenchmarkError("curl printed no times for \(url)") }
    return times[times.count / 2] * 1000
}

