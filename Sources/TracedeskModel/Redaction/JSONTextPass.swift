import Foundation

/// One pass over the UTF-8 of a JSON document without building it: the values under matched keys
/// learned, or every string redacted in place, the rest of the bytes (layout, key order, numbers)
/// copied as they are. A document that is not valid JSON stops the pass (`Malformed`).
///
/// Bodies are mostly long strings: they are skipped with `memchr` to their closing quote, and a
/// string is decoded only when it holds escapes. Output is made only from the first change on,
/// so a document with nothing to redact costs one scan and no copy.
struct JSONTextPass {
    /// Thrown (untyped) where the document is not valid JSON. Not `throws(Malformed)`: with typed
    /// throws in this recursive mutating pass, Swift 6.3.1 optimised builds corrupted the heap.
    struct Malformed: Error {}

    enum Mode { case learn, redact }

    /// What the pass asks of its redactor, under its lock.
    struct Hooks {
        /// The pseudonym kind of a key at a path, or `nil`.
        var kind: (_ key: String, _ path: String) -> String?
        /// Whether any key pattern needs a dotted path.
        var needsPaths: Bool
        /// Whether a string's raw bytes may hold anything to learn or take out; one that may not
        /// is skipped without being made a text.
        var mayHold: (_ bytes: UnsafeBufferPointer<UInt8>) -> Bool
        /// What a value string's raw bytes were redacted to before, if they were (`.some(nil)`: unchanged).
        var remembered: (_ raw: UnsafeBufferPointer<UInt8>) -> [UInt8]??
        /// Keeps what a value string's raw bytes were redacted to (`nil`: unchanged), quotes included.
        var remember: (_ raw: UnsafeBufferPointer<UInt8>, _ result: [UInt8]?) -> Void
        /// A value under a matched key, learned (`learn`) or replaced by its pseudonym (`redact`).
        var keyed: (_ value: String, _ kind: String) -> String
        /// Any other string: learned from (nested JSON) or redacted.
        var text: (_ value: String) -> String
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private let mode: Mode
    private let hooks: Hooks
    private var position = 0
    private var copied = 0
    private(set) var output: [UInt8]? = nil
    private var depth = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>, mode: Mode, hooks: Hooks) {
        self.bytes = bytes
        self.mode = mode
        self.hooks = hooks
    }

