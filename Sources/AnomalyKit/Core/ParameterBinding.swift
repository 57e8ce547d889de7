/// One detector parameter bound to a stored property of the settings: its PyOD name, kind
/// (range), help, and how the property is read and written.
///
/// A detector lists these once, in its `DetectorDeclaration`; the listing (`descriptor`),
/// `init(parameters:)`, `parameters` (model files, reports) and validation all come from that
/// list (scikit-learn's `_parameter_constraints`). Defaults are not written here: they are read
/// from the declaration's `defaults` (the detector's `Self()`, PyOD's defaults), so the Swift
/// initialiser and the listing cannot disagree.
///
/// ```swift
/// .int("n_estimators", \.trees, min: 1, max: 100_000, help: "number of trees")
/// .double("gamma", \.gamma, min: 0, none: 0, help: "…; 0 = 'auto'")   // gamma: Double?, nil = 'auto'
/// ```
public struct ParameterBinding<Settings>: Sendable {
    public let name: String
    public let kind: ParameterSpec.Kind
    public let help: String
    /// The property's value; nil when an optional parameter is unset.
    let read: @Sendable (Settings) -> ParameterValue?
    /// Stores a value already checked against `kind`; nil unsets an optional parameter.
    let write: @Sendable (inout Settings, ParameterValue?) throws -> Void

    /// What an unset value is written as (optional parameters only).
    public var none: ParameterValue? {
        if case .optional(_, let none) = kind { return none }
        return nil
    }

    /// The value shown in listings, model files and reports: the property's, or `none` when unset.
    public func value(of settings: Settings) -> ParameterValue {
        // `read` gives nil only for optional bindings, and those have a `none`.
        read(settings) ?? none ?? .string("")
    }

    /// Writes `value` (checked), unsetting an optional parameter given its `none` value.
    func assign(_ value: ParameterValue, to settings: inout Settings) throws {
        if let none, value.isNumerically(none) {
            try write(&settings, nil)
        } else {
            try write(&settings, value)
        }
    }
}

extension ParameterBinding {
    /// A binding of a non-optional property; `decode` turns a checked value into the property's type.
    static func bind<T>(_ name: String, _ kind: ParameterSpec.Kind, _ path: WritableKeyPath<Settings, T> & Sendable,
                        help: String, encode: @escaping @Sendable (T) -> ParameterValue,
                        decode: @escaping @Sendable (ParameterValue) -> T?) -> Self {
        Self(name: name, kind: kind, help: help, read: { encode($0[keyPath: path]) }, write: { settings, value in
            guard let value, let decoded = decode(value) else { throw Self.wrongType(name, value) }
            settings[keyPath: path] = decoded
        })
    }

    /// A binding of an optional property: nil is written as `none`, and `none` read as nil.
    static func bindOptional<T>(_ name: String, _ kind: ParameterSpec.Kind, none: ParameterValue,
                                _ path: WritableKeyPath<Settings, T?> & Sendable, help: String,
                                encode: @escaping @Sendable (T) -> ParameterValue,
                                decode: @escaping @Sendable (ParameterValue) -> T?) -> Self {
        Self(name: name, kind: .optional(kind, none: none), help: help, read: { $0[keyPath: path].map(encode) },
             write: { settings, value in
                 guard let value else { settings[keyPath: path] = nil; return }
                 guard let decoded = decode(value) else { throw Self.wrongType(name, value) }
                 settings[keyPath: path] = decoded
             })
    }

    private static func wrongType(_ name: String, _ value: ParameterValue?) -> AnomalyError {
        AnomalyError.parameter(name, "has the wrong type: got \(value.map(\.description) ?? "nothing")")
    }

    public static func int(_ name: String, _ path: WritableKeyPath<Settings, Int> & Sendable,
                           min: Int? = nil, max: Int? = nil, help: String) -> Self {
        bind(name, .int(min: min, max: max), path, help: help, encode: { .int($0) }, decode: \.intValue)
    }

    /// An integer where `none` (in the range) means PyOD's `None`.
    public static func int(_ name: String, _ path: WritableKeyPath<Settings, Int?> & Sendable,
                           min: Int? = nil, max: Int? = nil, none: Int, help: String) -> Self {
        bindOptional(name, .int(min: min, max: max), none: .int(none), path, help: help, encode: { .int($0) }, decode: \.intValue)
    }

    public static func double(_ name: String, _ path: WritableKeyPath<Settings, Double> & Sendable,
                              min: Double? = nil, max: Double? = nil, openMin: Bool = false, openMax: Bool = false,
                              help: String) -> Self {
        bind(name, .double(min: min, max: max, openMin: openMin, openMax: openMax), path, help: help,
             encode: { .double($0) }, decode: \.doubleValue)
    }

    /// A real number where `none` (in the range) means PyOD's `None` or 'auto'.
    public static func double(_ name: String, _ path: WritableKeyPath<Settings, Double?> & Sendable,
                              min: Double? = nil, max: Double? = nil, openMin: Bool = false, openMax: Bool = false,
                              none: Double, help: String) -> Self {
        bindOptional(name, .double(min: min, max: max, openMin: openMin, openMax: openMax), none: .double(none), path,
                     help: help, encode: { .double($0) }, decode: \.doubleValue)
    }

    public static func bool(_ name: String, _ path: WritableKeyPath<Settings, Bool> & Sendable, help: String) -> Self {
        bind(name, .bool, path, help: help, encode: { .bool($0) }, decode: \.boolValue)
    }

