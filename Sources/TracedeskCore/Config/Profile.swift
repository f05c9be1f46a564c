import Foundation

/// A named set of settings for one pod, from `[profiles.NAME]` of `config.toml`: where the pod
/// is and how to sign in. Secrets are never written here: a profile names the *files* that hold
/// them (`client_secret_file`, `password_file`...), or they come from the environment.
public struct Profile: Sendable, Equatable {
    public var name: String
    public var pod: String?
    public var api: String?
    public var tokenURL: String?
    public var clientId: String?
    public var scope: String?
    public var grant: String?
    public var user: String?
    public var clientSecretFile: String?
    public var passwordFile: String?
    public var refreshTokenFile: String?
    public var privateKey: String?
    public var keyId: String?

    static let keys: Set<String> = [
        "pod", "api", "token_url", "client_id", "scope", "grant", "user", "client_secret_file", "password_file",
        "refresh_token_file", "private_key", "key_id",
    ]
    static let forbidden: [String: String] = [
        "client_secret": "client_secret_file", "password": "password_file", "refresh_token": "refresh_token_file", "token": "a token file",
    ]

    /// The configuration file: `$XDG_CONFIG_HOME/tracedesk/config.toml`, else `~/.config/tracedesk/config.toml`.
    public static func configPath(environment: [String: String]) -> String {
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty {
            return URL(fileURLWithPath: config).appendingPathComponent("tracedesk/config.toml").path
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".config/tracedesk/config.toml").path
    }

    /// The profile `name` (else the file's `default`, else none) from the configuration file.
    ///
    /// No file and no name: `nil`. A name that the file lacks, an unknown key, or a secret
    /// written in the file: an error that says so.
    public static func load(named name: String?, environment: [String: String]) throws(TracedeskError) -> Profile? {
        let path = configPath(environment: environment)
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
        for key in table.keys {
            if let instead = forbidden[key] {
                throw .badInput("\(path): [profiles.\(chosen)] holds \(key); secrets belong in files or the environment: use \(instead)")
            }
            if !keys.contains(key) { throw .badInput("\(path): [profiles.\(chosen)] has an unknown key \(key)") }
        }
        func value(_ key: String) -> String? { table[key].map { expandHome($0.text, environment: environment) } }
        return Profile(name: chosen, pod: value("pod"), api: value("api"), tokenURL: value("token_url"), clientId: value("client_id"),
                       scope: value("scope"), grant: value("grant"), user: value("user"), clientSecretFile: value("client_secret_file"),
                       passwordFile: value("password_file"), refreshTokenFile: value("refresh_token_file"),
                       privateKey: value("private_key"), keyId: value("key_id"))
    }

    static func expandHome(_ text: String, environment: [String: String]) -> String {
        guard text.hasPrefix("~/") else { return text }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + text.dropFirst()
    }
}
