import Synchronization
import Testing

@testable import ResNetCore

@Suite struct ResNet50Tests {
    @Test func tutorialModelHasKerasParameterTotals() throws {
        let counts = try ResNet50().parameterCount
        #expect(counts.total == 25_636_712)
        #expect(counts.trainable == 25_583_592)
        #expect(counts.nonTrainable == 53_120)
    }

    @Test func kerasApplicationsModelHasTheSameTotals() throws {
        let counts = try KerasApplicationsResNet50().parameterCount
        #expect(counts.total == 25_636_712)
        #expect(counts.nonTrainable == 53_120)
    }

    struct StageCase: Sendable, CustomTestStringConvertible {
        let layer: String
        let shape: Shape
        var testDescription: String { "\(layer) → \(kerasShape(shape))" }
    }

    @Test(arguments: [
        StageCase(layer: "zero_padding2d_1", shape: [230, 230, 3]),
        StageCase(layer: "conv1", shape: [112, 112, 64]),
        StageCase(layer: "max_pooling2d_1", shape: [55, 55, 64]),
        StageCase(layer: "res2a_branch2c", shape: [55, 55, 256]),
        StageCase(layer: "res2a_branch1", shape: [55, 55, 256]),
        StageCase(layer: "res3a_branch2a", shape: [28, 28, 128]),
        StageCase(layer: "res3d_branch2c", shape: [28, 28, 512]),
        StageCase(layer: "res4a_branch1", shape: [14, 14, 1024]),
        StageCase(layer: "res5c_branch2c", shape: [7, 7, 2048]),
        StageCase(layer: "avg_pool", shape: [1, 1, 2048]),
        StageCase(layer: "flatten_1", shape: [2048]),
        StageCase(layer: "fc1000", shape: [1000]),
    ])
    func tutorialStageShapes(_ c: StageCase) throws {
        #expect(try ResNet50().node(named: c.layer)?.outputShape == c.shape)
    }

    @Test func kerasApplicationsPadsBeforeThePoolSoStage2Is56() throws {
        let model = try KerasApplicationsResNet50()
        #expect(model.node(named: "pool1_pool")?.outputShape == [56, 56, 64])
        #expect(model.node(named: "conv2_block3_out")?.outputShape == [56, 56, 256])
        #expect(model.node(named: "conv5_block3_out")?.outputShape == [7, 7, 2048])
        #expect((model.node(named: "conv2_block1_1_bn")?.layer as? BatchNormalization)?.epsilon == 1.001e-5)
    }

    @Test func automaticNamesFollowKerasSnakeCase() throws {
        let model = try ResNet50()
        let names = Set(model.nodes.map(\.name))
        for name in ["input_1", "zero_padding2d_1", "max_pooling2d_1", "activation_49", "add_16", "flatten_1"] {
            #expect(names.contains(name), "\(name)")
        }
    }

    @Test func summaryListsTheShortcutAfterTheMainPathLikeKeras() throws {
        let lines = try ResNet50().summary().split(separator: "\n").map(String.init)
        let branch2c = try #require(lines.firstIndex { $0.hasPrefix("res2a_branch2c (Conv2D)") })
        #expect(
            lines[branch2c + 2].hasPrefix(
                "res2a_branch1 (Conv2D)          (None, 55, 55, 256)  16640       max_pooling2d_1[0][0]"))
        #expect(lines.contains("Total params: 25,636,712"))
        #expect(lines.contains("Trainable params: 25,583,592"))
        #expect(lines.contains("Non-trainable params: 53,120"))
        let add = try #require(lines.firstIndex { $0.hasPrefix("add_1 (Add)") })
        #expect(lines[add].hasSuffix("bn2a_branch2c[0][0]              "))
        #expect(lines[add + 1].split(separator: " ") == ["bn2a_branch1[0][0]"])
    }

    @Test func identityBlockOnMismatchedChannelsFailsAtTheAdd() throws {
        let x = try Input(shape: [55, 55, 64])
        #expect(throws: ShapeError.self) {
            try identityBlock(x, kernelSize: 3, filters: [64, 64, 256], stage: 2, block: "b")
        }
    }

    @Test func convBlockChangesChannelsAndHalvesTheImage() throws {
        let x = try Input(shape: [55, 55, 256])
        let y = try convBlock(x, kernelSize: 3, filters: [128, 128, 512], stage: 3, block: "a")
        #expect(y.shape == [28, 28, 512])
    }

    @Test func variantIsDetectedFromLayerNames() {
        #expect(ResNet50Variant.detect(layerNames: ["input_1", "conv1", "bn_conv1", "res2a_branch2a"]) == .tutorial)
        #expect(
            ResNet50Variant.detect(layerNames: ["conv1_pad", "conv1_conv", "conv2_block1_1_conv"]) == .kerasApplications
        )
        #expect(ResNet50Variant.detect(layerNames: ["dense_1"]) == nil)
    }
}

