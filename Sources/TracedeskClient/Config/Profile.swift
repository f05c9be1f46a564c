import Foundation
import TracedeskModel

/// A named set of settings for one pod, from `[profiles.NAME]` of `config.toml`: where the pod
/// is and how to sign in. Its keys are the `PodSetting` profile keys. Secrets are never written
/// here: a profile names the *files* that hold them (`client_secret_file`, `password_file`...),
/// or they come from the environment.
public struct Profile: Sendable, Equatable {
    public var name: String
    public var values: [PodSetting: String]
    /// The file the profile was read from, for messages about its values.
    public var origin: String

    public init(name: String, values: [PodSetting: String], origin: String = "config.toml") {
        self.name = name
        self.values = values
        self.origin = origin
    }

    /// The value of one setting, `~` expanded.
    public subscript(setting: PodSetting) -> String? { values[setting] }

    /// The configuration file: `$XDG_CONFIG_HOME/tracedesk/config.toml`, else `~/.config/tracedesk/config.toml`.
    public static func configPath(environment: [String: String]) -> String {
        UserPaths(environment: environment).configFile
    }

    /// The profile `name` (else the file's `default`, else none) from the configuration file.
    ///
    /// No file and no name: `nil`. A name that the file lacks, an unknown key, or a secret
    /// written in the file: an error that says so.
    public static func load(named name: String?, environment: [String: String]) throws(TracedeskError) -> Profile? {
        let paths = UserPaths(environment: environment)
        let path = paths.configFile
        guard let data = FileManager.default.contents(atPath: path) else {
            if let name { throw .badInput("no profile \(name): \(path) does not exist") }
            return nil
        }
        let file = try ConfigFile(text: String(decoding: data, as: UTF8.self), origin: path)
        guard let chosen = name ?? file.tables[""]?["default"]?.text else { return nil }
        guard let table = file.tables["profiles.\(chosen)"] else {
            let known = file.tables.keys.filter { $0.hasPrefix("profiles.") }.map { String($0.dropFirst(9)) }.sorted()
            throw .badInput("no profile \(chosen) in \(path)" + (known.isEmpty ? "" : " (it has: \(known.joined(separator: ", ")))"))
        }
        let settings = Dictionary(uniqueKeysWithValues: PodSetting.allCases.map { ($0.profileKey, $0) })
        var values: [PodSetting: String] = [:]
        for (key, value) in table {
            if let secret = PodSecret.allCases.first(where: { $0.profileKey == key }) {
                throw .badInput("\(path): [profiles.\(chosen)] holds \(key); secrets belong in files or the environment: use \(secret.fileSetting.profileKey)")
            }
            guard let setting = settings[key] else { throw .badInput("\(path): [profiles.\(chosen)] has an unknown key \(key)") }
            values[setting] = paths.expandingHome(value.text)
        }
        return Profile(name: chosen, values: values, origin: path)
    }
}
