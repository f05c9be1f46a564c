import Foundation

/// Reads JSON text into a `JSONValue` directly from its bytes.
///
/// Foundation's `JSONDecoder` builds a generic tree first and then decodes `JSONValue` from it by
/// trial (boolean? integer? number? string?...), which made decoding the largest cost of
/// recording a body. This reader does one pass over the bytes. It is strict about the grammar
/// (RFC 8259: no comments, no trailing commas, no control characters inside strings) and refuses
/// nesting deeper than `maximumDepth`, so a hostile body cannot exhaust the stack. Integers that
/// fit `Int64` stay integers, so epoch milliseconds survive exactly; other numbers are `Double`.
/// Invalid UTF-8 and lone surrogates are replaced with U+FFFD, as `String(decoding:)` does.
public struct JSONReader {
    /// Why text is not JSON: what was found where, for messages.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public var line: Int
        public var column: Int

        public var description: String { "\(reason) at line \(line), column \(column)" }
    }

    /// The deepest nesting of arrays and objects accepted.
    public static let maximumDepth = 512

    /// Parses `bytes` as one JSON value (whitespace around it allowed).
    public static func read(_ bytes: UnsafeBufferPointer<UInt8>) throws(Failure) -> JSONValue {
        var reader = JSONReader(bytes: bytes)
        reader.skipWhitespace()
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.position == bytes.count else { throw reader.failure("unexpected text after the value") }
        return value
    }

    /// Parses `bytes` as one JSON value and returns, besides, where each element of the array
    /// under `key` of the top-level object starts and ends: the elements' exact text, which
    /// callers keep instead of writing the parsed elements back out.
    ///
    /// A key of `refusingDuplicates` found twice in the top-level object fails the read.
    public static func read(_ bytes: UnsafeBufferPointer<UInt8>, capturingElementsOf key: String,
                            refusingDuplicates: Set<String> = []) throws(Failure) -> (JSONValue, [Range<Int>]) {
        var reader = JSONReader(bytes: bytes)
        reader.captureKey = key
        reader.uniqueKeys = refusingDuplicates
        reader.skipWhitespace()
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.position == bytes.count else { throw reader.failure("unexpected text after the value") }
        return (value, reader.captured)
    }

    /// Parses `data` as one JSON value.
    public static func read(_ data: Data) throws(Failure) -> JSONValue {
        var result: Result<JSONValue, Failure> = .failure(Failure(reason: "empty", line: 1, column: 1))
        data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            result = Result { () throws(Failure) -> JSONValue in try read(bytes) }
        }
        return try result.get()
    }

    /// Parses `text` as one JSON value.
    public static func read(_ text: String) throws(Failure) -> JSONValue {
        var text = text
        var result: Result<JSONValue, Failure> = .failure(Failure(reason: "empty", line: 1, column: 1))
        text.withUTF8 { bytes in
            result = Result { () throws(Failure) -> JSONValue in try read(bytes) }
        }
        return try result.get()
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var captureKey: String?
    private var uniqueKeys: Set<String> = []
    private var captured: [Range<Int>] = []

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    // MARK: Values

    private mutating func value(depth: Int) throws(Failure) -> JSONValue {
        guard position < bytes.count else { throw failure("the text ends where a value was expected") }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            guard depth < Self.maximumDepth else { throw failure("nested more than \(Self.maximumDepth) levels deep") }
            return try object(depth: depth + 1)
        case UInt8(ascii: "["):
            guard depth < Self.maximumDepth else { throw failure("nested more than \(Self.maximumDepth) levels deep") }
            return try array(depth: depth + 1)
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try number()
        default:
            throw failure("unexpected \(describe(bytes[position]))")
        }
    }

    private mutating func object(depth: Int) throws(Failure) -> JSONValue {
        position += 1
        var members = [String: JSONValue](minimumCapacity: 8)
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw failure(position < bytes.count ? "expected a key in quotes, found \(describe(bytes[position]))" : "the text ends inside an object")
            }
            let keyStart = position
            let key = try string()
            if depth == 1, members[key] != nil, uniqueKeys.contains(key) {
                position = keyStart
                throw failure("the key \"\(key)\" appears twice; readers disagree on which counts, so the body is refused")
            }
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw failure("expected ':' after a key") }
            position += 1
            skipWhitespace()
            if depth == 1, let captureKey, key == captureKey, position < bytes.count, bytes[position] == UInt8(ascii: "[") {
                guard depth < Self.maximumDepth else { throw failure("nested more than \(Self.maximumDepth) levels deep") }
                captured = []
                members[key] = try array(depth: depth + 1, capturing: true)
            } else {
                members[key] = try value(depth: depth)
            }
            skipWhitespace()
            guard position < bytes.count else { throw failure("the text ends inside an object") }
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "}") { return .object(members) }
            guard byte == UInt8(ascii: ",") else {
                position -= 1
                throw failure("expected ',' or '}' in an object, found \(describe(byte))")
            }
            skipWhitespace()
        }
    }

    private mutating func array(depth: Int, capturing: Bool = false) throws(Failure) -> JSONValue {
        position += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array(items)
        }
        while true {
            let start = position
            items.append(try value(depth: depth))
            if capturing { captured.append(start..<position) }
            skipWhitespace()
            guard position < bytes.count else { throw failure("the text ends inside an array") }
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "]") { return .array(items) }
            guard byte == UInt8(ascii: ",") else {
                position -= 1
                throw failure("expected ',' or ']' in an array, found \(describe(byte))")
            }
            skipWhitespace()
        }
    }

    /// Reads `true`, `false` or `null`. What only starts like one is named as the word it is
    /// (`not json` is "unexpected 'not'"); the end of the text is blamed only when what is there
    /// spells the start of the word (`nul`).
    private mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        let available = min(count, bytes.count - position)
        for offset in 0..<available where bytes[position + offset] != word.utf8Start[offset] {
            var end = position
            while end < bytes.count, end - position < 24, isLetter(bytes[end]) { end += 1 }
            let found = end > position + 1 ? "'\(String(decoding: bytes[position..<end], as: UTF8.self))'" : describe(bytes[position])
            throw failure("unexpected \(found)")
        }
        guard available == count else { throw failure("unexpected end of the text") }
        position += count
    }

    private func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
    }

    private mutating func number() throws(Failure) -> JSONValue {
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else { throw failure("a number without digits") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        var isInteger = true
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else { throw failure("a number without digits after '.'") }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < bytes.count, isDigit(bytes[position]) else { throw failure("a number without digits in its exponent") }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        let text = UnsafeBufferPointer(rebasing: bytes[start..<position])
        if isInteger, let integer = Self.integer(text) { return .integer(integer) }
        let string = String(decoding: text, as: UTF8.self)
        guard let double = Double(string) else { throw failure("a number that cannot be read: \(string)") }
        return .number(double)
    }

    /// The digits as an `Int64`, or `nil` when they do not fit.
    private static func integer(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        var index = 0
        let negative = text[0] == UInt8(ascii: "-")
        if negative { index = 1 }
        var value: Int64 = 0
        while index < text.count {
            let digit = Int64(text[index] - UInt8(ascii: "0"))
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            let (sum, overflowSum) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflowSum else { return nil }
            value = sum
            index += 1
        }
        return value
    }

    // MARK: Strings

    private mutating func string() throws(Failure) -> String {
        position += 1
        let start = position
        // The common case: no escapes, so the bytes between the quotes are the string.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                position += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw failure("a control character (\(describe(byte))) inside a string") }
            position += 1
        }
        guard position < bytes.count else {
            position = start - 1
            throw failure("a string that starts here is not closed")
        }
        var scratch = Array(bytes[start..<position])
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: scratch, as: UTF8.self)
            case UInt8(ascii: "\\"):
                position += 1
                guard position < bytes.count else { break }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""): scratch.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): scratch.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): scratch.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hexQuad()
                    if (0xD800...0xDBFF).contains(scalar) {
                        // A high surrogate: a low one must follow, else the pair is broken.
                        if position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                            let saved = position
                            position += 2
                            let low = try hexQuad()
                            if (0xDC00...0xDFFF).contains(low) {
                                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                position = saved
                                scalar = 0xFFFD
                            }
                        } else {
                            scalar = 0xFFFD
                        }
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        scalar = 0xFFFD
                    }
                    scratch.append(contentsOf: String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8)
                default:
                    position -= 1
                    throw failure("an unknown escape \\\(describe(escape, quoted: false)) inside a string")
                }
            default:
                if byte < 0x20 { throw failure("a control character (\(describe(byte))) inside a string") }
                scratch.append(byte)
                position += 1
            }
        }
        position = start - 1
        throw failure("a string that starts here is not closed")
    }

    private mutating func hexQuad() throws(Failure) -> UInt32 {
        guard position + 4 <= bytes.count else { throw failure("a \\u escape without four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw failure("a \\u escape without four hex digits")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    // MARK: Helpers

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private func describe(_ byte: UInt8, quoted: Bool = true) -> String {
        if byte >= 0x20 && byte < 0x7F {
            let character = String(UnicodeScalar(byte))
            return quoted ? "'\(character)'" : character
        }
        return String(format: "byte 0x%02X", byte)
    }

    /// A failure at the current position, with its line and column (counted only now).
    private func failure(_ reason: String) -> Failure {
        var line = 1
        var column = 1
        for index in 0..<min(position, bytes.count) {
            if bytes[index] == 0x0A {
                line += 1
                column = 1
            } else if bytes[index] & 0xC0 != 0x80 {
                column += 1
            }
        }
        return Failure(reason: reason, line: line, column: column)
    }
}
