import ResNetCore
import Testing

@testable import Notebook

/// One thing a learner gets wrong when typing the tutorial's blocks.
enum Mistake: String, Sendable, CaseIterable {
    /// `Conv2D(filters2, kernel_size, name=…)` for 2b: the image shrinks by two.
    case noPaddingSame
    /// A conv block whose shortcut is the input itself, as in the identity block.
    case shortcutWithoutConv
    /// `filters3, filters2, filters1 = filters`.
    case filtersReversed
    /// The stride on the 3x3 convolution 2b instead of on 2a.
    case stridesOn2b
    /// No `Activation('relu')` after `layers.add`.
    case noFinalReLU
    /// `layers.add` right after conv 2c, its batch norm after the add.
    case addBeforeBatchNorm
    /// `conv_name_base = 'res' + str(stage) + '_branch'`: the block left out.
    case namesWithoutBlock
    /// 2b written `Conv2D(filters2, (1, 1), padding='same')`: same shapes, fewer weights.
    case kernel1x1In2b
    /// `Conv2D(filters1, (1, 1), activation='relu')` as well as the Activation layer after the batch norm.
    case convActivationRelu
    /// The 2a batch normalization left unnamed.
    case unnamedBatchNorm
}

/// The tutorial's identity_block and conv_block as a learner types them: with `mistake`, or, when
/// `reordered`, written differently but equivalently (shortcut first, activations named, `add([shortcut, x])`).
func learnerBlock(
    _ input: KerasTensor, kernelSize: Int, filters: [Int], stage: Int, block: String, strides: (Int, Int)?,
    mistake: Mistake? = nil, reordered: Bool = false
) throws -> KerasTensor {
    let isConvBlock = strides != nil
    let stride = strides ?? (1, 1)
    var (filters1, filters2, filters3) = (filters[0], filters[1], filters[2])
    if mistake == .filtersReversed { (filters1, filters3) = (filters3, filters1) }
    let convNameBase = "res\(stage)" + (mistake == .namesWithoutBlock ? "" : block) + "_branch"
    let bnNameBase = "bn\(stage)\(block)_branch"
    let relu = { (name: String) in Activation(.relu, name: reordered ? "relu\(stage)\(block)_\(name)" : nil) }

    var shortcut = input
    if isConvBlock && mistake != .shortcutWithoutConv && reordered {
        shortcut = try Conv2D(filters3, kernelSize: (1, 1), strides: stride, name: convNameBase + "1")(input)
        shortcut = try BatchNormalization(name: bnNameBase + "1")(shortcut)
    }
    var x = try Conv2D(
        filters1, kernelSize: (1, 1), strides: mistake == .stridesOn2b ? (1, 1) : stride,
        activation: mistake == .convActivationRelu ? .relu : .linear, name: convNameBase + "2a")(input)
    x = try BatchNormalization(name: mistake == .unnamedBatchNorm ? nil : bnNameBase + "2a")(x)
    x = try relu("2a")(x)

    x = try Conv2D(
        filters2, kernelSize: mistake == .kernel1x1In2b ? 1 : kernelSize,
        strides: mistake == .stridesOn2b ? stride : (1, 1), padding: mistake == .noPaddingSame ? .valid : .same,
        name: convNameBase + "2b")(x)
    x = try BatchNormalization(name: bnNameBase + "2b")(x)
    x = try relu("2b")(x)

    x = try Conv2D(filters3, kernelSize: (1, 1), name: convNameBase + "2c")(x)
    if isConvBlock && mistake != .shortcutWithoutConv && !reordered {
        shortcut = try Conv2D(filters3, kernelSize: (1, 1), strides: stride, name: convNameBase + "1")(input)
        shortcut = try BatchNormalization(name: bnNameBase + "1")(shortcut)
    }
    if mistake == .addBeforeBatchNorm {
        x = try add([x, shortcut])
        x = try BatchNormalization(name: bnNameBase + "2c")(x)
    } else {
        x = try BatchNormalization(name: bnNameBase + "2c")(x)
        x = try add(reordered ? [shortcut, x] : [x, shortcut])
    }
    return mistake == .noFinalReLU ? x : try relu("out")(x)
}

/// The learner's function as %check calls it: the block for a block call, ResNet50 built from the
/// learner's blocks for `ResNet50()`, where `mistake` goes into block `mistakeIn` only.
func learner(_ mistake: Mistake? = nil, reordered: Bool = false, mistakeIn mistakeBlock: String = "3c")
    -> NetworkBuilder
{
    { call, graph in
        guard let shape = call.inputShape else {
            return .model(try learnerResNet50(in: graph, mistake: mistake, in: mistakeBlock, reordered: reordered))
        }
        let input = try Input(shape: shape, in: graph)
        let output = try learnerBlock(
            input, kernelSize: call.int("kernel_size")!, filters: call.ints("filters")!, stage: call.int("stage")!,
            block: call.string("block")!,
            strides: call.function == "conv_block" ? call.pair("strides") ?? (2, 2) : nil, mistake: mistake,
            reordered: reordered)
        return .tensors(input: input, output: output)
    }
}

