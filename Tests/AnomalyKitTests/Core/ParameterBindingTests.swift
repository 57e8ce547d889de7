import AnomalyKit
import AnomalyMath
import Testing

/// Every registered detector's parameters come from its one declaration: defaults, the
/// `init(parameters:)` ↔ `parameters` round trip, range checks and unknown names.
@Suite struct DetectorParameterTests {
    /// Runs `body` with the detector type called `name` opened.
    static func opened<R>(_ name: String, _ body: (any Detector.Type) throws -> R) throws -> R {
        try body(try DetectorRegistry.type(named: name))
    }

    /// The parameter error `body` throws (nil if it throws none or another kind).
    static func parameterError(_ body: () throws -> Void) -> AnomalyError? {
        do { try body() } catch let e as AnomalyError where e.kind == .parameter { return e } catch { return nil }
        return nil
    }

    /// A valid value other than the default, as `--param` text.
    static func otherValue(_ spec: ParameterSpec) -> String? {
        func other(_ kind: ParameterSpec.Kind, _ value: ParameterValue) -> String? {
            switch (kind, value) {
            case (.int(let lo, let hi), .int(let v)):
                return [v + 1, v - 1, lo ?? v + 1].first { c in c != v && c >= (lo ?? .min) && c <= (hi ?? .max) }.map(String.init)
            case (.double(let lo, let hi, _, _), _):
                let v: Double
                switch value { case .double(let d): v = d; case .int(let i): v = Double(i); default: return nil }
                let candidates = [v * 2, v / 2, v + 0.5, ((lo ?? 0) + (hi ?? 2)) / 2]
                return candidates.first { c in
                    c != v && (try? spec.validate(.double(c))) != nil && !(spec.kind.isOptional && c == 0)
                }.map { String($0) }
            case (.choice(let options), .string(let v)): return options.first { $0 != v }
            case (.bool, .bool(let v)): return String(!v)
            case (.intList, .string(let v)): return ParameterSpec.integers(v).map { $0.map { String($0 + 1) }.joined(separator: ",") }
            case (.names(let choices), .string(let v)): return choices.first { $0 != v }
            case (.optional(let inner, _), _): return other(inner, value)
            default: return nil
            }
        }
        return other(spec.kind, spec.defaultValue)
    }

    /// An out-of-range or malformed value, as `--param` text (nil when every value is accepted).
    static func badValue(_ spec: ParameterSpec) -> String? {
        func bad(_ kind: ParameterSpec.Kind) -> String? {
            switch kind {
            case .int(let lo, let hi): return lo.map { String($0 - 1) } ?? hi.map { String($0 + 1) }
            case .double(let lo, let hi, let openMin, _):
                return lo.map { String(openMin ? $0 : $0 - 1) } ?? hi.map { String($0 + 1) } ?? "inf"
            case .choice: return "no-such-choice"
            case .bool: return "maybe"
            case .intList: return "0"
            case .names: return "no-such-name"
            case .optional(let inner, _): return bad(inner)
            }
        }
        return bad(spec.kind)
    }

    @Test(arguments: DetectorRegistry.names)
    func namesAreUniqueAndDefaultsAreAccepted(name: String) throws {
        let specs = try Self.opened(name) { $0.descriptor.parameters }
        #expect(Set(specs.map(\.name)).count == specs.count)
        for spec in specs {
            #expect(throws: Never.self) { try spec.validate(spec.defaultValue) }
            // The listing's text of the default parses back to it.
            #expect(try spec.parse(spec.defaultValue.description) == spec.defaultValue, "\(name).\(spec.name)")
        }
        let defaults = try DetectorRegistry.make(name)
        #expect(throws: Never.self) { try defaults.validateParameters() }
        #expect(defaults.parameters.values == Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0.defaultValue) }))
    }

