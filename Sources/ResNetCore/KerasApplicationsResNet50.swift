// The other ResNet50 most Keras weight files come from: `keras.applications.ResNet50`
// (keras/applications/resnet.py). Same arithmetic as the tutorial's, three differences:
//   - the max pool is padded first (`pool1_pad`), so stage 2 runs at 56×56, not 55×55;
//   - layers are named per stage and block: `conv2_block1_1_conv`, `conv2_block1_0_bn`, …
//     and the shortcut (`_0_`) is built before the main path;
//   - batch norms use epsilon 1.001e-5, and the head is a global average pool and `predictions`.

/// One bottleneck block of `keras.applications`' `stack1`: `block1` in resnet.py.
///
/// - Parameters:
///   - convShortcut: true for the first block of a stage (a 1×1 projection on the shortcut,
///     like the tutorial's conv block), false for the rest (identity shortcut).
///   - name: the block prefix, e.g. `conv2_block1`.
public func applicationsBlock(
    _ input: KerasTensor, filters: Int, kernelSize: Int = 3, stride: Int = 1, convShortcut: Bool, name: String
) throws(ShapeError) -> KerasTensor {
    let epsilon: Float = 1.001e-5
    var shortcut = input
    if convShortcut {
        shortcut = try Conv2D(4 * filters, kernelSize: 1, strides: (stride, stride), name: name + "_0_conv")(input)
        shortcut = try BatchNormalization(epsilon: epsilon, name: name + "_0_bn")(shortcut)
    }
    var x = try Conv2D(filters, kernelSize: 1, strides: (stride, stride), name: name + "_1_conv")(input)
    x = try BatchNormalization(epsilon: epsilon, name: name + "_1_bn")(x)
    x = try Activation(.relu, name: name + "_1_relu")(x)

    x = try Conv2D(filters, kernelSize: kernelSize, padding: .same, name: name + "_2_conv")(x)
    x = try BatchNormalization(epsilon: epsilon, name: name + "_2_bn")(x)
    x = try Activation(.relu, name: name + "_2_relu")(x)

    x = try Conv2D(4 * filters, kernelSize: 1, name: name + "_3_conv")(x)
    x = try BatchNormalization(epsilon: epsilon, name: name + "_3_bn")(x)

    x = try add([shortcut, x], name: name + "_add")
    x = try Activation(.relu, name: name + "_out")(x)
    return x
}

/// `keras.applications.ResNet50(include_top=True)`: 224 → 112 → 56 → 56 → 28 → 14 → 7 → 1000.
public func KerasApplicationsResNet50(classes: Int = 1000, in graph: LayerGraph = LayerGraph()) throws(ShapeError)
    -> Model
{
    let epsilon: Float = 1.001e-5
    let imgInput = try Input(shape: [224, 224, 3], name: "input_1", in: graph)
    var x = try ZeroPadding2D(padding: (3, 3), name: "conv1_pad")(imgInput)
    x = try Conv2D(64, kernelSize: 7, strides: (2, 2), name: "conv1_conv")(x)
    x = try BatchNormalization(epsilon: epsilon, name: "conv1_bn")(x)
    x = try Activation(.relu, name: "conv1_relu")(x)
    x = try ZeroPadding2D(padding: (1, 1), name: "pool1_pad")(x)
    x = try MaxPooling2D(poolSize: (3, 3), strides: (2, 2), name: "pool1_pool")(x)

    // stack1(x, filters, blocks, stride1, name): the first block projects, the rest are identities.
    for (stage, filters, blocks, stride) in [(2, 64, 3, 1), (3, 128, 4, 2), (4, 256, 6, 2), (5, 512, 3, 2)] {
        x = try applicationsBlock(x, filters: filters, stride: stride, convShortcut: true, name: "conv\(stage)_block1")
        for block in 2...blocks {
            x = try applicationsBlock(x, filters: filters, convShortcut: false, name: "conv\(stage)_block\(block)")
        }
    }

    x = try GlobalAveragePooling2D(name: "avg_pool")(x)
    x = try Dense(classes, activation: .softmax, name: "predictions")(x)
    return try Model(inputs: imgInput, outputs: x, name: "resnet50")
}

/// Which of the two ResNet50s a model or weight file is.
public enum ResNet50Variant: String, Sendable, CaseIterable {
    /// The tutorial's network (`res2a_branch2a`, 55×55 after the stem, BN epsilon 1e-3).
    case tutorial
    /// `keras.applications`' network (`conv2_block1_1_conv`, 56×56, BN epsilon 1.001e-5).
    case kerasApplications = "keras-applications"

    /// Builds the network.
    public func build() throws(ShapeError) -> Model {
        switch self {
        case .tutorial: return try ResNet50()
        case .kerasApplications: return try KerasApplicationsResNet50()
        }
    }

    /// Tells the variant from a weight file's layer names, with no flag needed; `nil` if neither.
    public static func detect(layerNames: [String]) -> ResNet50Variant? {
        let names = Set(layerNames)
        if names.contains("res2a_branch2a") || names.contains("bn_conv1") { return .tutorial }
        if names.contains("conv2_block1_1_conv") || names.contains("conv1_conv") { return .kerasApplications }
        return nil
    }
}
