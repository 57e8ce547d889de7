import AnomalyKit
import Foundation
import Testing
@testable import AnomalyImage

/// `ImageInput`: what each kind of input becomes, and the references an image step's raw column holds.
@Suite struct ImageInputTests {
    @Test func referencesReadIDXImagesByIndexAndFilesByPath() throws {
        let idx = try ImageFixtures.url("idx/images-idx3-ubyte").path
        let png = try ImageFixtures.url("decode/rgb.png").path
        let all = try IDXFile.images(contentsOf: URL(fileURLWithPath: idx))
        let input = try ImageInput(references: ["\(idx)#1", png, "\(idx)#0"])
        guard case .decoded(let images) = input.content else { Issue.record("expected decoded images"); return }
        #expect(images.count == 3)
        #expect(images[0] == all[1] && images[2] == all[0])
        #expect(images[1] == (try ImageDecoder.decode(contentsOf: URL(fileURLWithPath: png))))
        // Plain paths stay files, decoded later on every core.
        guard case .files(let urls) = try ImageInput(references: [png]).content else { Issue.record("expected files"); return }
        #expect(urls.map(\.path) == [png])
        #expect(throws: AnomalyError.self) { try ImageInput(references: ["\(idx)#\(all.count)"]) }
    }

    @Test func readsEachKindOfInput() throws {
        let idx = try ImageFixtures.url("idx/images-idx3-ubyte.gz").path
        let fromIDX = try ImageInput.read(idx, imageColumn: nil, labelColumn: nil, strict: false, inputSize: 224)
        #expect(fromIDX.paths.first == "images-idx3-ubyte.gz#0" && fromIDX.labels == nil)
        let one = try ImageInput.read(try ImageFixtures.url("decode/rgb.jpg").path, imageColumn: nil, labelColumn: nil,
                                      strict: false, inputSize: 224)
        #expect(one.paths == ["rgb.jpg"])
        #expect(ImageInput.isImageInput(idx) && ImageInput.isIDX("x.idx3-ubyte") && !ImageInput.isIDX("x.csv"))
        // A .npy of pixels must be count × size × size × 3.
        let wrong = try ImageFixtures.url("idx/images.npy").path
        #expect(throws: AnomalyError.self) {
            try ImageInput.read(wrong, imageColumn: nil, labelColumn: nil, strict: false, inputSize: 224)
        }
        // A table needs its image column named.
        #expect(throws: AnomalyError.self) {
            try ImageInput.read(try ImageFixtures.url("csv/list.csv").path, imageColumn: nil, labelColumn: nil, strict: false, inputSize: 224)
        }
    }
}