@Suite struct InferenceEngineTests {
    /// Every node through its own `forward`, unfused: what the engine's fusions must reproduce.
    func layerByLayer(_ model: Model, _ weights: ModelWeights, _ input: Tensor) throws -> Tensor {
        try model.forwardLayerByLayer(input, weights: weights)[model.outputIndex]!
    }

    @Test func layerByLayerKeepsTheActivationsAskedForAndTheOutput() throws {
        let model = try smallResidualModel()
        let weights = try ModelWeights.random(for: model, seed: 3)
        let input = Tensor(shape: [1, 9, 9, 8], repeating: 0.5)
        let add = try #require(model.nodes.firstIndex { $0.layer is Add })
        let kept = try model.forwardLayerByLayer(input, weights: weights, keeping: [add])
        #expect(Set(kept.keys) == [add, model.outputIndex])
        #expect(kept[add]?.shape == [1] + model.nodes[add].outputShape)
        #expect(kept[model.outputIndex]?.shape == [1, 10])
    }

    func smallResidualModel() throws -> Model {
        let x0 = try Input(shape: [9, 9, 8])
        var x = try convBlock(x0, kernelSize: 3, filters: [4, 4, 16], stage: 2, block: "a")
        x = try identityBlock(x, kernelSize: 3, filters: [4, 4, 16], stage: 2, block: "b")
        x = try applicationsBlock(x, filters: 4, stride: 2, convShortcut: true, name: "conv3_block1")
        x = try BatchNormalization()(x)  // a batch norm with no conv before it
        x = try GlobalAveragePooling2D()(x)
        x = try Dense(10, activation: .softmax)(x)
        return try Model(inputs: x0, outputs: x)
    }

    /// Every GEMM path this CPU runs, on 1 to 3 threads.
    @Test(arguments: [1, 2, 3], GEMMPath.allCases.filter(\.isSupported))
    func fusedPlanMatchesLayerByLayerForwardPass(threads: Int, path: GEMMPath) throws {
        let model = try smallResidualModel()
        let weights = try ModelWeights.random(for: model, seed: 3)
        var generator = SplitMix64(seed: 11)
        let input = Tensor(shape: [3, 9, 9, 8], data: (0..<(3 * 9 * 9 * 8)).map { _ in generator.normal() })
        let expected = try layerByLayer(model, weights, input)
        let engine = try InferenceEngine(model: model, weights: weights, gemmPath: path)
        engine.threadCount = threads
        #expect(engine.stepCount < model.nodes.count - 10)
        expectClose(try engine.predict(input).data, expected.data, atol: 1e-6, rtol: 1e-4)
    }

    struct SplitCase: Sendable, CustomTestStringConvertible {
        let size, channels, filters, threads: Int
        var testDescription: String { "\(size)x\(size)x\(channels) → \(filters) on \(threads) threads" }
    }

    /// Large images split the GEMM by rows, small ones by filters; both must give the reference result.
    /// The 3×3 convolution runs by F(4×4) on 29×29, by F(2×2) on 15×15 and 20×20, by im2col below.
    @Test(
        arguments: [
            SplitCase(size: 29, channels: 5, filters: 24, threads: 2),
            SplitCase(size: 15, channels: 7, filters: 40, threads: 2),
            SplitCase(size: 20, channels: 6, filters: 8, threads: 3),
            SplitCase(size: 3, channels: 6, filters: 64, threads: 3),
            SplitCase(size: 7, channels: 5, filters: 48, threads: 2),
        ], GEMMPath.allCases.filter(\.isSupported))
    func convolutionsSplitOverThreadsMatchTheReference(_ c: SplitCase, path: GEMMPath) throws {
        let x0 = try Input(shape: [c.size, c.size, c.channels])
        var x = try Conv2D(c.filters, kernelSize: 3, padding: .same)(x0)  // Winograd, or im2col when small
        x = try Activation(.relu)(x)
        x = try Conv2D(c.filters, kernelSize: 1)(x)  // a GEMM on the activations themselves
        x = try BatchNormalization()(x)
        let shortcut = try Conv2D(c.filters, kernelSize: 1)(x0)
        x = try add([x, shortcut])  // fused into the GEMM's C
        x = try Activation(.relu)(x)
        x = try Conv2D(c.filters, kernelSize: 3, strides: (2, 2), padding: .same)(x)  // im2col
        x = try Conv2D(c.filters, kernelSize: 1, strides: (2, 2))(x)  // strided 1x1, read in place
        let model = try Model(inputs: x0, outputs: x)
        let weights = try ModelWeights.random(for: model, seed: 5)
        var generator = SplitMix64(seed: 2)
        let input = Tensor(
            shape: [2, c.size, c.size, c.channels],
            data: (0..<(2 * c.size * c.size * c.channels)).map { _ in generator.normal() })
        let engine = try InferenceEngine(model: model, weights: weights, gemmPath: path)
        engine.threadCount = c.threads
        expectClose(
            try engine.predict(input).data, try layerByLayer(model, weights, input).data, atol: 1e-5, rtol: 1e-4)
    }

    @Test func missingWeightsAreNamed() throws {
        let model = try smallResidualModel()
        var weights = try ModelWeights.random(for: model, seed: 3)
        weights.byLayer["res2a_branch1"] = nil
        #expect(throws: WeightsMismatch.missingLayer("res2a_branch1")) {
            try InferenceEngine(model: model, weights: weights)
        }
    }

    @Test func wrongWeightShapeIsNamedWithBothShapes() throws {
        let model = try smallResidualModel()
        var weights = try ModelWeights.random(for: model, seed: 3)
        weights.byLayer["res2a_branch2a"]![0] = Tensor(shape: [1, 1, 8, 5])
        let expected = WeightsMismatch.wrongShape(
            layer: "res2a_branch2a", index: 0, weight: "kernel", expected: [1, 1, 8, 4], found: [1, 1, 8, 5])
        #expect(throws: expected) { try InferenceEngine(model: model, weights: weights) }
        #expect(
            expected.description
                == "layer 'res2a_branch2a' weight 0 (kernel) has shape (1, 1, 8, 5), expected (1, 1, 8, 4)")
    }

    @Test func inputOfTheWrongShapeIsRejected() throws {
        let model = try smallResidualModel()
        let engine = try InferenceEngine(model: model, weights: try .random(for: model, seed: 1))
        #expect(throws: ShapeError.inputMismatch(expected: [9, 9, 8], found: [1, 9, 9, 3])) {
            try engine.predict(Tensor(shape: [1, 9, 9, 3]))
        }
    }

    @Test func cancellationStopsTheForwardPass() throws {
        let model = try smallResidualModel()
        let engine = try InferenceEngine(model: model, weights: try .random(for: model, seed: 1))
        #expect(throws: ForwardPassCancelled.self) {
            try engine.predict(Tensor(shape: [1, 9, 9, 8]), shouldCancel: { true })
        }
    }

    /// A batch shared among threads: the caller's answer stops every thread's images.
    @Test func cancellationStopsABatchSharedAmongThreads() throws {
        let model = try smallResidualModel()
        let engine = try InferenceEngine(model: model, weights: try .random(for: model, seed: 1))
        engine.threadCount = 2
        #expect(throws: ForwardPassCancelled.self) {
            try engine.predict(Tensor(shape: [5, 9, 9, 8]), shouldCancel: { true })
        }
    }
}

/// Inputs run as they come, each thread taking its own through the whole network.
@Suite struct PredictStreamTests {
    struct NoMoreImages: Error, Equatable {}

    @Test(arguments: [1, 2, 4])
    func eachStreamedInputGivesWhatPredictGivesForIt(imagesAtOnce: Int) throws {
        let model = try InferenceEngineTests().smallResidualModel()
        let engine = try InferenceEngine(model: model, weights: try .random(for: model, seed: 3))
        engine.threadCount = 2
        let inputs = (0..<7).map { Tensor.randomNormal(shape: [1 + $0 % 3, 9, 9, 8], seed: UInt64($0)) }
        var handedOut = 0
        var asked = Set<Int>()
        var outputs = [Int: Tensor]()
        try engine.predictStream(
            imagesAtOnce: imagesAtOnce,
            next: { count in
                asked.insert(count)
                guard handedOut < inputs.count else { return nil }
                handedOut += 1
                return (handedOut - 1, inputs[handedOut - 1])
            },
            finished: { outputs[$0] = $1 })
        #expect(asked == [max(1, imagesAtOnce / 2)])
        #expect(outputs.count == inputs.count)
        for (index, input) in inputs.enumerated() {
            expectClose(outputs[index]!.data, try engine.predict(input).data, atol: 1e-6, rtol: 1e-5)
        }
    }

