import Foundation

/// How a pod turns a model call's tokens into AI units, the measure Oracle bills agent teams by.
///
/// Oracle's formula, per LLM call: token units = ⌈(input + output tokens) × the token multiplier⌉,
/// then AI units = ⌈token units × the multiplier of the call's model type⌉. The multipliers and the
/// model-name → model-type map come from the pod's feature configuration (feature
/// `ACTION_UNITS_REPORTING`, parameters `UNIT_MULTIPLIERS` and `MODEL_TYPES`) or from
/// config.toml's `[ai_units]`. Where no multiplier applies, the units are unknown (`nil`): never a guess.
public struct AIUnitRates: Sendable, Hashable, Codable {
    /// Multiplies input + output tokens into token units.
    public var tokenMultiplier: Double
    /// By model type, upper case (PREMIUM, STANDARD, BASIC...).
    public var typeMultipliers: [String: Double]
    /// Model names (lower case) to their type (upper case), for calls that do not say their type.
    public var modelTypes: [String: String]
    /// Where the rates came from, for people ("the pod's feature configuration", "config.toml").
    public var source: String

    public init(tokenMultiplier: Double, typeMultipliers: [String: Double], modelTypes: [String: String] = [:], source: String) {
        self.tokenMultiplier = tokenMultiplier
        self.typeMultipliers = Dictionary(typeMultipliers.map { ($0.key.uppercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.modelTypes = Dictionary(modelTypes.map { ($0.key.lowercased(), $0.value.uppercased()) }, uniquingKeysWith: { first, _ in first })
        self.source = source
    }

    /// The model type of a call: its own, else the map's for its model name (the name as given,
    /// then without a provider prefix such as `oci-agent/`).
    public func modelType(of call: LLMCall) -> String? {
        if let type = call.modelType { return type }
        guard let model = call.model?.lowercased() else { return nil }
        if let type = modelTypes[model] { return type }
        if let slash = model.lastIndex(of: "/") { return modelTypes[String(model[model.index(after: slash)...])] }
        return nil
    }

    /// The AI units of one call; `nil` when its type, or that type's multiplier, is not known.
    public func units(of call: LLMCall) -> Int64? {
        guard let type = modelType(of: call), let multiplier = typeMultipliers[type] else { return nil }
        return Self.units(tokens: call.tokens.total, tokenMultiplier: tokenMultiplier, typeMultiplier: multiplier)
    }

    /// ⌈⌈tokens × token multiplier⌉ × type multiplier⌉, saturating.
    public static func units(tokens: Int64, tokenMultiplier: Double, typeMultiplier: Double) -> Int64? {
        guard tokenMultiplier.isFinite, typeMultiplier.isFinite, tokenMultiplier >= 0, typeMultiplier >= 0 else { return nil }
        let tokenUnits = (Double(tokens) * tokenMultiplier).rounded(.up)
        let units = (tokenUnits * typeMultiplier).rounded(.up)
        guard units.isFinite, units < 9e18 else { return nil }
        return Int64(units)
    }

    // MARK: Reading the pod's feature configuration

    /// The rates in the answer to `GET …/genAIBoss/v1/featureConfigurations`: rows (in `items`)
    /// of feature `ACTION_UNITS_REPORTING` whose parameter `UNIT_MULTIPLIERS` holds
    /// `{tokenUnits: {multipliers: {general: n}}, actionUnits: [{model: type, multipliers: {general: n}}]}`
    /// and `MODEL_TYPES` `{modelTypes: [{type: [model names]}]}`, each as a JSON string. The row's
    /// keys are read under several names, since the shape is inferred. `nil` when no multiplier is given.
    public init?(featureConfiguration answer: JSONValue) {
        let rows = answer.first(["items", "featureConfigurations", "rows"])?.arrayValue ?? answer.arrayValue ?? []
        var multipliers: JSONValue?
        var types: JSONValue?
        for row in rows {
            let feature = row.first(["featureCode", "feature", "featureName", "FeatureCode"])?.stringValue?.uppercased()
            guard feature == nil || feature == "ACTION_UNITS_REPORTING" else { continue }
            let name = row.first(["parameterCode", "paramName", "parameterName", "paramCode", "name", "code", "ParameterCode"])?.stringValue?.uppercased()
            let value = row.first(["parameterValue", "paramValue", "value", "ParameterValue"])?.parsingEmbeddedJSON
            switch name {
            case "UNIT_MULTIPLIERS": multipliers = value
            case "MODEL_TYPES": types = value
            default: break
            }
        }
        guard let multipliers, let rates = Self.rates(multipliers: multipliers, types: types, source: "the pod's feature configuration") else { return nil }
        self = rates
    }

    static func rates(multipliers: JSONValue, types: JSONValue?, source: String) -> AIUnitRates? {
        guard let token = Self.general(multipliers["tokenUnits"]) else { return nil }
        var byType: [String: Double] = [:]
        for item in multipliers["actionUnits"]?.arrayValue ?? [] {
            if let type = item.first(["model", "modelType", "type"])?.stringValue, let value = general(item) { byType[type] = value }
        }
        var modelTypes: [String: String] = [:]
        for entry in types?["modelTypes"]?.arrayValue ?? [] {
            for (type, names) in entry.objectValue ?? [:] {
                for name in names.arrayValue ?? [] { if let name = name.stringValue { modelTypes[name] = type } }
            }
        }
        return AIUnitRates(tokenMultiplier: token, typeMultipliers: byType, modelTypes: modelTypes, source: source)
    }

    /// `{multipliers: {general: n}}` → n.
    private static func general(_ value: JSONValue?) -> Double? {
        let number = value?["multipliers"]?["general"] ?? value?["general"]
        return number?.doubleValue ?? number?.stringValue.flatMap(Double.init)
    }
}
