import Foundation

/// Markdown as agents write it (CommonMark's blocks and inlines, GitHub's tables and
/// strikethrough), read into values that a report draws itself.
///
/// Tracedesk renders an answer's Markdown with this reader rather than a Markdown-to-HTML library,
/// because an answer is text from a pod: the reader's output is a fixed set of values, each drawn
/// as an element of `MarkupAllowlist.answer`, so nothing in an answer can become markup (raw HTML
/// in it is shown as text; `<br>` alone is read as a line break). And it is built to stay linear
/// in its input, however hostile: every line is looked at a bounded number of times, brackets,
/// parentheses and code spans are matched in one pass each, emphasis is paired with one stack per
/// marker, and nesting stops at `maximumNesting` (what lies deeper is kept as text).
public struct MarkdownText: Sendable, Equatable {
    /// One block of the text.
    public indirect enum Block: Sendable, Equatable {
        case heading(level: Int, [Inline])
        case paragraph([Inline])
        /// A fenced or indented code block, its text as written.
        case code(String)
        case quote([Block])
        /// `start` is the first number of an ordered list; a tight list's items are not paragraphs.
        case list(ordered: Bool, start: Int, tight: Bool, items: [[Block]])
        case table(alignments: [Alignment], header: [[Inline]], rows: [[[Inline]]])
        case rule
    }

    /// A table column's alignment.
    public enum Alignment: Sendable, Equatable {
        case none, left, center, right
    }

    /// An inline style, opened and closed around text.
    public enum Style: Sendable, Equatable {
        case emphasis, strong, strikethrough
    }

    /// One piece of a paragraph, heading or cell. Opens and closes nest properly.
    public indirect enum Inline: Sendable, Equatable {
        case text(String)
        case code(String)
        case lineBreak
        case open(Style)
        case close(Style)
        /// A link; its content holds no link.
        case link(destination: String, title: String?, content: [Inline])
    }

    public var blocks: [Block]

    /// How deep lists and quotes nest before what is inside is read as plain paragraphs.
    public static let maximumNesting = 8

    /// Reads `text`.
    public init(parsing text: String) {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
            .map { Line(String($0)) }
        blocks = BlockReader.blocks(lines[...], depth: 0)
    }
}

// MARK: Blocks

/// A line with its indentation worked out once (a tab counts as four columns).
struct Line {
    let text: String
    /// Leading columns of space.
    let indent: Int
    /// The text after the leading spaces.
    let content: Substring
    var isBlank: Bool { content.allSatisfy { $0 == " " || $0 == "\t" } }

    init(_ text: String) {
        self.text = text
        var columns = 0
        var index = text.startIndex
        while index < text.endIndex, text[index] == " " || text[index] == "\t" {
            columns += text[index] == "\t" ? 4 - columns % 4 : 1
            index = text.index(after: index)
        }
        indent = columns
        content = text[index...]
    }

    /// The line with `columns` of its indentation removed (no more than it has).
    func dropping(columns: Int) -> Line {
        guard columns > 0 else { return self }
        if indent <= columns { return Line(String(content)) }
        return Line(String(repeating: " ", count: indent - columns) + content)
    }
}