    /// The failing call's error is thrown, never the others' cancellation, and `next` is not called again.
    @Test func anErrorFromNextStopsEveryThreadAndIsThrown() throws {
        let model = try InferenceEngineTests().smallResidualModel()
        let engine = try InferenceEngine(model: model, weights: try .random(for: model, seed: 3))
        engine.threadCount = 2
        var handedOut = 0
        var finished = 0
        #expect(throws: NoMoreImages()) {
            try engine.predictStream(
                imagesAtOnce: 2,
                next: { _ in
                    handedOut += 1
                    if handedOut > 3 { throw NoMoreImages() }
                    return (handedOut, Tensor(shape: [1, 9, 9, 8], repeating: 0.5))
                },
                finished: { _, _ in finished += 1 })
        }
        #expect(handedOut == 4)
        #expect(finished <= 3)
    }

    @Test func anInputOfTheWrongShapeIsRejected() throws {
        let model = try InferenceEngineTests().smallResidualModel()
        let engine = try InferenceEngine(model: model, weights: try .random(for: model, seed: 3))
        var handedOut = false
        #expect(throws: ShapeError.inputMismatch(expected: [9, 9, 8], found: [1, 9, 9, 3])) {
            try engine.predictStream(
                imagesAtOnce: 2,
                next: { _ in
                    defer { handedOut = true }
                    return handedOut ? nil : ((), Tensor(shape: [1, 9, 9, 3]))
                },
                finished: { _, _ in })
        }
    }
}

/// The engine built from weights read a layer at a time on a thread of its own, while the caller lowers.
@Suite struct WeightsReadAheadTests {
    struct ReadFailed: Error, Equatable { let layer: String }

    /// The layers `read` was asked for, in order, from any thread.
    final class ReadLog: @unchecked Sendable {
        private let layers = Mutex<[String]>([])
        func append(_ layer: String) { layers.withLock { $0.append(layer) } }
        var all: [String] { layers.withLock { $0 } }
    }

    @Test func engineFromWeightsReadALayerAtATimeGivesTheSameOutputAsFromWeightsInMemory() throws {
        let model = try InferenceEngineTests().smallResidualModel()
        let weights = try ModelWeights.random(for: model, seed: 3)
        let log = ReadLog()
        let engine = try InferenceEngine(model: model) { layer, _ in
            log.append(layer)
            return weights.byLayer[layer]!
        }
        let input = Tensor.randomNormal(shape: [2, 9, 9, 8], seed: 4)
        #expect(try engine.predict(input).data == InferenceEngine(model: model, weights: weights).predict(input).data)
        #expect(log.all.sorted() == model.weightedLayers.map(\.name).sorted())
    }

    @Test func aFailedReadStopsTheEngineWithItsErrorAndNothingAfterItIsRead() throws {
        let model = try InferenceEngineTests().smallResidualModel()
        let weights = try ModelWeights.random(for: model, seed: 3)
        let log = ReadLog()
        #expect(throws: ReadFailed(layer: "bn2b_branch2a")) {
            try InferenceEngine(model: model) { layer, _ in
                log.append(layer)
                if layer == "bn2b_branch2a" { throw ReadFailed(layer: layer) }
                return weights.byLayer[layer]!
            }
        }
        #expect(log.all.last == "bn2b_branch2a")
    }

    @Test func weightsOfTheWrongShapeFromTheReaderAreNamed() throws {
        let model = try InferenceEngineTests().smallResidualModel()
        var weights = try ModelWeights.random(for: model, seed: 3)
        weights.byLayer["res2a_branch2a"]![0] = Tensor(shape: [1, 1, 8, 5])
        let expected = WeightsMismatch.wrongShape(
            layer: "res2a_branch2a", index: 0, weight: "kernel", expected: [1, 1, 8, 4], found: [1, 1, 8, 5])
        #expect(throws: expected) {
            try InferenceEngine(model: model) { [weights] layer, _ in weights.byLayer[layer]! }
        }
    }

    /// With no bytes allowed to wait, the reader reads a layer only once the one before is being taken.
    @Test func theReaderWaitsWhileItsBudgetOfLayersWaitsToBeTaken() throws {
        final class Progress: Sendable {
            let taken = Atomic<Int>(0)
            let readTooEarly = Atomic<Bool>(false)
        }
        let layers = (0..<6).map { "layer\($0)" }
        let specs = [WeightSpec(name: "kernel", shape: [4], trainable: true)]
        let progress = Progress()
        let readAhead = WeightsReadAhead(order: layers.map { ($0, specs) }, budget: 0) { layer, _ in
            if progress.taken.load(ordering: .sequentiallyConsistent) < layers.firstIndex(of: layer)! {
                progress.readTooEarly.store(true, ordering: .sequentiallyConsistent)
            }
            return [Tensor(shape: [4], repeating: 1)]
        }
        defer { readAhead.finish() }
        for layer in layers {
            progress.taken.add(1, ordering: .sequentiallyConsistent)  // counted as it starts
            #expect(try readAhead.take(layer).map(\.shape) == [[4]])
        }
        #expect(try readAhead.take("no weights").isEmpty)
        let readTooEarly = progress.readTooEarly.load(ordering: .sequentiallyConsistent)
        #expect(!readTooEarly)
    }
}
