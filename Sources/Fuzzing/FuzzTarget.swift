// The surfaces that read untrusted bytes, one entry each in `FuzzTarget.all`. `reslab-fuzz` (under
// libFuzzer or its own mutation loop) and the corpus tests both go through this table.
import Foundation
import Notebook
import Platform
import ResNetCore
import ResNetIO

/// One surface that reads untrusted bytes. Every failure it meets must be a thrown Swift error;
/// a trap, a sanitizer report or a hang is a finding.
public struct FuzzTarget: Sendable {
    /// The name on the command line and of the corpus folder.
    public let name: String
    /// Byte strings the mutation loop inserts (libFuzzer finds its own).
    public let dictionary: [[UInt8]]
    /// Feeds one input to the surface; the errors it throws are expected and dropped.
    public let run: @Sendable ([UInt8]) -> Void

    /// Every target, in the order `make fuzz` runs them.
    public static let all: [FuzzTarget] = [.prompt, .lesson, .image, .hdf5]

    public static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }

    /// The committed seed inputs: `Tests/FuzzingTests/Corpus/<name>`.
    public var corpusDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tests/FuzzingTests/Corpus/\(name)").path
    }

    /// The seed inputs by file name, in name order.
    public func corpus() -> [(name: String, bytes: [UInt8])] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: corpusDirectory)) ?? []
        return names.sorted().compactMap { name in
            FileManager.default.contents(atPath: corpusDirectory + "/" + name).map { (name, [UInt8]($0)) }
        }
    }
}

extension FuzzTarget {
    /// A cell at the prompt, parsed and evaluated in a fresh notebook and cancelled after a second.
    /// A cell that mentions `save` is skipped: it would write wherever its path points.
    static let prompt = FuzzTarget(
        name: "prompt",
        dictionary: words(
            "Input(shape=(", "Conv2D(", "BatchNormalization(axis=3)", "Activation('relu')", "layers.add([",
            "MaxPooling2D((3, 3), strides=(2, 2))", "ZeroPadding2D((3, 3))", "Flatten()", "Dense(", "Model(",
            "ResNet50(", "np.", "%", "def ", "for ", " in ", "if ", "return ", "\n    ", "(", ")", "[", "]", ", ",
            "=", "'", "\"", "1e309", "-1", "0", "**", "lambda", "None", ".shape", ".summary()", "predict(")
    ) { bytes in
        let source = String(decoding: bytes, as: UTF8.self)
        guard !source.contains("save") else { return }
        let deadline = ContinuousClock.now + .seconds(1)
        _ = Notebook().run(source, shouldCancel: { ContinuousClock.now > deadline })
    }

    /// A lesson file: parsed into its steps, each expected output matched against itself and its cell.
    static let lesson = FuzzTarget(
        name: "lesson", dictionary: words("# ", "```reslab\n", "```output\n", "```\n", "…", "\n…\n", "\n")
    ) { bytes in
        guard let lesson = try? Lesson(markdown: String(decoding: bytes, as: UTF8.self), number: 1, language: "en")
        else { return }
        _ = lesson.progress(step: lesson.steps.count)
        for step in lesson.steps {
            guard let expected = step.expected else { continue }
            _ = outputMatches(expected, expected: expected)
            _ = outputMatches(step.cell, expected: expected)
        }
    }

    /// A JPEG or PNG file, decoded from memory to RGB and resized.
    static let image = FuzzTarget(
        name: "image",
        dictionary: words("IHDR", "IDAT", "IEND", "PLTE", "tRNS", "gAMA")
            + [[0xFF, 0xD8], [0xFF, 0xC0], [0xFF, 0xC2], [0xFF, 0xC4], [0xFF, 0xDA], [0xFF, 0xDB], [0xFF, 0xD9]]
    ) { bytes in
        guard let image = try? decodeImage(bytes, path: "input") else { return }
        _ = image.resized(width: 3, height: 2)
    }

    /// A Keras HDF5 weight file: opened from a scratch copy, every weight read, then loaded into the
    /// small model its layer names fit and run once.
    static let hdf5 = FuzzTarget(
        name: "hdf5",
        dictionary: words("layer_names", "weight_names", "model_weights", "TREE", "HEAP", "SNOD", "OHDR", "conv1")
            + [[0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]]
    ) { bytes in
        let path = NSTemporaryDirectory() + "/reslab-fuzz-\(getpid())-\(UUID().uuidString).h5"
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { return }
        defer { unlink(path) }
        guard let file = try? KerasWeightsFile(path: path) else { return }
        _ = file.resNet50Variant
        _ = try? file.modelWeights()
        for model in smallModels {
            guard let weights = try? file.weights(for: model),
                let engine = try? InferenceEngine(model: model, weights: weights)
            else { continue }
            let count = model.inputShape.reduce(1, *)
            _ = try? engine.predict(Tensor(shape: [1] + model.inputShape, data: (0..<count).map { Float($0) }))
        }
    }

    /// The two layouts of `Tests/ResNetIOTests/Fixtures` as models: the 2016 file's layer names
    /// (`conv1`, `bn_conv1`, `fc1000`) and tf-keras's (`conv1_conv`, `conv1_bn`, `predictions`).
    static let smallModels: [Model] = [
        try? model(
            conv: Conv2D(3, kernelSize: 1, name: "conv1"), bn: "bn_conv1", dense: Dense(4, name: "fc1000"),
            input: [1, 1, 2]),
        try? model(
            conv: Conv2D(2, kernelSize: 2, name: "conv1_conv"), bn: "conv1_bn", dense: Dense(3, name: "predictions"),
            input: [2, 2, 1]),
    ].compactMap { $0 }

    private static func model(conv: Conv2D, bn: String, dense: Dense, input: Shape) throws -> Model {
        let x0 = try Input(shape: input)
        var x = try BatchNormalization(name: bn)(try conv(x0))
        x = try dense(try Flatten()(try Activation(.relu)(x)))
        return try Model(inputs: x0, outputs: x)
    }

    private static func words(_ words: String...) -> [[UInt8]] { words.map { Array($0.utf8) } }
}