enum BlockReader {
    static func blocks(_ lines: ArraySlice<Line>, depth: Int) -> [MarkdownText.Block] {
        var blocks: [MarkdownText.Block] = []
        var index = lines.startIndex
        while index < lines.endIndex {
            let line = lines[index]
            if line.isBlank {
                index += 1
                continue
            }
            if line.indent >= 4 {
                var end = index
                var last = index
                while end < lines.endIndex, lines[end].isBlank || lines[end].indent >= 4 {
                    if !lines[end].isBlank { last = end }
                    end += 1
                }
                blocks.append(.code(lines[index...last].map { $0.dropping(columns: 4).text }.joined(separator: "\n")))
                index = last + 1
                continue
            }
            if let fence = fence(line) {
                var end = index + 1
                var body: [String] = []
                while end < lines.endIndex, !closesFence(lines[end], fence) {
                    body.append(lines[end].dropping(columns: line.indent).text)
                    end += 1
                }
                blocks.append(.code(body.joined(separator: "\n")))
                index = min(end + 1, lines.endIndex)
                continue
            }
            if let heading = heading(line) {
                blocks.append(.heading(level: heading.level, InlineReader.inlines(heading.text)))
                index += 1
                continue
            }
            if isRule(line) {
                blocks.append(.rule)
                index += 1
                continue
            }
            if line.content.hasPrefix(">") {
                var end = index
                var inner: [Line] = []
                while end < lines.endIndex, lines[end].indent < 4, lines[end].content.hasPrefix(">") {
                    var rest = lines[end].content.dropFirst()
                    if rest.first == " " { rest = rest.dropFirst() }
                    inner.append(Line(String(rest)))
                    end += 1
                }
                if depth < MarkdownText.maximumNesting {
                    blocks.append(.quote(Self.blocks(inner[...], depth: depth + 1)))
                } else {
                    blocks.append(.paragraph(InlineReader.inlines(inner.map(\.text).joined(separator: "\n"))))
                }
                index = end
                continue
            }
            if let marker = listMarker(line) {
                let (list, end) = readList(lines, from: index, first: marker, depth: depth)
                blocks.append(list)
                index = end
                continue
            }
            if index + 1 < lines.endIndex, line.content.contains("|"), let alignments = delimiterRow(lines[index + 1]) {
                let header = cells(line)
                if header.count == alignments.count {
                    var end = index + 2
                    var rows: [[[MarkdownText.Inline]]] = []
                    while end < lines.endIndex, !lines[end].isBlank, lines[end].content.contains("|") {
                        var row = cells(lines[end]).map(InlineReader.inlines)
                        if row.count < alignments.count { row += Array(repeating: [], count: alignments.count - row.count) }
                        rows.append(Array(row.prefix(alignments.count)))
                        end += 1
                    }
                    blocks.append(.table(alignments: alignments, header: header.map(InlineReader.inlines), rows: rows))
                    index = end
                    continue
                }
            }
            // A paragraph: lines up to a blank one or one that starts another block.
            var end = index + 1
            while end < lines.endIndex, !interruptsParagraph(lines[end]) { end += 1 }
            let text = lines[index..<end].map { String($0.content) }.joined(separator: "\n")
            blocks.append(.paragraph(InlineReader.inlines(text)))
            index = end
        }
        return blocks
    }

    static func interruptsParagraph(_ line: Line) -> Bool {
        if line.isBlank { return true }
        if line.indent >= 4 { return false }
        if fence(line) != nil || heading(line) != nil || isRule(line) || line.content.hasPrefix(">") { return true }
        if let marker = listMarker(line) { return !marker.ordered || marker.start == 1 }
        return false
    }

    struct Fence {
        var character: Character
        var length: Int
    }

    static func fence(_ line: Line) -> Fence? {
        guard line.indent < 4, let first = line.content.first, first == "`" || first == "~" else { return nil }
        let length = line.content.prefix { $0 == first }.count
        guard length >= 3 else { return nil }
        // A backtick fence's info string holds no backtick.
        if first == "`", line.content.dropFirst(length).contains("`") { return nil }
        return Fence(character: first, length: length)
    }

    static func closesFence(_ line: Line, _ fence: Fence) -> Bool {
        guard line.indent < 4 else { return false }
        let run = line.content.prefix { $0 == fence.character }.count
        return run >= fence.length && line.content.dropFirst(run).allSatisfy { $0 == " " || $0 == "\t" }
    }

    static func heading(_ line: Line) -> (level: Int, text: String)? {
        guard line.indent < 4, line.content.first == "#" else { return nil }
        let level = line.content.prefix { $0 == "#" }.count
        guard level <= 6 else { return nil }
        let rest = line.content.dropFirst(level)
        guard rest.isEmpty || rest.first == " " || rest.first == "\t" else { return nil }
        var text = rest.trimmingCharacters(in: .whitespaces)
        // A closing run of #s (after a space) is not part of the heading.
        if let last = text.lastIndex(where: { $0 != "#" }) {
            if last < text.index(before: text.endIndex), text[last] == " " || text[last] == "\t" {
                text = String(text[...last]).trimmingCharacters(in: .whitespaces)
            }
        } else {
            text = ""
        }
        return (level, text)
    }

