import Foundation
import TracedeskModel

/// The part of TOML a Tracedesk configuration needs: `[table]` and `[dotted.table]` headers,
/// `key = value` with basic ("...") or literal ('...') strings, integers, booleans and arrays of
/// strings (on one line or several), and comments. Anything else (arrays of other values, inline
/// tables, multi-line strings, dates) is refused with its line, rather than half understood.
public struct ConfigFile: Sendable, Equatable {
    /// Values by table path (`""` for the top, `"profiles.dev"` for `[profiles.dev]`) and key.
    public var tables: [String: [String: ConfigValue]]

    /// A value of the file.
    public enum ConfigValue: Sendable, Equatable {
        case string(String)
        case integer(Int)
        case number(Double)
        case bool(Bool)
        case strings([String])

        public var text: String {
            switch self {
            case .string(let value): value
            case .integer(let value): String(value)
            case .number(let value): String(value)
            case .bool(let value): value ? "true" : "false"
            case .strings(let values): values.joined(separator: ", ")
            }
        }

        /// The value as a list of strings: an array's, or a single string as a list of one.
        public var strings: [String]? {
            switch self {
            case .strings(let values): values
            case .string(let value): [value]
            default: nil
            }
        }

        /// The value as a number, when it is one.
        public var number: Double? {
            switch self {
            case .integer(let value): Double(value)
            case .number(let value): value
            case .string(let value): Double(value)
            case .bool, .strings: nil
            }
        }
    }

    /// Parses `text`; `origin` names the file in errors.
    public init(text: String, origin: String) throws(TracedeskError) {
        var tables: [String: [String: ConfigValue]] = ["": [:]]
        var current = ""
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var index = 0
        while index < lines.count {
            let number = index + 1
            func fail(_ reason: String) -> TracedeskError { .badInput("\(origin):\(number): \(reason)") }
            var line = Self.stripComment(String(lines[index])).trimmingCharacters(in: .whitespaces)
            index += 1
            if line.isEmpty { continue }
            // An array may run over several lines: read on until its bracket closes.
            if !line.hasPrefix("["), let equals = line.firstIndex(of: "="),
               line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces).hasPrefix("[") {
                while !Self.closesArray(line) {
                    guard index < lines.count else { throw fail("an array is not closed") }
                    line += " " + Self.stripComment(String(lines[index])).trimmingCharacters(in: .whitespaces)
                    index += 1
                }
            }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), !line.hasPrefix("[[") else { throw fail("a table header is [name] (arrays of tables are not supported)") }
                let name = line.dropFirst().dropLast().split(separator: ".").map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
                guard !name.isEmpty, name.allSatisfy({ !$0.isEmpty }) else { throw fail("an empty table name") }
                current = name.joined(separator: ".")
                if tables[current] != nil { throw fail("table [\(current)] is defined twice") }
                tables[current] = [:]
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { throw fail("expected key = value") }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                throw fail("'\(key)' is not a plain key")
            }
            let value = try Self.value(line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces), fail: fail)
            if tables[current]?[key] != nil { throw fail("\(key) is set twice") }
            tables[current, default: [:]][key] = value
        }
        self.tables = tables
    }

    private static func value(_ text: String, fail: (String) -> TracedeskError) throws(TracedeskError) -> ConfigValue {
        if text.hasPrefix("\"\"\"") || text.hasPrefix("'''") { throw fail("multi-line strings are not supported") }
        if text.hasPrefix("[") {
            guard text.hasSuffix("]") else { throw fail("an array is not closed") }
            var items: [String] = []
            var rest = Substring(text.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)[...]
            while !rest.isEmpty {
                guard let quote = rest.first, quote == "\"" || quote == "'" else { throw fail("an array holds strings only") }
                guard let end = Self.endOfString(rest) else { throw fail("a string is not closed") }
                guard case .string(let item) = try value(String(rest[..<end]), fail: fail) else { throw fail("an array holds strings only") }
                items.append(item)
                rest = rest[end...].drop { $0 == " " || $0 == "\t" }
                if rest.first == "," { rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" } } else if !rest.isEmpty { throw fail("expected , between the strings of an array") }
            }
            return .strings(items)
        }
        if text.hasPrefix("\"") {
            guard text.count >= 2, text.hasSuffix("\"") else { throw fail("a string is not closed") }
            var result = ""
            var escaping = false
            for character in text.dropFirst().dropLast() {
                if escaping {
                    switch character {
                    case "n": result.append("\n")
                    case "t": result.append("\t")
                    case "\"", "\\": result.append(character)
                    default: throw fail("unsupported escape \\\(character)")
                    }
                    escaping = false
                } else if character == "\\" {
                    escaping = true
                } else {
                    result.append(character)
                }
            }
            return .string(result)
        }
        if text.hasPrefix("'") {
            guard text.count >= 2, text.hasSuffix("'") else { throw fail("a string is not closed") }
            return .string(String(text.dropFirst().dropLast()))
        }
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        if let number = Int(text.replacingOccurrences(of: "_", with: "")) { return .integer(number) }
        if text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let number = Double(text.replacingOccurrences(of: "_", with: "")), number.isFinite {
            return .number(number)
        }
        throw fail("unsupported value \(text) (strings, numbers, booleans and arrays of strings only)")
    }

    /// The index just past the string that `text` starts with (its quote), or `nil` when it is not closed.
    private static func endOfString(_ text: Substring) -> Substring.Index? {
        guard let quote = text.first else { return nil }
        var escaped = false
        var index = text.index(after: text.startIndex)
        while index < text.endIndex {
            let character = text[index]
            if escaped { escaped = false } else if character == "\\", quote == "\"" { escaped = true } else if character == quote { return text.index(after: index) }
            index = text.index(after: index)
        }
        return nil
    }

    /// Whether the array that starts after `=` in `line` closes on it (a bracket outside strings).
    private static func closesArray(_ line: String) -> Bool {
        var quote: Character?
        var escaped = false
        var depth = 0
        for character in line.drop(while: { $0 != "=" }) {
            if escaped { escaped = false; continue }
            if character == "\\", quote == "\"" { escaped = true; continue }
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "[" {
                depth += 1
            } else if character == "]" {
                depth -= 1
                if depth == 0 { return true }
            }
        }
        return false
    }

    /// Drops a `#` comment that is not inside a string.
    private static func stripComment(_ line: String) -> String {
        var quote: Character?
        var escaped = false
        for (offset, character) in line.enumerated() {
            if escaped { escaped = false; continue }
            if character == "\\", quote == "\"" { escaped = true; continue }
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "#" {
                return String(line.prefix(offset))
            }
        }
        return line
    }
}
