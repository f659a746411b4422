import Platform
import Testing

@testable import ResNetCore

@Suite struct PaddingArithmeticTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let input, window, stride: Int
        let padding: Padding
        let output, padBefore: Int
        var testDescription: String { "\(padding) in=\(input) k=\(window) s=\(stride)" }
    }

    @Test(arguments: [
        // valid: ceil((in - k + 1) / s)
        Case(input: 230, window: 7, stride: 2, padding: .valid, output: 112, padBefore: 0),
        Case(input: 112, window: 3, stride: 2, padding: .valid, output: 55, padBefore: 0),
        Case(input: 114, window: 3, stride: 2, padding: .valid, output: 56, padBefore: 0),
        Case(input: 7, window: 1, stride: 2, padding: .valid, output: 4, padBefore: 0),
        // same: ceil(in / s); an odd total puts the extra zero after, as TensorFlow does
        Case(input: 55, window: 3, stride: 1, padding: .same, output: 55, padBefore: 1),
        Case(input: 5, window: 3, stride: 2, padding: .same, output: 3, padBefore: 1),
        Case(input: 6, window: 3, stride: 2, padding: .same, output: 3, padBefore: 0),
        Case(input: 4, window: 3, stride: 2, padding: .same, output: 2, padBefore: 0),
        Case(input: 7, window: 4, stride: 3, padding: .same, output: 3, padBefore: 1),
    ])
    func windowAxisFollowsTensorFlow(_ c: Case) {
        let axis = WindowAxis(input: c.input, window: c.window, stride: c.stride, padding: c.padding)
        #expect(axis?.output == c.output)
        #expect(axis?.padBefore == c.padBefore)
    }

    @Test func validWindowLargerThanInputIsRejected() {
        #expect(WindowAxis(input: 2, window: 3, stride: 1, padding: .valid) == nil)
    }
}

@Suite struct ConvTests {
    @Test func samePaddingAtStride2PadsBottomRightOnEvenInput() throws {
        // 4x4 input 1…16, 3x3 kernel of ones, stride 2, 'same': output 2x2, one zero row/column
        // after (bottom/right) and none before.
        let graph = LayerGraph()
        let x = try Input(shape: [4, 4, 1], in: graph)
        let y = try Conv2D(1, kernelSize: 3, strides: (2, 2), padding: .same, useBias: false)(x)
        #expect(y.shape == [2, 2, 1])
        let layer = graph.nodes[y.node].layer
        let out = layer.forward([counting([1, 4, 4, 1])], weights: [Tensor(shape: [3, 3, 1, 1], repeating: 1)])
        #expect(out.data == [54, 45, 72, 54])
    }

    @Test func samePaddingAtStride2OnOddInputPadsBothSides() throws {
        // 5x5 input, 3x3 ones, stride 2: total padding 2, one on each side; output 3x3.
        let out = Conv2D(1, kernelSize: 3, strides: (2, 2), padding: .same, useBias: false)
            .forward([counting([1, 5, 5, 1])], weights: [Tensor(shape: [3, 3, 1, 1], repeating: 1)])
        // top-left window covers rows 0-1, cols 0-1: 1+2+6+7
        #expect(out.shape == [1, 3, 3, 1])
        #expect(out.data[0] == 16)
        // centre window rows 1-3, cols 1-3: 7+8+9+12+13+14+17+18+19
        #expect(out.data[4] == 117)
    }

    @Test func biasIsAddedPerFilter() {
        let out = Conv2D(2, kernelSize: 1).forward(
            [counting([1, 1, 2, 1])],
            weights: [Tensor(shape: [1, 1, 1, 2], data: [1, 10]), Tensor(shape: [2], data: [0.5, -0.5])])
        #expect(out.data == [1.5, 9.5, 2.5, 19.5])
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let height, width, channels, kernel, stride: Int
        let padding: Padding
        let filters: Int
        var testDescription: String { "\(height)x\(width)x\(channels) k\(kernel) s\(stride) \(padding) → \(filters)" }
    }

    @Test(arguments: [
        Case(height: 7, width: 5, channels: 3, kernel: 3, stride: 1, padding: .same, filters: 4),
        Case(height: 7, width: 5, channels: 3, kernel: 3, stride: 2, padding: .same, filters: 4),
        Case(height: 8, width: 6, channels: 2, kernel: 3, stride: 2, padding: .same, filters: 3),
        Case(height: 9, width: 9, channels: 3, kernel: 7, stride: 2, padding: .valid, filters: 5),
        Case(height: 6, width: 5, channels: 4, kernel: 1, stride: 2, padding: .valid, filters: 3),
        Case(height: 6, width: 5, channels: 4, kernel: 1, stride: 1, padding: .valid, filters: 3),
        Case(height: 5, width: 4, channels: 2, kernel: 4, stride: 3, padding: .same, filters: 2),
    ])
    func im2colConvolutionMatchesDirectConvolution(_ c: Case) {
        var generator = SplitMix64(seed: 7)
        let x = Tensor(
            shape: [1, c.height, c.width, c.channels],
            data: (0..<(c.height * c.width * c.channels)).map { _ in generator.normal() })
        let kernelShape = [c.kernel, c.kernel, c.channels, c.filters]
        let kernel = Tensor(shape: kernelShape, data: (0..<kernelShape.reduce(1, *)).map { _ in generator.normal() })
        let layer = Conv2D(
            c.filters, kernelSize: c.kernel, strides: (c.stride, c.stride), padding: c.padding, useBias: false)
        let out = layer.forward([x], weights: [kernel])
        let expected = naiveConvolution(x, kernel: kernel, strides: (c.stride, c.stride), padding: c.padding)
        #expect(out.shape == expected.shape)
        expectClose(out.data, expected.data, atol: 1e-4)
    }
}

