import AnomalyKit
import Foundation
import Testing
@testable import AnomalyImage

@Suite struct IDXFileTests {
    @Test(arguments: ["idx/images-idx3-ubyte", "idx/images-idx3-ubyte.gz"]) func readsImages(_ file: String) throws {
        let expected = ImageFixtures.bytes(try NumPy.read(path: try ImageFixtures.url("idx/images.npy").path))
        let images = try IDXFile.images(contentsOf: try ImageFixtures.url(file))
        #expect(images.count == 3)
        #expect(images.allSatisfy { $0.width == 12 && $0.height == 10 && $0.channels == 1 })
        #expect(images.flatMap(\.pixels) == expected)
    }

    @Test(arguments: ["idx/labels-idx1-ubyte", "idx/labels-idx1-ubyte.gz"]) func readsLabels(_ file: String) throws {
        #expect(try IDXFile.labels(contentsOf: try ImageFixtures.url(file)) == [7, 0, 9])
    }

    static let refused: [(file: String, labels: Bool, says: String)] = [
        ("idx/bad-magic-idx3-ubyte", false, "magic number 0x00001234, expected 0x00000803"),
        ("idx/truncated-idx3-ubyte", false, "expected 376 bytes for count 3 × rows 10 × cols 12, the file has 216"),
        ("idx/truncated-idx3-ubyte.gz", false, "truncated"),
        ("idx/float-idx3-ubyte", false, "element type 0x0D (32-bit floats)"),
        ("idx/zero-idx3-ubyte", false, "zero-size dimension"),
        ("idx/labels-idx1-ubyte", false, "a labels file"),
        ("idx/images-idx3-ubyte", true, "an images file"),
        ("decode/rgb.png", false, "not an IDX file"),
        ("idx/missing-idx3-ubyte", false, "no such file"),
    ]

    @Test(arguments: refused) func badFilesAreErrorsNamingTheFile(_ file: String, _ labels: Bool, _ says: String) throws {
        let url = try ImageFixtures.url(file)
        let error = ImageFixtures.error {
            if labels { _ = try IDXFile.labels(contentsOf: url) } else { _ = try IDXFile.images(contentsOf: url) }
        }
        #expect(error?.kind == .data)
        #expect(error?.file == url.path)
        #expect(error?.message.contains(says) == true, "\(error?.description ?? "no error")")
    }

    @Test func aGzipFileThatDecompressesShortSaysSo() throws {
        let url = try ImageFixtures.url("idx/short-idx3-ubyte.gz")
        let error = ImageFixtures.error { _ = try IDXFile.images(contentsOf: url) }
        #expect(error?.message.contains("the decompressed data has 100") == true, "\(error?.description ?? "")")
    }
}
