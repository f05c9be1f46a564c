import Foundation

/// Cuts the JSON values out of a text that arrives in pieces, without building them: a file or
/// standard input read in a bounded window.
///
/// The values that stand one after another at the top of the text (JSON lines, or objects back to
/// back, separated by whitespace, commas or record separators) are the pieces, and so are the
/// elements of an array at the top. Only strings, escapes and bracket depth are tracked: enough
/// to cut values out byte for byte. Whether each is valid JSON is left to the reader that decodes
/// it. The scanner keeps only the bytes of the value it is inside, so memory stays within one
/// value and one chunk, and a value larger than `maximumValueBytes` is refused (a stream of zeros
/// or an endless string cannot exhaust memory).
public struct JSONTextScanner: Sendable {
    /// One value: its bytes exactly as they were, and the line it starts on.
    public struct Piece: Sendable {
        public var bytes: [UInt8]
        public var line: Int
    }

    /// Text that cannot be cut into values, with the line and the reason.
    public struct Failure: Error, Sendable, Equatable {
        public var line: Int
        public var reason: String
    }

    private enum Mode {
        /// Between top-level values.
        case between
        /// Inside an array at the top, before an element (or its end).
        case beforeElement
        /// Inside an array at the top, after an element.
        case afterElement
        /// Inside a value.
        case inValue
    }

    private enum Shape {
        case container, string, scalar
    }

    public let maximumValueBytes: Int
    private var mode = Mode.between
    private var shape = Shape.container
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var line = 1
    private var startLine = 1
    private var arrayLine = 1
    private var inArray = false
    private var seenBytes = false
    private var bomMatched = 0
    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
    private var value: [UInt8] = []

    public init(maximumValueBytes: Int = 64 << 20) {
        self.maximumValueBytes = maximumValueBytes
    }

    /// Scans `chunk`, the next bytes of the text, and returns the values it completed.
    public mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>) throws(Failure) -> [Piece] {
        var pieces: [Piece] = []
        var index = 0
        // A UTF-8 byte-order mark is not part of the text, however the chunks cut it.
        while bomMatched < 3, !seenBytes, index < chunk.count {
            if chunk[index] == Self.byteOrderMark[bomMatched] {
                bomMatched += 1
                index += 1
            } else {
                if bomMatched > 0 { throw Failure(line: 1, reason: "the text starts with a broken byte-order mark") }
                seenBytes = true
            }
        }
        if bomMatched == 3 { seenBytes = true }
        // Bytes of the value under way are copied in runs, not one by one.
        var runStart = index
        func complete(through end: Int) {
            value.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[runStart..<end]))
            pieces.append(completePiece())
        }
        while index < chunk.count {
            let byte = chunk[index]
            switch mode {
            case .between, .beforeElement, .afterElement:
                index += 1
                if byte == UInt8(ascii: "\n") { line += 1; continue }
                if byte == 0x20 || byte == 0x09 || byte == 0x0D { continue }
                try outside(byte)
                if mode == .inValue { runStart = index - 1 }
            case .inValue:
                if shape == .scalar, Self.endsScalar(byte) {
                    complete(through: index)
                    continue
                }
                index += 1
                if byte == UInt8(ascii: "\n") { line += 1 }
                if inString {
                    if escaped {
                        escaped = false
                    } else if byte == UInt8(ascii: "\\") {
                        escaped = true
                    } else if byte == UInt8(ascii: "\"") {
                        inString = false
                        if shape == .string { complete(through: index) }
                    }
                } else if shape == .container {
                    switch byte {
                    case UInt8(ascii: "\""): inString = true
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 { complete(through: index) }
                    default: break
                    }
                }
                if mode == .inValue, value.count + (index - runStart) > maximumValueBytes {
                    throw Failure(line: startLine, reason: "the value that starts here is larger than \(maximumValueBytes >> 20) MiB")
                }
            }
        }
        if mode == .inValue { value.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[runStart..<chunk.count])) }
        return pieces
    }

    /// Scans `chunk` (see `feed(_:)`).
    public mutating func feed(_ chunk: [UInt8]) throws(Failure) -> [Piece] {
        var result: Result<[Piece], Failure> = .success([])
        chunk.withUnsafeBufferPointer { buffer in
            result = Result { () throws(Failure) -> [Piece] in try feed(buffer) }
        }
        return try result.get()
    }

    /// The end of the text: a value still open is an error; a bare scalar ends here.
    public mutating func finish() throws(Failure) -> [Piece] {
        switch mode {
        case .inValue:
            guard shape == .scalar else { throw Failure(line: startLine, reason: "the value that starts here is not closed") }
            return [completePiece()]
        case .beforeElement, .afterElement:
            throw Failure(line: arrayLine, reason: "the array that starts here is not closed")
        case .between:
            return []
        }
    }

    /// A byte outside any value.
    private mutating func outside(_ byte: UInt8) throws(Failure) {
        switch (mode, byte) {
        case (.between, UInt8(ascii: ",")), (.between, 0x1E):
            // JSON lines written with a trailing comma or a record separator are common enough to allow.
            return
        case (.between, UInt8(ascii: "[")):
            mode = .beforeElement
            inArray = true
            arrayLine = line
        case (.beforeElement, UInt8(ascii: "]")), (.afterElement, UInt8(ascii: "]")):
            mode = .between
            inArray = false
        case (.afterElement, UInt8(ascii: ",")):
            mode = .beforeElement
        case (.afterElement, _):
            throw Failure(line: line, reason: "expected ',' or ']' between array elements")
        default:
            guard let shape = Self.shape(startingWith: byte) else {
                throw Failure(line: line, reason: "unexpected \(Self.describe(byte))")
            }
            self.shape = shape
            mode = .inValue
            startLine = line
            depth = shape == .container ? 1 : 0
            inString = shape == .string
            escaped = false
            value = []
        }
    }

    private mutating func completePiece() -> Piece {
        let piece = Piece(bytes: value, line: startLine)
        value = []
        mode = inArray ? .afterElement : .between
        return piece
    }

    private static func shape(startingWith byte: UInt8) -> Shape? {
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["): .container
        case UInt8(ascii: "\""): .string
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"),
             UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
            .scalar
        default: nil
        }
    }

    private static func endsScalar(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: ","), UInt8(ascii: "\n"), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: " "), UInt8(ascii: "\r"),
             UInt8(ascii: "\t"):
            true
        default: false
        }
    }

    private static func describe(_ byte: UInt8) -> String {
        byte >= 0x21 && byte < 0x7F ? "'\(Character(UnicodeScalar(byte)))'" : String(format: "byte 0x%02X", byte)
    }
}
