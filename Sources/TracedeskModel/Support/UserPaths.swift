import Foundation

/// Where Tracedesk keeps its files, by the XDG base directory rules: the history under the data
/// home, `config.toml` under the config home, tokens under the cache home.
///
/// Each folder is `$XDG_…_HOME/tracedesk`, else the XDG default under `$HOME`
/// (`~/.local/share`, `~/.config`, `~/.cache`). Read from an environment, never from the process
/// directly, so that tests pass their own.
public struct UserPaths: Sendable, Equatable {
    public let environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// `$XDG_DATA_HOME/tracedesk`, else `~/.local/share/tracedesk`.
    public var dataFolder: URL { folder("XDG_DATA_HOME", default: ".local/share") }

    /// `$XDG_CONFIG_HOME/tracedesk`, else `~/.config/tracedesk`.
    public var configFolder: URL { folder("XDG_CONFIG_HOME", default: ".config") }

    /// `$XDG_CACHE_HOME/tracedesk`, else `~/.cache/tracedesk`.
    public var cacheFolder: URL { folder("XDG_CACHE_HOME", default: ".cache") }

    /// The history: `$TRACEDESK_DB`, else `history.sqlite` in the data folder.
    public var history: String {
        if let path = environment["TRACEDESK_DB"], !path.isEmpty { return path }
        return dataFolder.appendingPathComponent("history.sqlite").path
    }

    /// The configuration file of profiles: `config.toml` in the config folder.
    public var configFile: String { configFolder.appendingPathComponent("config.toml").path }

    /// The token cache: `tokens/` in the cache folder.
    public var tokenCache: URL { cacheFolder.appendingPathComponent("tokens") }

    /// Callback tokens of suspended runs: `callbacks/` in the cache folder.
    public var callbackTokens: URL { cacheFolder.appendingPathComponent("callbacks") }

    /// The home folder: `$HOME`, else the account's.
    public var home: String {
        environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
    }

    /// `~/...` with the home folder written out; any other path as it is.
    public func expandingHome(_ path: String) -> String {
        if path == "~" { return home }
        guard path.hasPrefix("~/") else { return path }
        return home + path.dropFirst()
    }

    private func folder(_ variable: String, default relative: String) -> URL {
        // XDG says a relative value is invalid and must be ignored.
        if let base = environment[variable], base.hasPrefix("/") {
            return URL(fileURLWithPath: base).appendingPathComponent("tracedesk")
        }
        return URL(fileURLWithPath: home).appendingPathComponent(relative).appendingPathComponent("tracedesk")
    }
}
