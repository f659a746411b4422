// The Keras layers ResNet50 is built from. Each is a small value: its configuration, its shape
// rule, its weights and a one-op-at-a-time forward pass (`InferenceEngine` fuses them for speed).

// MARK: - Input

/// `Input(shape=…)`: the placeholder for the image batch.
public struct InputLayer: Layer {
    public static let kerasClassName = "InputLayer"
    public var name: String?
    /// The shape of one example, batch left out, e.g. `[224, 224, 3]`.
    public let shape: Shape

    public init(shape: Shape, name: String? = nil) {
        self.shape = shape
        self.name = name
    }
    public func outputShape(for inputs: [Shape]) throws(ShapeError) -> Shape { shape }
    public func forward(_ inputs: [Tensor], weights: [Tensor]) -> Tensor { inputs[0] }
}

// MARK: - Conv2D

/// `Conv2D(filters, kernel_size, strides=(1, 1), padding='valid', use_bias=True)`, channels last.
///
/// Shape: `(None, H, W, C)` → `(None, H', W', filters)`. Weights: kernel `(kh, kw, C, filters)`, bias `(filters,)`.
public struct Conv2D: Layer {
    public static let kerasClassName = "Conv2D"
    public var name: String?
    public let filters: Int
    public let kernelSize: (Int, Int)
    public let strides: (Int, Int)
    public let padding: Padding
    public let useBias: Bool
    public let activation: ActivationFunction

    public init(
        _ filters: Int, kernelSize: (Int, Int), strides: (Int, Int) = (1, 1), padding: Padding = .valid,
        useBias: Bool = true, activation: ActivationFunction = .linear, name: String? = nil
    ) {
        self.filters = filters
        self.kernelSize = kernelSize
        self.strides = strides
        self.padding = padding
        self.useBias = useBias
        self.activation = activation
        self.name = name
    }

    /// `Conv2D(filters, 3)`: a square kernel, as Keras accepts an int.
    public init(
        _ filters: Int, kernelSize: Int, strides: (Int, Int) = (1, 1), padding: Padding = .valid,
        useBias: Bool = true, activation: ActivationFunction = .linear, name: String? = nil
    ) {
        self.init(
            filters, kernelSize: (kernelSize, kernelSize), strides: strides, padding: padding,
            useBias: useBias, activation: activation, name: name)
    }

    func geometry(for input: Shape) throws(ShapeError) -> WindowGeometry {
        try positive(filters, "filters", layer: displayName)
        try positive(kernelSize.0, "kernel_size", layer: displayName)
        try positive(kernelSize.1, "kernel_size", layer: displayName)
        try positive(strides.0, "strides", layer: displayName)
        try positive(strides.1, "strides", layer: displayName)
        guard let geometry = WindowGeometry(input: input, window: kernelSize, strides: strides, padding: padding)
        else { throw .windowLargerThanInput(layer: displayName, window: [kernelSize.0, kernelSize.1], input: input) }
        return geometry
    }

    public func outputShape(for inputs: [Shape]) throws(ShapeError) -> Shape {
        let input = try requireSingleInput(inputs, rank: 3)
        let g = try geometry(for: input)
        return [g.rows.output, g.columns.output, filters]
    }

    public func weightSpecs(for inputs: [Shape]) -> [WeightSpec] {
        let kernel = WeightSpec(
            name: "kernel", shape: [kernelSize.0, kernelSize.1, inputs[0][2], filters], trainable: true)
        return useBias ? [kernel, WeightSpec(name: "bias", shape: [filters], trainable: true)] : [kernel]
    }

    public func forward(_ inputs: [Tensor], weights: [Tensor]) -> Tensor {
        let input = inputs[0]
        guard let g = try? geometry(for: Array(input.shape.dropFirst())) else {
            preconditionFailure("Conv2D.forward on an unchecked shape")
        }
        var output = conv2D(
            input, kernel: weights[0].data, bias: useBias ? weights[1].data : nil, geometry: g,
            filters: filters, workspace: Workspace())
        apply(activation, to: &output)
        return output
    }

    public var configSummary: String {
        "\(filters) filters \(kernelSize.0)x\(kernelSize.1), stride \(strides.0), \(padding.rawValue)"
    }
}