@Suite struct BatchNormTests {
    @Test func normalisesWithMovingStatisticsAndEpsilon() {
        // gamma·(x − mean)/sqrt(var + eps) + beta = 3·(2 − 1)/sqrt(3 + 1) + 1 = 2.5
        let bn = BatchNormalization(epsilon: 1, name: "bn")
        let out = bn.forward(
            [Tensor(shape: [1, 1, 1, 1], data: [2])],
            weights: [[3], [1], [1], [3]].map { Tensor(shape: [1], data: $0) })
        #expect(out.data == [2.5])
    }

    @Test func kerasDefaultEpsilonIsOneThousandth() {
        #expect(BatchNormalization().epsilon == 1e-3)
    }

    @Test func ownsTwoTrainableAndTwoFrozenArraysPerChannel() {
        let specs = BatchNormalization().weightSpecs(for: [[5, 5, 64]])
        #expect(specs.map(\.name) == ["gamma", "beta", "moving_mean", "moving_variance"])
        #expect(specs.map(\.trainable) == [true, true, false, false])
        #expect(specs.allSatisfy { $0.shape == [64] })
    }
}

@Suite struct PoolingTests {
    @Test func maxPool3x3Stride2Valid() {
        let out = MaxPooling2D(poolSize: (3, 3), strides: (2, 2)).forward([counting([1, 5, 5, 1])], weights: [])
        #expect(out.shape == [1, 2, 2, 1])
        #expect(out.data == [13, 15, 23, 25])
    }

    @Test func averagePoolSameCountsOnlyValuesInsideTheImage() {
        // 3x3 input, 2x2 windows, stride 2, 'same': the right/bottom windows hang over the edge.
        let out = AveragePooling2D(poolSize: (2, 2), padding: .same).forward([counting([1, 3, 3, 1])], weights: [])
        #expect(out.data == [3, 4.5, 7.5, 9])
    }

    @Test func averagePool7x7GivesOneValuePerChannel() throws {
        let x = try Input(shape: [7, 7, 2048])
        #expect(try AveragePooling2D(poolSize: (7, 7))(x).shape == [1, 1, 2048])
    }

    @Test func globalAveragePoolDropsSpatialAxes() throws {
        let out = GlobalAveragePooling2D().forward([counting([1, 2, 2, 1])], weights: [])
        #expect(out.shape == [1, 1])
        #expect(out.data == [2.5])
    }
}

@Suite struct ElementwiseTests {
    @Test func zeroPaddingAddsRowsAndColumns() {
        let out = ZeroPadding2D(padding: ((1, 0), (0, 2))).forward([counting([1, 1, 1, 1])], weights: [])
        #expect(out.shape == [1, 2, 3, 1])
        #expect(out.data == [0, 0, 0, 1, 0, 0])
    }

    @Test func reluClampsNegatives() {
        let out = Activation(.relu).forward([Tensor(shape: [1, 3], data: [-1, 0, 2])], weights: [])
        #expect(out.data == [0, 0, 2])
    }

    @Test func softmaxSumsToOneAndIsStableForLargeLogits() {
        let out = Activation(.softmax).forward(
            [Tensor(shape: [1, 3], data: [1000, 1000, 1000 + logf(2)])], weights: [])
        expectClose(out.data, [0.25, 0.25, 0.5])
    }

    @Test func denseMultipliesByKernelAndAddsBias() {
        let out = Dense(2).forward(
            [Tensor(shape: [1, 3], data: [1, 2, 3])],
            weights: [Tensor(shape: [3, 2], data: [1, 0, 0, 1, 1, 1]), Tensor(shape: [2], data: [10, 20])])
        #expect(out.data == [14, 25])
    }

    @Test func addOfDifferentShapesNamesBothShapes() throws {
        let graph = LayerGraph()
        let x = try Input(shape: [55, 55, 64], in: graph)
        let y = try Conv2D(256, kernelSize: 1, name: "res2b_branch2c")(x)
        #expect(throws: ShapeError.addShapesDiffer(layer: "add_1", shapes: [[55, 55, 256], [55, 55, 64]])) {
            try add([y, x])
        }
        let message = String(
            describing: ShapeError.addShapesDiffer(layer: "add_1", shapes: [[55, 55, 256], [55, 55, 64]]))
        #expect(message.contains("(None, 55, 55, 256)") && message.contains("(None, 55, 55, 64)"))
    }
}
