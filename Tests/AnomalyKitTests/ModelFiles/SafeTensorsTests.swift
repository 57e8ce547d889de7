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