/// The tutorial's ResNet50, its stages as a table, from `learnerBlock`.
func learnerResNet50(in graph: LayerGraph, mistake: Mistake?, in mistakeBlock: String, reordered: Bool) throws -> Model
{
    let input = try Input(shape: [224, 224, 3], in: graph)
    var x = try ZeroPadding2D(padding: (3, 3))(input)
    x = try Conv2D(64, kernelSize: (7, 7), strides: (2, 2), name: "conv1")(x)
    x = try BatchNormalization(name: "bn_conv1")(x)
    x = try Activation(.relu)(x)
    x = try MaxPooling2D(poolSize: (3, 3), strides: (2, 2))(x)
    let stages: [(stage: Int, filters: [Int], blocks: String)] = [
        (2, [64, 64, 256], "abc"), (3, [128, 128, 512], "abcd"), (4, [256, 256, 1024], "abcdef"),
        (5, [512, 512, 2048], "abc"),
    ]
    for (stage, filters, blocks) in stages {
        for block in blocks.map(String.init) {
            let strides: (Int, Int)? = block != "a" ? nil : stage == 2 ? (1, 1) : (2, 2)
            x = try learnerBlock(
                x, kernelSize: 3, filters: filters, stage: stage, block: block, strides: strides,
                mistake: "\(stage)\(block)" == mistakeBlock ? mistake : nil, reordered: reordered)
        }
    }
    x = try AveragePooling2D(poolSize: (7, 7), name: "avg_pool")(x)
    x = try Flatten()(x)
    x = try Dense(1000, activation: .softmax, name: "fc1000")(x)
    return try Model(inputs: input, outputs: x, name: "ResNet50")
}

@Suite struct BlockCheckTests {
    @Test(arguments: BlockKind.allCases)
    func theTutorialsOwnFunctionsPass(kind: BlockKind) {
        let result = BlockCheck.check(kind, learner: BlockCheck.tutorial)
        #expect(result.passed, "\(result.message)")
        #expect(result.message.hasPrefix("\(kind.function) matches the tutorial"))
        #expect(!result.message.contains("\n"))
    }