    static func isRule(_ line: Line) -> Bool {
        guard line.indent < 4, let first = line.content.first, first == "-" || first == "*" || first == "_" else { return false }
        var count = 0
        for character in line.content {
            if character == first { count += 1 } else if character != " " && character != "\t" { return false }
        }
        return count >= 3
    }

    struct ListMarker {
        var ordered: Bool
        /// The bullet, or the delimiter after the number (`.` or `)`).
        var symbol: Character
        var start: Int
        /// Where the item's content begins, in columns from the line's start.
        var contentIndent: Int
        /// The item's first line, after the marker.
        var firstLine: String
    }

    static func listMarker(_ line: Line) -> ListMarker? {
        guard line.indent < 4, let first = line.content.first else { return nil }
        var ordered = false
        var symbol = first
        var start = 1
        var width: Int
        if first == "-" || first == "*" || first == "+" {
            width = 1
        } else if first.isASCII, first.isNumber {
            let digits = line.content.prefix { $0.isASCII && $0.isNumber }
            guard digits.count <= 9, let after = line.content.dropFirst(digits.count).first, after == "." || after == ")" else { return nil }
            ordered = true
            symbol = after
            start = Int(digits) ?? 1
            width = digits.count + 1
        } else {
            return nil
        }
        let rest = line.content.dropFirst(width)
        if rest.isEmpty { return ListMarker(ordered: ordered, symbol: symbol, start: start, contentIndent: line.indent + width + 1, firstLine: "") }
        guard rest.first == " " || rest.first == "\t" else { return nil }
        let spaces = rest.prefix { $0 == " " }.count
        // Five or more spaces: the content is indented code after one space.
        let gap = (1...4).contains(spaces) ? spaces : 1
        return ListMarker(ordered: ordered, symbol: symbol, start: start, contentIndent: line.indent + width + gap,
                          firstLine: String(rest.dropFirst(gap)))
    }

    /// A list of items of one kind of marker, from `start`; returns the list and the line after it.
    static func readList(_ lines: ArraySlice<Line>, from start: Int, first: ListMarker, depth: Int) -> (MarkdownText.Block, Int) {
        var items: [[MarkdownText.Block]] = []
        var tight = true
        var index = start
        var marker = first
        while true {
            var content: [Line] = [Line(marker.firstLine)]
            var end = index + 1
            var sawBlank = false
            while end < lines.endIndex {
                let line = lines[end]
                if line.isBlank {
                    sawBlank = true
                    end += 1
                    continue
                }
                if line.indent >= marker.contentIndent {
                    if sawBlank {
                        content.append(Line(""))
                        tight = false
                    }
                    content.append(line.dropping(columns: marker.contentIndent))
                    sawBlank = false
                    end += 1
                    continue
                }
                // A lazy continuation: a paragraph's next line, not indented.
                if !sawBlank, !interruptsParagraph(line), listMarker(line) == nil, content.last.map({ !$0.isBlank }) ?? false {
                    content.append(Line(String(line.content)))
                    end += 1
                    continue
                }
                break
            }
            // Blank lines after the item belong between items: they loosen the list only when another follows.
            var next = end
            while next > index + 1, lines[next - 1].isBlank { next -= 1 }
            let followedByBlank = next < end
            if depth < MarkdownText.maximumNesting {
                items.append(Self.blocks(content[...], depth: depth + 1))
            } else {
                items.append([.paragraph(InlineReader.inlines(content.map(\.text).joined(separator: "\n")))])
            }
            if end < lines.endIndex, let following = listMarker(lines[end]), following.ordered == first.ordered,
               following.symbol == first.symbol, lines[end].indent < marker.contentIndent {
                if followedByBlank { tight = false }
                marker = following
                index = end
                continue
            }
            return (.list(ordered: first.ordered, start: first.start, tight: tight, items: items), next)
        }
    }

