import Foundation
import TracedeskModel

// ingest: `tracedesk import` of 2,000 generated COMPLETE bodies of 50 steps, each as a whole
// process, next to the floors measured in the same run on the same file: the sqlite3 shell
// extracting the same fields with SQLite's JSON functions, and a Python json + sqlite3 script.

/// The repository, for the floor scripts in scripts/bench/.
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The `tracedesk` binary built beside this one.
func tracedeskBinary() throws -> String {
    let path = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("tracedesk").path
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw BenchmarkError("no tracedesk binary at \(path): run `swift build -c release` first")
    }
    return path
}

/// A scratch folder, removed at the end.
func scratchFolder(_ name: String) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tracedesk-bench-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

/// The sqlite3 shell's floor on `bodies` into a new database.
func sqliteFloor(bodies: String, database: String, folder: URL) throws -> ChildProcess.Measure {
    let template = try String(contentsOf: repository.appendingPathComponent("scripts/bench/ingest-floor.sql"), encoding: .utf8)
    let script = folder.appendingPathComponent("floor-\(UUID().uuidString).sql").path
    try template.replacingOccurrences(of: "@BODIES@", with: bodies).write(toFile: script, atomically: true, encoding: .utf8)
    return try check(ChildProcess.run(["sqlite3", database], input: script), "the sqlite3 floor")
}

/// The Python floor on `bodies` into a new database.
func pythonFloor(bodies: String, database: String) throws -> ChildProcess.Measure {
    try check(ChildProcess.run(["python3", repository.appendingPathComponent("scripts/bench/ingest-floor.py").path, bodies, database]),
              "the Python floor")
}

func check(_ measure: ChildProcess.Measure, _ what: String) throws -> ChildProcess.Measure {
    guard measure.status == 0 else { throw BenchmarkError("\(what) failed with exit code \(measure.status)") }
    return measure
}

func mebibytes(_ bytes: Int64) -> String { String(format: "%.0f MiB", Double(bytes) / 1_048_576) }

func ingestBenchmark(bodies count: Int = 2000, nodes: Int = 50, repeats: Int = 3) throws {
    let binary = try tracedeskBinary()
    let folder = try scratchFolder("ingest")
    defer { try? FileManager.default.removeItem(at: folder) }
    let bodies = folder.appendingPathComponent("bodies.jsonl").path
    let bytes = try BenchmarkBodies.write(count: count, nodes: nodes, to: bodies)
    print("Ingest: \(TextFormat.count(Int64(count))) COMPLETE bodies of \(nodes) steps (\(mebibytes(Int64(bytes))), JSON lines), each tool into a new database; median of \(repeats), release build\n")
    var rows: [(String, [ChildProcess.Measure])] = [("tracedesk import", []), ("sqlite3 shell + JSON functions (floor)", []),
                                                    ("Python json + sqlite3 (floor)", [])]
    for round in 0..<repeats {
        let database = { (name: String) in folder.appendingPathComponent("\(name)-\(round).sqlite").path }
        rows[0].1.append(try check(ChildProcess.run([binary, "import", bodies, "--db", database("tracedesk")]), "tracedesk import"))
        rows[1].1.append(try sqliteFloor(bodies: bodies, database: database("sqlite3"), folder: folder))
        rows[2].1.append(try pythonFloor(bodies: bodies, database: database("python")))
    }
    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    let floor = median(rows[1].1.map(\.seconds))
    print("tool                                        time   vs sqlite3   peak memory")
    for (name, measures) in rows {
        let seconds = median(measures.map(\.seconds))
        print(name.padding(toLength: 40, withPad: " ", startingAt: 0) + String(format: "%8.2f s", seconds)
              + String(format: "%11.2fx", seconds / floor) + mebibytes(measures.map(\.peakBytes).max() ?? 0).leftPadded(14))
    }
    let ratio = median(rows[0].1.map(\.seconds)) / floor
    let memory = rows[0].1.map(\.peakBytes).max() ?? 0
    print("\nTarget: at most 1.2x the sqlite3 shell (\(String(format: "%.2f", ratio))x: \(ratio <= 1.2 ? "met" : "MISSED")); "
          + "peak memory at most 200 MB (\(mebibytes(memory)): \(memory <= 200 << 20 ? "met" : "MISSED"))")
}
