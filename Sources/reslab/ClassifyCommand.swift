import ArgumentParser
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
            print(Self.json(results, includeProbabilities: allProbs))
            return
        }
        for (index, result) in results.enumerated() {
            if index > 0 { print() }
            print(predictionTable(title: result.image, predictions: result.top, color: Terminal.colorsStandardOutput))
        }
        print()
        print("Predicted: " + predictedList(results.map(\.top)))
    }

    // MARK: - Output

    static func json(
        _ results: [(image: String, top: [Prediction], probabilities: [Float])], includeProbabilities: Bool
    ) -> String {
        let items = results.map { result in
            var fields = ["\"image\": \(jsonString(result.image))"]
            let top = result.top.map {
                "{\"index\": \($0.imageNetClass.index), \"wnid\": \(jsonString($0.imageNetClass.wnid)), "
                    + "\"label\": \(jsonString($0.imageNetClass.label)), \"prob\": \($0.probability)}"
            }
            fields.append("\"top\": [" + top.joined(separator: ", ") + "]")
            if includeProbabilities {
                fields.append("\"probs\": [" + result.probabilities.map { "\($0)" }.joined(separator: ", ") + "]")
            }
            return "{" + fields.joined(separator: ", ") + "}"
        }
        return "[" + items.joined(separator: ",\n ") + "]"
    }
}

/// A JSON string literal.
func jsonString(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}
