import ArgumentParser
import Foundation
import Notebook
import Platform
import ResNetCore
import ResNetIO
import Synchronization

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

    /// One image per core, by measurement: on two cores, where a batch gives each core its own images,
    /// classify of 64 JPEGs ran 22.1 / 23.7 / 23.4 / 23.0 images/s at batch 1 / 2 / 4 / 8 (medians of
    /// five rounds, kernels from the cache), with peak memory 170 / 187 / 214 / 260 MB. Fewer images
    /// than cores leave cores idle.
    @Option(help: ArgumentHelp(Message.cliBatch.localized))
    var batch: Int = min(64, max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    @Flag(help: ArgumentHelp(Message.cliNoKernelCache.localized))
    var noKernelCache = false

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
        let progress = Mutex(ClassifyProgress())
        var readInOrder = 0
        var taken = 0
        /// The next image that could be read, with its place among them; each one that could not be read
        /// gets its error line on the way. Called by one thread at a time.
        func nextImage() -> ReadImage? {
            while let item = queue.next() {
                taken += 1
                switch item {
                case .input(let path, let tensor):
                    readInOrder += 1
                    return ReadImage(order: readInOrder - 1, path: path, tensor: tensor)
                case .failure(let message):
                    progress.withLock {
                        bar.clear()
                        Terminal.printError(message)
                        $0.anyFailed = true
                        $0.done += 1
                        bar.update(received: Int64($0.done), total: Int64(sources.count))
                    }
                }
            }
            return nil
        }
        guard let first = nextImage() else {
            bar.finish()
            if json { print("[]") }
            throw ExitCode(1)
        }
        let loaded = try LoadedNetwork(network, packedKernels: noKernelCache ? nil : PackedKernelCache())
        defer { loaded.kernelsWritten?.wait() }
        // Each thread takes its own images through the network as they are read, with no wait for the
        // others between batches.
        var waiting = [first]
        try loaded.engine.predictStream(
            imagesAtOnce: batch,
            next: { (count) -> (tag: [(order: Int, path: String)], input: Tensor)? in
                // Near the end, what is left is shared among the threads: none waits while another
                // takes a full share alone.
                let threads = max(1, batch / count)
                let share = min(count, max(1, (sources.count - taken + waiting.count + threads - 1) / threads))
                var images = waiting
                waiting = []
                while images.count < share, let image = nextImage() { images.append(image) }
                guard !images.isEmpty else { return nil }
                let input = Tensor(shape: [images.count, 224, 224, 3], data: images.flatMap(\.tensor.data))
                return (images.map { ($0.order, $0.path) }, input)
            },
            finished: { (images: [(order: Int, path: String)], probabilities: Tensor) in
                let tops = try labels.decodePredictions(probabilities, top: top)
                let classes = probabilities.count / images.count
                progress.withLock {
                    for (row, image) in images.enumerated() {
                        let values = Array(probabilities.data[(row * classes)..<((row + 1) * classes)])
                        // Weights are checked finite when read, yet huge ones can still overflow on the way: such
                        // an image gets an error line, never a table of NaN or invalid JSON.
                        guard values.allSatisfy(\.isFinite) else {
                            bar.clear()
                            Terminal.printError(Message.outputNotFinite(image: image.path).localized)
                            $0.anyNotFinite = true
                            continue
                        }
                        $0.results.append((image.order, image.path, tops[row], values))
                    }
                    $0.done += images.count
                    bar.update(received: Int64($0.done), total: Int64(sources.count))
                }
            })
        bar.finish()
        let (results, anyFailed, anyNotFinite) = progress.withLock {
            ($0.results.sorted { $0.order < $1.order }, $0.anyFailed, $0.anyNotFinite)
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
        if let cam, !anyNotFinite {
            let caption = try writeClassActivationMap(first.tensor, network: loaded, labels: labels, to: cam)
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

/// An image read and preprocessed, with its place among the images that could be read.
private struct ReadImage {
    let order: Int
    let path: String
    let tensor: Tensor
}

/// What `classify` has done so far, updated by the threads that finish images.
private struct ClassifyProgress {
    var done = 0
    var results: [(order: Int, image: String, top: [Prediction], probabilities: [Float])] = []
    var anyFailed = false
    var anyNotFinite = false
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
