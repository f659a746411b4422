import Foundation
import Platform
import Testing

@testable import ResNetCore

/// The file of an engine's lowered arrays (``InferenceEngine/writeLoweredArrays(key:to:)``): an engine
/// mapped from it must run exactly as the one that wrote it, and a file that is not quite that one must
/// never be used.
@Suite struct LoweredArraysFileTests {
    let model: Model
    let engine: InferenceEngine
    let input: Tensor
    let folder: String

    init() throws {
        model = try InferenceEngineTests().smallResidualModel()
        engine = try InferenceEngine(model: model, weights: try .random(for: model, seed: 5))
        input = Tensor.randomNormal(shape: [2, 9, 9, 8], seed: 8)
        folder =
            FileManager.default.temporaryDirectory.appendingPathComponent("reslab-lowered-\(UUID().uuidString)").path
        try makeDirectories(folder)
    }

    /// Writes the engine's arrays under `key` and returns the file's path.
    func written(key: String = "weights w.h5\nvariant test") throws -> String {
        let path = folder + "/arrays.packed"
        let file = try AtomicFile(replacing: path)
        try engine.writeLoweredArrays(key: key, to: file)
        try file.commit(flushing: false)
        return path
    }

    /// The engine mapped from the file at `path` under `key`, or nil.
    func mapped(_ path: String, key: String = "weights w.h5\nvariant test", model: Model? = nil) throws
        -> InferenceEngine?
    {
        try InferenceEngine(model: model ?? self.model, loweredArraysIn: try MappedFile(path: path), key: key)
    }

    /// Changes the file at `path` with `change` on its bytes.
    func damage(_ path: String, _ change: (inout [UInt8]) -> Void) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        change(&bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func anEngineMappedFromTheFileGivesExactlyTheOutputOfTheOneThatWroteIt() throws {
        let restored = try #require(try mapped(try written()))
        #expect(restored.stepCount == engine.stepCount)
        #expect(try restored.predict(input).data == (try engine.predict(input).data))
    }

    @Test func theFileNamesTheKeyItWasWrittenUnder() throws {
        let path = try written(key: "weights a.h5\nvariant tutorial")
        #expect(InferenceEngine.loweredArraysKey(in: try MappedFile(path: path)) == "weights a.h5\nvariant tutorial")
    }

    @Test func aFileWrittenUnderAnotherKeyIsNotUsed() throws {
        #expect(try mapped(try written(), key: "weights other.h5\nvariant test") == nil)
    }

    /// The same layer names and shapes but one: the dense layer has 11 classes, not 10.
    @Test func aFileForAnotherModelIsNotUsed() throws {
        let x0 = try Input(shape: [9, 9, 8])
        var x = try convBlock(x0, kernelSize: 3, filters: [4, 4, 16], stage: 2, block: "a")
        x = try identityBlock(x, kernelSize: 3, filters: [4, 4, 16], stage: 2, block: "b")
        x = try applicationsBlock(x, filters: 4, stride: 2, convShortcut: true, name: "conv3_block1")
        x = try BatchNormalization()(x)
        x = try GlobalAveragePooling2D()(x)
        x = try Dense(11, activation: .softmax)(x)
        #expect(try mapped(try written(), model: try Model(inputs: x0, outputs: x)) == nil)
    }

    @Test(arguments: ["a byte of a kernel", "a byte of the key", "the checksum", "the last 64 bytes cut off"])
    func aDamagedFileIsNotUsed(_ damage: String) throws {
        let path = try written()
        try self.damage(path) { bytes in
            switch damage {
            case "a byte of a kernel": bytes[4096 + 100] ^= 0x01
            case "a byte of the key": bytes[50] ^= 0x20
            case "the checksum": bytes[bytes.count - 1] ^= 0x80
            default: bytes.removeLast(64)
            }
        }
        #expect(try mapped(path) == nil)
    }

    @Test func theChecksumChangesWhenTwoWordsSwapPlaces() {
        var words: [UInt64] = (0..<16).map { UInt64($0) &* 0x9E37_79B9_7F4A_7C15 }
        var first = FletcherChecksum()
        words.withUnsafeBytes { first.add($0) }
        words.swapAt(1, 5)  // the same lane, one block apart
        var swapped = FletcherChecksum()
        words.withUnsafeBytes { swapped.add($0) }
        #expect(first.sums == swapped.sums)
        #expect(first != swapped)
    }
}