    static func delimiterRow(_ line: Line) -> [MarkdownText.Alignment]? {
        guard line.indent < 4, line.content.contains("-") else { return nil }
        var text = line.content.trimmingCharacters(in: .whitespaces)[...]
        if text.hasPrefix("|") { text = text.dropFirst() }
        if text.hasSuffix("|") { text = text.dropLast() }
        var alignments: [MarkdownText.Alignment] = []
        for cell in text.split(separator: "|", omittingEmptySubsequences: false) {
            let trimmed = cell.trimmingCharacters(in: .whitespaces)
            let left = trimmed.hasPrefix(":"), right = trimmed.hasSuffix(":")
            let dashes = trimmed.drop { $0 == ":" }.reversed().drop { $0 == ":" }
            guard !dashes.isEmpty, dashes.allSatisfy({ $0 == "-" }) else { return nil }
            alignments.append(left && right ? .center : left ? .left : right ? .right : .none)
        }
        return alignments.isEmpty ? nil : alignments
    }

    /// A table row's cells: split at `|` that are not escaped or inside a code span.
    static func cells(_ line: Line) -> [String] {
        var text = line.content.trimmingCharacters(in: .whitespaces)[...]
        if text.hasPrefix("|") { text = text.dropFirst() }
        if text.hasSuffix("|"), !text.hasSuffix("\\|") { text = text.dropLast() }
        var cells: [String] = []
        var cell = ""
        var escaped = false
        var inCode = false
        for character in text {
            if escaped {
                if character != "|" { cell.append("\\") }
                cell.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "`" {
                inCode.toggle()
                cell.append(character)
            } else if character == "|", !inCode {
                cells.append(cell.trimmingCharacters(in: .whitespaces))
                cell = ""
            } else {
                cell.append(character)
            }
        }
        if escaped { cell.append("\\") }
        cells.append(cell.trimmingCharacters(in: .whitespaces))
        return cells
    }
}

// MARK: Inlines

/// Reads the inlines of one paragraph, heading or cell, in time linear in its length.
struct InlineReader {
    let bytes: [UInt8]
    /// For each `[`, the index of its matching `]` (outside code spans and escapes); -1 for none.
    var closingBracket: [Int32]
    /// For each `(`, the index of its matching `)`; -1 for none.
    var closingParen: [Int32]
    /// For each opening backtick run's first byte, the index just past its closing run; -1 for none.
    var codeSpanEnd: [Int32]

    static func inlines(_ text: String) -> [MarkdownText.Inline] {
        let reader = InlineReader(Array(text.utf8))
        return reader.read(0..<reader.bytes.count, allowLinks: true, depth: 0)
    }

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        let count = bytes.count
        codeSpanEnd = Array(repeating: -1, count: count)
        closingBracket = Array(repeating: -1, count: count)
        closingParen = Array(repeating: -1, count: count)

