import AnomalyKit
import Testing

/// `ParameterSpec` parsing and `ParameterValues.resolve` (Core/Parameters.swift).
@Suite struct ParameterTests {
    @Test func rangesAndTypesAreChecked() {
        let spec = ParameterSpec.int("n_neighbors", default: 5, min: 1, help: "")
        #expect(throws: AnomalyError.self) { try spec.parse("0") }
        #expect(throws: AnomalyError.self) { try spec.parse("abc") }
        #expect(try! spec.parse("7") == .int(7))
        #expect(throws: AnomalyError.self) { try ContaminationThreshold.contaminationSpec.parse("0.6") }
        #expect(throws: AnomalyError.self) { try ContaminationThreshold.contaminationSpec.parse("0") }
        #expect(try! ContaminationThreshold.contaminationSpec.parse("0.5") == .double(0.5))
    }

    @Test func unknownNamesAreErrors() {
        let specs = [ParameterSpec.int("n_neighbors", default: 5, min: 1, help: "")]
        #expect(throws: AnomalyError.self) { try ParameterValues.resolve(["k": "3"], specs: specs, detector: "knn") }
        #expect(try! ParameterValues.resolve([:], specs: specs, detector: "knn").int("n_neighbors") == 5)
    }
}
