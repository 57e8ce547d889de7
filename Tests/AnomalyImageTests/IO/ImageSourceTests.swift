import AnomalyKit
import Foundation
import Testing
import TestSupport
@testable import AnomalyImage

@Suite struct ImageSourceTests {
    /// A fresh folder holding `files` (relative paths; contents are a copy of an 8×8 PNG).
    private func tree(_ files: [String]) throws -> URL {
        let root = URL(fileURLWithPath: TestSupport.temporaryDirectory())
        let png = try Data(contentsOf: try ImageFixtures.url("mvtec/train/good/a.png"))
        for file in files {
            let url = root.appendingPathComponent(file)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try png.write(to: url)
        }
        return root
    }

    @Test func anMVTecFolderIsListedSortedWithLabels() throws {
        let source = try ImageSource.folder(try ImageFixtures.url("mvtec"))
        #expect(source.paths == ["test/crack/c.png", "test/crack/d.JPG", "test/good/b.png", "train/good/a.png"])
        #expect(source.labels == [1, 1, 0, 0])
        #expect(source.skippedFiles == 1)  // notes.txt
        #expect(source.urls.map(\.lastPathComponent) == ["c.png", "d.JPG", "b.png", "a.png"])
        #expect(try source.urls.allSatisfy { try ImageDecoder.decode(contentsOf: $0).width == 8 })
    }

    @Test func strictModeNamesTheFirstFileThatIsNotAnImage() throws {
        let url = try ImageFixtures.url("mvtec")
        let error = ImageFixtures.error { _ = try ImageSource.folder(url, strict: true) }
        #expect(error?.file == url.path)
        #expect(error?.message.contains("'notes.txt'") == true)
    }

    @Test func hiddenFilesAndFoldersAreIgnored() throws {
        let root = try tree(["b/x.png", "a.jpeg", ".hidden.png", ".cache/y.png", "b/.z.jpg", "c/d/e.PNG"])
        let source = try ImageSource.folder(root, strict: true)
        #expect(source.paths == ["a.jpeg", "b/x.png", "c/d/e.PNG"])
        #expect(source.skippedFiles == 0)
        #expect(source.labels == nil)  // no `good` folder: no labels
    }

    @Test func anEmptyOrMissingFolderIsAnError() throws {
        let empty = try tree([])
        try Data("x".utf8).write(to: empty.appendingPathComponent("readme.md"))
        let error = ImageFixtures.error { _ = try ImageSource.folder(empty) }
        #expect(error?.message.contains("no PNG or JPEG images") == true)
        #expect(error?.message.contains("1 other file skipped") == true)
        let missing = empty.appendingPathComponent("nope")
        #expect(ImageFixtures.error { _ = try ImageSource.folder(missing) }?.file == missing.path)
        let file = empty.appendingPathComponent("readme.md")
        #expect(ImageFixtures.error { _ = try ImageSource.folder(file) }?.message.contains("not a folder") == true)
    }

    @Test func aCSVListsPathsRelativeToItsFolder() throws {
        let csv = try ImageFixtures.url("csv/list.csv")
        let source = try ImageSource.csv(csv, imageColumn: "file", labelColumn: "label")
        #expect(source.paths == ["images/x.png", "images/sub/y.jpg"])
        #expect(source.labels == [0, 1])
        #expect(source.skippedFiles == 0)
        #expect(try source.urls.map { try ImageDecoder.decode(contentsOf: $0).width } == [9, 8])
        #expect(try ImageSource.csv(csv, imageColumn: "file").labels == nil)
    }

    @Test func aMissingImageNamesTheCSVItsLineAndThePath() throws {
        let csv = try ImageFixtures.url("csv/missing.csv")
        let error = ImageFixtures.error { _ = try ImageSource.csv(csv, imageColumn: "file") }
        #expect(error?.file == csv.path)
        #expect(error?.line == 3)
        #expect(error?.message.contains("'images/nope.png'") == true)
    }

    @Test func anUnknownColumnListsTheHeader() throws {
        let csv = try ImageFixtures.url("csv/list.csv")
        let error = ImageFixtures.error { _ = try ImageSource.csv(csv, imageColumn: "path") }
        #expect(error?.field == "path")
        #expect(error?.message.contains("id, file, label") == true, "\(error?.description ?? "")")
        let labelError = ImageFixtures.error { _ = try ImageSource.csv(csv, imageColumn: "file", labelColumn: "y") }
        #expect(labelError?.field == "y")
    }

    @Test func absolutePathsAndBadLabels() throws {
        let root = try tree(["img/a.png"])
        let absolute = root.appendingPathComponent("img/a.png").path
        let good = root.appendingPathComponent("abs.csv")
        try Data("path,y\n\(absolute),anomaly\n".utf8).write(to: good)
        let source = try ImageSource.csv(good, imageColumn: "path", labelColumn: "y")
        #expect(source.paths == [absolute] && source.labels == [1])
        let bad = root.appendingPathComponent("bad.csv")
        try Data("path,y\nimg/a.png,0\nimg/a.png,maybe\n".utf8).write(to: bad)
        let error = ImageFixtures.error { _ = try ImageSource.csv(bad, imageColumn: "path", labelColumn: "y") }
        #expect(error?.line == 3 && error?.field == "y")
    }
}
