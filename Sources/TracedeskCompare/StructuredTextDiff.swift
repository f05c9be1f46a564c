import Foundation

/// A diff of two Markdown answers that keeps their structure: lines are aligned first, so a
/// list item or a table row is changed, added or removed as a unit; a changed table row is
/// diffed cell by cell, and any other changed line word by word. Table rows come out as rows
/// with cells (not raw `|` pipes), for a report to draw as a table.
public enum StructuredTextDiff {
    public enum Change: String, Sendable, Equatable { case same, changed, added, removed }

    /// A run of the answer: a table, or one line of anything else.
    public enum Block: Sendable, Equatable {
        case table([Row])
        case line(Line)
    }

    /// A table row, its cells each diffed word by word.
    public struct Row: Sendable, Equatable {
        public var change: Change
        public var cells: [[WordDiff.Segment]]
    }

    /// A line that is not in a table (a paragraph, a list item, a heading), diffed word by word.
    public struct Line: Sendable, Equatable {
        public var change: Change
        public var segments: [WordDiff.Segment]

        /// What a line is in Markdown, for drawing it as such rather than as its source.
        public enum Role: Sendable, Equatable {
            case text
            /// `## Heading`: its level, 1 to 6.
            case heading(Int)
            /// `- item`, `* item`, `+ item`; `1. item` keeps its number in the text.
            case item
        }

        /// The line as a reader sees it: its role, and its words without the heading's `#`s or
        /// the item's bullet (when both sides share them) and without `**` and `__` emphasis.
        public var presented: (role: Role, segments: [WordDiff.Segment]) {
            var segments = segments
            var role = Role.text
            // The marker is taken off when it is unchanged text at the line's start, or the line
            // was added or removed whole.
            if let first = segments.first, first.kind == .same || change == .added || change == .removed {
                let text = first.text
                let indent = text.prefix { $0 == " " }
                let rest = text.dropFirst(indent.count)
                let hashes = rest.prefix { $0 == "#" }
                var marker: Substring.Index?
                if (1...6).contains(hashes.count), rest.dropFirst(hashes.count).first == " " {
                    role = .heading(hashes.count)
                    marker = rest.index(rest.startIndex, offsetBy: hashes.count + 1)
                } else if let bullet = rest.first, "-*+".contains(bullet), rest.dropFirst().first == " " {
                    role = .item
                    marker = rest.index(rest.startIndex, offsetBy: 2)
                }
                if let marker {
                    let remaining = String(rest[marker...].drop { $0 == " " })
                    if remaining.isEmpty { segments.removeFirst() } else { segments[0].text = remaining }
                }
            }
            segments = segments.compactMap { segment in
                var segment = segment
                segment.text = segment.text.replacingOccurrences(of: "**", with: "").replacingOccurrences(of: "__", with: "")
                return segment.text.isEmpty ? nil : segment
            }
            return (role, segments)
        }
    }

    public static func diff(_ a: String, _ b: String) -> [Block] {
        let linesA = lines(a), linesB = lines(b)
        var pending: [(Change, String?, String?)] = []
        // Lines aligned exactly; a removed line followed by added ones (or the reverse) is a change.
        var removed: [String] = [], added: [String] = []
        func flush() {
            let paired = min(removed.count, added.count)
            for index in 0..<paired { pending.append((.changed, removed[index], added[index])) }
            for line in removed.dropFirst(paired) { pending.append((.removed, line, nil)) }
            for line in added.dropFirst(paired) { pending.append((.added, nil, line)) }
            removed = []
            added = []
        }
        for step in SequenceAlignment.align(linesA.map(normalized), linesB.map(normalized)) {
            switch step {
            case .both(let i, _):
                flush()
                pending.append((.same, linesA[i], linesA[i]))
            case .onlyA(let i): removed.append(linesA[i])
            case .onlyB(let j): added.append(linesB[j])
            }
        }
        flush()

        var blocks: [Block] = []
        var rows: [Row] = []
        func closeTable() {
            if !rows.isEmpty { blocks.append(.table(rows)) }
            rows = []
        }
        for (change, lineA, lineB) in pending {
            let line = lineB ?? lineA ?? ""
            let isRow = isTableRow(lineA ?? "") || isTableRow(lineB ?? "")
            guard isRow else {
                closeTable()
                guard !line.trimmingCharacters(in: .whitespaces).isEmpty || change != .same else { continue }
                blocks.append(.line(Line(change: change, segments: segments(change, lineA, lineB))))
                continue
            }
            // The |---|---| line under a header is layout, not content.
            if isSeparator(line) { continue }
            let cellsA = lineA.map(cells) ?? [], cellsB = lineB.map(cells) ?? []
            let width = max(cellsA.count, cellsB.count)
            var diffed: [[WordDiff.Segment]] = []
            for index in 0..<width {
                let cellA = index < cellsA.count ? cellsA[index] : nil, cellB = index < cellsB.count ? cellsB[index] : nil
                let cellChange: Change = change == .changed ? (cellA == cellB ? .same : .changed) : change
                diffed.append(segments(cellChange, cellA, cellB))
            }
            rows.append(Row(change: change, cells: diffed))
        }
        closeTable()
        return blocks
    }

    /// Whether anything differs.
    public static func hasChanges(_ blocks: [Block]) -> Bool {
        blocks.contains { block in
            switch block {
            case .table(let rows): rows.contains { $0.change != .same }
            case .line(let line): line.change != .same
            }
        }
    }

    static func segments(_ change: Change, _ a: String?, _ b: String?) -> [WordDiff.Segment] {
        switch change {
        case .same: [WordDiff.Segment(kind: .same, text: b ?? a ?? "")]
        case .added: [WordDiff.Segment(kind: .added, text: b ?? "")]
        case .removed: [WordDiff.Segment(kind: .removed, text: a ?? "")]
        case .changed: WordDiff.diff(a ?? "", b ?? "")
        }
    }

    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: "\r")) }
    }

    /// Lines compare without their outer whitespace, and table rows without their padding.
    static func normalized(_ line: String) -> String {
        isTableRow(line) ? cells(line).joined(separator: "\u{1F}") : line.trimmingCharacters(in: .whitespaces)
    }

    static func isTableRow(_ line: String) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.hasPrefix("|") && trimmed.count > 1
    }

    static func isSeparator(_ line: String) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return isTableRow(trimmed) && trimmed.allSatisfy { "|-: ".contains($0) } && trimmed.contains("-")
    }

    /// The cells of `| a | b |`, trimmed; `\|` is a pipe inside a cell.
    static func cells(_ line: String) -> [String] {
        var trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("|") { trimmed.removeFirst() }
        if trimmed.hasSuffix("|") && !trimmed.hasSuffix("\\|") { trimmed.removeLast() }
        var cells: [String] = []
        var current = ""
        var escaped = false
        for character in trimmed {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "|" {
                cells.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(character)
            }
        }
        cells.append(current.trimmingCharacters(in: .whitespaces))
        return cells
    }
}
