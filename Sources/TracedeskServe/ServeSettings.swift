import Foundation
import TracedeskDocuments

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
    public static func isLoopback(_ host: String) -> Bool {
        let lowered = host.lowercased()
        return lowered == "localhost" || lowered == "::1" || lowered == "[::1]" || lowered.hasPrefix("127.")
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