    @Test(arguments: DetectorRegistry.names)
    func initialiserAndParametersRoundTrip(name: String) throws {
        let specs = try Self.opened(name) { $0.descriptor.parameters }
        let defaults = try DetectorRegistry.make(name).parameters
        #expect(try Self.opened(name) { try $0.init(parameters: defaults).parameters } == defaults)
        // Each parameter on its own: it alone changes, and survives the round trip.
        for spec in specs {
            guard let text = Self.otherValue(spec) else {
                // Only a parameter with a single allowed value (KNN's and LOF's `p`) has no other.
                guard case .int(let lo?, let hi?) = spec.kind, lo == hi else { Issue.record("\(name).\(spec.name): no other value"); continue }
                continue
            }
            let detector = try DetectorRegistry.make(name, assignments: [spec.name: text])
            let values = detector.parameters
            #expect(values[spec.name] == (try spec.parse(text)), "\(name).\(spec.name)=\(text)")
            #expect(values.values.filter { $0.key != spec.name } == defaults.values.filter { $0.key != spec.name },
                    "\(name).\(spec.name) moved another parameter")
            #expect(try Self.opened(name) { try $0.init(parameters: values).parameters } == values)
        }
    }

    @Test(arguments: DetectorRegistry.names)
    func outOfRangeValuesAreRefusedByName(name: String) throws {
        for spec in try Self.opened(name, { $0.descriptor.parameters }) {
            guard let text = Self.badValue(spec) else { continue }
            let error = Self.parameterError { _ = try DetectorRegistry.make(name, assignments: [spec.name: text]) }
            #expect(error?.field == spec.name, "\(name).\(spec.name)=\(text) was not refused by name")
        }
    }

    @Test(arguments: DetectorRegistry.names)
    func unknownNamesAreRefused(name: String) throws {
        let error = Self.parameterError { _ = try DetectorRegistry.make(name, assignments: ["no_such_parameter": "1"]) }
        #expect(error?.field == "no_such_parameter")
        let typed = Self.parameterError {
            _ = try Self.opened(name) { try $0.init(parameters: ParameterValues(["no_such_parameter": .int(1)])) }
        }
        #expect(typed?.field == "no_such_parameter")
    }

    /// PyOD's None is nil in Swift and 0 in `--param` and model files, as 0.1.0 wrote it.
    @Test func optionalParametersKeepTheirZeroSentinel() throws {
        #expect(try OCSVM(assignments: ["gamma": "0"]).gamma == nil)
        #expect(try OCSVM(assignments: ["gamma": "0.25"]).gamma == 0.25)
        #expect(OCSVM().parameters["gamma"] == .double(0))
        #expect(OCSVM(gamma: 0.5).parameters["gamma"] == .double(0.5))
        // A model file's JSON reads 0 back as an integer.
        #expect(try OCSVM(parameters: ParameterValues(["gamma": .int(0)])).gamma == nil)
        #expect(try PCA(parameters: ParameterValues(["n_components": .int(0), "n_selected_components": .int(2)])).components == nil)
        #expect(try PCA(assignments: ["n_selected_components": "2"]).selectedComponents == 2)
        #expect(try MCD(parameters: ParameterValues(["support_fraction": .int(0)])).supportFraction == nil)
        #expect(MCD(supportFraction: 0.75).parameters["support_fraction"] == .double(0.75))
        // The sentinel set in Swift would read back as nil: refused, by name.
        #expect(Self.parameterError { try MCD(supportFraction: 0).validateParameters() }?.field == "support_fraction")
        #expect(Self.parameterError { try PCA(components: 0).validateParameters() }?.field == "n_components")
    }

    @Test func settingsBuiltInSwiftAreCheckedWhenFitted() throws {
        let x = Matrix(rows: 10, cols: 2, values: (0..<20).map { Float($0 % 7) })
        #expect(Self.parameterError { _ = try IsolationForest(trees: 0).fit(x) }?.field == "n_estimators")
        #expect(Self.parameterError { _ = try HBOS(alpha: 1).fit(x) }?.field == "alpha")
        #expect(Self.parameterError { _ = try GMM(components: 0).fit(x) }?.field == "n_components")
        #expect(Self.parameterError { _ = try KNN(leafSize: 0).fit(x) }?.field == "leaf_size")
        #expect(Self.parameterError { _ = try RankEnsembleDetector.make(members: ["knn", "knn"]) }?.field == "members")
        var autoencoder = AutoEncoder()
        autoencoder.training.learningRate = 0
        #expect(Self.parameterError { _ = try autoencoder.fit(x) }?.field == "lr")
    }
}

extension ParameterSpec.Kind {
    var isOptional: Bool {
        if case .optional = self { return true }
        return false
    }
}
