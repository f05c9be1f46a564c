import Foundation
import TracedeskDocuments
import TracedeskModel

/// How `tracedesk serve` listens and what it asks of a browser.
public struct ServeSettings: Sendable {
    /// The address to listen on: loopback unless the user says otherwise.
    public var host: String
    /// The port; 0 picks a free one.
    public var port: Int
    /// Required of every request when set (and required to listen beyond loopback).
    public var token: String?
    public var templates: ReportTemplates
    /// How often the history is looked at for new bodies, for live pages.
    public var watchInterval: Duration
    /// Runs per page of the runs list.
    public var pageSize: Int
    /// How long the runs page may spend counting the matching runs by status before it leaves the
    /// count to `/api/counts` (the script asks it) or a `count=all` link (no script).
    public var countingBudget: Duration

    /// How long a connection may stay open without a whole request: a client sending its headers
    /// a line at a time (slowloris) is cut off after this, however slowly it drips.
    public var requestHeadTimeout: Duration = .seconds(10)
    /// Connections open at once; more are closed as they come, so that the server keeps the
    /// file descriptors it needs for the history.
    public var maximumConnections: Int = 256
    /// Live-event streams open at once; one more is answered 503.
    public var maximumLiveStreams: Int = 32
    /// Pages that render a run, a diff or a comparison at once; more wait for a turn, up to
    /// `renderQueueTimeout`, then get a 503 with Retry-After: memory stays a few renders' worth.
    public var concurrentRenders: Int = 2
    /// A run page draws at most this many steps in its tree (`?steps=N` pages through the rest),
    /// and embeds only the run's last body: the page of a run of 500,000 steps costs what one
    /// of 2,000 does. The report to download holds every step and body.
    public var stepsPerPage: Int = 2_000
    public var renderQueueTimeout: Duration = .seconds(20)
    /// `--redact`: every page and the JSON API show the runs redacted by it.
    public var redactor: Redactor?

    public init(host: String = "127.0.0.1", port: Int = 8370, token: String? = nil, templates: ReportTemplates = .embedded,
                watchInterval: Duration = .milliseconds(400), pageSize: Int = 50,
                countingBudget: Duration = .milliseconds(20)) {
        self.host = host
        self.port = port
        self.token = token
        self.templates = templates
        self.watchInterval = watchInterval
        self.pageSize = pageSize
        self.countingBudget = countingBudget
    }

    /// Whether `host` is a loopback address or name: nothing beyond this machine can connect.
    /// `127.0.0.0/8` counts only as a dotted address of four numbers (`127.evil.example` is a
    /// name that may resolve anywhere).
    public static func isLoopback(_ host: String) -> Bool {
        let lowered = host.lowercased()
        if lowered == "localhost" || lowered == "::1" || lowered == "[::1]" { return true }
        let octets = lowered.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets[0] == "127" else { return false }
        return octets.allSatisfy { octet in
            !octet.isEmpty && octet.count <= 3 && octet.allSatisfy { $0.isASCII && $0.isNumber } && Int(octet).map { $0 <= 255 } == true
        }
    }

    /// Whether `host` listens on every interface (`0.0.0.0`, `::`).
    public static func isWildcard(_ host: String) -> Bool {
        ["0.0.0.0", "::", "[::]"].contains(host)
    }

    /// The `Host` values a browser sends for this server (`127.0.0.1:8370`, `localhost:8370`...);
    /// any other is refused, so a DNS-rebinding page cannot read the history. `nil` when any name
    /// is answered: listening on every interface, the machine's names and addresses are not known
    /// here, and the token every request must carry (a rebinding page has neither it nor its
    /// cookie) is what guards the pages.
    func allowedHosts(port: Int) -> Set<String>? {
        if Self.isWildcard(host) { return nil }
        var names: Set<String> = [host.lowercased()]
        if Self.isLoopback(host) { names.formUnion(["127.0.0.1", "localhost", "[::1]"]) }
        if host.contains(":"), !host.hasPrefix("[") { names.insert("[\(host.lowercased())]") }
        return Set(names.flatMap { [$0, "\($0):\(port)"] })
    }
}
