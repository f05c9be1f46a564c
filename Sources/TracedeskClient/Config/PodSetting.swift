import Foundation

/// A setting of how to reach a pod and sign in to it, listed once with the flag, the environment
/// variable and the `config.toml` profile key that can give it.
///
/// A value is looked up in that order: the flag, then the variable, then the profile
/// (`PodSettings.value(_:)`). Secrets are not settings: they come only from the environment or
/// from the files these settings name (`PodSecret`).
public enum PodSetting: String, CaseIterable, Sendable, Hashable {
    case pod, api, tokenFile, tokenURL, clientId, scope, grant, user, redirectPort
    case clientSecretFile, passwordFile, refreshTokenFile, privateKey, keyId

    /// `--token-url`: the flag's long name.
    public var flag: String { "--" + words.joined(separator: "-") }

    /// `TRACEDESK_TOKEN_URL`.
    public var environmentVariable: String { "TRACEDESK_" + words.joined(separator: "_").uppercased() }

    /// `token_url`: the key of a `[profiles.NAME]` table.
    public var profileKey: String { words.joined(separator: "_") }

    /// The setting's name in words: `tokenURL` is `token`, `url`.
    var words: [String] {
        var words: [String] = []
        var current = ""
        for character in rawValue {
            if character.isUppercase, !current.isEmpty, !(current.last?.isUppercase ?? false) {
                words.append(current)
                current = ""
            }
            current.append(character)
        }
        words.append(current)
        return words.map { $0.lowercased() }
    }

    /// What the setting is, for `--help`.
    public var help: String {
        switch self {
        case .pod: "The pod's base URL, e.g. https://fa-abcd.fa.ocs.oraclecloud.com."
        case .api: "The agent API's path version: v1 (as in the CoE article; the default) or v2."
        case .tokenFile: "A file holding a bearer token (else $TRACEDESK_TOKEN)."
        case .tokenURL: "The identity domain's token endpoint, e.g. https://idcs-....identity.oraclecloud.com/oauth2/v1/token."
        case .clientId: "The OAuth client id."
        case .scope: "The scope (default urn:opc:resource:fusion:{pod}:fusion-ai/)."
        case .grant: "client_credentials (default), password, refresh_token, jwt, or authorization_code (sign in with a browser)."
        case .user: "The Fusion user, for the password and jwt grants."
        case .redirectPort: "The loopback port for the authorization_code redirect (default: any free port)."
        case .clientSecretFile: "A file holding the client secret (else $TRACEDESK_CLIENT_SECRET)."
        case .passwordFile: "A file holding the password (else $TRACEDESK_PASSWORD)."
        case .refreshTokenFile: "A file holding a refresh token (else $TRACEDESK_REFRESH_TOKEN)."
        case .privateKey: "The client's PEM private key, for the jwt grant."
        case .keyId: "The key id (kid) of the JWT assertion."
        }
    }
}

/// A secret: given only by an environment variable or by a file a setting names, never by a flag
/// value or a profile (a profile that holds one is refused).
public enum PodSecret: String, CaseIterable, Sendable {
    case token, clientSecret, password, refreshToken

    /// `TRACEDESK_CLIENT_SECRET`.
    public var environmentVariable: String {
        switch self {
        case .token: "TRACEDESK_TOKEN"
        case .clientSecret: "TRACEDESK_CLIENT_SECRET"
        case .password: "TRACEDESK_PASSWORD"
        case .refreshToken: "TRACEDESK_REFRESH_TOKEN"
        }
    }

    /// The setting naming the file that holds it.
    public var fileSetting: PodSetting {
        switch self {
        case .token: .tokenFile
        case .clientSecret: .clientSecretFile
        case .password: .passwordFile
        case .refreshToken: .refreshTokenFile
        }
    }

    /// The flag a user might try for it, which Tracedesk does not have: `--client-secret`.
    public var refusedFlag: String { "--" + profileKey.replacingOccurrences(of: "_", with: "-") }

    /// The secret a refused flag (`--client-secret`, `--password=…`) names among `arguments`, if any.
    public static func refusedFlag(in arguments: [String]) -> PodSecret? {
        allCases.first { secret in
            arguments.contains { $0 == secret.refusedFlag || $0.hasPrefix(secret.refusedFlag + "=") }
        }
    }

    /// Why there is no flag for it, and where it comes from instead.
    public var whereItComesFrom: String {
        "\(refusedFlag) is not an option: a secret given as a flag is seen by every user of the machine (ps) and kept in "
            + "shell history, so it comes from \(environmentVariable) or the file \(fileSetting.flag) FILE names"
    }

    /// The profile key a careless user might write it under: `client_secret`.
    public var profileKey: String {
        switch self {
        case .token: "token"
        case .clientSecret: "client_secret"
        case .password: "password"
        case .refreshToken: "refresh_token"
        }
    }

    /// `client secret`, for messages.
    public var words: String {
        switch self {
        case .token: "token"
        case .clientSecret: "client secret"
        case .password: "password"
        case .refreshToken: "refresh token"
        }
    }
}
