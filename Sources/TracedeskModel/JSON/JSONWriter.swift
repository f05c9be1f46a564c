import Foundation

/// Writes a `JSONValue` as text: compact or indented, keys sorted, slashes not escaped, in the
/// format Foundation's `JSONEncoder` writes with `.sortedKeys` and `.withoutEscapingSlashes`, but
/// without going through `Encodable`, which cost more than anything else when a body's nodes are
/// written back as text for the history.
public enum JSONWriter {
    /// Compact text: `{"a":1,"b":[true,null]}`.
    public static func compact(_ value: JSONValue) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        write(value, into: &output, indent: nil)
        return String(decoding: output, as: UTF8.self)
    }

    /// Indented text, two spaces a level, `"key" : value`.
    public static func pretty(_ value: JSONValue) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        write(value, into: &output, indent: 0)
        return String(decoding: output, as: UTF8.self)
    }

    private static func write(_ value: JSONValue, into output: inout [UInt8], indent: Int?) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .integer(let number): output.append(contentsOf: String(number).utf8)
        case .number(let number): output.append(contentsOf: format(number).utf8)
        case .string(let text): writeString(text, into: &output)
        case .array(let items):
            output.append(UInt8(ascii: "["))
            guard !items.isEmpty else {
                output.append(UInt8(ascii: "]"))
                return
            }
            for (index, item) in items.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                newline(into: &output, indent: indent.map { $0 + 1 })
                write(item, into: &output, indent: indent.map { $0 + 1 })
            }
            newline(into: &output, indent: indent)
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            guard !members.isEmpty else {
                output.append(UInt8(ascii: "}"))
                return
            }
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                newline(into: &output, indent: indent.map { $0 + 1 })
                writeString(key, into: &output)
                output.append(contentsOf: (indent == nil ? ":" : " : ").utf8)
                write(members[key]!, into: &output, indent: indent.map { $0 + 1 })
            }
            newline(into: &output, indent: indent)
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(into output: inout [UInt8], indent: Int?) {
        guard let indent else { return }
        output.append(0x0A)
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// Writes `text` as a JSON string. Besides what JSON requires, DEL, the C1 controls
    /// (U+0080 to U+009F, which a terminal obeys: U+009B starts a control sequence) and the line
    /// separators U+2028 and U+2029 are written as `\u` escapes, so that JSON printed to a
    /// terminal or pasted into a script means only what it says.
    static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        // Most strings need no escape: copy them whole. (0xC2 and 0xE2 lead the UTF-8 of C1 controls and U+2028/9.)
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == 0x7F || $0 == 0xC2 || $0 == 0xE2 }) {
            output.append(contentsOf: text.utf8)
            output.append(UInt8(ascii: "\""))
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case 0x5C: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x00..<0x20, 0x7F...0x9F, 0x2028, 0x2029:
                let value = Int(scalar.value)
                output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), hex[value >> 12], hex[(value >> 8) & 0x0F],
                                           hex[(value >> 4) & 0x0F], hex[value & 0x0F]])
            default: output.append(contentsOf: String(scalar).utf8)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// A double as JSON: whole numbers without a fraction, others in Swift's shortest form.
    static func format(_ number: Double) -> String {
        guard number.isFinite else { return "null" }
        if number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
        return "\(number)"
    }
}
