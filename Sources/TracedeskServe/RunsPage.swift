import Foundation
import Hummingbird
import TracedeskDocuments
import TracedeskHistory
import TracedeskModel

/// `/`: the runs, as `tracedesk runs` lists them, with a filter form, counts by status for the
/// filter, and keyset paging (`after=SORTAT.ID`), so that page 2,000 costs what page 1 does.
extension ServePages {
    /// The filters of the runs list, read from the query; a malformed one is a `BadParameter`.
    struct RunsFilter {
        var team: String?
        var status: String?
        var version: String?
        var since: String?
        var search: String?
        /// `conversation=ID`: the runs of one conversation (the run page links here).
        var conversation: String?
        var after: RunQuery.Cursor?
        var limit: Int
        /// `count=all`: count the matching runs however long it takes (else within a budget).
        var countAll = false

        /// The parameters the runs list reads; any other is refused, naming it.
        static let names: Set<String> = ["team", "status", "version", "since", "q", "conversation", "after", "limit", "count"]

        init(_ parameters: [String: String], pageSize: Int) throws(BadParameter) {
            if let unknown = parameters.keys.sorted().first(where: { !Self.names.contains($0) }) {
                throw BadParameter(name: unknown, reason: "is not one of \(Self.names.sorted().joined(separator: ", "))")
            }
            func value(_ name: String) -> String? {
                parameters[name].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
            }
            team = value("team")
            status = value("status")?.uppercased()
            if let status, !["RUNNING", "WAITING", "COMPLETE", "ERROR"].contains(status) {
                throw BadParameter(name: "status", reason: "takes RUNNING, WAITING, COMPLETE or ERROR, not '\(status)'")
            }
            version = value("version")?.uppercased()
            if let version, !["DRAFT", "PUBLISHED"].contains(version) {
                throw BadParameter(name: "version", reason: "takes DRAFT or PUBLISHED, not '\(version)'")
            }
            since = value("since")
            if let since, SinceParser.parse(since) == nil {
                throw BadParameter(name: "since", reason: "takes an age (30m, 12h, 3d, 2w), today, yesterday or a date, not '\(since)'")
            }
            search = value("q")
            conversation = value("conversation")
            if let text = value("after") {
                let parts = text.split(separator: ".")
                guard parts.count == 2, let sortAt = Int64(parts[0]), let id = Int64(parts[1]) else {
                    throw BadParameter(name: "after", reason: "takes the place in the list an 'Older runs' link gives, not '\(text)'")
                }
                after = RunQuery.Cursor(sortAt: sortAt, id: id)
            }
            if let text = value("count") {
                guard text == "all" else { throw BadParameter(name: "count", reason: "takes all, not '\(text)'") }
                countAll = true
            }
            limit = pageSize
            if let text = value("limit") {
                guard let number = Int(text), (1...500).contains(number) else {
                    throw BadParameter(name: "limit", reason: "takes 1 to 500, not '\(text)'")
                }
                limit = number
            }
        }

        func query(now: Int64) -> RunQuery {
            RunQuery(team: team, status: status.map(RunStatus.init), versionStatus: version, since: since.flatMap { SinceParser.parse($0, now: Date(milliseconds: now)) },
                     search: search, conversationId: conversation, limit: limit, after: after)
        }

        /// The query string of these filters, with `after` replaced.
        func queryString(after cursor: RunQuery.Cursor?, countAll: Bool = false) -> String {
            var items: [URLQueryItem] = []
            for (name, value) in [("team", team), ("status", status), ("version", version), ("since", since), ("q", search),
                                  ("conversation", conversation)] {
                if let value { items.append(URLQueryItem(name: name, value: value)) }
            }
            if let cursor { items.append(URLQueryItem(name: "after", value: "\(cursor.sortAt).\(cursor.id)")) }
            if countAll { items.append(URLQueryItem(name: "count", value: "all")) }
            var components = URLComponents()
            components.queryItems = items
            return items.isEmpty ? "" : "?" + (components.percentEncodedQuery ?? "")
        }

