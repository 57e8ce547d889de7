import AnomalyKit
import AnomalyMath
import Foundation
import Testing
import TestSupport

@Suite struct SafeTensorsTests {
    @Test func roundTripKeepsTensorsAndMetadata() throws {
        let tensors: [String: Tensor] = [
            "a": Tensor(Matrix([[1, 2], [3, 4]] as [[Float]])),
            "b": Tensor(doubles: [0.5, -1e300]),
            "c": Tensor(ints: [1, 2, 3]),
        ]
        let data = try SafeTensors.encode(tensors: tensors, metadata: ["k": "v"])
        let (t, m) = try SafeTensors.decode(data, file: "x.safetensors")
        #expect(t == tensors)
        #expect(m == ["k": "v"])
    }

    @Test func truncatedFileIsReportedWithItsName() throws {
        let data = try SafeTensors.encode(tensors: ["a": Tensor(doubles: [1, 2, 3])], metadata: [:])
        let cut = data.prefix(data.count - 4)
        #expect(throws: AnomalyError.self) { try SafeTensors.decode(Data(cut), file: "m.safetensors") }
        do { _ = try SafeTensors.decode(Data(cut), file: "m.safetensors") } catch let e as AnomalyError {
            #expect(e.description.contains("m.safetensors"))
        }
        #expect(throws: AnomalyError.self) { try SafeTensors.decode(Data([1, 2, 3]), file: "m.safetensors") }
        var garbage = data
        garbage[10] = 0x00
        #expect(throws: AnomalyError.self) { try SafeTensors.decode(garbage, file: "m.safetensors") }
    }
}

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

    @Test func thresholdIsThePercentileOfTrainingScores() throws {
        let t = try ContaminationThreshold(contamination: 0.2, trainingScores: [1, 2, 3, 4, 5])
        #expect(abs(t.value - 4.2) < 1e-12)
        #expect(t.labels(for: [4.2, 4.3, 1]) == [0, 1, 0])
        let s = ScoreSummary([0, 10])
        #expect(s.probabilities([-1, 5, 20], method: .linear) == [0, 0.5, 1])
    }
}
