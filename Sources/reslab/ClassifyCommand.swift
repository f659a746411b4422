import ArgumentParser
import Foundation
import Notebook
import Platform
import ResNetCore
import ResNetIO

/// `reslab classify`: the tutorial's last step, `model.predict` and `decode_predictions`, on real images.
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify JPEG or PNG images and print the top classes, as the tutorial's decode_predictions does.")

    @Argument(help: "JPEG or PNG images.")
    var images: [String]

    @OptionGroup var network: NetworkOptions

    @Option(help: "How many classes to list per image.")
    var top: Int = 5

    @Flag(help: "Print one JSON array on stdout instead of tables.")
    var json = false

    @Flag(help: "With --json, include all 1000 probabilities per image.")
    var allProbs = false

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give at least one image") }
        guard (1...1000).contains(top) else { throw ValidationError("--top must be between 1 and 1000") }
        guard !allProbs || json else { throw ValidationError("--all-probs goes with --json") }
    }

    func run() throws {
        // Every image is read before the network runs, so a bad file stops us before any output.
        let inputs = try images.map { try preprocessInput(loadImage(path: $0, targetSize: (224, 224))) }
        let labels = try ImageNetLabels.bundled()
        let loaded = try LoadedNetwork(network)

        var results = [(image: String, top: [Prediction], probabilities: [Float])]()
        for (path, input) in zip(images, inputs) {
            let probabilities = try loaded.engine.predict(input)
            results.append((path, try labels.decodePredictions(probabilities, top: top)[0], probabilities.data))
        }
        if json {
            let printed = results.map {
                ClassifyResult(image: $0.image, top: $0.top, probabilities: allProbs ? $0.probabilities : nil)
            }
            print(try ClassifyResult.json(printed))
            return
        }
        for (index, result) in results.enumerated() {
            if index > 0 { print() }
            print(predictionTable(title: result.image, predictions: result.top, color: Terminal.colorsStandardOutput))
        }
        print()
        print("Predicted: " + predictedList(results.map(\.top)))
    }
}

/// One image's result as `classify --json` prints it:
/// `{"image": PATH, "probs": [...], "top": [{"index": 386, "label": "African_elephant", "prob": 0.39, "wnid": "n02504458"}]}`.
struct ClassifyResult: Codable, Equatable {
    /// One of the top classes, most probable first.
    struct TopClass: Codable, Equatable {
        let index: Int
        let wnid: String
        let label: String
        let prob: Float
    }

    let image: String
    let top: [TopClass]
    /// All 1000 probabilities, with `--all-probs` only (left out of the JSON otherwise).
    let probs: [Float]?

    init(image: String, top: [Prediction], probabilities: [Float]?) {
        self.image = image
        self.top = top.map {
            TopClass(
                index: $0.imageNetClass.index, wnid: $0.imageNetClass.wnid, label: $0.imageNetClass.label,
                prob: $0.probability)
        }
        probs = probabilities
    }

    /// `results` as one JSON array, keys sorted, on one line.
    static func json(_ results: [ClassifyResult]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(results), as: UTF8.self)
    }
}
