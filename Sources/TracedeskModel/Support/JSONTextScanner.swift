import Foundation

/// Finds where JSON values begin and end in a text, without building them.
///
/// Only strings, escapes and bracket depth are tracked: enough to cut values out exactly. Whether
/// each value is valid JSON is left to the decoder that reads it afterwards.
public struct JSONTextScanner {
    /// Where one value is: its bytes and the line it starts on.
    public struct Piece: Sendable {
        public var range: Range<Int>
        public var line: Int
    }

    /// Text that cannot be cut into values, with the line and the reason.
    public struct Failure: Error, Sendable {
        public var line: Int
        public var reason: String
    }

    public let bytes: [UInt8]
    private var position = 0
    private var line = 1

    public init(bytes: [UInt8]) {
        self.bytes = bytes
        // A UTF-8 byte-order mark is not part of the text.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    /// The values that stand one after another at the top of the text.
    public mutating func topLevelValues() throws(Failure) -> [Piece] {
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
    public mutating func elements(ofArrayAt range: Range<Int>) throws(Failure) -> [Piece] {
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