// MARK: - BatchNormalization

/// `BatchNormalization(axis=-1, epsilon=1e-3)` in inference: `gamma · (x − moving_mean) / sqrt(moving_variance + epsilon) + beta`
/// per channel.
///
/// Shape unchanged. Weights, in Keras's order: gamma, beta (trainable), moving_mean, moving_variance
/// (not trainable), each `(C,)`. Keras's default epsilon is 1e-3 (the tutorial's); `keras.applications`
/// uses 1.001e-5.
public struct BatchNormalization: Layer {
    public static let kerasClassName = "BatchNormalization"
    public var name: String?
    public let epsilon: Float

    public init(epsilon: Float = 1e-3, name: String? = nil) {
        self.epsilon = epsilon
        self.name = name
    }

    public func outputShape(for inputs: [Shape]) throws(ShapeError) -> Shape {
        guard inputs.count == 1 else { throw .wrongInputCount(layer: displayName, expected: "1", found: inputs.count) }
        guard !inputs[0].isEmpty else { throw .wrongRank(layer: displayName, expectedRank: 1, found: inputs[0]) }
        return inputs[0]
    }

    public func weightSpecs(for inputs: [Shape]) -> [WeightSpec] {
        let channels = inputs[0].last ?? 0
        return [
            WeightSpec(name: "gamma", shape: [channels], trainable: true),
            WeightSpec(name: "beta", shape: [channels], trainable: true),
            WeightSpec(name: "moving_mean", shape: [channels], trainable: false),
            WeightSpec(name: "moving_variance", shape: [channels], trainable: false),
        ]
    }

    /// The per-channel `scale` and `shift` with `BN(x) = scale · x + shift`.
    public func scaleAndShift(weights: [Tensor]) -> (scale: [Float], shift: [Float]) {
        let (gamma, beta, mean, variance) = (weights[0].data, weights[1].data, weights[2].data, weights[3].data)
        var scale = [Float](repeating: 0, count: gamma.count)
        var shift = [Float](repeating: 0, count: gamma.count)
        for c in gamma.indices {
            scale[c] = gamma[c] / (variance[c] + epsilon).squareRoot()
            shift[c] = beta[c] - mean[c] * scale[c]
        }
        return (scale, shift)
    }

    public func forward(_ inputs: [Tensor], weights: [Tensor]) -> Tensor {
        let (scale, shift) = scaleAndShift(weights: weights)
        var output = inputs[0]
        scaleShift(&output, scale: scale, shift: shift, relu: false)
        return output
    }

    public var configSummary: String { "epsilon \(epsilon)" }
}

// MARK: - Activation

/// `Activation('relu')` or `Activation('softmax')`. Shape unchanged.
public struct Activation: Layer {
    public static let kerasClassName = "Activation"
    public var name: String?
    public let function: ActivationFunction

    public init(_ function: ActivationFunction, name: String? = nil) {
        self.function = function
        self.name = name
    }
    public func outputShape(for inputs: [Shape]) throws(ShapeError) -> Shape {
        guard inputs.count == 1 else { throw .wrongInputCount(layer: displayName, expected: "1", found: inputs.count) }
        return inputs[0]
    }
    public func forward(_ inputs: [Tensor], weights: [Tensor]) -> Tensor {
        var output = inputs[0]
        apply(function, to: &output)
        return output
    }
    public var configSummary: String { function.rawValue }
}

// MARK: - ZeroPadding2D

/// `ZeroPadding2D(((top, bottom), (left, right)))`: zeros around the image.
///
/// Shape: `(None, H, W, C)` → `(None, H + top + bottom, W + left + right, C)`.
public struct ZeroPadding2D: Layer {
    public static let kerasClassName = "ZeroPadding2D"
    public var name: String?
    public let top: Int, bottom: Int, left: Int, right: Int

