import Foundation
import TracedeskModel

/// A table for the terminal: a header and rows of cells, each column as wide as its widest cell
/// (or capped), separated by two spaces, right-aligned where numbers are; the last column may be
/// left to run on or cut to the width that remains.
public struct TextTable: Sendable {
    /// One column: its header, whether it is right-aligned, and the most it may take.
    public struct Column: Sendable {
        public var header: String
        public var alignRight: Bool
        public var maximumWidth: Int?

        public init(_ header: String, alignRight: Bool = false, maximumWidth: Int? = nil) {
            self.header = header
            self.alignRight = alignRight
            self.maximumWidth = maximumWidth
        }
    }

    public var columns: [Column]
    public private(set) var rows: [[String]] = []

    public init(columns: [Column]) {
        self.columns = columns
    }

    /// Adds a row. A cell is one line: a line break or tab in it (a team code from a pod)
    /// is written as `\\n` or `\\t`, so that no cell can start a row of its own.
    public mutating func add(_ row: [String]) {
        rows.append(row.map(Self.singleLine))
    }

    static func singleLine(_ cell: String) -> String {
        guard cell.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" || $0 == "\t" }) else { return cell }
        var line = ""
        for scalar in cell.unicodeScalars {
            switch scalar {
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            case "\t": line += "\\t"
            default: line.unicodeScalars.append(scalar)
            }
        }
        return line
    }

    /// The lines of the table. With `width`, the last column is cut to what the others leave
    /// (but never below `minimumLast`); without, it runs on.
    public func lines(width: Int? = nil, minimumLast: Int = 12) -> [String] {
        var widths = columns.map(\.header.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        for (index, column) in columns.enumerated() {
            if let maximum = column.maximumWidth { widths[index] = min(widths[index], maximum) }
        }
        let last = columns.count - 1
        if let width {
            let fixed = widths.dropLast().reduce(0, +) + 2 * last
            widths[last] = min(widths[last], max(minimumLast, width - fixed))
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (index, cell) in cells.enumerated() where index < columns.count {
                if index == last && width == nil && !columns[index].alignRight {
                    parts.append(cell)
                } else {
                    parts.append(TextFormat.cell(cell, widths[index], alignRight: columns[index].alignRight))
                }
            }
            var text = parts.joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        return [line(columns.map(\.header))] + rows.map(line)
    }
}
