// Runs a model fast, in two stages at load time. `FusionPlan` groups the graph's layers into steps
// from shapes alone (conv [→ BN] [→ add] [→ ReLU] as one step, everything else layer by layer);
// lowering then takes each step's weights, folds every batch norm into the kernel and bias of the
// convolution before it, and transforms the 3×3 kernels for Winograd. `predict` runs the steps in
// order. The graph the learner sees keeps every Keras layer.

import Platform
import Synchronization

// MARK: - Steps

/// A convolution ready to run: batch norm folded in, kernel prepared for its algorithm.
struct ConvolutionStep {
    /// How the convolution computes, with the kernel in the layout it reads.
    enum Algorithm {
        /// im2col (none for a 1×1) + GEMM: Keras's `(kh·kw·C) × filters` kernel packed, and the window's geometry.
        case im2col(kernel: PackedMatrix, geometry: WindowGeometry)
        /// Winograd F(m×m, 3×3): the kernel transformed and packed once by ``WinogradAlgorithm/packedKernel``.
        case winograd(WinogradAlgorithm, transformedKernel: [PackedMatrix])
    }

    /// The node read.
    let input: Int
    /// The node whose value the step makes.
    let output: Int
    let algorithm: Algorithm
    /// The convolution's bias with the batch norm's shift folded in, if there is either.
    let bias: [Float]?
    /// The node added to the result (the fused `add`'s other input); im2col only.
    let residual: Int?
    let relu: Bool
}

/// A layer that is not a convolution. Pooling and dense layers run on the engine's threads (a
/// dense layer on the packed GEMM); any other computes by its own `forward`.
struct LayerStep {
    /// How the layer computes.
    enum Method {
        case forward(weights: [Tensor])
        case pooling(geometry: WindowGeometry, mode: PoolMode)
        case dense(kernel: PackedMatrix, bias: [Float], activation: ActivationFunction)
    }
    let node: Int
    let inputs: [Int]
    let method: Method
}

/// What the engine does at one step, reading and writing node values by index.
enum Step {
    case convolution(ConvolutionStep)
    case layer(LayerStep)

    /// The nodes the step reads.
    var inputs: [Int] {
        switch self {
        case .convolution(let step): return [step.input] + (step.residual.map { [$0] } ?? [])
        case .layer(let step): return step.inputs
        }
    }
}

/// The forward pass was stopped by its caller (Ctrl-C at the prompt).
public struct ForwardPassCancelled: Error, CustomStringConvertible {
    public var description: String { Bilingual("forward pass cancelled", "前向传播已取消").localized }
}

