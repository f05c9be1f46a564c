import Foundation
import TracedeskModel
import TracedeskHistory

/// The report's longer sections: steps, supporting documents, status history, raw bodies.
extension RunReport {
    // MARK: Steps

    func stepsSummary(in slot: HTMLElement, of document: HTMLDocument) {
        let nodes = details.nodes
        guard !nodes.isEmpty else {
            document.element("p", in: slot, attributes: ["class": "note"],
                             text: "No steps recorded: END_USER runs carry none, and a run seen before its first step has none yet.")
            return
        }
        var parts = ["\(TextFormat.count(Int64(nodes.count))) steps"]
        parts.append(Self.tally(nodes.map { $0.status ?? "no status" }))
        parts.append("by type: " + Self.tally(nodes.map { $0.type ?? "untyped" }))
        // The same "slowest" as At a glance: a step's own work or a loop, not another container.
        if let slowest = insights.slowest.first.map({ nodes[$0.node] }) {
            parts.append("slowest: \(Self.stepLabel(slowest)) (\(TextFormat.duration(slowest.durationMs)))")
        }
        if let hungriest = nodes.max(by: { $0.displayTokens.total < $1.displayTokens.total }), hungriest.displayTokens.total > 0 {
            parts.append("most tokens: \(Self.stepLabel(hungriest)) (\(TextFormat.count(hungriest.displayTokens.total)))")
        }
        document.element("p", in: slot, attributes: ["class": "summary-line"], text: parts.joined(separator: " · "))
    }

    /// `10 COMPLETE, 1 ERROR`, most frequent first.
    static func tally(_ words: [String]) -> String {
        var counts: [String: Int] = [:]
        var order: [String] = []
        for word in words {
            if counts[word] == nil { order.append(word) }
            counts[word, default: 0] += 1
        }
        return order.sorted { counts[$0]! != counts[$1]! ? counts[$0]! > counts[$1]! : order.firstIndex(of: $0)! < order.firstIndex(of: $1)! }
            .map { "\(TextFormat.count(Int64(counts[$0]!))) \($0)" }.joined(separator: ", ")
    }

    /// JSON text pretty-printed (keys in their order); other text as it is.
    static func pretty(_ text: String) -> String {
        guard let first = text.first(where: { !$0.isWhitespace }), first == "{" || first == "[",
              let value = JSONValue(parsing: text) else { return text }
        return value.prettyText
    }

    // MARK: Chunks and citations

    func references(_ references: [DocumentReferenceRecord], kind: String, in slot: HTMLElement, of document: HTMLDocument) {
        guard !references.isEmpty else { return }
        if kind == "chunk", let step = insights.retrievalStep {
            let node = details.nodes[step]
            let note = document.element("p", in: slot, attributes: ["class": "note retrieved-by"])
            document.text("Retrieved by step ", in: note)
            document.element("a", in: note, attributes: ["href": link(to: node), "class": "mono"], text: "\(node.position + 1) \(node.label)")
            document.text(" (\(node.type ?? "a search step")).", in: note)
        }
        let group = document.element("details", in: slot, attributes: ["class": "group"])
        if references.count <= Self.openReferenceLimit { group.setAttribute("open", "open") }
        let sources = Set(references.compactMap { $0.title ?? $0.source }).count
        document.element("summary", in: group, text: "\(TextFormat.count(Int64(references.count))) \(kind)\(references.count == 1 ? "" : "s") from \(TextFormat.count(Int64(sources))) document\(sources == 1 ? "" : "s")")
        let table = document.element("table", in: group, attributes: ["class": "grid \(kind)s"])
        let head = document.element("tr", in: document.element("thead", in: table))
        for (title, numeric) in [("#", true), ("Document", false), ("Score", true), ("Text", false)] {
            document.element("th", in: head, attributes: numeric ? ["class": "num"] : [:], text: title)
        }
        let body = document.element("tbody", in: table)
        for reference in references {
            let row = document.element("tr", in: body, attributes: ["class": "\(kind)-row", "id": "\(kind)-\(reference.position)"])
            document.element("td", in: row, attributes: ["class": "num"], text: String(reference.position + 1))
            let source = document.element("td", in: row)
            let link = reference.source.flatMap(Self.webAddress)
            if let link {
                document.element("a", in: source, attributes: ["href": link, "rel": "noopener noreferrer nofollow"],
                                 text: reference.title ?? reference.source ?? "untitled")
            } else {
                document.element("strong", in: source, text: reference.title ?? reference.source ?? "untitled")
            }
            if let origin = reference.source, origin != reference.title {
                document.element("br", in: source)
                document.element("span", in: source, attributes: ["class": "mono note"], text: origin)
            }
            if let page = reference.page {
                document.element("br", in: source)
                document.element("span", in: source, attributes: ["class": "note"], text: "page \(page)")
            }
            document.element("td", in: row, attributes: ["class": "num"], text: reference.score.flatMap { $0.isFinite ? TextFormat.decimals($0, 3) : nil } ?? "-")
            document.element("div", in: document.element("td", in: row), attributes: ["class": "chunk-text"], text: reference.text ?? "")
        }
    }

