/// A dense float32 tensor, stored row-major.
///
/// Activations use Keras's `channels_last` layout, NHWC: `[batch, height, width, channels]`.
/// A Keras convolution kernel `(kh, kw, in, out)` stored row-major is then already the
/// `(kh·kw·in) × out` matrix that im2col-and-GEMM needs, so kernels are never transposed.
public struct Tensor: Sendable, Equatable {
    /// The extent of each axis, outermost first.
    public var shape: [Int]
    /// `shape.reduce(1, *)` values, row-major.
    public var data: [Float]

    /// Wraps `data`, which must hold exactly `shape.reduce(1, *)` values.
    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "Tensor: \(data.count) values for shape \(shape)")
        self.shape = shape
        self.data = data
    }

    /// A tensor of the given shape filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        self.shape = shape
        self.data = [Float](repeating: value, count: shape.reduce(1, *))
    }

    /// The number of values, `shape.reduce(1, *)`.
    public var count: Int { data.count }
}

extension Tensor {
    /// The images `range` of a batch (the first axis).
    func images(_ range: Range<Int>) -> Tensor {
        let size = count / shape[0]
        return Tensor(
            shape: [range.count] + shape.dropFirst(),
            data: Array(data[range.lowerBound * size..<range.upperBound * size]))
    }

    /// Batches joined along the first axis, in order; each has the same shape after it.
    init(joining parts: [Tensor]) {
        self.init(
            shape: [parts.reduce(0) { $0 + $1.shape[0] }] + parts[0].shape.dropFirst(), data: parts.flatMap(\.data))
    }
}