/// A model with its weights, compiled for inference.
public final class InferenceEngine {
    public let model: Model
    /// What runs, step by step, and why (see ``FusionPlan``).
    public let plan: FusionPlan
    /// The plan's steps with their weights, in the same order.
    let steps: [Step]
    /// For each step, the values no later step reads, dropped once it is done.
    private let releasedAfter: [[Int]]
    /// How many threads run a forward pass (default: the processors online).
    public var threadCount: Int {
        get { pool.threadCount }
        set {
            pool = WorkerPool(threadCount: newValue)
            workspaces = (0..<pool.threadCount).map { _ in Workspace() }
        }
    }
    private var pool = WorkerPool(threadCount: sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    /// Scratch memory for each thread's stream of images (see `predict`); the first serves a split pass.
    private lazy var workspaces = (0..<pool.threadCount).map { _ in Workspace() }

    /// Compiles `model` with `weights`, folding each batch norm into its convolution.
    ///
    /// - Throws: ``WeightsMismatch`` when a layer's weights are missing or have the wrong shape;
    ///   ``BLASError`` when OpenBLAS cannot be loaded; ``GEMMError`` when `RESLAB_GEMM_KERNEL` names a
    ///   GEMM path this CPU cannot run.
    public convenience init(model: Model, weights: consuming ModelWeights) throws {
        try self.init(model: model, weights: weights, gemmPath: try GEMMInfo.current().path)
    }

    /// Compiles `model` with weights that `read` gives a layer at a time, e.g. from a weight file: a
    /// thread of the engine's own reads each layer while the caller's lowers the ones before it.
    ///
    /// - Throws: the first error of `read`, or as the other initializer does.
    public convenience init(model: Model, readingWeights read: @escaping LayerWeightsReader) throws {
        let gemmPath = try GEMMInfo.current().path
        let plan = FusionPlan(model)
        let order = plan.steps.flatMap(\.nodes).compactMap { (node) -> (layer: String, specs: [WeightSpec])? in
            let specs = model.nodes[node].weightSpecs(in: model.nodes)
            return specs.isEmpty ? nil : (model.nodes[node].name, specs)
        }
        // Each layer's arrays are given back as soon as it is packed: 175 MB at the peak of `classify`
        // on one image, where malloc's own rising threshold kept them for 187-199 MB.
        setFreedMemory(.givenBack)
        let readAhead = WeightsReadAhead(order: order, read: read)
        defer {
            readAhead.finish()
            setFreedMemory(.keptForReuse)  // also when a read failed: an earlier engine's passes want it
        }
        try self.init(model: model, plan: plan, gemmPath: gemmPath, taking: readAhead.take)
    }

    /// Compiles `model` for the GEMM path given (which this CPU must run), whatever the environment says.
    convenience init(model: Model, weights: consuming ModelWeights, gemmPath: GEMMPath) throws {
        try weights.validate(for: model)
        var weights = weights
        try self.init(model: model, plan: FusionPlan(model), gemmPath: gemmPath) {
            weights.byLayer.removeValue(forKey: $0) ?? []
        }
    }

    /// Lowers each step of `plan`, taking each layer's weights with `take` (in the order of the steps'
    /// nodes) just before it is lowered.
    private convenience init(
        model: Model, plan: FusionPlan, gemmPath: GEMMPath, taking take: (String) throws -> [Tensor]
    ) throws {
        _ = try BLAS.info()
        var steps = [Step]()
        for planned in plan.steps { steps.append(try Self.lower(planned, in: model, path: gemmPath, taking: take)) }
        self.init(model: model, plan: plan, steps: steps)
    }

    /// Runs the steps of `plan` with each one's lowered arrays, which must be as ``loweredShapes(_:in:)`` says.
    convenience init(model: Model, plan: FusionPlan, loweredArrays arrays: [[LoweredArray]]) {
        self.init(
            model: model, plan: plan, steps: zip(plan.steps, arrays).map { Self.assemble($0, in: model, arrays: $1) })
    }

    private init(model: Model, plan: FusionPlan, steps: [Step]) {
        self.model = model
        self.plan = plan
        self.steps = steps
        self.releasedAfter = Self.releases(of: steps, keeping: model.outputIndex, nodeCount: model.nodes.count)
        // From now on, a pass reuses the memory the one before it freed.
        setFreedMemory(.keptForReuse)
    }

    /// The number of steps after fusion (for `bench` and lessons).
    public var stepCount: Int { steps.count }

    /// Runs the model on a batch `[N, …input shape]` and returns the output `[N, …output shape]`.
    ///
    /// One image is split over the threads, step by step. A batch is shared among them instead: each
    /// thread takes its images through the whole network alone (unless `stepFinished` asks for the
    /// steps' times).
    ///
    /// - Parameters:
    ///   - shouldCancel: polled between steps, on the calling thread only; returning `true` stops with
    ///     ``ForwardPassCancelled``.
    ///   - stepFinished: called after each step with its description and duration (for profiling).
    public func predict(
        _ input: Tensor, shouldCancel: () -> Bool = { false }, stepFinished: ((String, Duration) -> Void)? = nil
    ) throws -> Tensor {
        try checkInput(input)
        let batch = input.shape[0]
        guard stepFinished == nil, min(threadCount, batch) > 1 else {
            // The pool's helper threads spin for the whole pass, so each split starts at once.
            return try pool.spinning {
                try run(
                    input, pool: pool, workspace: workspaces[0], shouldCancel: shouldCancel, stepFinished: stepFinished)
            }
        }
        let streams = min(threadCount, batch)
        var shares = (0..<streams).map { share(of: batch, part: $0, parts: streams) }.makeIterator()
        var outputs = [Tensor?](repeating: nil, count: streams)
        var taken = 0
        try predictStream(
            imagesAtOnce: batch, shouldCancel: shouldCancel,
            next: { _ in
                guard let images = shares.next() else { return nil }
                taken += 1
                return (taken - 1, input.images(images))
            },
            finished: { outputs[$0] = $1 })
        return Tensor(joining: outputs.map { $0! })
    }

    /// Runs the model on inputs as they come, with no wait between them: `next(n)` gives up to `n`
    /// images as one input `[n, …input shape]` with a tag (nil when there are no more), and `finished`
    /// gets each output `[n, …output shape]` with its input's tag.
    ///
    /// With `imagesAtOnce` at least two, each thread (as many as `imagesAtOnce` allows) takes inputs of
    /// `imagesAtOnce / threads` images through the whole network alone, so a thread waiting for its next
    /// input or slowed by another process never holds up the others. With one, each input is split over
    /// the threads step by step. `next` and `finished` are each called by one thread at a time; the first
    /// error of either, or of an input, stops every thread and is thrown.
    ///
    /// - Parameter shouldCancel: polled between steps on the calling thread only; `true` stops with
    ///   ``ForwardPassCancelled``.
    public func predictStream<Tag>(
        imagesAtOnce: Int, shouldCancel: () -> Bool = { false }, next: (Int) throws -> (tag: Tag, input: Tensor)?,
        finished: (Tag, Tensor) throws -> Void
    ) throws {
        let streams = min(threadCount, max(1, imagesAtOnce))
        let imagesEach = max(1, imagesAtOnce / streams)
        let caller = pthread_self()
        let stopped = Atomic<Bool>(false)
        let nextLock = Lock()
        let finishedLock = Lock()
        let errorLock = Lock()
        var firstError: (any Error)?
        let workspaces = self.workspaces
        try pool.spinning {
            parallelFor(streams, streams > 1 ? pool : nil) { stream in
                // The error is kept before the others are told to stop, so that theirs (cancelled) never
                // takes its place.
                func stop(with error: any Error) {
                    errorLock.withLock { if firstError == nil { firstError = error } }
                    stopped.store(true, ordering: .sequentiallyConsistent)
                }
                // A failed call stops the others before its lock is let go: none is made after it.
                func stopping<T>(_ body: () throws -> T) throws -> T {
                    do { return try body() } catch {
                        stop(with: error)
                        throw error
                    }
                }
                do {
                    while true {
                        var item: (tag: Tag, input: Tensor)?
                        try nextLock.withLock {
                            if !stopped.load(ordering: .sequentiallyConsistent) {
                                item = try stopping { try next(imagesEach) }
                            }
                        }
                        guard let (tag, input) = item else { return }
                        try checkInput(input)
                        let output = try run(
                            input, pool: streams > 1 ? nil : pool, workspace: workspaces[stream],
                            shouldCancel: {
                                if pthread_equal(pthread_self(), caller) != 0 && shouldCancel() {
                                    stopped.store(true, ordering: .relaxed)
                                    return true
                                }
                                return stopped.load(ordering: .relaxed)
                            }, stepFinished: nil)
                        try finishedLock.withLock { try stopping { try finished(tag, output) } }
                    }
                } catch {
                    stop(with: error)
                }
            }
            if let error = errorLock.withLock({ firstError }) { throw error }
        }
    }

    /// Throws ``ShapeError`` unless `input` is a non-empty batch of the model's input shape that fits in memory.
    private func checkInput(_ input: Tensor) throws {
        guard input.shape.count == model.inputShape.count + 1, Array(input.shape.dropFirst()) == model.inputShape,
            input.shape[0] > 0
        else { throw ShapeError.inputMismatch(expected: model.inputShape, found: input.shape) }
        try model.checkActivationsFit(batch: input.shape[0], operation: "predict")
    }

    /// One forward pass of `input` over the steps, each split over `pool`'s threads (if any).
    private func run(
        _ input: Tensor, pool: WorkerPool?, workspace: Workspace, shouldCancel: () -> Bool,
        stepFinished: ((String, Duration) -> Void)?
    ) throws -> Tensor {
        // One value per node of the graph; a fused step writes only its last node's.
        var values = [Tensor?](repeating: nil, count: model.nodes.count)
        values[model.inputIndex] = input
        let clock = ContinuousClock()
        for (index, step) in steps.enumerated() {
            if shouldCancel() { throw ForwardPassCancelled() }
            let start = clock.now
            switch step {
            case .convolution(let conv):
                // conv (+ folded BN) (+ add) (+ ReLU): one GEMM, or Winograd's α², with ReLU on the way out.
                values[conv.output] = convolve(conv, values, pool: pool, workspace: workspace)
            case .layer(let layer):
                // Any other layer: padding, pooling, flatten, dense, or one that could not be fused.
                values[layer.node] = compute(layer, values, pool: pool)
            }
            if let stepFinished { stepFinished(describe(plan.steps[index]), clock.now - start) }
            // Drop the values no later step reads.
            for node in releasedAfter[index] { values[node] = nil }
        }
        return values[model.outputIndex]!
    }

    /// Runs one convolution step on the values computed so far.
    private func convolve(
        _ step: ConvolutionStep, _ values: [Tensor?], pool: WorkerPool?, workspace: Workspace
    ) -> Tensor {
        switch step.algorithm {
        case .im2col(let kernel, let geometry):
            return packedConv2D(
                values[step.input]!, kernel: kernel, bias: step.bias, geometry: geometry,
                residual: step.residual.map { values[$0]! }, relu: step.relu, pool: pool, workspace: workspace)
        case .winograd(let algorithm, let kernel):
            return winogradConv3x3(
                values[step.input]!, algorithm: algorithm, transformedKernel: kernel, bias: step.bias, relu: step.relu,
                pool: pool, workspace: workspace)
        }
    }

    /// Runs one step that is not a convolution on the values computed so far.
    private func compute(_ step: LayerStep, _ values: [Tensor?], pool: WorkerPool?) -> Tensor {
        let inputs = step.inputs.map { values[$0]! }
        switch step.method {
        case .forward(let weights):
            return model.nodes[step.node].layer.forward(inputs, weights: weights)
        case .pooling(let geometry, let mode):
            return ResNetCore.pool(inputs[0], geometry: geometry, mode: mode, pool: pool)
        case .dense(let kernel, let bias, let activation):
            var output = packedDense(inputs[0], kernel: kernel, bias: bias, pool: pool)
            apply(activation, to: &output)
            return output
        }
    }

    /// A short description of a step: `conv 3x3/1 → (None, 55, 55, 64) +relu` or `MaxPooling2D max_pooling2d_1`.
    func describe(_ step: FusionPlan.Step) -> String {
        switch step {
        case .convolution(let fused):
            let conv = model.nodes[fused.conv].layer as! Conv2D
            let shape = kerasShape(model.nodes[fused.output].outputShape)
            let relu = fused.relu != nil ? " +relu" : ""
            switch fused.algorithm {
            case .winograd:
                return "conv 3x3/1 winograd → \(shape)" + relu
            case .winograd4x4:
                return "conv 3x3/1 winograd4x4 → \(shape)" + relu
            case .im2col:
                return "conv \(conv.kernelSize.0)x\(conv.kernelSize.1)/\(conv.strides.0) → \(shape)"
                    + (fused.add != nil ? " +add" : "") + relu
            }
        case .layer(let node):
            return "\(type(of: model.nodes[node].layer).kerasClassName) \(model.nodes[node].name)"
        }
    }

    // MARK: - Lowering

    /// Turns a planned step into one that runs: takes its weights with `take` (which hands each array
    /// over, so it is held once), folds the batch norm and prepares the kernel for the step's algorithm.
    private static func lower(
        _ step: FusionPlan.Step, in model: Model, path: GEMMPath, taking take: (String) throws -> [Tensor]
    ) throws -> Step {
        assemble(step, in: model, arrays: try loweredArrays(step, in: model, path: path, taking: take))
    }

    /// The arrays `step` holds once lowered, in the order of ``loweredShapes(_:in:)``.
    private static func loweredArrays(
        _ step: FusionPlan.Step, in model: Model, path: GEMMPath, taking take: (String) throws -> [Tensor]
    ) throws -> [LoweredArray] {
        guard case .convolution(let fused) = step else {
            let node = model.nodes[step.output]
            let weights = try take(node.name)
            guard let dense = node.layer as? Dense else { return weights.map { .floats($0) } }
            let kernel = weights[0]
            return [
                .packed(PackedMatrix(packing: kernel.data, rows: kernel.shape[0], columns: dense.units, path: path)),
                .floats(weights[1]),
            ]
        }
        let node = model.nodes[fused.conv]
        let conv = node.layer as! Conv2D
        var arrays = try take(node.name)
        var kernel = arrays[0].data
        var bias: [Float]? = conv.useBias ? arrays[1].data : nil
        arrays = []  // `kernel` alone holds its buffer now, so folding scales it in place
        if let batchNorm = fused.batchNorm {
            let bn = model.nodes[batchNorm].layer as! BatchNormalization
            let (scale, shift) = bn.scaleAndShift(weights: try take(model.nodes[batchNorm].name))
            bias = fold(scale: scale, shift: shift, intoKernel: &kernel, bias: bias, filters: conv.filters)
        }
        let kernels: [PackedMatrix]
        if let winograd = WinogradAlgorithm(fused.algorithm) {
            precondition(fused.add == nil, "the Winograd convolution takes no add")
            kernels = winograd.packedKernel(
                kernel, inputChannels: model.nodes[fused.input].outputShape[2], filters: conv.filters, path: path)
        } else {
            kernels = [
                PackedMatrix(packing: kernel, rows: kernel.count / conv.filters, columns: conv.filters, path: path)
            ]
        }
        return kernels.map { .packed($0) } + (bias.map { [.floats(Tensor(shape: [$0.count], data: $0))] } ?? [])
    }

    /// What each array of `step` is once lowered, in order: the convolution's packed kernel (one for
    /// im2col, α² transformed for Winograd) then its bias, if it has one or a batch norm folded in; a
    /// dense layer's packed kernel and bias; any other layer's own weights.
    static func loweredShapes(_ step: FusionPlan.Step, in model: Model) -> [LoweredArray.Shape] {
        guard case .convolution(let fused) = step else {
            let node = model.nodes[step.output]
            let specs = node.weightSpecs(in: model.nodes)
            guard let dense = node.layer as? Dense else { return specs.map { .floats($0.shape) } }
            return [.packed(rows: specs[0].shape[0], columns: dense.units), .floats([dense.units])]
        }
        let conv = model.nodes[fused.conv].layer as! Conv2D
        let channels = model.nodes[fused.input].outputShape[2]
        let kernels: [LoweredArray.Shape]
        if let winograd = WinogradAlgorithm(fused.algorithm) {
            kernels = Array(
                repeating: .packed(rows: channels, columns: conv.filters),
                count: winograd.inputTile * winograd.inputTile)
        } else {
            kernels = [.packed(rows: conv.kernelSize.0 * conv.kernelSize.1 * channels, columns: conv.filters)]
        }
        return kernels + (conv.useBias || fused.batchNorm != nil ? [.floats([conv.filters])] : [])
    }

    /// The step that runs `step`, holding `arrays` (lowered now or before, as ``loweredShapes(_:in:)`` says).
    private static func assemble(_ step: FusionPlan.Step, in model: Model, arrays: [LoweredArray]) -> Step {
        guard case .convolution(let fused) = step else {
            let node = model.nodes[step.output]
            let method: LayerStep.Method
            switch node.layer {
            case let pooling as any Pooling2DLayer:
                let shape = model.nodes[node.inputs[0]].outputShape
                method = .pooling(geometry: try! pooling.geometry(for: shape), mode: type(of: pooling).mode)
            case let dense as Dense:
                method = .dense(
                    kernel: arrays[0].packedMatrix!, bias: arrays[1].tensor!.data, activation: dense.activation)
            default:
                method = .forward(weights: arrays.map { $0.tensor! })
            }
            return .layer(LayerStep(node: step.output, inputs: node.inputs, method: method))
        }
        let conv = model.nodes[fused.conv].layer as! Conv2D
        let kernels = arrays.compactMap(\.packedMatrix)
        let algorithm: ConvolutionStep.Algorithm
        if let winograd = WinogradAlgorithm(fused.algorithm) {
            algorithm = .winograd(winograd, transformedKernel: kernels)
        } else {
            // Shapes were checked when the graph was built.
            algorithm = .im2col(
                kernel: kernels[0], geometry: try! conv.geometry(for: model.nodes[fused.input].outputShape))
        }
        return .convolution(
            ConvolutionStep(
                input: fused.input, output: fused.output, algorithm: algorithm, bias: arrays.last?.tensor?.data,
                residual: fused.add?.otherInput, relu: fused.relu != nil))
    }

    /// Folds `BN(x) = scale · x + shift` into the convolution before it: each filter's kernel column
    /// is multiplied by its scale, and the new bias is `scale · bias + shift`, which it returns.
    private static func fold(
        scale: [Float], shift: [Float], intoKernel kernel: inout [Float], bias: [Float]?, filters: Int
    ) -> [Float] {
        scale.withUnsafeBufferPointer { scale in
            kernel.withUnsafeMutableBufferPointer { kernel in
                var row = kernel.baseAddress!
                for _ in 0..<(kernel.count / filters) {
                    for f in 0..<filters { row[f] *= scale[f] }
                    row += filters
                }
            }
        }
        var folded = shift
        if let bias { for f in 0..<filters { folded[f] += bias[f] * scale[f] } }
        return folded
    }

    /// For each step, the nodes it reads for the last time (except `output`, which the caller gets).
    private static func releases(of steps: [Step], keeping output: Int, nodeCount: Int) -> [[Int]] {
        var lastReader = [Int?](repeating: nil, count: nodeCount)
        for (index, step) in steps.enumerated() {
            for node in step.inputs { lastReader[node] = index }
        }
        var released = [[Int]](repeating: [], count: steps.count)
        for (node, reader) in lastReader.enumerated() where node != output {
            if let reader { released[reader].append(node) }
        }
        return released
    }
}