    /// `text` as a link target when it is an http or https address with a host; nothing else
    /// (no `javascript:`, `data:` or `file:`) becomes a link.
    static func webAddress(_ text: String) -> String? {
        let trimmed = text.trimmedOfBlanks
        // Most sources are not addresses (a file name, a title): refuse those before parsing.
        guard trimmed.utf8.count > 7, trimmed.utf8.prefix(4).map({ $0 | 0x20 }) == Array("http".utf8) else { return nil }
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty else { return nil }
        return trimmed
    }

    // MARK: Conversation

    /// The runs of the run's conversation, oldest first, this one marked.
    func conversationRuns(in slot: HTMLElement, of document: HTMLDocument, link: ((String) -> String)?) {
        guard conversation.count > 1 else { return }
        document.element("p", in: slot, attributes: ["class": "note"],
                         text: "\(conversation.count) runs share conversation \(run.conversationId ?? "")"
                            + (link == nil ? " (tracedesk runs --conversation \((run.conversationId ?? "").prefix(8)) lists them)." : "."))
        let table = document.element("table", in: slot, attributes: ["class": "grid conversation"])
        let head = document.element("tr", in: document.element("thead", in: table))
        for (title, numeric) in [("#", true), ("Job", false), ("Status", false), ("Started", false), ("Time", true), ("Message", false)] {
            document.element("th", in: head, attributes: numeric ? ["class": "num", "scope": "col"] : ["scope": "col"], text: title)
        }
        let body = document.element("tbody", in: table)
        for (number, other) in conversation.enumerated() {
            let current = other.jobId == run.jobId
            let row = document.element("tr", in: body, attributes: current ? ["class": "current", "aria-current": "true"] : [:])
            document.element("td", in: row, attributes: ["class": "num"], text: String(number + 1))
            let job = document.element("td", in: row)
            if let link, !current {
                document.element("a", in: job, attributes: ["href": link(other.jobId), "class": "mono"], text: String(other.jobId.prefix(8)))
            } else {
                document.element("span", in: job, attributes: ["class": "mono"], text: String(other.jobId.prefix(8)) + (current ? " (this run)" : ""))
            }
            let status = document.element("td", in: row)
            document.element("span", in: status, attributes: ["class": "badge \(Self.statusClass(other.status))"], text: other.status.rawValue)
            document.element("td", in: row, text: other.startedAt.map(format.instant) ?? "-")
            document.element("td", in: row, attributes: ["class": "num"], text: TextFormat.duration(other.timeTakenMs))
            document.element("td", in: row, text: TextFormat.snippet(other.message ?? "", width: 100))
        }
    }

    // MARK: Status history and raw bodies

    func statusHistory(in slot: HTMLElement, of document: HTMLDocument) {
        let changes = details.statusChanges
        if !changes.isEmpty {
            let table = document.element("table", in: slot, attributes: ["class": "grid status-changes"])
            let head = document.element("tr", in: document.element("thead", in: table))
            for title in ["Status", "Seen from", "For"] { document.element("th", in: head, text: title) }
            let body = document.element("tbody", in: table)
            for (index, change) in changes.enumerated() {
                let row = document.element("tr", in: body, attributes: ["class": "status-change"])
                document.element("span", in: document.element("td", in: row), attributes: ["class": "badge \(Self.statusClass(change.status))"],
                                 text: change.status.rawValue)
                document.element("td", in: row, text: change.at.map { format.preciseInstant($0) } ?? "not known (imported)")
                let next = index + 1 < changes.count ? changes[index + 1].at : nil
                let lasted: String = if let at = change.at, let next { TextFormat.duration(next - at) }
                    else if index + 1 == changes.count { change.status.isTerminal ? "" : "when last seen" }
                    else { "-" }
                document.element("td", in: row, text: lasted)
            }
        }
        let waited: String = switch details.waitingMs {
        case .some(0): "The run never waited for a person."
        case .some(let waited): "Time spent WAITING: \(TextFormat.duration(waited))."
        case .none: "The run waited; how long is not known (its bodies were imported without the times they were seen)."
        }
        document.element("p", in: slot, text: waited)
        if let clocks = details.clockNote { document.element("p", in: slot, attributes: ["class": "note clock-note"], text: clocks) }
        guard !details.snapshots.isEmpty else { return }
        let group = document.element("details", in: slot, attributes: ["class": "group"])
        let polls = details.snapshots.reduce(0) { $0 + $1.timesSeen }
        document.element("summary", in: group, text: "\(details.snapshots.count) distinct bodies over \(polls) answers")
        let table = document.element("table", in: group, attributes: ["class": "grid snapshots"])
        let head = document.element("tr", in: document.element("thead", in: table))
        for (title, numeric) in [("#", true), ("Status", false), ("First seen", false), ("Last seen", false),
                                 ("Times seen", true), ("HTTP", true), ("Size", true)] {
            document.element("th", in: head, attributes: numeric ? ["class": "num"] : [:], text: title)
        }
        let body = document.element("tbody", in: table)
        for snapshot in details.snapshots {
            let row = document.element("tr", in: body)
            document.element("td", in: row, attributes: ["class": "num"], text: String(snapshot.sequence))
            document.element("td", in: row, text: snapshot.status ?? "")
            document.element("td", in: row, text: format.preciseInstant(snapshot.firstSeenAt))
            document.element("td", in: row, text: format.preciseInstant(snapshot.lastSeenAt))
            document.element("td", in: row, attributes: ["class": "num"], text: String(snapshot.timesSeen))
            document.element("td", in: row, attributes: ["class": "num"], text: snapshot.httpStatus.map(String.init) ?? "-")
            document.element("td", in: row, attributes: ["class": "num"], text: Self.bytes(snapshot.bytes))
        }
    }