        var isFiltered: Bool { team != nil || status != nil || version != nil || since != nil || search != nil || conversation != nil }
    }

    func runsPage(_ filter: RunsFilter) throws(TracedeskError) -> String {
        let filter = served(filter)
        let now = Date().epochMilliseconds
        let query = filter.query(now: now)
        let runs = try shown(try store.runs(matching: query))
        var counting = query
        counting.status = nil
        let counts = filter.countAll ? try store.statusCounts(matching: counting)
            : try store.statusCounts(matching: counting, within: settings.countingBudget)
        let teams = try store.teamCodes()
        let subtitle: String
        if let counts {
            let total = counts.values.reduce(0, +)
            let runs = "\(TextFormat.count(Int64(total))) run\(total == 1 ? "" : "s")"
            subtitle = filter.isFiltered ? "\(runs) \(total == 1 ? "matches" : "match") these filters" : "\(runs) in the history"
        } else {
            subtitle = "The runs that match these filters, newest first"
        }
        // Only the first page follows the history live: later pages are a fixed place in it.
        let live = filter.after == nil ? "runs" : nil
        return try page(title: "Runs", heading: "Runs", subtitle: subtitle, current: .runs, live: live) { document, main in
            filterForm(filter, teams: teams, in: main, of: document)
            statusCounts(counts, filter: filter, in: main, of: document)
            guard !runs.isEmpty else {
                document.element("p", in: main, attributes: ["class": "note"],
                                 text: counts?.isEmpty == true && !filter.isFiltered ? "No runs recorded yet: tracedesk invoke, poll, import or demo records them."
                                     : "No run matches these filters.")
                return
            }
            runTable(runs, in: main, of: document)
            let pager = document.element("nav", in: main, attributes: ["class": "pager", "aria-label": "Pages"])
            if filter.after != nil {
                document.element("a", in: pager, attributes: ["href": "/" + filter.queryString(after: nil)], text: "Newest runs")
            }
            if runs.count == filter.limit, let last = runs.last, let cursor = store.cursor(of: last) {
                document.element("a", in: pager, attributes: ["href": "/" + filter.queryString(after: cursor), "rel": "next"], text: "Older runs")
            }
        }
    }

    /// The counts by status of the runs the filters select (whatever the status filter says), or,
    /// when counting them took longer than the budget, the place to count them: the script fetches
    /// `data-counts`, and the link does it without script.
    func statusCounts(_ counts: [RunStatus: Int]?, filter: RunsFilter, in main: HTMLElement, of document: HTMLDocument) {
        var bare = filter
        bare.status = nil
        let line = document.element("p", in: main, attributes: ["class": "counts"])
        if counts == nil { line.setAttribute("data-counts", "/api/counts" + bare.queryString(after: nil)) }
        for status in ["RUNNING", "WAITING", "COMPLETE", "ERROR"] {
            let item = document.element("span", in: line, attributes: ["data-status": status])
            document.element("span", in: item, attributes: ["class": "badge status-\(status)"], text: status)
            let count = counts.map { counts in TextFormat.count(Int64(counts.first { $0.key.rawValue == status }?.value ?? 0)) }
            document.element("span", in: item, attributes: ["class": "count"], text: " " + (count ?? "…"))
        }
        if counts == nil {
            document.element("a", in: line, attributes: ["href": "/" + filter.queryString(after: filter.after, countAll: true), "class": "count-all"],
                             text: "Count the matching runs")
        }
    }

