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
        abstract: Message.cliClassifyAbstract.localized, discussion: Message.cliClassifyDiscussion.localized)

    @Argument(help: ArgumentHelp(Message.cliImages.localized))
    var images: [String]

    @OptionGroup var network: NetworkOptions

    @Option(help: ArgumentHelp(Message.cliTop.localized))
    var top: Int = 5

    @Flag(help: ArgumentHelp(Message.cliJSON.localized))
    var json = false

    @Flag(help: ArgumentHelp(Message.cliAllProbs.localized))
    var allProbs = false

    @Option(help: ArgumentHelp(Message.cliCam.localized, valueName: "file.png"))
    var cam: String?

    /// 2 by measurement, on two cores, where a batch gives each core its own images: classify of 64
    /// JPEGs, medians of three runs, 17.9 / 20.7 / 20.3 / 20.2 images/s at batch 1 / 2 / 4 / 8, with
    /// peak memory 178 / 195 / 224 / 280 MB.
    @Option(help: ArgumentHelp(Message.cliBatch.localized))
    var batch: Int = 2

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError(Message.giveAnImage.localized) }
        guard (1...1000).contains(top) else { throw ValidationError(Message.topRange.localized) }
        guard (1...64).contains(batch) else { throw ValidationError(Message.batchRange.localized) }
        guard !allProbs || json else { throw ValidationError(Message.allProbsNeedsJSON.localized) }
        guard cam == nil || images.count == 1 else { throw ValidationError(Message.camOneImage.localized) }
    }

    func run() throws {
        let labels = try ImageNetLabels.bundled()
        let sources = ImageSource.expand(images)
        guard cam == nil || sources.count == 1 else { throw ValidationError(Message.camOneImage.localized) }
        // Images are read on another thread, two batches ahead, while the network runs. One that cannot be
        // read gets its error line, the others are still classified, and the exit status says that something
        // failed. The network loads only once an image could be read.
        let queue = ImageQueue(sources, ahead: 2 * batch)
        defer { queue.stop() }
        let bar = ProgressBar(isEnabled: Terminal.standardErrorIsTerminal && sources.count > 1, unit: .items)
        var loaded: LoadedNetwork?
        var results = [(image: String, top: [Prediction], probabilities: [Float])]()
        var camInput: Tensor?
        var anyFailed = false
        var anyNotFinite = false
        var done = 0
        while true {
            var paths = [String]()
            var pixels = [Float]()
            while paths.count < batch, let item = queue.next() {
                switch item {
                case .input(let path, let tensor):
                    paths.append(path)
                    pixels += tensor.data
                    if cam != nil { camInput = tensor }
                case .failure(let message):
                    bar.clear()
                    Terminal.printError(message)
                    anyFailed = true
                    done += 1
                    bar.update(received: Int64(done), total: Int64(sources.count))
                }
            }
            guard !paths.isEmpty else { break }
            if loaded == nil { loaded = try LoadedNetwork(network) }
            let probabilities = try loaded!.engine.predict(Tensor(shape: [paths.count, 224, 224, 3], data: pixels))
            let tops = try labels.decodePredictions(probabilities, top: top)
            let classes = probabilities.count / paths.count
            for (row, path) in paths.enumerated() {
                let values = Array(probabilities.data[(row * classes)..<((row + 1) * classes)])
                // Weights are checked finite when read, yet huge ones can still overflow on the way: such an
                // image gets an error line, never a table of NaN or invalid JSON.
                guard values.allSatisfy(\.isFinite) else {
                    bar.clear()
                    Terminal.printError(Message.outputNotFinite(image: path).localized)
                    anyNotFinite = true
                    continue
                }
                results.append((path, tops[row], values))
            }
            done += paths.count
            bar.update(received: Int64(done), total: Int64(sources.count))
        }
        bar.finish()
        guard let loaded else {
            if json { print("[]") }
            throw ExitCode(1)
        }
        let random = loaded.hasRandomWeights
        if json {
            let printed = results.map {
                ClassifyResult(
                    image: $0.image, top: $0.top, probabilities: allProbs ? $0.probabilities : nil,
                    randomWeights: random)
            }
            print(try ClassifyResult.json(printed))
        } else if !results.isEmpty {
            for (index, result) in results.enumerated() {
                if index > 0 { print() }
                let title = result.image + (random ? Message.randomWeightsTag.localized : "")
                print(predictionTable(title: title, predictions: result.top, color: Terminal.colorsStandardOutput))
            }
            print()
            print("Predicted: " + predictedList(results.map(\.top)))
            if random { print(Message.randomClassesMeanNothing.localized) }
        }
        if let cam, let camInput, !anyNotFinite {
            let caption = try writeClassActivationMap(camInput, network: loaded, labels: labels, to: cam)
            if !json { print(caption) }
        }
        if anyFailed || anyNotFinite { throw ExitCode(1) }
    }

    /// `--cam FILE`: the top class's activation map over the image, written as a PNG; returns its caption.
    private func writeClassActivationMap(
        _ input: Tensor, network: LoadedNetwork, labels: ImageNetLabels, to path: String
    ) throws -> String {
        let model = network.engine.model
        let map = try ClassActivationMap(model: model, weights: try network.rawWeights(), input: input) {
            try ClassArgument.index(nil, outputs: $0, labels: labels)
        }
        let picture = map.picture
        try picture.writePNG(to: path)
        return camCaption(map, model: model, labels: labels, random: network.hasRandomWeights) + "\n"
            + Message.wrotePicture(path: path, width: picture.width, height: picture.height).localized
    }
}

/// One image's result as `classify --json` prints it:
/// `{"image": PATH, "probs": [...], "top": [{"index": 386, "label": "African_elephant", "prob": 0.39, "wnid": "n02504458"}]}`,
/// with `"random_weights": true` when the weights were seeded random ones.
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
    /// `true` with `--random-weights` (left out of the JSON otherwise): these classes mean nothing.
    let randomWeights: Bool?

    enum CodingKeys: String, CodingKey {
        case image, top, probs
        case randomWeights = "random_weights"
    }

    init(image: String, top: [Prediction], probabilities: [Float]?, randomWeights: Bool = false) {
        self.image = image
        self.top = top.map {
            TopClass(
                index: $0.imageNetClass.index, wnid: $0.imageNetClass.wnid, label: $0.imageNetClass.label,
                prob: $0.probability)
        }
        probs = probabilities
        self.randomWeights = randomWeights ? true : nil
    }

    /// `results` as one JSON array, keys sorted, on one line.
    static func json(_ results: [ClassifyResult]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(results), as: UTF8.self)
    }
}
