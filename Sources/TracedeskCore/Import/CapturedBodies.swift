import Foundation

/// Status bodies captured elsewhere, read from a file's text with each body's exact bytes kept.
///
/// A file holds one JSON object, an array of them, several objects one after another (JSON
/// lines, or pretty-printed objects back to back), exchanges recorded with `--record`, or is a
/// run report written by Tracedesk, whose embedded bodies are read with the instants they were seen. The text of every body is cut out of the file
/// as it is, so the history stores what was captured, not a re-encoding of it.
public struct CapturedBodies: Sendable {
    /// One body found in a file: where it was, its verbatim text, and its decoding.
    public struct Item: Sendable {
        /// The 1-based position of the body in the file, for messages.
        public var index: Int
        /// The 1-based line on which the body starts.
        public var line: Int
        public var text: String
        public var body: StatusBody
        /// When the body was first seen, where the capture says (a report does).
        public var seenAt: Int64? = nil
    }

    public var items: [Item]
    /// The run context a report carries (team, prompt, label); `nil` for JSON captures.
    public var embeddedRun: EmbeddedRun?
    /// Recorded exchanges (`--record`) that hold no status body: token calls, error answers.
    public var skippedExchanges = 0

    /// Reads every body of `data`; `origin` names the file in errors.
    ///
    /// Throws `TracedeskError.badInput` naming the file, the body's position and line, and the
    /// reason, for text that is not JSON, a value that is not an object, or an object with no jobId.
    public init(data: Data, origin: String) throws(TracedeskError) {
        if EmbeddedRun.looksLikeHTML(data) {
            let report = try EmbeddedRun.read(data, origin: origin)
            embeddedRun = report.run
            var items: [Item] = []
            for (offset, embedded) in report.bodies.enumerated() {
                do {
                    let body = try StatusBody(data: Data(embedded.text.utf8))
                    items.append(Item(index: offset + 1, line: 0, text: embedded.text, body: body, seenAt: embedded.firstSeenAt))
                } catch {
                    throw .badInput("\(origin): embedded body \(offset + 1) \(error.description)")
                }
            }
            self.items = items
            return
        }
        let bytes = [UInt8](data)
        var scanner = JSONTextScanner(bytes: bytes)
        var pieces: [JSONTextScanner.Piece] = []
        do throws(JSONTextScanner.Failure) {
            for piece in try scanner.topLevelValues() {
                if bytes[piece.range.lowerBound] == UInt8(ascii: "[") {
                    var inner = JSONTextScanner(bytes: bytes)
                    pieces += try inner.elements(ofArrayAt: piece.range)
                } else {
                    pieces.append(piece)
                }
            }
        } catch {
            throw .badInput("\(origin): not JSON (line \(error.line): \(error.reason))")
        }
        if pieces.isEmpty { throw .badInput("\(origin): holds no status body (the file is empty)") }

        var items: [Item] = []
        for (offset, piece) in pieces.enumerated() {
            var text = String(decoding: bytes[piece.range], as: UTF8.self)
            let where_ = pieces.count == 1 ? "" : " body \(offset + 1) (line \(piece.line))"
            // A recorded exchange (--record): its response body, kept as text, is the status body.
            if bytes[piece.range.lowerBound] == UInt8(ascii: "{"), text.contains(RecordingTransport.marker),
               let exchange = JSONValue(parsing: text), exchange[RecordingTransport.marker] != nil {
                guard let response = exchange["response"]?["body"]?.stringValue,
                      (200...299).contains(exchange["response"]?["status"]?.intValue ?? 0),
                      let body = try? StatusBody(data: Data(response.utf8)) else {
                    skippedExchanges += 1
                    continue
                }
                text = response
                items.append(Item(index: offset + 1, line: piece.line, text: text, body: body))
                continue
            }
            do {
                let body = try StatusBody(data: Data(bytes[piece.range]))
                items.append(Item(index: offset + 1, line: piece.line, text: text, body: body))
            } catch {
                throw .badInput("\(origin):\(where_) \(error.description)")
            }
        }
        self.items = items
    }
}

/// Finds where JSON values begin and end in a text, without building them.
///
/// Only strings, escapes and bracket depth are tracked: enough to cut values out exactly. Whether
/// each value is valid JSON is left to the decoder that reads it afterwards.
struct JSONTextScanner {
    struct Piece {
        var range: Range<Int>
        var line: Int
    }

    struct Failure: Error {
        var line: Int
        var reason: String
    }

    let bytes: [UInt8]
    private var position = 0
    private var line = 1

    init(bytes: [UInt8]) {
        self.bytes = bytes
        // A UTF-8 byte-order mark is not part of the text.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    /// The values that stand one after another at the top of the text.
    mutating func topLevelValues() throws(Failure) -> [Piece] {
        var pieces: [Piece] = []
        skipWhitespace()
        while position < bytes.count {
            pieces.append(try value())
            skipWhitespace()
            // JSON lines written with a trailing comma or a record separator are common enough to allow.
            if position < bytes.count, bytes[position] == UInt8(ascii: ",") || bytes[position] == 0x1E {
                position += 1
                skipWhitespace()
            }
        }
        return pieces
    }

    /// The elements of the array that spans `range`.
    mutating func elements(ofArrayAt range: Range<Int>) throws(Failure) -> [Piece] {
        position = range.lowerBound + 1
        line = 1 + bytes[..<position].reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        var pieces: [Piece] = []
        skipWhitespace()
        if position < range.upperBound, bytes[position] == UInt8(ascii: "]") { return [] }
        while position < range.upperBound {
            pieces.append(try value())
            skipWhitespace()
            guard position < range.upperBound else { break }
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "]") { break }
            guard byte == UInt8(ascii: ",") else {
                throw Failure(line: line, reason: "expected ',' or ']' between array elements")
            }
            skipWhitespace()
        }
        return pieces
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "\n"): line += 1; position += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): position += 1
            default: return
            }
        }
    }

    /// Scans one value from the current position and returns its extent.
    private mutating func value() throws(Failure) -> Piece {
        let start = position
        let startLine = line
        let first = bytes[position]
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            var depth = 0
            while position < bytes.count {
                let byte = bytes[position]
                switch byte {
                case UInt8(ascii: "\""): try skipString(); continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 {
                        position += 1
                        return Piece(range: start..<position, line: startLine)
                    }
                case UInt8(ascii: "\n"): line += 1
                default: break
                }
                position += 1
            }
            throw Failure(line: startLine, reason: "the value that starts here is not closed")
        }
        if first == UInt8(ascii: "\"") {
            try skipString()
            return Piece(range: start..<position, line: startLine)
        }
        // A bare scalar (number, true, false, null, or stray text): up to the next separator.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "]")
                || byte == UInt8(ascii: "}") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\r") { break }
            position += 1
        }
        if position == start {
            throw Failure(line: line, reason: "unexpected '\(Character(UnicodeScalar(first)))'")
        }
        return Piece(range: start..<position, line: startLine)
    }

    private mutating func skipString() throws(Failure) {
        let startLine = line
        position += 1
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "\\"): position += 2
            case UInt8(ascii: "\""): position += 1; return
            case UInt8(ascii: "\n"): line += 1; position += 1
            default: position += 1
            }
        }
        throw Failure(line: startLine, reason: "a string that starts here is not closed")
    }
}