        // Backtick runs, paired with the next run of the same length.
        var runs: [(start: Int, length: Int)] = []
        var index = 0
        while index < count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\"), index + 1 < count {
                index += 2
                continue
            }
            if byte == UInt8(ascii: "`") {
                var end = index
                while end < count, bytes[end] == UInt8(ascii: "`") { end += 1 }
                runs.append((index, end - index))
                index = end
                continue
            }
            index += 1
        }
        var nextOfLength: [Int: Int] = [:]
        var pairedWith = Array(repeating: -1, count: runs.count)
        for run in runs.indices.reversed() {
            pairedWith[run] = nextOfLength[runs[run].length] ?? -1
            nextOfLength[runs[run].length] = run
        }
        var inCode = Array(repeating: false, count: count)
        var run = 0
        while run < runs.count {
            let partner = pairedWith[run]
            guard partner >= 0 else {
                run += 1
                continue
            }
            let end = runs[partner].start + runs[partner].length
            codeSpanEnd[runs[run].start] = Int32(end)
            for position in runs[run].start..<end { inCode[position] = true }
            run = partner + 1
        }

        // Brackets and parentheses, matched with a stack each.
        var brackets: [Int] = []
        var parens: [Int] = []
        index = 0
        while index < count {
            if inCode[index] {
                index += 1
                continue
            }
            switch bytes[index] {
            case UInt8(ascii: "\\"):
                index += 1
            case UInt8(ascii: "["):
                brackets.append(index)
            case UInt8(ascii: "]"):
                if let open = brackets.popLast() { closingBracket[open] = Int32(index) }
            case UInt8(ascii: "("):
                parens.append(index)
            case UInt8(ascii: ")"):
                if let open = parens.popLast() { closingParen[open] = Int32(index) }
            default:
                break
            }
            index += 1
        }
    }

    /// A run of emphasis markers, as read: where its tokens are, and what it may do.
    private struct Delimiter {
        var token: Int
        var character: UInt8
        var count: Int
        var canOpen: Bool
        var canClose: Bool
    }

    /// A token before emphasis is paired.
    private enum Token {
        case text(String)
        case code(String)
        case lineBreak
        case link(destination: String, title: String?, content: [MarkdownText.Inline])
        /// A delimiter run: its character, and what is left of it as text once paired.
        case delimiter(character: UInt8, remaining: Int, opens: [MarkdownText.Style], closes: [MarkdownText.Style])
    }

    /// How deep link texts and image descriptions nest before their brackets are read as text.
    static let maximumDepth = 3

    func read(_ range: Range<Int>, allowLinks: Bool, depth: Int) -> [MarkdownText.Inline] {
        var tokens: [Token] = []
        var delimiters: [Delimiter] = []
        var text: [UInt8] = []
        func flush() {
            if !text.isEmpty {
                tokens.append(.text(Self.decodingEntities(String(decoding: text, as: UTF8.self))))
                text.removeAll(keepingCapacity: true)
            }
        }
        var index = range.lowerBound
        let end = range.upperBound
        while index < end {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\\"):
                if index + 1 < end, bytes[index + 1] == UInt8(ascii: "\n") {
                    flush()
                    tokens.append(.lineBreak)
                    index += 2
                } else if index + 1 < end, Self.isASCIIPunctuation(bytes[index + 1]) {
                    text.append(bytes[index + 1])
                    index += 2
                } else {
                    text.append(byte)
                    index += 1
                }
            case UInt8(ascii: "`"):
                let close = Int(codeSpanEnd[index])
                var runEnd = index
                while runEnd < end, bytes[runEnd] == UInt8(ascii: "`") { runEnd += 1 }
                if close >= 0, close <= end {
                    let length = runEnd - index
                    flush()
                    tokens.append(.code(Self.codeSpanText(bytes[runEnd..<(close - length)])))
                    index = close
                } else {
                    text.append(contentsOf: bytes[index..<runEnd])
                    index = runEnd
                }
            case UInt8(ascii: "\n"):
                // Two spaces before a line's end make a hard break; a line end alone is a space.
                var trailing = 0
                while text.last == UInt8(ascii: " ") {
                    text.removeLast()
                    trailing += 1
                }
                flush()
                tokens.append(trailing >= 2 ? .lineBreak : .text("\n"))
                index += 1
                while index < end, bytes[index] == UInt8(ascii: " ") { index += 1 }
            case UInt8(ascii: "<"):
                if let (next, inline) = angle(at: index, end: end, allowLinks: allowLinks) {
                    flush()
                    tokens.append(inline)
                    index = next
                } else {
                    text.append(byte)
                    index += 1
                }
            case UInt8(ascii: "!") where index + 1 < end && bytes[index + 1] == UInt8(ascii: "[") && depth < Self.maximumDepth:
                // An image: its description, as text (a report fetches nothing).
                if let (next, destination, _) = linkTail(afterBracketAt: index + 1, end: end) {
                    flush()
                    let description = read((index + 2)..<Int(closingBracket[index + 1]), allowLinks: false, depth: depth + 1)
                    tokens.append(.text(Self.plainText(description) + (destination.isEmpty ? "" : " (image: \(destination))")))
                    index = next
                } else {
                    text.append(byte)
                    index += 1
                }
            case UInt8(ascii: "["):
                if allowLinks, depth < Self.maximumDepth, let (next, destination, title) = linkTail(afterBracketAt: index, end: end) {
                    flush()
                    let content = read((index + 1)..<Int(closingBracket[index]), allowLinks: false, depth: depth + 1)
                    tokens.append(.link(destination: destination, title: title, content: content))
                    index = next
                } else {
                    text.append(byte)
                    index += 1
                }
            case UInt8(ascii: "*"), UInt8(ascii: "_"), UInt8(ascii: "~"):
                var runEnd = index
                while runEnd < end, bytes[runEnd] == byte { runEnd += 1 }
                let count = runEnd - index
                let before: UInt8? = index > range.lowerBound ? bytes[index - 1] : nil
                let after: UInt8? = runEnd < end ? bytes[runEnd] : nil
                let (canOpen, canClose) = Self.flanking(byte, before: before, after: after)
                if byte == UInt8(ascii: "~") && count != 2 || !(canOpen || canClose) {
                    text.append(contentsOf: bytes[index..<runEnd])
                } else {
                    flush()
                    delimiters.append(Delimiter(token: tokens.count, character: byte, count: count, canOpen: canOpen, canClose: canClose))
                    tokens.append(.delimiter(character: byte, remaining: count, opens: [], closes: []))
                }
                index = runEnd
            default:
                text.append(byte)
                index += 1
            }
        }
        flush()
        Self.pairEmphasis(&tokens, delimiters)
        return Self.flatten(tokens)
    }

    /// `<https://…>` autolinks and `<br>`; any other `<` is text.
    private func angle(at index: Int, end: Int, allowLinks: Bool) -> (Int, Token)? {
        // Looks no further than a URL's length, so a text of a million `<` stays linear.
        let limit = min(end, index + 2048)
        var close = index + 1
        while close < limit, bytes[close] != UInt8(ascii: ">"), bytes[close] != UInt8(ascii: "<"), bytes[close] > 0x20 { close += 1 }
        guard close < limit, bytes[close] == UInt8(ascii: ">") else {
            return nil
        }
        let inside = String(decoding: bytes[(index + 1)..<close], as: UTF8.self)
        let lowered = inside.lowercased()
        if lowered == "br" || lowered == "br/" { return (close + 1, .lineBreak) }
        guard allowLinks, let colon = inside.firstIndex(of: ":"), inside.distance(from: inside.startIndex, to: colon) >= 2 else { return nil }
        let scheme = inside[..<colon]
        guard scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+.-".contains($0)) }), scheme.first?.isLetter == true else { return nil }
        return (close + 1, .link(destination: inside, title: nil, content: [.text(inside)]))
    }

    /// After `[text]`: `(destination "title")`. Returns the index after it, the destination and the title.
    private func linkTail(afterBracketAt open: Int, end: Int) -> (Int, String, String?)? {
        let close = Int(closingBracket[open])
        guard close >= 0, close + 1 < end, bytes[close + 1] == UInt8(ascii: "(") else { return nil }
        let parenClose = Int(closingParen[close + 1])
        guard parenClose >= 0, parenClose < end else { return nil }
        let inside = String(decoding: bytes[(close + 2)..<parenClose], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        var destination = inside
        var title: String?
        if inside.hasPrefix("<"), let closeAngle = inside.firstIndex(of: ">") {
            destination = String(inside[inside.index(after: inside.startIndex)..<closeAngle])
            let rest = inside[inside.index(after: closeAngle)...].trimmingCharacters(in: .whitespaces)
            title = Self.title(rest)
            if !rest.isEmpty, title == nil { return nil }
        } else if let space = inside.firstIndex(where: { $0 == " " || $0 == "\n" || $0 == "\t" }) {
            destination = String(inside[..<space])
            title = Self.title(inside[space...].trimmingCharacters(in: .whitespacesAndNewlines))
            if title == nil { return nil }
        }
        return (parenClose + 1, Self.unescaped(destination), title)
    }

    private static func title(_ text: String) -> String? {
        guard text.count >= 2, let first = text.first, let last = text.last else { return nil }
        let pairs: [Character: Character] = ["\"": "\"", "'": "'", "(": ")"]
        guard let closing = pairs[first], last == closing else { return nil }
        return unescaped(String(text.dropFirst().dropLast()))
    }

    private static func unescaped(_ text: String) -> String {
        guard text.contains("\\") else { return text }
        var result = ""
        var escaped = false
        for character in text {
            if escaped {
                if !(character.isASCII && character.isPunctuation || character.isSymbol) { result.append("\\") }
                result.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                result.append(character)
            }
        }
        if escaped { result.append("\\") }
        return result
    }

    /// A code span's text: line ends as spaces, and one space stripped from each end when both have one.
    private static func codeSpanText(_ slice: ArraySlice<UInt8>) -> String {
        var text = String(decoding: slice, as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
        if text.count >= 2, text.hasPrefix(" "), text.hasSuffix(" "), text.contains(where: { $0 != " " }) {
            text = String(text.dropFirst().dropLast())
        }
        return text
    }

    /// Whether a run of `character` between `before` and `after` may open and close emphasis
    /// (CommonMark's left- and right-flanking rules; `_` does not work inside a word, so codes
    /// such as APPROVE_POSTING stay as they are).
    private static func flanking(_ character: UInt8, before: UInt8?, after: UInt8?) -> (Bool, Bool) {
        let afterSpace = after.map(isWhitespace) ?? true
        let beforeSpace = before.map(isWhitespace) ?? true
        let afterPunctuation = after.map(isASCIIPunctuation) ?? false
        let beforePunctuation = before.map(isASCIIPunctuation) ?? false
        let left = !afterSpace && (!afterPunctuation || beforeSpace || beforePunctuation)
        let right = !beforeSpace && (!beforePunctuation || afterSpace || afterPunctuation)
        if character == UInt8(ascii: "_") {
            return (left && (!right || beforePunctuation), right && (!left || afterPunctuation))
        }
        return (left, right)
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C
    }

    private static func isASCIIPunctuation(_ byte: UInt8) -> Bool {
        (0x21...0x2F).contains(byte) || (0x3A...0x40).contains(byte) || (0x5B...0x60).contains(byte) || (0x7B...0x7E).contains(byte)
    }

    /// Pairs emphasis markers with one stack per character: a closer takes the nearest opener of
    /// its character, and the openers of other characters opened after that one can no longer
    /// close inside it. Every delimiter is pushed and popped once, so pairing is linear.
    private static func pairEmphasis(_ tokens: inout [Token], _ delimiters: [Delimiter]) {
        // The stacks are an array, not a dictionary keyed by marker: the crossing rule below pops
        // the other stacks while walking them, and a dictionary changed while its keys are walked
        // copies the stack it changes each time.
        var stacks: [[Int]] = [[], [], []]
        func stack(of character: UInt8) -> Int {
            switch character {
            case UInt8(ascii: "*"): 0
            case UInt8(ascii: "_"): 1
            default: 2
            }
        }
        var remaining = delimiters.map(\.count)
        for (number, delimiter) in delimiters.enumerated() {
            let own = stack(of: delimiter.character)
            if delimiter.canClose {
                while remaining[number] > 0, let opener = stacks[own].last {
                    let available = remaining[opener]
                    let use = delimiter.character == UInt8(ascii: "~") ? 2 : (available >= 2 && remaining[number] >= 2 ? 2 : 1)
                    let style: MarkdownText.Style = delimiter.character == UInt8(ascii: "~") ? .strikethrough : (use == 2 ? .strong : .emphasis)
                    remaining[opener] -= use
                    remaining[number] -= use
                    if case .delimiter(let character, _, var opens, let closes) = tokens[delimiters[opener].token] {
                        opens.append(style)
                        tokens[delimiters[opener].token] = .delimiter(character: character, remaining: remaining[opener], opens: opens, closes: closes)
                    }
                    if case .delimiter(let character, _, let opens, var closes) = tokens[delimiter.token] {
                        closes.append(style)
                        tokens[delimiter.token] = .delimiter(character: character, remaining: remaining[number], opens: opens, closes: closes)
                    }
                    if remaining[opener] == 0 { stacks[own].removeLast() }
                    // Openers of other characters inside the pair can no longer be closed: they would cross it.
                    for other in stacks.indices where other != own {
                        while let last = stacks[other].last, last > opener { stacks[other].removeLast() }
                    }
                    if delimiter.character == UInt8(ascii: "~") { break }
                }
            }
            if delimiter.canOpen, remaining[number] > 0 { stacks[own].append(number) }
        }
    }

    /// The tokens as inlines: each delimiter's unpaired markers as text, its closes first and its
    /// opens last (outermost first), so that the styles nest. Texts that end up side by side (the
    /// markers that paired with nothing, between words) are one text: libxml2 merges a text node
    /// into the one before it by copying both, so 10,000 pieces side by side cost a gigabyte of
    /// copies where one piece costs one.
    private static func flatten(_ tokens: [Token]) -> [MarkdownText.Inline] {
        var inlines: [MarkdownText.Inline] = []
        inlines.reserveCapacity(tokens.count)
        var pending = ""
        func append(_ inline: MarkdownText.Inline) {
            if !pending.isEmpty {
                inlines.append(.text(pending))
                pending = ""
            }
            inlines.append(inline)
        }
        for token in tokens {
            switch token {
            case .text(let text): pending += text
            case .code(let code): append(.code(code))
            case .lineBreak: append(.lineBreak)
            case .link(let destination, let title, let content): append(.link(destination: destination, title: title, content: content))
            case .delimiter(let character, let remaining, let opens, let closes):
                for style in closes { append(.close(style)) }
                if remaining > 0 { pending += String(repeating: Character(Unicode.Scalar(character)), count: remaining) }
                for style in opens.reversed() { append(.open(style)) }
            }
        }
        if !pending.isEmpty { inlines.append(.text(pending)) }
        return inlines
    }

    /// The text of inlines, without their styles.
    static func plainText(_ inlines: [MarkdownText.Inline]) -> String {
        inlines.map { inline -> String in
            switch inline {
            case .text(let text), .code(let text): text
            case .lineBreak: "\n"
            case .link(_, _, let content): plainText(content)
            case .open, .close: ""
            }
        }.joined()
    }

    static let entities: [String: String] = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{00A0}"]

    private static func scalar(_ value: UInt32) -> String? {
        guard value != 0, let scalar = Unicode.Scalar(value) else { return nil }
        return String(scalar)
    }

    /// Entity references (`&amp;`, `&#60;`, `&#x3C;`) as the characters they name; others as written.
    static func decodingEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var result = ""
        var rest = text[...]
        while let ampersand = rest.firstIndex(of: "&") {
            result += rest[..<ampersand]
            let after = rest[rest.index(after: ampersand)...]
            if let semicolon = after.prefix(10).firstIndex(of: ";") {
                let name = after[..<semicolon]
                var replacement: String?
                if name.hasPrefix("#x") || name.hasPrefix("#X"), let value = UInt32(name.dropFirst(2), radix: 16) {
                    replacement = scalar(value)
                } else if name.hasPrefix("#"), let value = UInt32(name.dropFirst()) {
                    replacement = scalar(value)
                } else {
                    replacement = entities[String(name)]
                }
                if let replacement {
                    result += replacement
                    rest = after[after.index(after: semicolon)...]
                    continue
                }
            }
            result.append("&")
            rest = after
        }
        result += rest
        return result
    }
}
