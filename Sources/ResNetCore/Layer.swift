/// One weight array a layer owns, in the order Keras stores it.
public struct WeightSpec: Sendable, Equatable {
    /// Keras's name for it: `kernel`, `bias`, `gamma`, `beta`, `moving_mean`, `moving_variance`.
    public let name: String
    /// Its shape, e.g. `(kh, kw, in, out)` for a convolution kernel.
    public let shape: [Int]
    /// Whether training updates it (Keras's "Trainable params"); BN's moving statistics are not.
    public let trainable: Bool

    public init(name: String, shape: [Int], trainable: Bool) {
        self.name = name
        self.shape = shape
        self.trainable = trainable
    }

    /// The number of values; a spec too large to count (never one of an applied layer) gives `Int.max`.
    public var count: Int { Checked.product(shape) ?? .max }
}

/// A Keras layer: its configuration, how it changes shapes, which weights it owns and how it computes.
///
/// Layers are plain values, applied to symbolic tensors like Keras's functional API:
/// `x = try Conv2D(64, kernelSize: (1, 1), name: "res2a_branch2a")(x)`.
/// Weights live apart from layers, in ``ModelWeights``.
public protocol Layer: Sendable {
    /// The Keras class name shown in summaries: `Conv2D`, `BatchNormalization`, …
    static var kerasClassName: String { get }
    /// The layer's name. Left `nil`, it gets a Keras-style automatic name (`activation_1`) when applied.
    var name: String? { get set }
    /// The output shape for these input shapes (batch axis left out), or why the layer cannot take them.
    func outputShape(for inputs: [Shape]) throws(ShapeError) -> Shape
    /// The weights this layer owns when applied to inputs of these shapes, in Keras's order.
    func weightSpecs(for inputs: [Shape]) -> [WeightSpec]
    /// Computes the layer on real tensors, one operation at a time. `weights` follow `weightSpecs`.
    func forward(_ inputs: [Tensor], weights: [Tensor]) -> Tensor
    /// A few words on the configuration for listings: `64 filters 1x1, stride 2, valid`.
    var configSummary: String { get }
}

extension Layer {
    public func weightSpecs(for inputs: [Shape]) -> [WeightSpec] { [] }
    public var configSummary: String { "" }
    /// The name for messages: the layer's name, or its class before it has one.
    var displayName: String { name ?? Self.kerasClassName }
    /// The prefix of automatic names, Keras's snake case of the class name: `max_pooling2d`.
    static var autoNamePrefix: String {
        // Keras's `_to_snake_case`: "(.)([A-Z][a-z0-9]+)" → "\\1_\\2", then "([a-z])([A-Z])" → "\\1_\\2".
        let characters = Array(kerasClassName)
        var words = ""
        for (index, character) in characters.enumerated() {
            let startsWord =
                index > 0 && character.isUppercase && index + 1 < characters.count
                && (characters[index + 1].isLowercase || characters[index + 1].isNumber)
            let afterLowercase = index > 0 && character.isUppercase && characters[index - 1].isLowercase
            if startsWord || afterLowercase { words += "_" }
            words.append(character)
        }
        let name = words.lowercased()
        return name == "input_layer" ? "input" : name
    }

    /// Applies the layer to a symbolic tensor, recording it in that tensor's graph.
    public func callAsFunction(_ input: KerasTensor) throws(ShapeError) -> KerasTensor {
        try input.graph.apply(self, to: [input])
    }

    func requireSingleInput(_ inputs: [Shape], rank: Int) throws(ShapeError) -> Shape {
        guard inputs.count == 1 else {
            throw .wrongInputCount(layer: displayName, expected: "1", found: inputs.count)
        }
        guard inputs[0].count == rank else {
            throw .wrongRank(layer: displayName, expectedRank: rank, found: inputs[0])
        }
        return inputs[0]
    }
}

/// How a convolution or pooling window treats the border, as in Keras.
public enum Padding: String, Sendable {
    /// No padding: the window stays inside the input. Output `ceil((in - k + 1) / s)`.
    case valid
    /// Pad with zeros so the output is `ceil(in / s)`; as in TensorFlow, an odd total puts the
    /// extra row/column at the bottom/right.
    case same
}

/// The arithmetic of a sliding window along one axis.
public struct WindowAxis: Equatable, Sendable {
    public let input: Int
    public let window: Int
    public let stride: Int
    /// The zeros `same` padding puts before the first input position.
    public let padBefore: Int
    public let output: Int

    /// TensorFlow's rule for `valid` and `same`; `nil` when the window does not fit.
    public init?(input: Int, window: Int, stride: Int, padding: Padding) {
        self.input = input
        self.window = window
        self.stride = stride
        switch padding {
        case .valid:
            guard input >= window else { return nil }
            output = (input - window) / stride + 1
            padBefore = 0
        case .same:
            // ceil(input / stride) and the padding, computed so that no size can overflow:
            // the last window starts `lastStart` in, which is below `input`.
            output = input / stride + (input % stride == 0 ? 0 : 1)
            let lastStart = (output - 1) * stride
            let total = max(window - (input - lastStart), 0)
            padBefore = total / 2
        }
    }
}

/// The full geometry of a 2-D window over an NHWC input.
public struct WindowGeometry: Equatable, Sendable {
    public let rows: WindowAxis
    public let columns: WindowAxis
    public let inputChannels: Int

    public init?(input: Shape, window: (Int, Int), strides: (Int, Int), padding: Padding) {
        guard let rows = WindowAxis(input: input[0], window: window.0, stride: strides.0, padding: padding),
            let columns = WindowAxis(input: input[1], window: window.1, stride: strides.1, padding: padding)
        else { return nil }
        self.rows = rows
        self.columns = columns
        self.inputChannels = input[2]
    }
}

/// Keras's activation functions that ResNet50 uses.
public enum ActivationFunction: String, Sendable {
    case linear, relu, softmax
}

func positive(_ value: Int, _ argument: String, layer: String) throws(ShapeError) {
    guard value > 0 else {
        throw .invalidArgument(layer: layer, argument: argument, value: String(value), reason: .notPositive)
    }
}
