// The errors of the engine, the files and the system, as the learner reads them: every case of every
// error type says something in both languages, and the Chinese is Chinese.
import Foundation
import Platform
import ResNetCore
import ResNetIO
import Testing

@testable import Notebook

/// An error type, the file that declares it, and one value of each of its cases.
private struct Catalogue: Sendable {
    let type: String
    let file: String
    let samples: [(value: any Sendable, text: Bilingual)]
}

private let catalogues: [Catalogue] = [
    Catalogue(
        type: "ShapeError", file: "ResNetCore/ShapeError.swift",
        samples: [
            ShapeError.wrongRank(layer: "conv1", expectedRank: 3, found: [10]),
            .windowLargerThanInput(layer: "pool", window: [3, 3], input: [2, 2, 1]),
            .addShapesDiffer(layer: "add_1", shapes: [[55, 55, 64], [55, 55, 256]]),
            .invalidArgument(layer: "conv1", argument: "filters", value: "0", reason: .notPositive),
            .differentGraphs(layer: "add_1"), .wrongInputCount(layer: "add_1", expected: "2 or more", found: 1),
            .duplicateLayerName("conv1"), .outputNotConnected(output: "x", input: "input_1"),
            .inputMismatch(expected: [224, 224, 3], found: [1, 3]),
            .tooManyValues(layer: "flatten_1", role: .output, axes: ["10 × 10"]),
            .tooManyValues(layer: "fc1000", role: .weight("kernel"), axes: ["2048"]),
            .countOverflow(layer: "conv1", count: .multiplyAdds), .countOverflow(layer: "model", count: .parameters),
            .overMemoryBudget(use: .weights(model: "resnet50", parameters: 25_636_712), bytes: nil, limit: 1 << 33),
            .overMemoryBudget(
                use: .activations(operation: "predict", batch: 1, layer: "conv1", shape: [112, 112, 64]),
                bytes: 1 << 40, limit: 1 << 33),
        ].map { ($0, $0.text) }),
    Catalogue(
        type: "ArgumentProblem", file: "ResNetCore/ShapeError.swift",
        samples: [ArgumentProblem.notPositive, .negativePadding(side: "top"), .notThreeFilters].map { ($0, $0.text) }),
    Catalogue(
        type: "WeightsMismatch", file: "ResNetCore/ModelWeights.swift",
        samples: [
            WeightsMismatch.missingLayer("conv1"), .wrongCount(layer: "conv1", expected: 2, found: 1),
            .wrongShape(layer: "conv1", index: 0, weight: "kernel", expected: [7, 7, 3, 64], found: [3]),
        ].map { ($0, $0.text) }),
    Catalogue(
        type: "BLASError", file: "ResNetCore/BLAS.swift",
        samples: [
            BLASError.libraryNotFound(tried: ["libopenblas.so.0"], reason: "r"),
            .missingSymbol("cblas_sgemm", library: "libopenblas.so.0"),
        ].map { ($0, $0.text) }),
    Catalogue(
        type: "WeightsError", file: "ResNetIO/WeightsError.swift",
        samples: [
            WeightsError.fileNotFound(path: "w.h5"), .unreadableFile(path: "w.h5", reason: errnoText(EACCES)),
            .notHDF5(path: "w.h5"), .corruptFile(path: "w.h5", detail: "d"), .notKerasWeightsFile(path: "w.h5"),
            .missingLayer(path: "w.h5", layer: "fc1000"), .missingWeight(path: "w.h5", layer: "l", weightName: "k"),
            .unsupportedWeightType(path: "w.h5", layer: "l", weightName: "k"),
            .wrongWeightCount(path: "w.h5", layer: "l", found: 1, expected: 2),
            .shapeMismatch(path: "w.h5", layer: "l", index: 0, found: [1], expected: [2]),
            .checksumMismatch(path: "w.h5", actual: "a", expected: "b"),
            .otherResNet50File(path: "w.h5", variant: .tutorial, actual: "a", expected: WeightsCache.tutorialMD5),
            .downloadChecksumMismatch(url: "u", actual: "a", expected: "b"), .httpStatus(url: "u", status: 404),
            .cannotConnect(host: "h", port: 80, reason: Bilingual("connection refused", "连接被拒绝")),
            .shortDownload(url: "u", received: 1, expected: 2), .downloadCancelled(url: "u"),
            .networkFailure(url: "u", reason: Bilingual("timed out", "超时")),
            .downloadStorage(path: "p", reason: errnoText(ENOSPC)), .md5Unavailable,
            .weightTooLarge(path: "w.h5", layer: "l", weightName: "k"),
            .nonFiniteWeight(path: "w.h5", layer: "fc1000", weightName: "fc1000_b:0", position: 3, value: .nan),
        ].map { ($0, $0.text) }),
    Catalogue(
        type: "ImageError", file: "ResNetIO/ImageError.swift",
        samples: [
            ImageError.unreadable(path: "a.jpg", reason: errnoText(ENOENT)), .empty(path: "a.jpg"),
            .unknownFormat(path: "a.gif", leadingBytes: [0x47, 0x49, 0x46, 0x38]),
            .tooLarge(path: "a.png", width: 20000, height: 1), .truncated(path: "a.jpg", format: .jpeg, detail: "d"),
            .corrupt(path: "a.png", format: .png, detail: "d"), .unsupported(path: "a.jpg", format: .jpeg, detail: "d"),
            .unwritable(path: "out.rgb", reason: errnoText(EROFS)),
            .badTargetSize(path: "a.png", height: 0, width: 0),
        ].map { ($0, $0.text) }),
    Catalogue(
        type: "LabelsError", file: "ResNetIO/ImageNetLabels.swift",
        samples: [LabelsError.resourceMissing, .malformed("m"), .wrongOutputSize(10)].map { ($0, $0.text) }),
    Catalogue(
        type: "LessonError", file: "Notebook/Lessons.swift",
        samples: [
            LessonError.notFound(directory: "d"), .noSuchLesson(9, language: "zh", available: [1, 2]),
            .malformed(number: 1, language: "zh", reason: "r"),
        ].map { ($0, $0.text) }),
]

