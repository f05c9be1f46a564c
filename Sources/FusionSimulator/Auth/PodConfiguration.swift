import Foundation

/// Who may get tokens from the simulated identity domain, and for how long tokens last.
public struct PodConfiguration: Sendable {
    /// An OAuth client registered in the identity domain.
    public struct Client: Sendable {
        public var id: String
        /// `nil` for a public client, which may only use the authorization code grant with PKCE.
        public var secret: String?
        /// The PEM public key that checks this client's JWT user assertions (RS256).
        public var assertionPublicKey: String?

        public init(id: String, secret: String?, assertionPublicKey: String? = nil) {
            self.id = id
            self.secret = secret
            self.assertionPublicKey = assertionPublicKey
        }
    }

    public var clients: [Client]
    /// Fusion users and their passwords.
    public var users: [String: String]
    /// Access token lifetime in seconds (short ones make expiry testable).
    public var tokenLifetime: Int
    public var refreshTokenLifetime: Int
    /// The seed of every identifier and token the pod makes.
    public var seed: UInt64
    /// How the pod bills model calls (its `ACTION_UNITS_REPORTING` feature configuration).
    public var aiUnits = AIUnitConfiguration.demo

    public init(clients: [Client], users: [String: String], tokenLifetime: Int = 3600,
                refreshTokenLifetime: Int = 86_400, seed: UInt64 = 42) {
        self.clients = clients
        self.users = users
        self.tokenLifetime = tokenLifetime
        self.refreshTokenLifetime = refreshTokenLifetime
        self.seed = seed
    }

    /// The demo credentials printed by `tracedesk simulator` and used by `tracedesk demo`.
    public static func demo(tokenLifetime: Int = 3600, seed: UInt64 = 42) -> PodConfiguration {
        PodConfiguration(
            clients: [
                Client(id: DemoCredentials.clientId, secret: DemoCredentials.clientSecret,
                       assertionPublicKey: DemoCredentials.assertionPublicKey),
                Client(id: DemoCredentials.publicClientId, secret: nil),
            ],
            users: [DemoCredentials.user: DemoCredentials.password, "jordan.lee": "Welcome-2026"],
            tokenLifetime: tokenLifetime, seed: seed)
    }
}

/// The pod's AI-unit reporting: model types by model name, and the multipliers from tokens to
/// token units and from token units to AI units per model type.
public struct AIUnitConfiguration: Sendable {
    /// Model type (lower case, as the configuration writes it) to model names.
    public var modelTypes: [(type: String, models: [String])]
    public var tokenMultiplier: Double
    public var typeMultipliers: [(type: String, multiplier: Double)]

    /// Seen on a live pod: 903 + 226 tokens on a premium model gave 5 AI units.
    public static let demo = AIUnitConfiguration(
        modelTypes: [("premium", ["cohere.command-r-plus-08-2024", "openai.gpt-5-mini"]),
                     ("standard", ["meta.llama-3.3-70b-instruct", "cohere.command-r-08-2024"])],
        tokenMultiplier: 0.001,
        typeMultipliers: [("premium", 2.5), ("standard", 1)])

    /// The type of a model, upper case as steps write it; `nil` when the configuration does not list it.
    func type(of model: String) -> String? {
        modelTypes.first { $0.models.contains(model) }?.type.uppercased()
    }
}

/// The simulator's demo credentials: they unlock nothing but the simulator.
public enum DemoCredentials {
    public static let clientId = "tracedesk-demo"
    public static let clientSecret = "demo-secret"
    /// A public client (no secret) for the authorization code grant with PKCE.
    public static let publicClientId = "tracedesk-cli"
    public static let user = "casey.brown"
    public static let password = "Welcome-2026"
    public static let scope = "urn:opc:resource:fusion:simulator:fusion-ai/"
    /// The public half of `samples/keys/demo-assertion-private.pem`.
    public static let assertionPublicKey = """
        -----BEGIN PUBLIC KEY-----
        MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwCLw4ugb/8wDW9bfPAyg
        W0niVFD2MhLIdm/RveS5FziOxmC7OG7tqW7cpXHHYB5aX24FYyPA0c+ktxtQZPtD
        GVQy3KINdorulHq3Wak5Ub5MitqiraMWDgiZVQNNKpP4OLAGXaaK07KjMXpVCCfJ
        3cWLUo4EJMTd+nHmlc+hkHUo3ijJdBXUh8MLYXIE8HS3ATAueC5f+L8MQGUbWw53
        zIyBY/r9zVQxKIGPnTcW3wxI09MgpNSZ0+Axto6NiH+gnf8zZshXFHuSyulQQYPb
        liIE3tL2QRzuyz2dghI1BFprPBQrnoH8V1u1sVm1jWoAWeuK7IZCCzOer+Zlzgui
        jwIDAQAB
        -----END PUBLIC KEY-----
        """
}
