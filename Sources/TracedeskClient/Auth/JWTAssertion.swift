import Crypto
import Foundation
import TracedeskModel
import _CryptoExtras

/// The RS256 user assertion of the JWT bearer grant, as OCI IAM expects it.
///
/// Header `alg`, `typ`, `kid`; claims `iss` (the client id), `sub` (the Fusion user), `jti`,
/// `iat`, `exp` (five minutes on), and `aud` naming both identity audiences.
public enum JWTAssertion {
    public static let audiences = ["oauth.idm.oracle.com", "https://identity.oraclecloud.com/"]

    /// Signs an assertion for `user` with the client's PEM private key.
    public static func make(clientId: String, user: String, privateKeyPEM: String, keyId: String?,
                            now: Date = Date(), lifetime: TimeInterval = 300) throws(TracedeskError) -> String {
        let key: _RSA.Signing.PrivateKey
        do {
            key = try _RSA.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        } catch {
            throw .badInput("the private key for the JWT assertion is not an RSA key in PEM form (2048 bits or more)")
        }
        var header: [String: JSONValue] = ["alg": .string("RS256"), "typ": .string("JWT")]
        if let keyId { header["kid"] = .string(keyId) }
        let issuedAt = Int64(now.timeIntervalSince1970)
        let claims: [String: JSONValue] = [
            "iss": .string(clientId), "sub": .string(user), "jti": .string(UUID().uuidString),
            "iat": .integer(issuedAt), "exp": .integer(issuedAt + Int64(lifetime)),
            "aud": .array(audiences.map(JSONValue.string)),
        ]
        let input = base64URL(Data(JSONValue.object(header).compactText.utf8)) + "." + base64URL(Data(JSONValue.object(claims).compactText.utf8))
        do {
            let signature = try key.signature(for: Data(input.utf8), padding: .insecurePKCS1v1_5)
            return input + "." + base64URL(signature.rawRepresentation)
        } catch {
            throw .badInput("the JWT assertion could not be signed: \(error)")
        }
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The claims of a JWT, unverified: for showing who a token is for, never for trusting it.
    public static func claims(of token: String) -> JSONValue? {
        let parts = token.split(separator: ".")
        guard parts.count >= 2 else { return nil }
        var text = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return Data(base64Encoded: text).flatMap { JSONValue(parsing: $0) }
    }
}