    /// `ZeroPadding2D((3, 3))`: 3 rows above and below, 3 columns left and right.
    public init(padding: (Int, Int) = (1, 1), name: String? = nil) {
        self.init(padding: ((padding.0, padding.0), (padding.1, padding.1)), name: name)
    }
    public init(padding: ((Int, Int), (Int, Int)), name: String? = nil) {
        (top, bottom) = padding.0
        (left, right) = padding.1
        self.name = name
    }
    public func outputShape(for inputs: [Shape]) throws(ShapeError) -> Shape {
        let input = try requireSingleInput(inputs, rank: 3)
        for (value, argument) in [(top, "top"), (bottom, "bottom"), (left, "left"), (right, "right")] where value < 0 {
            throw .invalidArgument(
                layer: displayName, argument: "padding", value: String(value),
                reason: .negativePadding(side: argument))
        }
        guard let rows = Checked.sum([input[0], top, bottom]), let columns = Checked.sum([input[1], left, right]) else {
            throw .tooManyValues(
                layer: displayName, role: .output,
                axes: ["\(input[0]) + \(top) + \(bottom)", "\(input[1]) + \(left) + \(right)", String(input[2])])
        }
        return [rows, columns, input[2]]
    }
    public func forward(_ inputs: [Tensor], weights: [Tensor]) -> Tensor {
        zeroPad(inputs[0], top: top, bottom: bottom, left: left, right: right)
    }
    public var configSummary: String { "rows +\(top)/+\(bottom), columns +\(left)/+\(right)" }
}

// MARK: - Pooling

/// What Keras's two pooling layers share: a window, a stride and a padding rule.
public protocol Pooling2DLayer: Layer {
    var poolSize: (Int, Int) { get }
    var strides: (Int, Int) { get }
    var padding: Padding { get }
    /// Whether the layer keeps the largest value of each window or the mean.
    static var mode: PoolMode { get }
}

extension Pooling2DLayer {
    public func outputShape(for inputs: [Shape]) throws(ShapeError) -> Shape {
        let input = try requireSingleInput(inputs, rank: 3)
        for (value, argument) in [
            (poolSize.0, "pool_size"), (poolSize.1, "pool_size"), (strides.0, "strides"), (strides.1, "strides"),
        ] {
            try positive(value, argument, layer: displayName)
        }
        let g = try geometry(for: input)
        return [g.rows.output, g.columns.output, g.inputChannels]
    }

    public func forward(_ inputs: [Tensor], weights: [Tensor]) -> Tensor {
        guard let g = try? geometry(for: Array(inputs[0].shape.dropFirst())) else {
            preconditionFailure("pooling on an unchecked shape")
        }
        return pool(inputs[0], geometry: g, mode: Self.mode)
    }

    /// The windows on an input of `shape` `(H, W, C)`.
    func geometry(for shape: Shape) throws(ShapeError) -> WindowGeometry {
        guard let g = WindowGeometry(input: shape, window: poolSize, strides: strides, padding: padding) else {
            throw .windowLargerThanInput(layer: displayName, window: [poolSize.0, poolSize.1], input: shape)
        }
        return g
    }

    public var configSummary: String { "\(poolSize.0)x\(poolSize.1), stride \(strides.0), \(padding.rawValue)" }
}

/// `MaxPooling2D(pool_size, strides=pool_size, padding='valid')`: the largest value in each window.
public struct MaxPooling2D: Pooling2DLayer {
    public static let kerasClassName = "MaxPooling2D"
    public static let mode = PoolMode.max
    public var name: String?
    public let poolSize: (Int, Int)
    public let strides: (Int, Int)
    public let padding: Padding

    public init(
        poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, padding: Padding = .valid, name: String? = nil
    ) {
        self.poolSize = poolSize
        self.strides = strides ?? poolSize
        self.padding = padding
        self.name = name
    }
}

/// `AveragePooling2D(pool_size, strides=pool_size, padding='valid')`: the mean of each window
/// (with `same` padding, the mean of the values inside the image, as TensorFlow computes it).
public struct AveragePooling2D: Pooling2DLayer {
    public static let kerasClassName = "AveragePooling2D"
    public static let mode = PoolMode.average
    public var name: String?
    public let poolSize: (Int, Int)
    public let strides: (Int, Int)
    public let padding: Padding

    public init(
        poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, padding: Padding = .valid, name: String? = nil
    ) {
        self.poolSize = poolSize
        self.strides = strides ?? poolSize
        self.padding = padding
        self.name = name
    }
}