    /// One of an enumeration's raw values, in declaration order.
    public static func choice<E: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ path: WritableKeyPath<Settings, E> & Sendable, help: String
    ) -> Self where E.RawValue == String {
        bind(name, .choice(E.allCases.map(\.rawValue)), path, help: help, encode: { .string($0.rawValue) },
             decode: { $0.stringValue.flatMap(E.init(rawValue:)) })
    }

    /// One of `options`, kept as text.
    public static func choice(_ name: String, _ path: WritableKeyPath<Settings, String> & Sendable, _ options: [String],
                              help: String) -> Self {
        bind(name, .choice(options), path, help: help, encode: { .string($0) }, decode: \.stringValue)
    }

    /// Comma-separated positive integers (layer widths), written as "64,32".
    public static func intList(_ name: String, _ path: WritableKeyPath<Settings, [Int]> & Sendable,
                               minCount: Int = 1, max: Int? = nil, help: String) -> Self {
        bind(name, .intList(minCount: minCount, max: max), path, help: help, encode: { .list($0) },
             decode: { $0.stringValue.flatMap(ParameterSpec.integers) })
    }

    /// Comma-separated names from `choices`, written as "a,b".
    public static func names(_ name: String, _ path: WritableKeyPath<Settings, [String]> & Sendable, choices: [String],
                             help: String) -> Self {
        bind(name, .names(choices), path, help: help, encode: { .string($0.joined(separator: ",")) },
             decode: { $0.stringValue.map { $0.split(separator: ",").map(String.init) } })
    }

    /// A PyOD parameter accepted for compatibility with only one value (`value`), stored nowhere.
    public static func fixed(_ name: String, _ value: Int, help: String) -> Self {
        Self(name: name, kind: .int(min: value, max: value), help: help, read: { _ in .int(value) }, write: { _, _ in })
    }

    /// This binding for a property reached through `path` (shared bindings such as the neural
    /// detectors' training settings).
    public func lifted<Outer>(_ path: WritableKeyPath<Outer, Settings> & Sendable) -> ParameterBinding<Outer> {
        let read = self.read, write = self.write
        return ParameterBinding<Outer>(name: name, kind: kind, help: help, read: { read($0[keyPath: path]) },
                                       write: { outer, value in try write(&outer[keyPath: path], value) })
    }
}

/// What a detector declares once: its name, summary, family, PyOD's defaults and the parameter
/// bindings. The descriptor (listing), `init(parameters:)`, `parameters` and validation derive from it.
public struct DetectorDeclaration<Settings: Sendable>: Sendable {
    public let descriptor: DetectorDescriptor
    /// The default settings (usually `Self()`); the specs' defaults are read from it.
    public let defaults: Settings
    public let bindings: [ParameterBinding<Settings>]

    public init(name: String, summary: String, family: String, defaults: Settings, parameters: [ParameterBinding<Settings>]) {
        self.defaults = defaults
        bindings = parameters
        descriptor = DetectorDescriptor(name: name, summary: summary, family: family, parameters: parameters.map {
            ParameterSpec(name: $0.name, kind: $0.kind, defaultValue: $0.value(of: defaults), help: $0.help)
        })
    }

    /// Settings from resolved values: every value is checked against its spec, missing ones
    /// take their defaults, unknown names are refused.
    func settings(from parameters: ParameterValues) throws -> Settings {
        let specs = descriptor.parameters
        for name in parameters.values.keys.sorted() where !specs.contains(where: { $0.name == name }) {
            let known = specs.map(\.name).joined(separator: ", ")
            throw AnomalyError.parameter(name, "unknown parameter for \(descriptor.name); known: \(known.isEmpty ? "(none)" : known)")
        }
        var settings = defaults
        for (binding, spec) in zip(bindings, specs) {
            guard let value = parameters[spec.name] else { continue }
            try spec.validate(value)
            try binding.assign(value, to: &settings)
        }
        return settings
    }

    /// Every parameter's value, by PyOD name.
    func values(of settings: Settings) -> ParameterValues {
        ParameterValues(Dictionary(uniqueKeysWithValues: bindings.map { ($0.name, $0.value(of: settings)) }))
    }

    /// Checks settings built in Swift (memberwise initialisers) against the specs. An optional
    /// setting holding its `none` value is refused: it would read back as unset.
    func validate(_ settings: Settings) throws {
        for (binding, spec) in zip(bindings, descriptor.parameters) {
            guard let value = binding.read(settings) else { continue }
            try spec.validate(value)
            if let none = binding.none, value.isNumerically(none) {
                throw AnomalyError.parameter(spec.name, "\(value) stands for PyOD's None here; leave the setting nil instead")
            }
        }
    }
}

extension ParameterValue {
    var intValue: Int? {
        if case .int(let v) = self { return v }
        return nil
    }
    /// A number; integers too (a model file's JSON writes 1.0 as 1).
    var doubleValue: Double? {
        switch self {
        case .double(let v): return v
        case .int(let v): return Double(v)
        default: return nil
        }
    }
    var stringValue: String? {
        if case .string(let v) = self { return v }
        return nil
    }
    var boolValue: Bool? {
        if case .bool(let v) = self { return v }
        return nil
    }

    /// Equal as numbers when both are numbers (`0` and `0.0`), else equal.
    func isNumerically(_ other: ParameterValue) -> Bool {
        if let a = doubleValue, let b = other.doubleValue { return a == b }
        return self == other
    }
}
