import Foundation
import TracedeskModel

// heavy: one run whose body is mostly steps (90,000 of them, about 56 MiB, near the 64 MiB a body
// may be): what importing it, writing its report and opening its serve page cost in time and peak
// memory, each a whole process, beside the Python floor (json + sqlite3 recording the same rows
// from the same file).

func heavyRunBenchmark(steps: Int = 90_000) throws {
    let binary = try tracedeskBinary()
    let curl = try ChildProcess.locate("curl")
    let folder = try scratchFolder("heavy")
    defer { try? FileManager.default.removeItem(at: folder) }
    let body = folder.appendingPathComponent("heavy.jsonl").path
    let bytes = try BenchmarkBodies.write(count: 1, nodes: steps, to: body, seed: 200)
    let job = try jobId(ofFirstBodyIn: body)
    print("A node-heavy run: one body of \(TextFormat.count(Int64(steps))) steps (\(mebibytes(Int64(bytes)))), release build\n")
    sync()

    let database = folder.appendingPathComponent("history.sqlite").path
    let imported = try check(ChildProcess.run([binary, "import", body, "--db", database]), "tracedesk import")
    let python = try pythonFloor(bodies: body, database: folder.appendingPathComponent("python.sqlite").path)
    let report = try check(ChildProcess.run([binary, "report", job, "-o", folder.appendingPathComponent("report.html").path, "--db", database]),
                           "tracedesk report")
    let reportBytes = (try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("report.html").path)[.size] as? Int) ?? 0

    let server = try ListeningProcess(binary: binary, arguments: ["serve", "--db", database, "--port", "0"])
    defer { server.stop() }
    let started = Date()
    let page = try check(ChildProcess.run([curl, "-sf", "-o", folder.appendingPathComponent("page.html").path, server.address + "/runs/\(job)"]),
                         "curl of the run page")
    let pageSeconds = Date().timeIntervalSince(started)
    _ = page
    let pageBytes = (try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("page.html").path)[.size] as? Int) ?? 0
    let servePeak = server.peakResidentBytes ?? 0

    func line(_ name: String, _ seconds: Double, _ peak: Int64, _ note: String = "") {
        let multiple = String(format: "%.1f×", Double(peak) / Double(max(1, bytes)))
        print(name.padding(toLength: 44, withPad: " ", startingAt: 0) + String(format: "%8.2f s", seconds)
              + mebibytes(peak).leftPadded(12) + multiple.leftPadded(9) + note)
    }
    print("whole processes                                 time   peak memory   × body")
    line("tracedesk import", imported.seconds, imported.peakBytes)
    line("Python json + sqlite3 (floor)", python.seconds, python.peakBytes)
    line("tracedesk report", report.seconds, report.peakBytes, "   (\(mebibytes(Int64(reportBytes))) of HTML)")
    line("tracedesk serve, GET /runs/{jobId}", pageSeconds, servePeak, "   (\(mebibytes(Int64(pageBytes))) of HTML, one page of steps)")
    print(String(format: "\nimport against the floor: %.1f× its memory, %.1f× its time.", Double(imported.peakBytes) / Double(max(1, python.peakBytes)),
                 imported.seconds / max(0.001, python.seconds)))
}

/// The jobId of the first body in a JSON-lines file.
private func jobId(ofFirstBodyIn path: String) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else { throw BenchmarkError("cannot read \(path)") }
    defer { try? handle.close() }
    let head = String(decoding: handle.readData(ofLength: 4096), as: UTF8.self)
    guard let match = head.firstMatch(of: /"jobId"\s*:\s*"([^"]+)"/) else { throw BenchmarkError("no jobId at the start of \(path)") }
    return String(match.1)
}
