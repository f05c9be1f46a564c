import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A command run as a child process, measured: its wall time and its own peak resident memory
/// (from `wait4`'s resource usage, so one child's figure never includes another's).
struct ChildProcess {
    struct Measure {
        var status: Int32
        var seconds: Double
        var peakBytes: Int64
    }

    /// Runs `arguments[0]` (found on PATH when it has no slash) with the rest as arguments;
    /// standard input from `input` (a file) or /dev/null, standard output and error to /dev/null
    /// unless `keepOutput`.
    static func run(_ arguments: [String], input: String? = nil, environment: [String: String]? = nil,
                    keepOutput: Bool = false) throws -> Measure {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input ?? "/dev/null", O_RDONLY, 0)
        if !keepOutput {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        let program = arguments[0].contains("/") ? arguments[0] : try locate(arguments[0])
        var environmentList = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let cArguments = ([program] + arguments.dropFirst()).map { strdup($0) } + [nil]
        let cEnvironment = environmentList.map { strdup($0) } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
            environmentList.removeAll()
        }
        var pid: pid_t = 0
        let start = ContinuousClock.now
        let spawned = posix_spawn(&pid, program, &actions, nil, cArguments, cEnvironment)
        guard spawned == 0 else { throw BenchmarkError("cannot start \(program): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Measure(status: exitCode, seconds: seconds, peakBytes: Int64(usage.ru_maxrss) * 1024)
    }

    /// The full path of a program on PATH.
    static func locate(_ name: String) throws -> String {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw BenchmarkError("\(name) is not installed (not on PATH)")
    }
}

/// A benchmark that cannot run, and why.
struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A server started as a child process (`tracedesk serve` or `tracedesk simulator` on port 0),
/// up once it has printed its first line, which names the address it listens on.
final class ListeningProcess {
    let process = Process()
    /// `http://127.0.0.1:PORT`, with no path.
    let address: String

    init(binary: String, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let name = "tracedesk \(arguments.first ?? "")"
        var seen = ""
        while !seen.contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw BenchmarkError("\(name) stopped: \(seen)") }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        guard let match = seen.firstMatch(of: /http:\/\/[^\s\/]+/) else { throw BenchmarkError("\(name) printed no address: \(seen)") }
        address = String(match.0)
    }

    /// The server's peak resident memory so far (VmHWM of /proc/PID/status), while it runs.
    var peakResidentBytes: Int64? {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Int64(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return nil }
        return kilobytes * 1024
    }

    func stop() {
        process.interrupt()
        process.waitUntilExit()
    }
}
