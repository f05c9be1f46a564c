import Foundation

/// `tracedesk simulator` running on a free port for the length of a test.
final class LiveSimulator {
    let process: Process
    let url: URL
    /// The banner's first line.
    let banner: String
    /// What the simulator writes to standard error, read once it has stopped.
    private let errors = Pipe()

    struct DidNotStart: Error { var output: String }

    /// `directory`: where it runs (the repository by default; elsewhere, as an installed binary runs).
    init(speed: Double = 20, seed: UInt64 = 5, directory: URL = TracedeskProcess.repository) throws {
        process = Process()
        process.executableURL = TracedeskProcess.binary
        process.arguments = ["simulator", "--port", "0", "--speed", String(speed), "--seed", String(seed)]
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while !text.contains("\n"), Date() < deadline, process.isRunning {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let match = text.firstMatch(of: /listening on (http:\/\/127\.0\.0\.1:\d+)/), let url = URL(string: String(match.1)) else {
            process.terminate()
            throw DidNotStart(output: text)
        }
        self.url = url
        banner = String(text.prefix { $0 != "\n" })
    }

    /// The environment that points `tracedesk` at this pod with the demo client.
    func environment(cache: URL) -> [String: String] {
        ["TRACEDESK_POD": url.absoluteString, "TRACEDESK_TOKEN_URL": url.appendingPathComponent("oauth2/v1/token").absoluteString,
         "TRACEDESK_CLIENT_ID": "tracedesk-demo", "TRACEDESK_CLIENT_SECRET": "demo-secret", "XDG_CACHE_HOME": cache.path]
    }

    func stop() {
        if process.isRunning {
            process.interrupt()
            process.waitUntilExit()
        }
    }

    /// Stops the simulator (Ctrl-C) and returns what it wrote to standard error.
    func stopReadingErrors() -> String {
        stop()
        return String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    deinit { stop() }
}
