import Foundation
import TracedeskModel

/// Where redaction rules come from: the `[redact]` table of `config.toml`, the profile's own
/// (`[profiles.NAME.redact]`), and a rules file (`--redact-rules FILE`, a TOML file with one
/// `[redact]` table), joined in that order.
public enum RedactionSettings {
    /// The rules of the configuration (and profile) and of `rulesFile`; `nil` when none of them
    /// has a `[redact]` table. A file that does not parse, an unknown key or detector: `badInput`.
    public static func configured(profile: String?, rulesFile: String?, environment: [String: String]) throws(TracedeskError) -> RedactionRules? {
        var rules: RedactionRules?
        let configPath = UserPaths(environment: environment).configFile
        if let data = FileManager.default.contents(atPath: configPath) {
            let file = try ConfigFile(text: String(decoding: data, as: UTF8.self), origin: configPath)
            if let table = file.tables["redact"] { rules = try RedactionRules(table: strings(table, origin: configPath), origin: "\(configPath) [redact]") }
            if let chosen = profile ?? file.tables[""]?["default"]?.text, let table = file.tables["profiles.\(chosen).redact"] {
                let own = try RedactionRules(table: strings(table, origin: configPath), origin: "\(configPath) [profiles.\(chosen).redact]")
                rules = rules.map { $0.merging(own) } ?? own
            }
        }
        if let rulesFile {
            guard let data = FileManager.default.contents(atPath: rulesFile) else { throw .badInput("cannot read the redaction rules \(rulesFile)") }
            let file = try ConfigFile(text: String(decoding: data, as: UTF8.self), origin: rulesFile)
            guard let table = file.tables["redact"], file.tables.allSatisfy({ $0.key == "redact" || $0.value.isEmpty }) else {
                throw .badInput("\(rulesFile): a rules file holds one [redact] table (keys, patterns, detectors)")
            }
            let own = try RedactionRules(table: strings(table, origin: rulesFile), origin: rulesFile)
            rules = rules.map { $0.merging(own) } ?? own
        }
        return rules
    }

    /// The rules a command applies to what it writes out: with `redact` (or a rules file), the
    /// configured rules, else every built-in detector; without, none (a history recorded with
    /// `at = "record"` holds pseudonyms already, so what is drawn from it holds them too).
    public static func forOutput(redact: Bool, profile: String?, rulesFile: String?, environment: [String: String]) throws(TracedeskError) -> RedactionRules? {
        let configured = try configured(profile: profile, rulesFile: rulesFile, environment: environment)
        if redact || rulesFile != nil { return configured ?? .builtIn }
        return nil
    }

    /// The rules the recorder applies before a body is stored: those of a `[redact]` table that
    /// says `at = "record"`, else none.
    public static func forRecording(profile: String?, environment: [String: String]) throws(TracedeskError) -> RedactionRules? {
        guard let rules = try configured(profile: profile, rulesFile: nil, environment: environment), rules.stage == .record else { return nil }
        return rules
    }

    private static func strings(_ table: [String: ConfigFile.ConfigValue], origin: String) throws(TracedeskError) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for (key, value) in table {
            guard let strings = value.strings else { throw .badInput("\(origin): \(key) takes a string or a list of strings") }
            result[key] = strings
        }
        return result
    }
}
