import ArgumentParser
import Notebook
import Platform
import ResNetCore
import ResNetIO

/// The options every command that runs the network shares.
struct NetworkOptions: ParsableArguments {
    @Option(help: ArgumentHelp(Message.cliWeightsFile.localized))
    var weights: String?

    @Option(help: ArgumentHelp(Message.cliVariantDetected.localized))
    var variant: ResNet50Variant?

    @Flag(help: ArgumentHelp(Message.cliRandomWeights.localized))
    var randomWeights = false

    func validate() throws {
        guard !(randomWeights && weights != nil) else {
            throw ValidationError(Message.weightsOrRandomWeights.localized)
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

    /// The kernels this run packed, being written to the cache: wait for it before the process ends.
    let kernelsWritten: PackedKernelWrite?

    /// Opens the weight file, builds the matching network and checks every weight's shape; with
    /// `--random-weights`, builds the network (the tutorial's unless `--variant` says otherwise) with seeded
    /// random weights instead. Given a cache, maps the kernels an earlier run packed from the same weight
    /// file, or else writes the ones it packs there.
    init(_ options: NetworkOptions, packedKernels cache: PackedKernelCache? = nil) throws {
        if options.randomWeights {
            variant = options.variant ?? .tutorial
            let model = try variant.build()
            engine = try InferenceEngine(model: model, weights: .random(for: model, seed: Self.randomWeightsSeed))
            weightsPath = nil
            kernelsWritten = nil
            return
        }
        let path = try Self.weightsPath(options.weights)
        weightsPath = path
        // Taken before the file is read, so that what is packed from it is filed under that file.
        let entry = cache?.entry(forWeightsAt: path)
        if let cached = entry?.engine(variant: options.variant) {
            (engine, variant) = cached
            kernelsWritten = nil
            return
        }
        let file = try KerasWeightsFile(path: path)
        let detected = file.resNet50Variant
        switch (options.variant, detected) {
        case (let asked?, let found?) where asked != found:
            throw UsageError(
                Message.variantMismatch(path: path, found: found.rawValue, asked: asked.rawValue).localized)
        case (nil, nil):
            throw UsageError(Message.cannotTellVariant(path).localized)
        default:
            break
        }
        variant = options.variant ?? detected!
        let model = try variant.build()
        engine = try InferenceEngine(model: model, weightsFile: file)
        kernelsWritten = entry?.store(engine, variant: variant)
    }

    /// The weights as the file (or the seed) gives them, batch norm not folded: read again, for the
    /// unfused layer-by-layer pass that pictures are drawn from. Loads OpenBLAS, which that pass runs on
    /// and an engine from packed kernels never loaded.
    func rawWeights() throws -> ModelWeights {
        _ = try BLAS.info()
        guard let weightsPath else { return try .random(for: engine.model, seed: Self.randomWeightsSeed) }
        return try KerasWeightsFile(path: weightsPath).weights(for: engine.model)
    }

    /// The weight file to use: the one given, or the tutorial's file in the cache.
    static func weightsPath(_ given: String?) throws -> String {
        if let given { return given }
        let cached = WeightsCache.defaultWeightsPath
        guard fileExists(cached) else {
            throw UsageError(Message.noWeightsAt(cached).localized)
        }
        return cached
    }
}

/// Whether something exists at `path`.
func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }
