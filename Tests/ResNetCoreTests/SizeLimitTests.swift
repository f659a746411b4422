import Platform
import Testing

@testable import ResNetCore

/// Sizes and counts past what reslab computes are typed errors, never a trap.
@Suite struct SizeLimitTests {
    let huge = Int.max

    @Test func paddingPastIntMaxIsTooManyValues() throws {
        let x = try Input(shape: [8, 8, 3])
        #expect(
            throws: ShapeError.tooManyValues(
                layer: "zero_padding2d_1", role: .output,
                axes: ["8 + \(huge) + \(huge)", "8 + 1 + 1", "3"])
        ) { try ZeroPadding2D(padding: (huge, 1))(x) }
    }

    @Test func anInputOfIntMaxRowsIsTooManyValues() {
        #expect(throws: ShapeError.tooManyValues(layer: "input_1", role: .output, axes: ["\(Int.max)", "8", "3"])) {
            try Input(shape: [Int.max, 8, 3])
        }
    }

    @Test(arguments: [Int.max, Int.max - 1, 1 << 62])
    func sameWindowArithmeticDoesNotOverflow(size: Int) {
        let axis = WindowAxis(input: size, window: 1, stride: 1, padding: .same)
        #expect(axis?.output == size)
        let strided = WindowAxis(input: 10, window: size, stride: size, padding: .same)
        #expect(strided?.output == 1)
        #expect(strided?.padBefore == (size - 10) / 2)
    }

    @Test func poolingSameWithHugeWindowAndStrideIsOneValue() throws {
        let x = try Input(shape: [8, 8, 3])
        let y = try MaxPooling2D(poolSize: (huge, huge), strides: (huge, huge), padding: .same)(x)
        #expect(y.shape == [1, 1, 3])
    }

    @Test func flattenOfAnOverflowingShapeIsTooManyValues() {
        let flatten = Flatten(name: "flatten_1")
        #expect(
            throws: ShapeError.tooManyValues(
                layer: "flatten_1", role: .output, axes: ["10000000 × 10000000 × 10000000"])
        ) { try flatten.outputShape(for: [[10_000_000, 10_000_000, 10_000_000]]) }
    }

    @Test func aDenseOf2To62UnitsIsTooManyValues() throws {
        let x = try Input(shape: [4])
        #expect(throws: ShapeError.tooManyValues(layer: "dense_1", role: .output, axes: ["4611686018427387904"])) {
            try Dense(4_611_686_018_427_387_904)(x)
        }
    }

    @Test func aKernelPastTheLimitNamesTheWeight() throws {
        let x = try Input(shape: [1, 1, 2048])
        let y = try Flatten()(x)
        #expect(throws: ShapeError.tooManyValues(layer: "fc", role: .weight("kernel"), axes: ["2048", "1000000000"])) {
            try Dense(1_000_000_000, name: "fc")(y)
        }
    }

    @Test func multiplyAddsPast64BitsAreACountOverflow() throws {
        let x = try Input(shape: [8192, 8192, 1])
        #expect(throws: ShapeError.countOverflow(layer: "conv2d_1", count: .multiplyAdds)) {
            try Conv2D(16384, kernelSize: (8192, 8192), padding: .same)(x)
        }
    }

    @Test func checkedArithmeticReportsOverflow() {
        #expect(Checked.product([1 << 32, 1 << 31]) == nil)
        #expect(Checked.product([1 << 31, 1 << 31]) == 1 << 62)
        #expect(Checked.sum([Int.max, 1]) == nil)
        #expect(Checked.sum([1, 2, 3]) == 6)
    }
}

@Suite struct MemoryBudgetTests {
    @Test func randomWeightsBeyondTheBudgetAreRefusedBeforeAllocating() throws {
        let x = try Input(shape: [1])
        let model = try Model(inputs: x, outputs: try Dense(1 << 40)(x))
        #expect(
            throws: ShapeError.overMemoryBudget(
                use: .weights(model: "model", parameters: 2 << 40), bytes: 8 << 40, limit: MemoryBudget.bytes)
        ) { try ModelWeights.random(for: model, seed: 1) }
    }

    @Test func predictNamesTheLargestActivation() throws {
        let x = try Input(shape: [4, 4, 3])
        let model = try Model(inputs: x, outputs: try ZeroPadding2D(padding: (100_000, 100_000))(x))
        let engine = try InferenceEngine(model: model, weights: ModelWeights())
        let rows = 200_004
        #expect(
            throws: ShapeError.overMemoryBudget(
                use: .activations(operation: "predict", batch: 1, layer: "zero_padding2d_1", shape: [rows, rows, 3]),
                bytes: 4 * 48 + 4 * rows * rows * 3, limit: MemoryBudget.bytes)
        ) { try engine.predict(Tensor(shape: [1, 4, 4, 3])) }
        #expect(throws: ShapeError.self) {
            try model.forwardLayerByLayer(Tensor(shape: [1, 4, 4, 3]), weights: .init())
        }
    }

    @Test func aSmallPassFitsAndIsCountedLayerByLayer() throws {
        let x = try Input(shape: [4, 4, 3])
        let model = try Model(inputs: x, outputs: try ZeroPadding2D(padding: (1, 1))(x))
        // Input (4·4·3) and output (6·6·3) floats, both live at the peak, for a batch of 2.
        #expect(model.activationPeak(batch: 2).bytes == 2 * 4 * (48 + 108))
        #expect(throws: ShapeError.self) { try model.checkActivationsFit(batch: 2, operation: "predict", limit: 100) }
        try model.checkActivationsFit(batch: 2, operation: "predict", limit: 2000)
    }

    @Test func theBudgetReadsBytesOrUnits() {
        #expect(MemoryBudget.parse("12G") == 12 << 30)
        #expect(MemoryBudget.parse("500000") == 500_000)
        #expect(MemoryBudget.parse("0") == nil)
        #expect(MemoryBudget.parse("lots") == nil)
        #expect(MemoryBudget.parse("99999999999T") == nil)
    }

    @Test func memorySizesReadAsPeopleSayThem() {
        #expect(byteCount(1_600_000_000_000) == "1.6 TB")
        #expect(byteCount(12_884_901_888) == "13 GB")
        #expect(byteCount(512) == "512 bytes")
    }
}
