import ArgumentParser
import Platform
import ResNetCore
import ResNetIO

/// The options every command that runs the network shares.
struct NetworkOptions: ParsableArguments {
    @Option(help: "Keras HDF5 weight file (default: the tutorial's file in the reslab cache).")
    var weights: String?

    @Option(help: "Which ResNet50: tutorial or keras-applications (default: told from the weight file, else tutorial).")
    var variant: ResNet50Variant?

    @Flag(help: "Use seeded random weights instead of a weight file (what they predict means nothing).")
    var randomWeights = false

    func validate() throws {
        guard !(randomWeights && weights != nil) else {
            throw ValidationError("--weights and --random-weights: give one or the other")
        }
    }
}

/// A ResNet50 with its weights, ready to predict.
struct LoadedNetwork {
    /// The seed of `--random-weights`, the one the prompt's `%classify IMAGE --random` uses too.
    static let randomWeightsSeed: UInt64 = 1

    let variant: ResNet50Variant
    /// The weight file, or `nil` for seeded random weights.
    let weightsPath: String?
    let engine: InferenceEngine

    /// Whether the weights are seeded random ones, whose predictions mean nothing.
    var hasRandomWeights: Bool { weightsPath == nil }

    /// Opens the weight file, builds the matching network and checks every weight's shape; with
    /// `--random-weights`, builds the network (the tutorial's unless `--variant` says otherwise) with seeded
    /// random weights instead.
    init(_ options: NetworkOptions) throws {
        if options.randomWeights {
            variant = options.variant ?? .tutorial
            let model = try variant.build()
            engine = try InferenceEngine(model: model, weights: .random(for: model, seed: Self.randomWeightsSeed))
            weightsPath = nil
            return
        }
        let path = try Self.weightsPath(options.weights)
        let file = try KerasWeightsFile(path: path)
        let detected = file.resNet50Variant
        switch (options.variant, detected) {
        case (let asked?, let found?) where asked != found:
            throw UsageError(
                "'\(path)' holds \(found.rawValue) weights, not \(asked.rawValue); drop --variant or pass --variant \(found.rawValue)"
            )
        case (nil, nil):
            throw UsageError(
                "cannot tell which ResNet50 '\(path)' holds (no layer named res2a_branch2a or conv2_block1_1_conv); pass --variant"
            )
        default:
            break
        }
        variant = options.variant ?? detected!
        let model = try variant.build()
        engine = try InferenceEngine(model: model, weights: try file.weights(for: model))
        weightsPath = path
    }

    /// The weight file to use: the one given, or the tutorial's file in the cache.
    static func weightsPath(_ given: String?) throws -> String {
        if let given { return given }
        let cached = WeightsCache.defaultWeightsPath
        guard fileExists(cached) else {
            throw UsageError(
                "no weights at \(cached): run `reslab weights download` to fetch the tutorial's file (98 MB), or pass --weights FILE"
            )
        }
        return cached
    }
}

/// Whether something exists at `path`.
func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }
