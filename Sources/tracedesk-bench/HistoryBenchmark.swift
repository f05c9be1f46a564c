import Foundation
import TracedeskModel

// history: a history of 100,000 runs. Importing 10,000 and 100,000 small bodies (one step each)
// as whole processes, next to the Python floor on the same file; then the listing and reading
// commands on the 100,000-run history, each as a whole process (start-up included).

func historyBenchmark(runs count: Int = 100_000, repeats: Int = 5) throws {
    let binary = try tracedeskBinary()
    let folder = try scratchFolder("history")
    defer { try? FileManager.default.removeItem(at: folder) }
    let tenth = folder.appendingPathComponent("bodies-\(count / 10).jsonl").path
    let all = folder.appendingPathComponent("bodies-\(count).jsonl").path
    let tenthBytes = try BenchmarkBodies.write(count: count / 10, nodes: 1, to: tenth)
    let allBytes = try BenchmarkBodies.write(count: count, nodes: 1, to: all)
    print("History: \(TextFormat.count(Int64(count))) small bodies (one step each, \(mebibytes(Int64(allBytes)))), release build\n")

    // The files just written are flushed first, so that their write-back does not weigh on the imports.
    sync()
    let database = folder.appendingPathComponent("history.sqlite").path
    func median(_ measures: [ChildProcess.Measure]) -> ChildProcess.Measure {
        measures.sorted { $0.seconds < $1.seconds }[measures.count / 2]
    }
    var smalls: [ChildProcess.Measure] = [], larges: [ChildProcess.Measure] = [], pythons: [ChildProcess.Measure] = []
    for round in 0..<3 {
        let name = { (what: String) in folder.appendingPathComponent("\(what)-\(round).sqlite").path }
        smalls.append(try check(ChildProcess.run([binary, "import", tenth, "--db", name("tenth")]), "tracedesk import"))
        larges.append(try check(ChildProcess.run([binary, "import", all, "--db", round == 0 ? database : name("all")]), "tracedesk import"))
        pythons.append(try pythonFloor(bodies: all, database: name("python")))
        if round > 0 { for what in ["tenth", "all", "python"] { try? FileManager.default.removeItem(atPath: name(what)) } }
    }
    let small = median(smalls), large = median(larges), python = median(pythons)
    print("import (median of 3)                       time   peak memory")
    print("tracedesk import, \(TextFormat.count(Int64(count / 10))) bodies".padding(toLength: 38, withPad: " ", startingAt: 0)
          + String(format: "%9.2f s", small.seconds) + mebibytes(small.peakBytes).leftPadded(14)
          + "   (\(mebibytes(Int64(tenthBytes))))")
    print("tracedesk import, \(TextFormat.count(Int64(count))) bodies".padding(toLength: 38, withPad: " ", startingAt: 0)
          + String(format: "%9.2f s", large.seconds) + mebibytes(large.peakBytes).leftPadded(14))
    print("Python json + sqlite3 (floor)".padding(toLength: 38, withPad: " ", startingAt: 0)
          + String(format: "%9.2f s", python.seconds) + mebibytes(python.peakBytes).leftPadded(14))
    let growth = large.seconds / small.seconds
    print(String(format: "\nGrowth 10x the bodies: %.1fx the time (target: within 12x: %@); ", growth, growth <= 12 ? "met" : "MISSED")
          + "faster than Python: \(large.seconds < python.seconds ? "met" : "MISSED"); peak memory at most 200 MB: "
          + "\(max(small.peakBytes, large.peakBytes) <= 200 << 20 ? "met" : "MISSED")\n")

    sync()
    let team = BenchmarkBodies.teams[3]
    let commands: [(String, [String])] = [
        ("runs --limit 50", ["runs", "--limit", "50"]),
        ("runs --team \(team)", ["runs", "--team", team]),
        ("runs --status ERROR", ["runs", "--status", "ERROR"]),
        ("runs --search \"variance forecast\"", ["runs", "--search", "variance forecast"]),
        ("runs --json --limit 50", ["runs", "--json", "--limit", "50"]),
        ("show last", ["show", "last"]),
        ("show last --json", ["show", "last", "--json"]),
    ]
    let baseline = try (0..<repeats).map { _ in try check(ChildProcess.run([binary, "--version"]), "tracedesk --version").seconds }
    print("on \(TextFormat.count(Int64(count))) runs, each a whole process      wall (median of \(repeats))   target")
    for (name, arguments) in commands {
        let times = try (0..<repeats).map { _ in
            try check(ChildProcess.run([binary] + arguments + ["--db", database]), "tracedesk \(name)").seconds
        }.sorted()
        let median = times[times.count / 2]
        print("tracedesk \(name)".padding(toLength: 44, withPad: " ", startingAt: 0) + String(format: "%8.1f ms", median * 1000)
              + "   " + (median <= 0.05 ? "met" : "MISSED"))
    }
    print("tracedesk --version (process start alone)".padding(toLength: 44, withPad: " ", startingAt: 0)
          + String(format: "%8.1f ms", baseline.sorted()[baseline.count / 2] * 1000))
    print("\nTargets: each command at most 50 ms wall, process start included.")
}