    func filterForm(_ filter: RunsFilter, teams: [String], in main: HTMLElement, of document: HTMLDocument) {
        let form = document.element("form", in: main, attributes: ["class": "filters", "method": "get", "action": "/", "role": "search"])
        func field(_ label: String, _ name: String, _ value: String?, placeholder: String) {
            let wrapper = document.element("label", in: form)
            document.text(label, in: wrapper)
            document.element("input", in: wrapper, attributes: ["type": "text", "name": name, "value": value ?? "", "placeholder": placeholder])
        }
        func choice(_ label: String, _ name: String, _ value: String?, _ options: [String]) {
            let wrapper = document.element("label", in: form)
            document.text(label, in: wrapper)
            let select = document.element("select", in: wrapper, attributes: ["name": name])
            document.element("option", in: select, attributes: ["value": ""], text: "any")
            for option in options {
                let element = document.element("option", in: select, attributes: ["value": option], text: option)
                if option == value { element.setAttribute("selected", "selected") }
            }
        }
        choice("Team", "team", filter.team, teams)
        choice("Status", "status", filter.status, ["RUNNING", "WAITING", "COMPLETE", "ERROR"])
        choice("Version", "version", filter.version, ["PUBLISHED", "DRAFT"])
        field("Since", "since", filter.since, placeholder: "7d, 12h, 2026-03-12")
        field("Search", "q", filter.search, placeholder: "words in messages, answers, errors")
        if let conversation = filter.conversation {
            // One conversation's runs: kept through a new filter, and undone by a link.
            document.element("input", in: form, attributes: ["type": "hidden", "name": "conversation", "value": conversation])
        }
        document.element("button", in: form, attributes: ["type": "submit"], text: "Filter")
        if let conversation = filter.conversation {
            var everyConversation = filter
            everyConversation.conversation = nil
            let note = document.element("p", in: main, attributes: ["class": "note"])
            document.text("Only conversation \(conversation). ", in: note)
            document.element("a", in: note, attributes: ["href": "/" + everyConversation.queryString(after: nil)], text: "Every conversation")
        }
    }

    /// The runs as `tracedesk runs` shows them, each linked to its page.
    func runTable(_ runs: [RunRecord], in parent: HTMLElement, of document: HTMLDocument) {
        let scroll = document.element("div", in: parent, attributes: ["class": "table-scroll"])
        let table = document.element("table", in: scroll, attributes: ["class": "grid runs"])
        let head = document.element("tr", in: document.element("thead", in: table))
        for (title, numeric) in [("Job", false), ("Team", false), ("Version", false), ("Status", false), ("Started", false),
                                 ("Time", true), ("Tokens", true), ("Steps", true), ("Message", false)] {
            document.element("th", in: head, attributes: numeric ? ["class": "num", "scope": "col"] : ["scope": "col"], text: title)
        }
        let body = document.element("tbody", in: table)
        for run in runs {
            let row = document.element("tr", in: body, attributes: ["class": "run-row", "data-job-id": run.jobId])
            let job = document.element("td", in: row)
            document.element("a", in: job, attributes: ["href": "/runs/\(Self.segment(run.jobId))", "class": "mono"], text: String(run.jobId.prefix(8)))
            let team = document.element("td", in: row, attributes: ["class": "team"])
            document.text(run.teamCode ?? run.workflowCode ?? "-", in: team, breakingAfter: ["_"])
            document.element("td", in: row, text: [run.version.map { "v\($0)" }, run.versionStatus].compactMap { $0 }.joined(separator: " "))
            let status = document.element("td", in: row)
            document.element("span", in: status, attributes: ["class": "badge status-\(run.status.rawValue)"], text: run.status.rawValue)
            document.element("td", in: row, text: run.startedAt.map(format.instant) ?? "-")
            document.element("td", in: row, attributes: ["class": "num"], text: TextFormat.duration(run.timeTakenMs))
            document.element("td", in: row, attributes: ["class": "num"], text: run.tokens.map { TextFormat.count($0.total) } ?? "-")
            document.element("td", in: row, attributes: ["class": "num"], text: TextFormat.count(Int64(run.nodeCount)))
            let message = [run.label.map { "[\($0)]" }, run.message].compactMap { $0 }.joined(separator: " ")
            document.element("td", in: row, attributes: ["class": "message", "title": message], text: TextFormat.snippet(message, width: 90))
        }
    }

    /// A jobId (or any name) as one path segment of a link.
    static func segment(_ text: String) -> String {
        TeamCode.pathSegment(text)
    }
}
