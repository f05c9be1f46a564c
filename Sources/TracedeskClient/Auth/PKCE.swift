import Crypto
import Foundation
import TracedeskModel

/// Proof Key for Code Exchange (RFC 7636) with the S256 method.
public enum PKCE {
    /// A random verifier of URL-safe characters (43 to 128 of them, as the RFC asks).
    public static func verifier(length: Int = 64) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }

    /// BASE64URL(SHA256(verifier)), without padding.
    public static func challenge(for verifier: String) -> String {
        JWTAssertion.base64URL(Data(SHA256.hash(data: Data(verifier.utf8))))
    }
}