    /// Runs the pass; in `redact` mode, the document's new bytes, or `nil` when nothing changed.
    mutating func run() throws -> [UInt8]? {
        skipWhitespace()
        try value(kind: nil, path: "")
        skipWhitespace()
        guard position == bytes.count else { throw Malformed() }
        guard var output else { return nil }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...]))
        return output
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func value(kind: String?, path: String) throws {
        guard position < bytes.count else { throw Malformed() }
        switch bytes[position] {
        case UInt8(ascii: "{"):
            depth += 1
            guard depth <= JSONReader.maximumDepth else { throw Malformed() }
            position += 1
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; depth -= 1; return }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw Malformed() }
                let key = try string(kind: nil, isKey: true)
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw Malformed() }
                position += 1
                skipWhitespace()
                let childPath = hooks.needsPaths ? (path.isEmpty ? key : path + "." + key) : ""
                try value(kind: kind ?? hooks.kind(key, childPath), path: childPath)
                skipWhitespace()
                guard position < bytes.count else { throw Malformed() }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                guard bytes[position] == UInt8(ascii: "}") else { throw Malformed() }
                position += 1
                depth -= 1
                return
            }
        case UInt8(ascii: "["):
            depth += 1
            guard depth <= JSONReader.maximumDepth else { throw Malformed() }
            position += 1
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; depth -= 1; return }
            while true {
                skipWhitespace()
                try value(kind: kind, path: path)
                skipWhitespace()
                guard position < bytes.count else { throw Malformed() }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                guard bytes[position] == UInt8(ascii: "]") else { throw Malformed() }
                position += 1
                depth -= 1
                return
            }
        case UInt8(ascii: "\""):
            _ = try string(kind: kind, isKey: false)
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = position
            position += 1
            while position < bytes.count, Self.isNumberByte(bytes[position]) { position += 1 }
            guard let kind else { return }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            let token = hooks.keyed(text, kind)
            if mode == .redact { replace(start..<position, withString: token) }
        default:
            throw Malformed()
        }
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
            || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
    }

    private mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw Malformed() }
        for offset in 0..<count where bytes[position + offset] != word.utf8Start[offset] { throw Malformed() }
        position += count
    }

    /// Reads the string at `position` (its opening quote); returns its text. A value's text is
    /// learned or redacted; a key's is redacted only when it holds something to take out.
    private mutating func string(kind: String?, isKey: Bool) throws -> String {
        let start = position
        position += 1
        var escaped = false
        while true {
            guard position < bytes.count else { throw Malformed() }
            // Long texts: straight to the next quote, then back over the backslashes before it.
            let rest = bytes.count - position
            guard let base = bytes.baseAddress,
                  let found = memchr(base + position, Int32(UInt8(ascii: "\"")), rest) else { throw Malformed() }
            let quote = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            var backslashes = 0
            while quote - backslashes - 1 > start, bytes[quote - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
            if backslashes > 0 { escaped = true }
            position = quote + 1
            if backslashes % 2 == 0 { break }
        }
        if !escaped, memchr(bytes.baseAddress! + start + 1, Int32(UInt8(ascii: "\\")), position - start - 2) != nil { escaped = true }
        let inner = UnsafeBufferPointer(rebasing: bytes[(start + 1)..<(position - 1)])
        if !isKey, kind == nil {
            guard hooks.mayHold(inner) else { return "" }
            if let known = hooks.remembered(inner) {
                if let known { replace(start..<position, withBytes: known) }
                return ""
            }
        }
        let text: String
        if escaped {
            guard let decoded = Self.decode(inner) else { throw Malformed() }
            text = decoded
        } else {
            text = String(decoding: inner, as: UTF8.self)
        }
        if isKey {
            if mode == .redact {
                let clean = hooks.text(text)
                if clean != text { replace(start..<position, withString: clean) }
            }
            return text
        }
        let result = kind.map { hooks.keyed(text, $0) } ?? hooks.text(text)
        if mode == .redact {
            if result != text {
                var written: [UInt8] = []
                JSONWriter.writeString(result, into: &written)
                replace(start..<position, withBytes: written)
                if kind == nil { hooks.remember(inner, written) }
            } else if kind == nil {
                hooks.remember(inner, nil)
            }
        }
        return text
    }

    private mutating func replace(_ range: Range<Int>, withBytes written: [UInt8]) {
        if output == nil { output = []; output!.reserveCapacity(bytes.count + 64) }
        output!.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<range.lowerBound]))
        output!.append(contentsOf: written)
        copied = range.upperBound
    }

    private mutating func replace(_ range: Range<Int>, withString text: String) {
        if output == nil { output = []; output!.reserveCapacity(bytes.count + 64) }
        output!.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<range.lowerBound]))
        JSONWriter.writeString(text, into: &output!)
        copied = range.upperBound
    }

    /// The text of a JSON string's inside, its escapes decoded; `nil` when one is not valid.
    static func decode(_ inner: UnsafeBufferPointer<UInt8>) -> String? {
        var result: [UInt8] = []
        result.reserveCapacity(inner.count)
        var index = 0
        func hex(_ at: Int) -> UInt32? {
            guard at + 4 <= inner.count else { return nil }
            var value: UInt32 = 0
            for offset in 0..<4 {
                let byte = inner[at + offset]
                let digit: UInt32
                switch byte {
                case 0x30...0x39: digit = UInt32(byte - 0x30)
                case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
                default: return nil
                }
                value = value << 4 | digit
            }
            return value
        }
        while index < inner.count {
            let byte = inner[index]
            if byte < 0x20 { return nil }
            guard byte == UInt8(ascii: "\\") else { result.append(byte); index += 1; continue }
            guard index + 1 < inner.count else { return nil }
            let next = inner[index + 1]
            index += 2
            switch next {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): result.append(next)
            case UInt8(ascii: "b"): result.append(0x08)
            case UInt8(ascii: "f"): result.append(0x0C)
            case UInt8(ascii: "n"): result.append(0x0A)
            case UInt8(ascii: "r"): result.append(0x0D)
            case UInt8(ascii: "t"): result.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex(index) else { return nil }
                index += 4
                if (0xD800...0xDBFF).contains(scalar), index + 6 <= inner.count, inner[index] == UInt8(ascii: "\\"),
                   inner[index + 1] == UInt8(ascii: "u"), let low = hex(index + 2), (0xDC00...0xDFFF).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                }
                // A lone surrogate reads as U+FFFD, as JSONReader reads it.
                let character = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                result.append(contentsOf: String(character).utf8)
            default:
                return nil
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}
