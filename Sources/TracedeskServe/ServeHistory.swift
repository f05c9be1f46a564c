import Foundation
import Hummingbird
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel
import TracedeskUseCases

/// `tracedesk serve`: opens the history read-only and serves it until Ctrl-C.
public struct ServeHistory: Sendable {
    public var history: HistoryLocation
    public var settings: ServeSettings
    /// Open the page in a browser once listening (`xdg-open`).
    public var openBrowser: Bool

    public init(history: HistoryLocation, settings: ServeSettings, openBrowser: Bool) {
        self.history = history
        self.settings = settings
        self.openBrowser = openBrowser
    }

    public func run(in context: CommandContext) async throws(TracedeskError) -> CommandOutcome {
        var settings = settings
        if settings.token == nil, let token = context.environment["TRACEDESK_SERVE_TOKEN"], !token.isEmpty { settings.token = token }
        if !ServeSettings.isLoopback(settings.host), settings.token == nil {
            throw .badInput("--host \(settings.host) lets other machines connect: give --token TOKEN (or set TRACEDESK_SERVE_TOKEN), "
                            + "which every request must then carry")
        }
        if let token = settings.token, token.utf8.count < 16 || !token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.~".contains($0)) }) {
            throw .badInput("--token takes at least 16 letters, digits, '-', '_', '.' or '~'")
        }
        let store = try history.openForReading(in: context)
        let server = TracedeskServer(store: store, settings: settings)
        let output = context.output
        let host = settings.host, token = settings.token, open = openBrowser
        let app = server.application { port in
            let shown = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
            let url = "http://\(shown.contains(":") ? "[\(shown)]" : shown):\(port)/" + (token.map { "?token=\($0)" } ?? "")
            try? output.write("Tracedesk on \(url) (history \(store.path), read-only); Ctrl-C stops it\n")
            if ServeSettings.isWildcard(host) {
                let name = ProcessInfo.processInfo.hostName
                try? output.write("Listening on every interface: from another machine, http://\(name):\(port)/ (or this machine's address) with the token\n")
            }
            if open { Self.openInBrowser(url) }
        }
        do {
            try await app.runService(gracefulShutdownSignals: [])
        } catch {
            if Task.isCancelled { return .success }
            throw SimulatorStartFailure.describe(error, host: settings.host, port: settings.port)
        }
        return .success
    }

    static func openInBrowser(_ url: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["xdg-open", url]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try? process.run()
    }
}
