import Foundation

/// What to take out of a run before it is shown or kept: values under some JSON keys, text that
/// matches some regular expressions, and what the built-in detectors find.
///
/// The `[redact]` table of `config.toml`, of a profile (`[profiles.NAME.redact]`) or of a rules
/// file (`--redact-rules FILE`) holds one; several are joined with `merging(_:)`. Rules are only
/// text until `Redactor` compiles them, which refuses a pattern that does not compile.
public struct RedactionRules: Sendable, Equatable {
    /// Where redaction happens.
    public enum Stage: String, Sendable, CaseIterable {
        /// The history keeps the values; a command given `--redact` writes them out redacted.
        case output
        /// The history itself never holds the values: bodies are redacted before they are stored.
        case record
    }

    /// Key patterns matched without regard to case: one without a dot against each key
    /// (`PersonNumber`, `*Salary*`), one with a dot against the key's dotted path from the top of
    /// its JSON document (`*contact.email`; array elements add nothing to a path, so the numbers
    /// of `{"items": [{"number": …}]}` are `items.number`); `*` stands for any characters, dots
    /// included, and `?` for one.
    public var keys: [String]
    /// Regular expressions (ICU syntax, as `NSRegularExpression` reads them) for text anywhere.
    public var patterns: [String]
    /// The built-in detectors to run; `nil` when none were named, which means all of them.
    public var detectors: [RedactionDetector]?
    /// Where redaction happens; `nil` when not said (outputs only).
    public var stage: Stage?

    public init(keys: [String] = [], patterns: [String] = [], detectors: [RedactionDetector]? = nil, stage: Stage? = nil) {
        self.keys = keys
        self.patterns = patterns
        self.detectors = detectors
        self.stage = stage
    }

    /// The rules in a line: `detectors: all; keys: PersonNumber, *Salary*; 1 pattern`.
    public var summary: String {
        var parts = ["detectors: " + (detectors.map { $0.isEmpty ? "none" : $0.map(\.rawValue).joined(separator: ", ") } ?? "all")]
        if !keys.isEmpty { parts.append("keys: " + keys.joined(separator: ", ")) }
        if !patterns.isEmpty { parts.append("\(patterns.count) pattern\(patterns.count == 1 ? "" : "s")") }
        return parts.joined(separator: "; ")
    }

    /// Every built-in detector and nothing else: what `--redact` applies with no rules named.
    public static let builtIn = RedactionRules()

    /// The detectors that run: those named, else all of them.
    public var activeDetectors: [RedactionDetector] { detectors ?? RedactionDetector.allCases }

    /// These rules and `other`'s together: keys and patterns of both, the detectors either named
    /// (all when neither did), and `other`'s stage where it says one.
    public func merging(_ other: RedactionRules) -> RedactionRules {
        var detectors: [RedactionDetector]?
        if self.detectors != nil || other.detectors != nil {
            let named = (self.detectors ?? []) + (other.detectors ?? [])
            detectors = RedactionDetector.allCases.filter(named.contains)
        }
        return RedactionRules(keys: keys + other.keys.filter { !keys.contains($0) },
                              patterns: patterns + other.patterns.filter { !patterns.contains($0) },
                              detectors: detectors, stage: other.stage ?? stage)
    }

    /// Rules from the values of a `[redact]` table (`keys`, `patterns`, `detectors`, `at`), each a
    /// string or a list of strings; `origin` names the table in errors. An unknown key, an unknown
    /// detector or stage is refused.
    public init(table: [String: [String]], origin: String) throws(TracedeskError) {
        for key in table.keys where !["keys", "patterns", "detectors", "at"].contains(key) {
            throw .badInput("\(origin): unknown key \(key) (a [redact] table holds keys, patterns, detectors and at)")
        }
        self.init(keys: table["keys"] ?? [], patterns: table["patterns"] ?? [])
        if let names = table["detectors"] {
            detectors = try names.map { name throws(TracedeskError) in
                guard let detector = RedactionDetector(rawValue: name.lowercased()) else {
                    throw .badInput("\(origin): unknown detector \(name) (known: \(RedactionDetector.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                return detector
            }
        }
        if let at = table["at"] {
            guard at.count == 1, let stage = Stage(rawValue: at[0]) else {
                throw .badInput("\(origin): at is \"output\" or \"record\", not \(at.joined(separator: ", "))")
            }
            self.stage = stage
        }
        for key in keys where key.isEmpty || key.allSatisfy({ $0 == "*" || $0 == "." || $0 == "?" }) {
            throw .badInput("\(origin): the key pattern \"\(key)\" would match every key")
        }
    }
}