    @Test func theIdentityBlocksPassingLineGivesTheRealFigures() {
        let result = BlockCheck.check(.identityBlock, learner: learner())
        #expect(
            result.message
                == "identity_block matches the tutorial: 10 layers after the Input, the same names, shapes and 71,552 parameters; "
                + "outputs are identical on seeded weights.")
    }

    @Test func theConvBlocksPassingLineNamesBothCalls() {
        let result = BlockCheck.check(.convBlock, learner: learner())
        #expect(result.passed, "\(result.message)")
        #expect(
            result.message.contains("in both calls (block 2a with strides=(1, 1), block 3a with the default strides)"))
        #expect(result.message.contains("12 layers") && result.message.contains("(76,928 and 383,232)"))
    }

    /// Shortcut first, named activations, `add([shortcut, x])`: equivalent, so it passes.
    @Test(arguments: [BlockKind.identityBlock, .convBlock])
    func anEquivalentBlockWrittenDifferentlyPasses(kind: BlockKind) {
        let result = BlockCheck.check(kind, learner: learner(reordered: true))
        #expect(result.passed, "\(result.message)")
        #expect(result.message.contains("outputs agree within") || result.message.contains("outputs are identical"))
    }

    @Test func aResNet50BuiltFromTheLearnersBlocksPasses() {
        let result = BlockCheck.check(.resNet50, learner: learner(reordered: true))
        #expect(result.passed, "\(result.message)")
        #expect(result.message.contains("25,636,712 parameters"))
    }

    struct MistakeCase: Sendable, CustomTestStringConvertible {
        let kind: BlockKind
        let mistake: Mistake
        /// What the message must say.
        let phrase: String
        init(_ kind: BlockKind, _ mistake: Mistake, _ phrase: String) {
            (self.kind, self.mistake, self.phrase) = (kind, mistake, phrase)
        }
        var testDescription: String { "\(kind.function) with \(mistake.rawValue)" }
    }

    /// Each mistake with the teacher's phrase it gets; in ResNet50 the mistake is in block 3c only.
    static let mistakes: [MistakeCase] = [
        .init(
            .identityBlock, .noPaddingSame,
            "your block's 2b convolution has no padding='same': (None, 53, 53, 64) where the tutorial has (None, 55, 55, 64)"
        ),
        .init(.convBlock, .noPaddingSame, "your block's 2b convolution has no padding='same': (None, 53, 53, 64)"),
        .init(
            .convBlock, .shortcutWithoutConv,
            "your shortcut adds the block's input, but a conv block's input has 64 channels and its output 256: "
                + "the shortcut needs its own 1x1 Conv2D"),
        .init(
            .identityBlock, .filtersReversed,
            "your block's 2a convolution has 256 filters where the tutorial has 64: filters1, filters2, filters3 = "
                + "filters, and 2a takes filters1"),
        .init(
            .convBlock, .stridesOn2b,
            "With conv_block(Input(shape=(55, 55, 256)), 3, [128, 128, 512], stage=3, block='a'), your block's 2a "
                + "convolution has no strides where the tutorial has strides=(2, 2): (None, 55, 55, 128) where the "
                + "tutorial has (None, 28, 28, 128); your block puts the stride on its 2b convolution: the tutorial "
                + "puts strides on 2a and on the shortcut (branch 1)"),
        .init(
            .identityBlock, .noFinalReLU,
            "your block ends with the add: the tutorial applies Activation('relu') after layers.add"),
        .init(
            .identityBlock, .addBeforeBatchNorm,
            "your add comes before bn2b_branch2c: the tutorial normalizes 2c first, then adds the shortcut"),
        .init(.convBlock, .addBeforeBatchNorm, "your add comes before bn2a_branch2c"),
        .init(
            .identityBlock, .namesWithoutBlock,
            "your block's 2a convolution is named 'res2_branch2a' where the tutorial has 'res2b_branch2a': "
                + "check stage and block"),
        .init(
            .identityBlock, .kernel1x1In2b,
            "your block's 2b convolution is 1x1 where the tutorial has kernel_size 3x3 (36,928 parameters, yours 4,160)"
        ),
        .init(
            .identityBlock, .convActivationRelu,
            "your block's 2a convolution has activation='relu' where the tutorial's has none: the ReLU is a layer of "
                + "its own, Activation('relu'), after the batch normalization"),
        .init(
            .identityBlock, .unnamedBatchNorm,
            "your block's 2a batch normalization has no name (Keras called it 'batch_normalization_1') where the "
                + "tutorial names it 'bn2b_branch2a': name=bn_name_base + '2a'"),
        // A missing padding stops the learner's `layers.add` (26 rows against 28); the shapes before it show why.
        .init(
            .resNet50, .noPaddingSame,
            "your block 3c's 2b convolution has no padding='same': (None, 26, 26, 128) where the tutorial has "
                + "(None, 28, 28, 128)"),
        // Invisible in ResNet50's softmax on random weights (a millionth), so it is caught as a setting.
        .init(.resNet50, .convActivationRelu, "your block 3c's 2a convolution has activation='relu'"),
        .init(.resNet50, .noFinalReLU, "your block 3c ends with the add"),
    ]

    @Test(arguments: mistakes)
    func eachMistakeIsNamedAsATeacherWould(_ example: MistakeCase) {
        let result = BlockCheck.check(example.kind, learner: learner(example.mistake))
        #expect(!result.passed)
        #expect(result.message.contains(example.phrase), "\(result.message)")
    }

    @Test func aFunctionThatStopsWithAnotherErrorSaysSo() {
        let result = BlockCheck.check(.identityBlock) { _, _ in
            throw NotebookError.unknownName("filters4", suggestions: [])
        }
        #expect(!result.passed)
        #expect(result.message.contains("your identity_block stopped with an error: name 'filters4' is not defined"))
    }

    @Test func aBlockThatIgnoresItsInputIsTold() {
        let result = BlockCheck.check(.identityBlock) { call, graph in
            let input = try Input(shape: call.inputShape!, in: graph)
            let other = try Input(shape: call.inputShape!, in: LayerGraph())
            return .tensors(input: input, output: try Activation(.relu)(other))
        }
        #expect(result.message.contains("not computed from its input"), "\(result.message)")
    }

    /// A tensor from an earlier cell lives in the session's graph, not in the fresh one %check gives.
    @Test func aBlockThatAddsATensorFromOutsideIsTold() {
        let result = BlockCheck.check(.identityBlock) { call, graph in
            let input = try Input(shape: call.inputShape!, in: graph)
            let earlier = try Input(shape: call.inputShape!, in: LayerGraph())
            let x = try Conv2D(64, kernelSize: (1, 1), name: "res2b_branch2a")(input)
            return .tensors(input: input, output: try add([x, earlier]))
        }
        #expect(result.message.contains("adds a tensor made outside the function"), "\(result.message)")
    }

    @Test func theCallsAreDataThePromptCanReplay() {
        #expect(
            BlockKind.identityBlock.calls.map(\.description) == [
                "identity_block(Input(shape=(55, 55, 256)), 3, [64, 64, 256], stage=2, block='b')"
            ])
        #expect(
            BlockKind.convBlock.calls.map(\.description) == [
                "conv_block(Input(shape=(55, 55, 64)), 3, [64, 64, 256], stage=2, block='a', strides=(1, 1))",
                "conv_block(Input(shape=(55, 55, 256)), 3, [128, 128, 512], stage=3, block='a')",
            ])
        #expect(BlockKind.resNet50.calls.map(\.description) == ["ResNet50()"])
        let call = BlockKind.convBlock.calls[0]
        #expect(call.positional == [.int(3), .ints([64, 64, 256])])
        #expect(call.keywords.map(\.name) == ["stage", "block", "strides"])
        #expect(BlockKind(function: "conv_block") == .convBlock && BlockKind(function: "conv") == nil)
    }
}
