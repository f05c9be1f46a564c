import Foundation
import TracedeskClient
import TracedeskModel

/// What a command works with besides its own options: the environment, where it writes, the
/// clock, how it reaches the network, and where it runs. The tool builds it from the process
/// (`CommandContext.process()`); tests build one with captured outputs, an in-process pod and a
/// clock that moves only when the poll loop waits, so commands are tested without launching the
/// binary.
public struct CommandContext: Sendable {
    public var environment: [String: String]
    /// Standard output: results.
    public var output: TextOutput
    /// Standard error: progress, warnings and errors.
    public var errors: TextOutput
    public var clock: PollingClock
    /// Makes the HTTP transport for pod and identity-domain calls.
    public var transports: TransportFactory
    /// Relative paths are taken from here.
    public var currentDirectory: URL
    /// The zone instants are shown in.
    public var timeZone: TimeZone
    /// Standard input, for `import -`.
    public var standardInput: @Sendable () -> FileHandle
    /// The running binary's path, to print commands a user can paste (`nil`: say `tracedesk`).
    public var executablePath: String?

    public init(environment: [String: String], output: TextOutput, errors: TextOutput, clock: PollingClock = .system,
                transports: TransportFactory = .network, currentDirectory: URL, timeZone: TimeZone = .current,
                standardInput: @escaping @Sendable () -> FileHandle = { FileHandle.standardInput }) {
        self.environment = environment
        self.output = output
        self.errors = errors
        self.clock = clock
        self.transports = transports
        self.currentDirectory = currentDirectory
        self.timeZone = timeZone
        self.standardInput = standardInput
    }

    /// The context of this process: its environment, standard streams, wall clock and network.
    public static func process() -> CommandContext {
        let environment = ProcessInfo.processInfo.environment
        var context = CommandContext(
            environment: environment, output: .standardOutput(environment: environment),
            errors: .standardError(environment: environment),
            currentDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        context.executablePath = Bundle.main.executablePath ?? CommandLine.arguments.first
        return context
    }

    /// How the user runs this binary from the current folder: `tracedesk` when that name on
    /// `$PATH` is this binary (or nothing is known of it), else its path, relative when it lies
    /// below the current folder (`.build/debug/tracedesk`).
    public var invocation: String {
        guard let given = executablePath.map({ URL(fileURLWithPath: absolutePath($0)).standardizedFileURL.path }) else {
            return "tracedesk"
        }
        let executable = URL(fileURLWithPath: given).resolvingSymlinksInPath().path
        for folder in (environment["PATH"] ?? "").split(separator: ":") where !folder.isEmpty {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent("tracedesk")
            guard FileManager.default.isExecutableFile(atPath: candidate.path) else { continue }
            // The first tracedesk on PATH is the one a pasted command runs.
            if candidate.resolvingSymlinksInPath().path == executable { return "tracedesk" }
            break
        }
        // SwiftPM's short names for its build folders, when they lead to this binary.
        for short in [".build/debug/tracedesk", ".build/release/tracedesk"]
        where currentDirectory.appendingPathComponent(short).resolvingSymlinksInPath().path == executable {
            return short
        }
        let here = currentDirectory.standardizedFileURL.path + "/"
        let path = given.hasPrefix(here) ? String(given.dropFirst(here.count)) : given
        return TextFormat.shellWord(path.contains("/") ? path : "./" + path)
    }

    /// Where Tracedesk's files are, by this environment.
    public var paths: UserPaths { UserPaths(environment: environment) }

    /// `path` made absolute against the current directory, `~` expanded.
    public func absolutePath(_ path: String) -> String {
        let expanded = paths.expandingHome(path)
        if expanded.hasPrefix("/") { return expanded }
        return currentDirectory.appendingPathComponent(expanded).standardizedFileURL.path
    }

    /// Writes one line to standard error, prefixed with the tool's name.
    public func note(_ message: String) throws(TracedeskError) {
        try errors.write("tracedesk: \(message)\n")
    }

    /// Writes one warning line to standard error.
    public func warn(_ message: String) throws(TracedeskError) {
        try errors.write("tracedesk: warning: \(message)\n")
    }

    /// Writes `value` to standard output as JSON: sorted keys, indented, slashes unescaped.
    public func writeJSON<T: Encodable>(_ value: T) throws(TracedeskError) {
        try output.writeData(JSONOutput.text(value))
    }
}

/// Makes the transport of pod and token calls: the network (`NetworkTransport`), or, in tests,
/// an in-process pod.
public struct TransportFactory: Sendable {
    /// What the transport must honour.
    public struct Options: Sendable {
        /// A PEM bundle of CA certificates to trust besides the system's (`--cacert`).
        public var caBundle: String?
        /// The largest answer accepted (`--max-body`).
        public var maximumBodyBytes: Int

        public init(caBundle: String? = nil, maximumBodyBytes: Int = NetworkTransport.defaultMaximumBodyBytes) {
            self.caBundle = caBundle
            self.maximumBodyBytes = maximumBodyBytes
        }
    }

    public let make: @Sendable (Options, [String: String]) throws(TracedeskError) -> any HTTPTransport

    public init(make: @escaping @Sendable (Options, [String: String]) throws(TracedeskError) -> any HTTPTransport) {
        self.make = make
    }

    /// The network, through AsyncHTTPClient.
    public static let network = TransportFactory { options, environment throws(TracedeskError) in
        try NetworkTransport(caBundle: options.caBundle, environment: environment, maximumBodyBytes: options.maximumBodyBytes)
    }

    /// Always `transport`, whatever is asked: for tests.
    public static func fixed(_ transport: any HTTPTransport) -> TransportFactory {
        TransportFactory { _, _ in transport }
    }
}

/// JSON for scripts: sorted keys, indented, slashes unescaped, a newline at the end.
public enum JSONOutput {
    /// `json` with DEL, the C1 controls and U+2028/U+2029 written as `\u` escapes, which
    /// JSONEncoder leaves raw: U+009B in a team's answer would start a terminal control sequence.
    /// They can stand only inside strings, so replacing them keeps the JSON's meaning.
    static func escapingControls(_ json: String) -> String {
        guard json.unicodeScalars.contains(where: { (0x7F...0x9F).contains($0.value) || $0.value == 0x2028 || $0.value == 0x2029 }) else {
            return json
        }
        var escaped = String.UnicodeScalarView()
        for scalar in json.unicodeScalars {
            if (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029 {
                escaped.append(contentsOf: String(format: "\\u%04x", scalar.value).unicodeScalars)
            } else {
                escaped.append(scalar)
            }
        }
        return String(escaped)
    }

    public static func text<T: Encodable>(_ value: T) throws(TracedeskError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return escapingControls(String(decoding: try encoder.encode(value), as: UTF8.self)) + "\n"
        } catch {
            throw .badInput("the output cannot be written as JSON: \(error)")
        }
    }
}