/// The case names a Swift file declares for `type`, from its `case` lines up to the first property.
private func declaredCases(of type: String, in file: String) throws -> Set<String> {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let source = try String(contentsOf: root.appendingPathComponent("Sources/" + file), encoding: .utf8)
    let body = source.components(separatedBy: "enum \(type):")[1].components(separatedBy: " var ")[0]
    var names = Set<String>()
    for line in body.split(separator: "\n") {
        let trimmed = line.drop { $0 == " " }
        guard trimmed.hasPrefix("case ") else { continue }
        var depth = 0
        let outsideParentheses = trimmed.dropFirst(5).filter { character in
            if character == "(" { depth += 1 }
            defer { if character == ")" { depth -= 1 } }
            return depth == 0 && character != ")" && character != " "
        }
        for name in outsideParentheses.split(separator: ",") { names.insert(String(name)) }
    }
    return names
}

/// The name of an enum case that carries values (`wrongRank` for `.wrongRank(…)`); `nil` for one without.
private func caseLabel(_ value: any Sendable) -> String? {
    Mirror(reflecting: value).children.first?.label
}

private func containsCJK(_ text: String) -> Bool {
    text.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) || (0x3000...0x303F).contains($0.value) }
}

@Suite struct ErrorCatalogueTests {
    @Test(arguments: catalogues.map(\.type))
    func everyCaseIsSampled(_ type: String) throws {
        let catalogue = try #require(catalogues.first { $0.type == type })
        let declared = try declaredCases(of: type, in: catalogue.file)
        // A case with values is known by its label; one without only by its text (its description is the text).
        let labelled = Set(catalogue.samples.compactMap { caseLabel($0.value) })
        let plain = Set(catalogue.samples.filter { caseLabel($0.value) == nil }.map(\.text))
        #expect(labelled.isSubset(of: declared), "\(labelled.subtracting(declared))")
        #expect(labelled.count + plain.count == declared.count, "\(declared.subtracting(labelled))")
    }

    @Test(arguments: catalogues.map(\.type))
    func everyCaseSpeaksBothLanguages(_ type: String) throws {
        let catalogue = try #require(catalogues.first { $0.type == type })
        for (value, text) in catalogue.samples {
            #expect(!text.en.isEmpty && !containsCJK(text.en), "\(value): \(text.en)")
            #expect(containsCJK(text.zh), "\(value): \(text.zh)")
        }
    }

    @Test func descriptionFollowsTheLearnersLanguage() {
        let error = ShapeError.duplicateLayerName("conv1")
        #expect(Language.$scoped.withValue(.zh) { error.description } == error.text.zh)
        #expect(Language.$scoped.withValue(.en) { error.description } == error.text.en)
    }

    @Test func systemErrorsAreTranslated() {
        let text = errnoText(ENOSPC)
        #expect(containsCJK(text.zh) && !text.en.isEmpty)
        let file = FileError(action: .write, path: "/x", code: ENOSPC)
        #expect(file.text.en == "cannot write '/x': \(text.en)")
        #expect(containsCJK(file.text.zh))
    }

    @Test(arguments: [FileKind.directory, .fifo, .device, .socket, .other])
    func aFileThatIsNotRegularIsNamedInBothLanguages(_ kind: FileKind) {
        let error = FileError(action: .read, path: "/x", notRegular: kind)
        #expect(error.text.en.hasPrefix("cannot read '/x': it is ") && error.text.en.hasSuffix("not a regular file"))
        #expect(containsCJK(error.text.zh) && !containsCJK(error.text.en))
    }
}
