import Testing

@testable import ResNetCore

@Suite struct FusionPlanTests {
    /// The fused convolutions of `plan`, by the name of their `Conv2D` layer.
    func convolutionsByName(_ plan: FusionPlan) -> [String: FusionPlan.FusedConvolution] {
        Dictionary(uniqueKeysWithValues: plan.convolutions.map { (plan.model.nodes[$0.conv].name, $0) })
    }

    func names(_ model: Model, where isWanted: (any Layer) -> Bool) -> [String] {
        model.nodes.filter { isWanted($0.layer) }.map(\.name)
    }

    /// Every node but the input runs in exactly one step, and each step reads only values made before it.
    func expectEveryLayerRunsOnceInOrder(_ plan: FusionPlan, sourceLocation: SourceLocation = #_sourceLocation) {
        let model = plan.model
        let run = plan.steps.flatMap(\.nodes)
        #expect(run.sorted() == Array(1..<model.nodes.count), sourceLocation: sourceLocation)
        var made: Set = [model.inputIndex]
        for step in plan.steps {
            let reads: [Int]
            switch step {
            case .convolution(let fused): reads = [fused.input] + (fused.add.map { [$0.otherInput] } ?? [])
            case .layer(let node): reads = model.nodes[node].inputs
            }
            #expect(
                reads.allSatisfy(made.contains), "\(plan.layers(of: step).map(\.name))", sourceLocation: sourceLocation)
            made.insert(step.output)
        }
        #expect(plan.steps.last?.output == model.outputIndex, sourceLocation: sourceLocation)
    }

    // MARK: - ResNet50

    @Test func tutorialResNet50RunsIn58StepsWithEveryBatchNormFolded() throws {
        let plan = FusionPlan(try ResNet50())
        #expect(plan.model.nodes.count == 177)
        #expect(plan.steps.count == 58)
        #expect(plan.convolutions.count == 53)
        #expect(plan.foldedBatchNormCount == 53)
        #expect(plan.fusedAddCount == 16)
        #expect(plan.fusedReLUCount == 49)
        let folded = Set(plan.convolutions.compactMap(\.batchNorm).map { plan.model.nodes[$0].name })
        #expect(folded == Set(names(plan.model) { $0 is BatchNormalization }))
        let layerSteps = plan.steps.compactMap { step -> String? in
            guard case .layer(let node) = step else { return nil }
            return plan.model.nodes[node].name
        }
        #expect(layerSteps == ["zero_padding2d_1", "max_pooling2d_1", "avg_pool", "flatten_1", "fc1000"])
        expectEveryLayerRunsOnceInOrder(plan)
    }

    @Test func tutorialAddsRunInTheMainPathsLastConvolutionWithTheShortcutAsC() throws {
        let plan = FusionPlan(try ResNet50())
        let model = plan.model
        let byName = convolutionsByName(plan)
        let blocks = [("2", "abc"), ("3", "abcd"), ("4", "abcdef"), ("5", "abc")]
        var fusedAdds = [Int]()
        for (stage, letters) in blocks {
            for block in letters {
                let main = try #require(byName["res\(stage)\(block)_branch2c"])
                let add = try #require(main.add)
                fusedAdds.append(add.node)
                #expect(main.batchNorm.map { model.nodes[$0].name } == "bn\(stage)\(block)_branch2c")
                #expect(main.relu != nil)
                #expect(main.algorithm == .im2col)
                // A conv block adds its projected shortcut; an identity block, its own input.
                let other = model.nodes[add.otherInput]
                if block == "a" {
                    #expect(other.name == "bn\(stage)a_branch1")
                    #expect(byName["res\(stage)a_branch1"]?.add == nil)
                } else {
                    #expect(other.layer is Activation)
                    #expect(add.otherInput == byName["res\(stage)\(block)_branch2a"]?.input)
                }
            }
        }
        #expect(fusedAdds.sorted() == model.nodes.indices.filter { model.nodes[$0].layer is Add })
    }

    /// Which algorithm each stage's 3×3 convolutions take: stage → (image side, algorithm).
    static let threeByThreeAlgorithms: [Int: ConvolutionAlgorithm] = [
        2: .winograd4x4, 3: .winograd4x4, 4: .winograd, 5: .im2col,
    ]

    @Test func tutorialRunsThe3x3ConvolutionsByF4x4ThenF2x2ThenIm2col() throws {
        let plan = FusionPlan(try ResNet50())
        let byName = convolutionsByName(plan)
        for (stage, blocks) in [(2, "abc"), (3, "abcd"), (4, "abcdef"), (5, "abc")] {
            for block in blocks {
                #expect(byName["res\(stage)\(block)_branch2b"]?.algorithm == Self.threeByThreeAlgorithms[stage])
            }
        }
        let winograd = plan.convolutions.filter(\.algorithm.isWinograd).map { plan.model.nodes[$0.conv].name }
        #expect(winograd.count == 13 && winograd.allSatisfy { $0.hasSuffix("_branch2b") })
        #expect(plan.winogradCount == 13)
    }

    @Test func kerasApplicationsRunsIn58StepsWithTheShortcutConvolutionTakingTheAdd() throws {
        let plan = FusionPlan(try KerasApplicationsResNet50())
        let model = plan.model
        #expect(plan.steps.count == 58)
        #expect(plan.foldedBatchNormCount == 53)
        #expect(plan.fusedAddCount == 16)
        #expect(plan.fusedReLUCount == 49)
        let byName = convolutionsByName(plan)
        for (stage, blocks) in [(2, 3), (3, 4), (4, 6), (5, 3)] {
            for block in 1...blocks {
                let name = "conv\(stage)_block\(block)"
                // The shortcut is built first in `keras.applications`, so in a first block its
                // convolution meets the add first and takes it; the main path becomes the C.
                let taker = try #require(byName[name + (block == 1 ? "_0_conv" : "_3_conv")])
                let add = try #require(taker.add)
                #expect(model.nodes[add.node].name == name + "_add")
                #expect(taker.relu.map { model.nodes[$0].name } == name + "_out")
                let expectedOther = block == 1 ? name + "_3_bn" : "conv\(stage)_block\(block - 1)_out"
                #expect(model.nodes[add.otherInput].name == expectedOther)
                #expect(byName[name + "_2_conv"]?.algorithm == Self.threeByThreeAlgorithms[stage])
            }
        }
        let winograd = plan.convolutions.filter(\.algorithm.isWinograd).map { model.nodes[$0.conv].name }
        #expect(winograd.count == 13 && winograd.allSatisfy { $0.hasSuffix("_2_conv") })
        expectEveryLayerRunsOnceInOrder(plan)
    }

    // MARK: - Small graphs

    /// Small graphs, one per rule of the plan; nodes are numbered in the order written, the input 0.
    enum SmallGraph: CaseIterable {
        /// conv → BN → relu.
        case convBatchNormReLU
        /// A 3x3 conv → add(·, input) → relu, with no batch norm.
        case convAddReLU
        /// conv → BN → add(·, conv) → relu: the add reads the convolution too.
        case convReadTwice
        /// conv → BN → relu → add(·, BN): the add reads the batch norm too.
        case batchNormReadTwice
        /// add(3x3 conv, 1x1 conv → BN) → relu: two convolutions meet at one add.
        case twoConvolutionsAtAnAdd
        /// Conv2D(activation: relu) → BN: a convolution with its own activation.
        case convWithActivation
        /// conv → max pool 3x3/2 → average pool → flatten → dense(softmax): the layers the engine
        /// runs on its threads without a convolution.
        case poolingAndDense

        func build() throws -> Model {
            let x0 = try Input(shape: [15, 15, 4])  // 3x3 convolutions by F(2x2) Winograd
            var x: KerasTensor
            switch self {
            case .convBatchNormReLU:
                x = try Conv2D(4, kernelSize: 3, padding: .same)(x0)
                x = try BatchNormalization()(x)
                x = try Activation(.relu)(x)
            case .convAddReLU:
                x = try Conv2D(4, kernelSize: 3, padding: .same)(x0)
                x = try add([x, x0])
                x = try Activation(.relu)(x)
            case .convReadTwice:
                let conv = try Conv2D(4, kernelSize: 1)(x0)
                x = try BatchNormalization()(conv)
                x = try add([x, conv])
                x = try Activation(.relu)(x)
            case .batchNormReadTwice:
                x = try Conv2D(4, kernelSize: 1)(x0)
                let bn = try BatchNormalization()(x)
                x = try Activation(.relu)(bn)
                x = try add([x, bn])
            case .twoConvolutionsAtAnAdd:
                let a = try BatchNormalization()(try Conv2D(4, kernelSize: 1)(x0))
                let b = try Conv2D(4, kernelSize: 3, padding: .same)(x0)
                x = try add([b, a])
                x = try Activation(.relu)(x)
            case .convWithActivation:
                x = try Conv2D(4, kernelSize: 1, activation: .relu)(x0)
                x = try BatchNormalization()(x)
            case .poolingAndDense:
                x = try Conv2D(6, kernelSize: 1)(x0)
                x = try MaxPooling2D(poolSize: (3, 3), strides: (2, 2))(x)
                x = try AveragePooling2D(poolSize: (2, 2), padding: .same)(x)
                x = try Flatten()(x)
                x = try Dense(37, activation: .softmax)(x)
            }
            return try Model(inputs: x0, outputs: x)
        }
    }

    func plan(_ graph: SmallGraph) throws -> [FusionPlan.Step] { FusionPlan(try graph.build()).steps }

    @Test func convBatchNormReLUIsOneStep() throws {
        let planned = FusionPlan(try SmallGraph.convBatchNormReLU.build())
        #expect(
            [planned.foldedBatchNormCount, planned.fusedAddCount, planned.fusedReLUCount, planned.winogradCount]
                == [1, 0, 1, 1])
        #expect(
            planned.steps == [
                .convolution(.init(conv: 1, input: 0, batchNorm: 2, add: nil, relu: 3, algorithm: .winograd))
            ])
    }

    @Test func convAddReLUWithoutBatchNormIsOneStepByIm2col() throws {
        // A 3x3 stride-1 convolution that takes an add runs by im2col: Winograd has no C to start from.
        #expect(
            try plan(.convAddReLU) == [
                .convolution(
                    .init(
                        conv: 1, input: 0, batchNorm: nil, add: .init(node: 2, otherInput: 0), relu: 3,
                        algorithm: .im2col))
            ])
    }

    @Test func batchNormIsNotFoldedWhenSomethingElseReadsTheConvolution() throws {
        #expect(
            try plan(.convReadTwice) == [
                .convolution(.init(conv: 1, input: 0, batchNorm: nil, add: nil, relu: nil, algorithm: .im2col)),
                .layer(node: 2), .layer(node: 3), .layer(node: 4),
            ])
    }

    @Test func reluAndAddAreNotFusedWhenSomethingElseReadsTheBatchNorm() throws {
        #expect(
            try plan(.batchNormReadTwice) == [
                .convolution(.init(conv: 1, input: 0, batchNorm: 2, add: nil, relu: nil, algorithm: .im2col)),
                .layer(node: 3), .layer(node: 4),
            ])
    }

    @Test func whenBothInputsOfAnAddAreConvolutionsTheFirstTakesIt() throws {
        // Nodes: 1 conv, 2 BN, 3 conv 3x3, 4 add, 5 relu. The second runs first, on its own, and the
        // first runs at the add with the second's value as its C.
        #expect(
            try plan(.twoConvolutionsAtAnAdd) == [
                .convolution(.init(conv: 3, input: 0, batchNorm: nil, add: nil, relu: nil, algorithm: .winograd)),
                .convolution(
                    .init(
                        conv: 1, input: 0, batchNorm: 2, add: .init(node: 4, otherInput: 3), relu: 5,
                        algorithm: .im2col)),
            ])
    }

    @Test func convolutionsWithTheirOwnActivationRunAsLayers() throws {
        #expect(try plan(.convWithActivation) == [.layer(node: 1), .layer(node: 2)])
    }

    @Test(arguments: SmallGraph.allCases)
    func smallGraphsRunLikeLayerByLayer(_ graph: SmallGraph) throws {
        let model = try graph.build()
        let weights = try ModelWeights.random(for: model, seed: 4)
        var generator = SplitMix64(seed: 8)
        let shape = [2] + model.inputShape
        let input = Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in generator.normal() })
        let engine = try InferenceEngine(model: model, weights: weights)
        #expect(engine.stepCount == engine.plan.steps.count)
        let expected = try InferenceEngineTests().layerByLayer(model, weights, input)
        expectClose(try engine.predict(input).data, expected.data, atol: 1e-5, rtol: 1e-4)
    }

    struct AlgorithmCase: Sendable, CustomTestStringConvertible {
        let kernel, stride, size: Int
        let padding: Padding
        let algorithm: ConvolutionAlgorithm
        var testDescription: String { "\(kernel)x\(kernel)/\(stride) \(padding) on \(size)x\(size) → \(algorithm)" }
    }

    @Test(arguments: [
        AlgorithmCase(kernel: 3, stride: 1, size: 28, padding: .same, algorithm: .winograd4x4),
        AlgorithmCase(kernel: 3, stride: 1, size: 27, padding: .same, algorithm: .winograd),
        AlgorithmCase(kernel: 3, stride: 1, size: 14, padding: .same, algorithm: .winograd),
        AlgorithmCase(kernel: 3, stride: 1, size: 13, padding: .same, algorithm: .im2col),
        AlgorithmCase(kernel: 3, stride: 2, size: 28, padding: .same, algorithm: .im2col),
        AlgorithmCase(kernel: 3, stride: 1, size: 28, padding: .valid, algorithm: .im2col),
        AlgorithmCase(kernel: 1, stride: 1, size: 28, padding: .same, algorithm: .im2col),
        AlgorithmCase(kernel: 5, stride: 1, size: 28, padding: .same, algorithm: .im2col),
    ])
    func algorithmIsChosenFromTheKernelStridePaddingAndImageSize(_ c: AlgorithmCase) throws {
        let x0 = try Input(shape: [c.size, c.size, 2])
        let x = try Conv2D(3, kernelSize: c.kernel, strides: (c.stride, c.stride), padding: c.padding)(x0)
        #expect(FusionPlan(try Model(inputs: x0, outputs: x)).convolutions.map(\.algorithm) == [c.algorithm])
    }
}
