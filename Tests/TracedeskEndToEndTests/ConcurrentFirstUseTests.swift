import Foundation
import Testing
import TracedeskModel

/// Many processes opening a history that does not exist yet, at once: every one succeeds, and
/// the history holds what each recorded.
@Suite("Concurrent first use of a history")
struct ConcurrentFirstUseTests {
    @Test("16 processes importing into a new history at once all succeed, 20 times over")
    func sixteenProcesses() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tracedesk-concurrent-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let bodies = try (0..<16).map { index in
            let file = folder.appendingPathComponent("body-\(index).json")
            try Data(#"{"jobId": "concurrent-\#(index)", "status": "COMPLETE", "workflowCode": "T", "output": "ok"}"#.utf8).write(to: file)
            return file.path
        }
        for round in 0..<20 {
            let database = folder.appendingPathComponent("round-\(round)/history.sqlite").path
            let processes = try bodies.map { body in
                let process = Process()
                process.executableURL = TracedeskProcess.binary
                process.arguments = ["import", body, "--db", database]
                let errors = Pipe()
                process.standardError = errors
                process.standardOutput = FileHandle.nullDevice
                try process.run()
                return (process, errors)
            }
            for (process, errors) in processes {
                let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                #expect(process.terminationStatus == 0, "round \(round): \(message)")
            }
            let runs = try TracedeskProcess(database: database).run(["runs", "--json"])
            #expect(JSONValue(parsing: runs.stdout)?.arrayValue?.count == 16, "round \(round): every import recorded")
        }
    }
}
