import Platform

/// The weights of a model, by layer name, each layer's arrays in Keras's order
/// (conv: kernel, bias; batch norm: gamma, beta, moving_mean, moving_variance; dense: kernel, bias).
public struct ModelWeights: Sendable {
    public var byLayer: [String: [Tensor]]

    public init(byLayer: [String: [Tensor]] = [:]) { self.byLayer = byLayer }

    /// Checks that every layer of `model` that owns weights has them, in the right number and shapes.
    public func validate(for model: Model) throws(WeightsMismatch) {
        for (layer, specs) in model.weightedLayers {
            guard let arrays = byLayer[layer] else { throw .missingLayer(layer) }
            try Self.check(arrays, layer: layer, specs: specs)
        }
    }

    /// Checks one layer's arrays against the weights it owns: the count first, then each shape in order.
    /// The one place a weight's count and shape are checked; the weight-file reader reports what this
    /// finds naming the file (`WeightsError` in ResNetIO).
    public static func check(_ arrays: [Tensor], layer: String, specs: [WeightSpec]) throws(WeightsMismatch) {
        try check(shapes: arrays.map(\.shape), layer: layer, specs: specs)
    }

    /// `check` on the shapes alone, e.g. as a weight file's metadata declares them before any value is read.
    public static func check(shapes: [[Int]], layer: String, specs: [WeightSpec]) throws(WeightsMismatch) {
        try check(count: shapes.count, layer: layer, specs: specs)
        for (index, (spec, shape)) in zip(specs, shapes).enumerated() where spec.shape != shape {
            throw .wrongShape(layer: layer, index: index, weight: spec.name, expected: spec.shape, found: shape)
        }
    }

    /// The count part of `check`: whether a layer has as many weights as it owns.
    public static func check(count: Int, layer: String, specs: [WeightSpec]) throws(WeightsMismatch) {
        guard count == specs.count else { throw .wrongCount(layer: layer, expected: specs.count, found: count) }
    }

    /// Seeded random weights for every layer of `model`, scaled so activations stay moderate through
    /// all 50 layers: for lessons and tests only, never a stand-in for trained weights.
    ///
    /// - Throws: ``ShapeError/overMemoryBudget(use:bytes:limit:)`` when the weights would not fit in memory.
    public static func random(for model: Model, seed: UInt64) throws(ShapeError) -> ModelWeights {
        try model.checkWeightsFit()
        var generator = SplitMix64(seed: seed)
        var weights = ModelWeights()
        for node in model.nodes {
            let specs = node.weightSpecs(in: model.nodes)
            guard !specs.isEmpty else { continue }
            weights.byLayer[node.name] = specs.map { spec in
                let fanIn = spec.shape.count > 1 ? spec.shape.dropLast().reduce(1, *) : 1
                let values: [Float] = (0..<spec.count).map { _ in
                    switch spec.name {
                    case "kernel": return generator.normal() * (2 / Float(fanIn)).squareRoot()
                    case "gamma": return 0.2 + 0.3 * generator.uniform()
                    case "moving_variance": return 0.5 + generator.uniform()
                    case "moving_mean", "beta", "bias": return 0.1 * (generator.uniform() - 0.5)
                    default: return 0
                    }
                }
                return Tensor(shape: spec.shape, data: values)
            }
        }
        return weights
    }
}

extension Tensor {
    /// Seeded standard-normal values, e.g. a stand-in image for comparing two models on one input.
    public static func randomNormal(shape: [Int], seed: UInt64) -> Tensor {
        var generator = SplitMix64(seed: seed)
        return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in generator.normal() })
    }
}

/// Weights that do not fit a model.
public enum WeightsMismatch: Error, Equatable, CustomStringConvertible {
    case missingLayer(String)
    case wrongCount(layer: String, expected: Int, found: Int)
    case wrongShape(layer: String, index: Int, weight: String, expected: [Int], found: [Int])

    public var description: String { Language.current.pick(text) }

    /// The mismatch in English and in Chinese.
    public var text: Bilingual {
        switch self {
        case .missingLayer(let layer):
            return Bilingual("no weights for layer '\(layer)'", "层 '\(layer)' 没有权重")
        case .wrongCount(let layer, let expected, let found):
            return Bilingual(
                "layer '\(layer)' has \(found) weights, expected \(expected)",
                "层 '\(layer)' 有 \(found) 个权重，应该是 \(expected) 个"
            )
        case .wrongShape(let layer, let index, let weight, let expected, let found):
            return Bilingual(
                "layer '\(layer)' weight \(index) (\(weight)) has shape \(weightShape(found)), "
                    + "expected \(weightShape(expected))",
                "层 '\(layer)' 的第 \(index) 个权重（\(weight)）形状是 \(weightShape(found))，"
                    + "应该是 \(weightShape(expected))"
            )
        }
    }
}

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64).
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) }
    /// Standard normal (Box–Muller).
    mutating func normal() -> Float {
        let u = max(uniform(), 1e-7)
        let v = uniform()
        return (-2 * logf(u)).squareRoot() * cosf(2 * .pi * v)
    }
}