/// `GlobalAveragePooling2D()`: the mean over all positions. Shape: `(None, H, W, C)` → `(None, C)`.
public struct GlobalAveragePooling2D: Layer {
    public static let kerasClassName = "GlobalAveragePooling2D"
    public var name: String?
    public init(name: String? = nil) { self.name = name }
    public func outputShape(for inputs: [Shape]) throws(ShapeError) -> Shape {
        [try requireSingleInput(inputs, rank: 3)[2]]
    }
    public func forward(_ inputs: [Tensor], weights: [Tensor]) -> Tensor {
        let s = inputs[0].shape
        let g = WindowGeometry(input: [s[1], s[2], s[3]], window: (s[1], s[2]), strides: (1, 1), padding: .valid)!
        let pooled = pool(inputs[0], geometry: g, mode: .average)
        return Tensor(shape: [s[0], s[3]], data: pooled.data)
    }
}

// MARK: - Flatten, Dense, Add

/// `Flatten()`: one long vector per example. Shape: `(None, H, W, C)` → `(None, H·W·C)`.
public struct Flatten: Layer {
    public static let kerasClassName = "Flatten"
    public var name: String?
    public init(name: String? = nil) { self.name = name }
    public func outputShape(for inputs: [Shape]) throws(ShapeError) -> Shape {
        guard inputs.count == 1 else { throw .wrongInputCount(layer: displayName, expected: "1", found: inputs.count) }
        guard let count = Checked.product(inputs[0]), count <= SizeLimits.maxElements else {
            throw .tooManyValues(
                layer: displayName, role: .output, axes: [inputs[0].map(String.init).joined(separator: " × ")])
        }
        return [count]
    }
    public func forward(_ inputs: [Tensor], weights: [Tensor]) -> Tensor {
        let batch = inputs[0].shape[0]
        return Tensor(shape: [batch, inputs[0].count / max(batch, 1)], data: inputs[0].data)
    }
}

/// `Dense(units, activation=…)`: `activation(x · kernel + bias)`.
///
/// Shape: `(None, N)` → `(None, units)`. Weights: kernel `(N, units)`, bias `(units,)`.
public struct Dense: Layer {
    public static let kerasClassName = "Dense"
    public var name: String?
    public let units: Int
    public let activation: ActivationFunction

    public init(_ units: Int, activation: ActivationFunction = .linear, name: String? = nil) {
        self.units = units
        self.activation = activation
        self.name = name
    }
    public func outputShape(for inputs: [Shape]) throws(ShapeError) -> Shape {
        _ = try requireSingleInput(inputs, rank: 1)
        try positive(units, "units", layer: displayName)
        return [units]
    }
    public func weightSpecs(for inputs: [Shape]) -> [WeightSpec] {
        [
            WeightSpec(name: "kernel", shape: [inputs[0][0], units], trainable: true),
            WeightSpec(name: "bias", shape: [units], trainable: true),
        ]
    }
    public func forward(_ inputs: [Tensor], weights: [Tensor]) -> Tensor {
        var output = dense(inputs[0], kernel: weights[0].data, bias: weights[1].data, units: units)
        apply(activation, to: &output)
        return output
    }
    public var configSummary: String { "\(units) units, \(activation.rawValue)" }
}

/// `layers.add([a, b])`: element-wise sum of tensors of one shape — where the shortcut meets the main path.
public struct Add: Layer {
    public static let kerasClassName = "Add"
    public var name: String?
    public init(name: String? = nil) { self.name = name }
    public func outputShape(for inputs: [Shape]) throws(ShapeError) -> Shape {
        guard inputs.count >= 2 else {
            throw .wrongInputCount(layer: displayName, expected: "2 or more", found: inputs.count)
        }
        guard inputs.allSatisfy({ $0 == inputs[0] }) else { throw .addShapesDiffer(layer: displayName, shapes: inputs) }
        return inputs[0]
    }
    public func forward(_ inputs: [Tensor], weights: [Tensor]) -> Tensor {
        var output = inputs[0]
        for other in inputs.dropFirst() { addInPlace(&output, other, relu: false) }
        return output
    }
}
