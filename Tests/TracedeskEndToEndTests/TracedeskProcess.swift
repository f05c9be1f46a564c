import Foundation

/// Runs the built `tracedesk` binary as a user would, on a temporary history.
struct TracedeskProcess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The binary beside the test bundle (SwiftPM puts both in the same products folder),
    /// or `$TRACEDESK_BINARY`.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["TRACEDESK_BINARY"] { return URL(fileURLWithPath: path) }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        // On macOS the runner sits inside the .xctest bundle's Contents/MacOS.
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("tracedesk").path),
              folder.path != "/" {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("tracedesk")
    }

    let database: String
    var environment: [String: String] = [:]
    /// Where the binary runs (the repository unless set).
    var currentDirectory: URL = Self.repository

    /// Runs `tracedesk ARGUMENTS` with `--db` unset but `$TRACEDESK_DB` pointing at `database`.
    func run(_ arguments: [String], stdin: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = currentDirectory
        var environment = ProcessInfo.processInfo.environment
        environment["TRACEDESK_DB"] = database
        environment["TZ"] = "UTC"
        environment["COLUMNS"] = "160"
        for (key, value) in self.environment { environment[key] = value }
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes before waiting, so a large output cannot fill a pipe and stall the child.
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}