    func rawBodies(in slot: HTMLElement, of document: HTMLDocument) {
        var context = EmbeddedRun(jobId: run.jobId, team: run.teamCode, label: run.label, message: run.message,
                                  parameters: run.parameters.isEmpty ? nil : run.parameters)
        context.aiUnitRates = aiUnitRates
        context.pod = run.pod
        if run.transport == .stream {
            context.transport = run.transport.rawValue
            context.conversationId = run.conversationId
            context.versionStatus = run.versionStatus
            context.sentAt = run.startedAt
        }
        guard embedsBodies else {
            let count = details.snapshots.count
            document.element("p", in: slot, attributes: ["class": "note"],
                             text: run.transport == .stream
                                ? "This page leaves out the \(TextFormat.count(Int64(details.streamEvents))) events of the debug stream; the report to download holds them."
                                : "This page leaves out the \(TextFormat.count(Int64(count))) bod\(count == 1 ? "y" : "ies") as received; the report to download holds \(count == 1 ? "it" : "them").")
            return
        }
        document.element("pre", in: slot, attributes: ["class": EmbeddedRun.runClass, "hidden": "hidden"], text: context.json)
        if !events.isEmpty {
            let group = document.element("details", in: slot, attributes: ["class": "group"])
            let total = events.reduce(0) { $0 + $1.data.utf8.count }
            document.element("summary", in: group, text: "\(TextFormat.count(Int64(events.count))) events of the debug stream, as received (\(Self.bytes(total)))")
            let pre = document.element("pre", in: group, attributes: ["class": EmbeddedRun.eventsClass])
            document.bulkText(HTMLDocument.preformatted(EmbeddedRun.eventLines(events)), in: pre)
        }
        let embedded = bodies.select(snapshots)
        if snapshots.isEmpty && !events.isEmpty { return }
        let group = document.element("details", in: slot, attributes: ["class": "group"])
        let total = embedded.reduce(0) { $0 + $1.body.utf8.count }
        let of = embedded.count == snapshots.count ? "" : " of \(snapshots.count), as --bodies \(bodies.rawValue) chose"
        document.element("summary", in: group, text: "\(embedded.count) bod\(embedded.count == 1 ? "y" : "ies")\(of) (\(Self.bytes(total)))")
        for snapshot in embedded {
            let item = document.element("details", in: group, attributes: ["class": "raw-body"])
            document.element("summary", in: item, text: "Body \(snapshot.sequence) · \(snapshot.status ?? "no status") · "
                             + "first seen \(format.preciseInstant(snapshot.firstSeenAt)) · seen \(snapshot.timesSeen)×")
            var attributes: [(String, String)] = [
                ("class", EmbeddedRun.bodyClass), ("data-sequence", String(snapshot.sequence)),
                ("data-first-seen", String(snapshot.firstSeenAt)), ("data-last-seen", String(snapshot.lastSeenAt)),
                ("data-times-seen", String(snapshot.timesSeen)),
            ]
            if let status = snapshot.httpStatus { attributes.append(("data-http-status", String(status))) }
            let pre = document.element("pre", in: item)
            for (name, value) in attributes { pre.setAttribute(name, value) }
            // Bodies are most of a report's bytes: they are written straight into the output,
            // escaped as libxml2 escapes text.
            document.bulkText(HTMLDocument.preformatted(snapshot.body), in: pre)
        }
    }

    /// `512 B`, `7.6 KiB`, `3.1 MiB`.
    public static func bytes(_ count: Int) -> String { TextFormat.bytes(Int64(count)) }
}
