import Foundation
import ResNetCore

// `%check NAME`: the learner's identity_block, conv_block or ResNet50 against the tutorial's, built on the
// same input. The comparison goes in a teacher's order and stops at the first difference, which it names:
//
//   1. layers and order: the tutorial's graph walked in the order its code applies the layers, each layer
//      matched to the learner's layer that reads the same (matched) tensors, so the learner's variable
//      order, the order of `add`'s operands and automatic names do not matter;
//   2. names, where the tutorial sets them (conv and batch norm names, not `activation_7`);
//   3. every output shape; 4. parameter counts;
//   5. the outputs on the same seeded weights and input (the tutorial's weights, given to the learner's
//      layers by the matching, not by name).
//
// When the learner's function stops with an error (`layers.add` of two shapes), steps 1–4 run on what it
// built before the error, and the error itself is explained only when they find nothing.

/// A value in a call %check makes, as plain Swift: `3`, `[64, 64, 256]`, `'b'`, `(1, 1)`.
enum ArgumentValue: Equatable, Sendable, CustomStringConvertible {
    /// The prompt's value for it.
    var value: Value {
        switch self {
        case .int(let value): return .integer(value)
        case .ints(let values): return .list(values.map(Value.integer))
        case .string(let value): return .string(value)
        case .pair(let a, let b): return .tuple([.integer(a), .integer(b)])
        }
    }

    case int(Int)
    case ints([Int])
    case string(String)
    case pair(Int, Int)

    /// As Python writes it.
    var description: String {
        switch self {
        case .int(let value): return String(value)
        case .ints(let values): return "[" + values.map(String.init).joined(separator: ", ") + "]"
        case .string(let value): return "'\(value)'"
        case .pair(let a, let b): return "(\(a), \(b))"
        }
    }
}

/// One argument: the parameter it fills in the tutorial's signature, its value, and whether the call
/// passes it by keyword (`stage=2`) or by position (`3`).
struct CallArgument: Equatable, Sendable {
    let parameter: String
    let value: ArgumentValue
    let byKeyword: Bool
}

/// One call %check makes of the learner's function and of the tutorial's:
/// `identity_block(Input(shape=(55, 55, 256)), 3, [64, 64, 256], stage=2, block='b')`.
struct BlockCall: Equatable, Sendable, CustomStringConvertible {
    /// The Python name: `identity_block`, `conv_block`, `ResNet50`.
    let function: String
    /// The shape of the `Input` passed as the first positional argument, made in the graph the builder
    /// gets; `nil` when the function takes no tensor and makes its own `Input` (`ResNet50()`).
    let inputShape: Shape?
    /// The arguments after the input tensor, in order.
    let arguments: [CallArgument]

    /// The positional arguments after the input tensor.
    var positional: [ArgumentValue] { arguments.filter { !$0.byKeyword }.map(\.value) }
    /// The keyword arguments, in order.
    var keywords: [(name: String, value: ArgumentValue)] {
        arguments.filter(\.byKeyword).map { ($0.parameter, $0.value) }
    }

    /// The value given for `parameter`, if the call gives one.
    subscript(parameter: String) -> ArgumentValue? { arguments.first { $0.parameter == parameter }?.value }
    func int(_ parameter: String) -> Int? { if case .int(let v)? = self[parameter] { v } else { nil } }
    func ints(_ parameter: String) -> [Int]? { if case .ints(let v)? = self[parameter] { v } else { nil } }
    func string(_ parameter: String) -> String? { if case .string(let v)? = self[parameter] { v } else { nil } }
    func pair(_ parameter: String) -> (Int, Int)? {
        if case .pair(let a, let b)? = self[parameter] { (a, b) } else { nil }
    }

    var description: String {
        let input = inputShape.map { ["Input(shape=(" + $0.map(String.init).joined(separator: ", ") + "))"] } ?? []
        let rest = arguments.map { $0.byKeyword ? "\($0.parameter)=\($0.value)" : "\($0.value)" }
        return function + "(" + (input + rest).joined(separator: ", ") + ")"
    }

    /// `identity_block(Input(shape=input), kernel_size, filters, stage=…, block=…[, strides=…])`, as the
    /// tutorial's `ResNet50` calls the blocks.
    static func block(
        _ function: String, input: Shape, kernelSize: Int, filters: [Int], stage: Int, block: String,
        strides: (Int, Int)? = nil
    ) -> BlockCall {
        var arguments = [
            CallArgument(parameter: "kernel_size", value: .int(kernelSize), byKeyword: false),
            CallArgument(parameter: "filters", value: .ints(filters), byKeyword: false),
            CallArgument(parameter: "stage", value: .int(stage), byKeyword: true),
            CallArgument(parameter: "block", value: .string(block), byKeyword: true),
        ]
        if let strides {
            arguments.append(CallArgument(parameter: "strides", value: .pair(strides.0, strides.1), byKeyword: true))
        }
        return BlockCall(function: function, inputShape: input, arguments: arguments)
    }
}

/// The three functions %check knows.
enum BlockKind: CaseIterable, Sendable {
    case identityBlock, convBlock, resNet50

    /// The Python name, as `%check` takes it.
    var function: String {
        switch self {
        case .identityBlock: return "identity_block"
        case .convBlock: return "conv_block"
        case .resNet50: return "ResNet50"
        }
    }

    /// The kind for `%check NAME`.
    init?(function: String) {
        guard let kind = Self.allCases.first(where: { $0.function == function }) else { return nil }
        self = kind
    }

    /// The calls %check makes, each of the learner's function and of the tutorial's. conv_block is called
    /// twice: with strides=(1, 1) as stage 2 starts, where the input's 64 channels differ from the output's
    /// 256, and with the default stride 2 as stage 3 starts, so a stride on the wrong convolution shows.
    var calls: [BlockCall] {
        switch self {
        case .identityBlock:
            return [
                .block(
                    "identity_block", input: [55, 55, 256], kernelSize: 3, filters: [64, 64, 256], stage: 2, block: "b")
            ]
        case .convBlock:
            return [
                .block(
                    "conv_block", input: [55, 55, 64], kernelSize: 3, filters: [64, 64, 256], stage: 2, block: "a",
                    strides: (1, 1)),
                .block(
                    "conv_block", input: [55, 55, 256], kernelSize: 3, filters: [128, 128, 512], stage: 3, block: "a"),
            ]
        case .resNet50:
            return [BlockCall(function: "ResNet50", inputShape: nil, arguments: [])]
        }
    }
}

/// What a function built: a block's input and output tensors, or the `Model` that `ResNet50()` returns.
enum BuiltNetwork {
    case tensors(input: KerasTensor, output: KerasTensor)
    case model(Model)
}

/// Builds one function's network for one call on a fresh graph: makes `Input(shape=call.inputShape)` in
/// `graph` (or lets the function make it there) and calls the function with `call`'s arguments. May throw
/// what the function throws (a `ShapeError` from `layers.add`, a `NotebookError` from the interpreter).
typealias NetworkBuilder = (BlockCall, LayerGraph) throws -> BuiltNetwork

/// The verdict: one line when the learner's function matches; a teacher's sentences naming the first
/// difference when it does not.
struct CheckResult: Equatable {
    let passed: Bool
    let message: String
}

enum BlockCheck {
    /// The largest difference between the two outputs that still counts as equal.
    static let tolerance: Float = 1e-4
    /// Seeds of the weights and of the input both networks get.
    static let weightsSeed: UInt64 = 1
    static let inputSeed: UInt64 = 2

    /// Compares the learner's function with the tutorial's on every call of `kind.calls`.
    static func check(
        _ kind: BlockKind, learner: NetworkBuilder, tutorial: NetworkBuilder = BlockCheck.tutorial
    ) -> CheckResult {
        var agreements = [Agreement]()
        for call in kind.calls {
            do throws(Difference) {
                agreements.append(try compare(call, kind: kind, learner: learner, tutorial: tutorial))
            } catch {
                return CheckResult(passed: false, message: Message.checkWith(call: "\(call)", error.message).localized)
            }
        }
        return CheckResult(passed: true, message: summary(kind, agreements))
    }

    /// The tutorial's function for `call`: ResNetCore's `identityBlock`, `convBlock` or `ResNet50`.
    static func tutorial(_ call: BlockCall, in graph: LayerGraph) throws -> BuiltNetwork {
        guard let shape = call.inputShape else { return .model(try ResNet50(in: graph)) }
        guard let kernelSize = call.int("kernel_size"), let filters = call.ints("filters"),
            let stage = call.int("stage"), let block = call.string("block")
        else { throw NotebookError.unsupported("%check has no tutorial function for \(call)") }
        let input = try Input(shape: shape, in: graph)
        let output =
            call.function == "conv_block"
            ? try convBlock(
                input, kernelSize: kernelSize, filters: filters, stage: stage, block: block,
                strides: call.pair("strides") ?? (2, 2))
            : try identityBlock(input, kernelSize: kernelSize, filters: filters, stage: stage, block: block)
        return .tensors(input: input, output: output)
    }

    // MARK: - One call

    /// What agreed in one call, for the passing line.
    struct Agreement {
        let layers: Int
        let parameters: Int
        /// The largest output difference, or why the outputs could not be compared (OpenBLAS missing).
        let outputs: Result<Float, BLASError>
    }

    private static func compare(
        _ call: BlockCall, kind: BlockKind, learner: NetworkBuilder, tutorial: NetworkBuilder
    ) throws(Difference) -> Agreement {
        let tutorialGraph = LayerGraph()
        let reference: Network
        do {
            reference = try Network(complete: try tutorial(call, tutorialGraph), kind: kind)
        } catch {
            throw Difference(.checkTutorialNotBuilt(function: call.function, error: "\(error)"))
        }
        let learnerGraph = LayerGraph()
        var failure: (any Error)?
        let built: Network
        do {
            built = try Network(complete: try learner(call, learnerGraph), kind: kind)
        } catch let difference as Difference {
            throw difference
        } catch let error as ShapeError {
            guard let partial = Network(partialGraph: learnerGraph) else {
                throw Difference(.checkStoppedBeforeInput(function: call.function, error: "\(error)"))
            }
            built = partial
            failure = error
        } catch {
            throw Difference(.checkStoppedWithError(function: call.function, error: "\(error)"))
        }
        var comparison = BlockComparison(kind: kind, tutorial: reference, learner: built)
        try comparison.matchLayers()
        try comparison.compareNames()
        try comparison.compareShapes()
        try comparison.compareParameterCounts()
        try comparison.compareSettings()
        if let failure { throw Difference(comparison.explain(failure)) }
        return Agreement(
            layers: reference.members.count - 1,
            parameters: reference.members.reduce(0) { $0 + reference.parameterCount(ofNode: $1) },
            outputs: try comparison.compareOutputs())
    }

    private static func summary(_ kind: BlockKind, _ agreements: [Agreement]) -> String {
        let calls =
            kind.calls.count > 1
            ? kind.calls.map { call in
                Message.checkCall(
                    block: "\(call.int("stage") ?? 0)\(call.string("block") ?? "")",
                    strides: call["strides"]?.description)
            } : []
        var differences = [Float]()
        var outputs: Message?
        for agreement in agreements {
            switch agreement.outputs {
            case .success(let difference): differences.append(difference)
            case .failure(let reason): outputs = outputs ?? .checkOutputsNotCompared("\(reason)")
            }
        }
        let largest = differences.max() ?? 0
        return Message.checkPassed(
            function: kind.function, calls: calls, layers: Set(agreements.map(\.layers)).sorted(),
            parameters: agreements.map { $0.parameters.formatted(thousandsSeparator: ",") },
            outputs: outputs
                ?? (largest == 0 ? .checkOutputsIdentical : .checkOutputsAgree(within: String(format: "%.1e", largest)))
        ).localized
    }
}

// MARK: - The networks compared

/// A difference worth a teacher's sentence, or why a step could not be done.
struct Difference: Error {
    let message: Message
    init(_ message: Message) { self.message = message }
}

/// One function's layers: all of a graph's nodes, the ones that count, and where the input and output are.
private struct Network {
    let nodes: [Node]
    /// The nodes between the input and the output, in the order they were applied (all of them when
    /// the function stopped early).
    let members: [Int]
    let input: Int
    /// `nil` when the function stopped with an error before returning.
    let output: Int?
    /// The finished function's result, for running it.
    let built: BuiltNetwork?
    /// For each node, the members that read it, in order.
    let readers: [[Int]]
    /// For each node, the longest path from it to a member nobody reads (the main path is the longest).
    let height: [Int]

    init(nodes: [Node], members: [Int], input: Int, output: Int?, built: BuiltNetwork?) {
        self.nodes = nodes
        self.members = members
        self.input = input
        self.output = output
        self.built = built
        var readers = [[Int]](repeating: [], count: nodes.count)
        for member in members {
            for source in Set(nodes[member].inputs).sorted() { readers[source].append(member) }
        }
        var height = [Int](repeating: 0, count: nodes.count)
        for member in members.reversed() {
            let longest = readers[member].map { height[$0] }.max() ?? -1
            height[member] = longest + 1
        }
        self.readers = readers
        self.height = height
    }

    /// A finished function's network: the nodes its output is computed from.
    init(complete built: BuiltNetwork, kind: BlockKind) throws(Difference) {
        switch built {
        case .model(let model):
            self.init(
                nodes: model.nodes, members: Array(model.nodes.indices), input: model.inputIndex,
                output: model.outputIndex, built: built)
        case .tensors(let input, let output):
            let resNet = kind == .resNet50
            guard output.graph === input.graph else { throw Difference(.checkOutputNotFromInput(resNet: resNet)) }
            let nodes = input.graph.nodes
            var needed = Set<Int>()
            var stack = [output.node]
            while let index = stack.popLast() {
                guard needed.insert(index).inserted else { continue }
                stack.append(contentsOf: nodes[index].inputs)
            }
            guard needed.contains(input.node) else {
                throw Difference(.checkReturnsNotFromInput(resNet: resNet, name: output.layerName))
            }
            if let other = needed.first(where: { $0 != input.node && nodes[$0].layer is InputLayer }) {
                throw Difference(.checkAnotherInput(resNet: resNet, name: nodes[other].name))
            }
            self.init(nodes: nodes, members: needed.sorted(), input: input.node, output: output.node, built: built)
        }
    }

    /// What a function built before it stopped: every node of its graph, from its first `Input`.
    init?(partialGraph graph: LayerGraph) {
        guard let input = graph.nodes.firstIndex(where: { $0.layer is InputLayer }) else { return nil }
        self.init(nodes: graph.nodes, members: Array(graph.nodes.indices), input: input, output: nil, built: nil)
    }

    func parameterCount(ofNode index: Int) -> Int { nodes[index].weightSpecs(in: nodes).reduce(0) { $0 + $1.count } }

    /// The network as a model, with the function's own names.
    func model() throws -> Model {
        switch built {
        case .model(let model): return model
        case .tensors(let input, let output): return try Model(inputs: input, outputs: output)
        case nil: throw Difference(.checkDidNotFinish)
        }
    }
}

/// The class of a layer, for matching layers of one kind.
private func layerClass(_ node: Node) -> String { type(of: node.layer).kerasClassName }

/// The block and branch in a tutorial name: `res2a_branch2b` → ("2a", "2b"); `bn3c_branch1` → ("3c", "1").
private func blockAndBranch(_ name: String) -> (block: String, branch: String)? {
    for prefix in ["res", "bn"] where name.hasPrefix(prefix) {
        guard let separator = name.range(of: "_branch") else { return nil }
        let block = name[name.index(name.startIndex, offsetBy: prefix.count)..<separator.lowerBound]
        let branch = name[separator.upperBound...]
        guard !block.isEmpty, !branch.isEmpty else { return nil }
        return (String(block), String(branch))
    }
    return nil
}

/// A layer as the learner writes it: `Conv2D(64, (3, 3), padding='same')`, `Activation('relu')`, `layers.add`.
private func code(_ layer: any Layer) -> String {
    switch layer {
    case let conv as Conv2D:
        var arguments = ["\(conv.filters)", "(\(conv.kernelSize.0), \(conv.kernelSize.1))"]
        if conv.strides != (1, 1) { arguments.append("strides=(\(conv.strides.0), \(conv.strides.1))") }
        if conv.padding == .same { arguments.append("padding='same'") }
        return "Conv2D(" + arguments.joined(separator: ", ") + ")"
    case let activation as Activation: return "Activation('\(activation.function.rawValue)')"
    case is Add: return "layers.add"
    default: return "\(type(of: layer).kerasClassName)()"
    }
}

private func size(_ pair: (Int, Int)) -> String { "\(pair.0)x\(pair.1)" }
private func grouped(_ count: Int) -> String { count.formatted(thousandsSeparator: ",") }

// MARK: - The comparison

private struct BlockComparison {
    let kind: BlockKind
    let tutorial: Network
    let learner: Network
    /// Tutorial node → the learner's node that does its job.
    private(set) var match = [Int: Int]()
    /// Learner node → tutorial node.
    private(set) var matchedBy = [Int: Int]()

    init(kind: BlockKind, tutorial: Network, learner: Network) {
        self.kind = kind
        self.tutorial = tutorial
        self.learner = learner
    }

    /// Whether the learner wrote ResNet50 rather than a block.
    var resNet: Bool { kind == .resNet50 }

    // MARK: Step 1: layers and order

    /// Walks the tutorial's layers in the order its code applies them and finds each one's counterpart:
    /// the learner's layer of the same class reading the counterparts of its inputs.
    mutating func matchLayers() throws(Difference) {
        match[tutorial.input] = learner.input
        matchedBy[learner.input] = tutorial.input
        for t in tutorial.members where t != tutorial.input {
            let sources = tutorial.nodes[t].inputs.compactMap { match[$0] }
            // An input the learner did not build (it stopped with an error): nothing to compare here.
            guard sources.count == tutorial.nodes[t].inputs.count else { continue }
            var seen = Set<Int>()
            let readers = sources.flatMap { learner.readers[$0] }.filter {
                matchedBy[$0] == nil && seen.insert($0).inserted
            }
            let counterparts = readers.filter {
                layerClass(learner.nodes[$0]) == layerClass(tutorial.nodes[t])
                    && learner.nodes[$0].inputs.sorted() == sources.sorted()
            }
            if let best = counterparts.max(by: { rank($0, for: t) < rank($1, for: t) }) {
                match[t] = best
                matchedBy[best] = t
            } else if let other = readers.first {
                throw Difference(replaced(t, by: other))
            } else if learner.output != nil {
                throw Difference(missing(t, after: sources[0]))
            }
        }
        guard let output = learner.output, let tutorialOutput = tutorial.output else { return }
        if match[tutorialOutput] != output {
            throw Difference(.checkReturns(resNet: resNet, found: learnerPhrase(output), expected: the(tutorialOutput)))
        }
        if let extra = learner.members.first(where: { matchedBy[$0] == nil }) {
            throw Difference(
                .checkExtra(
                    resNet: resNet, code: code(learner.nodes[extra].layer),
                    after: learner.nodes[extra].inputs.first.map(learnerPhrase)))
        }
    }

    /// Among the learner's layers that could stand for tutorial node `t`, the one named like it first,
    /// then the one on the longest path (the main path before the shortcut), then the first applied.
    private func rank(_ candidate: Int, for t: Int) -> (Int, Int, Int) {
        (learner.nodes[candidate].name == tutorial.nodes[t].name ? 1 : 0, learner.height[candidate], -candidate)
    }

    /// The learner applies `other` where the tutorial applies `t`.
    private func replaced(_ t: Int, by other: Int) -> Message {
        let expected = tutorial.nodes[t].layer
        let found = learner.nodes[other].layer
        let branch = blockAndBranch(tutorial.nodes[t].name)
        let source = learner.nodes[other].inputs.first { matchedBy[$0] != nil }.map(learnerPhrase) ?? .checkItsInput
        switch (expected, found) {
        case (is BatchNormalization, is Add):
            return .checkAddBeforeNormalization(name: tutorial.nodes[t].name, branch: branch?.branch)
        case (is Conv2D, is Add) where branch?.branch == "1":
            return .checkShortcutUnchanged(owner: .checkOwner(block: resNet ? label(t).block : nil, inBlock: false))
        case (is Activation, _) where tutorial.nodes[tutorial.nodes[t].inputs[0]].layer is Add:
            return .checkEndsWithAdd(block: resNet ? label(t).block : nil, resNet: resNet, code: code(expected))
        case (is Add, is Activation):
            return .checkActivationBeforeAdd(resNet: resNet, code: code(found), source: source)
        case (is Add, is Add):
            return .checkAddOperands(
                owner: possessive(t), found: learner.nodes[other].inputs.map(learnerPhrase),
                expected: tutorial.nodes[t].inputs.map(tutorialPhrase))
        default:
            return .checkAppliesInstead(resNet: resNet, source: source, found: code(found), expected: code(expected))
        }
    }

    /// The learner has nothing after `source` where the tutorial applies `t`.
    private func missing(_ t: Int, after source: Int) -> Message {
        let expected = code(tutorial.nodes[t].layer)
        let previous = tutorial.nodes[t].inputs[0]
        if source == learner.output {
            let after = tutorial.nodes[previous].layer is Add ? .checkCode("layers.add") : tutorialPhrase(previous)
            return .checkEndsWith(resNet: resNet, found: learnerPhrase(source), expected: expected, after: after)
        }
        return .checkHasNo(resNet: resNet, what: label(t).what, expected: expected, to: tutorialPhrase(previous))
    }

    // MARK: Step 2: names

    /// The names the tutorial sets (`res2a_branch2a`, `bn2a_branch2a`, `fc1000`), layer by layer.
    func compareNames() throws(Difference) {
        for t in tutorial.members {
            guard let l = match[t], !tutorial.nodes[t].hasAutomaticName, !(tutorial.nodes[t].layer is InputLayer)
            else { continue }
            let expected = tutorial.nodes[t].name
            let found = learner.nodes[l].name
            guard found != expected else { continue }
            var hint: Message?
            if let branch = blockAndBranch(expected)?.branch {
                let base = expected.hasPrefix("res") ? "conv_name_base" : "bn_name_base"
                let prefix = expected.hasPrefix("res") ? "res" : "bn"
                hint =
                    found.hasSuffix("_branch" + branch) && found.hasPrefix(prefix)
                    ? .checkNameHintStage(base: base, prefix: prefix) : .checkNameHint(base: base, branch: branch)
            }
            throw Difference(
                learner.nodes[l].hasAutomaticName
                    ? .checkNoName(subject: subject(t), found: found, expected: expected, hint: hint)
                    : .checkNamed(subject: subject(t), found: found, expected: expected, hint: hint))
        }
    }

    // MARK: Step 3: shapes

    /// Every output shape, in the tutorial's order: the first that differs is where the mistake is.
    func compareShapes() throws(Difference) {
        for t in tutorial.members {
            guard let l = match[t] else { continue }
            let expected = tutorial.nodes[t].outputShape
            let found = learner.nodes[l].outputShape
            guard found != expected else { continue }
            let shapes = Message.checkShapes(found: kerasShape(found), expected: kerasShape(expected))
            if tutorial.nodes[t].layer is InputLayer {
                throw Difference(
                    .checkInputShape(found: kerasShape(found), function: kind.function, expected: kerasShape(expected)))
            }
            guard let ours = tutorial.nodes[t].layer as? Conv2D, let theirs = learner.nodes[l].layer as? Conv2D else {
                throw Difference(.checkOutputs(subject: subject(t), shapes: shapes))
            }
            if theirs.filters != ours.filters {
                throw Difference(
                    .checkFilters(
                        subject: subject(t), found: theirs.filters, expected: ours.filters,
                        hint: blockAndBranch(tutorial.nodes[t].name).map { .checkFiltersHint(branch: $0.branch) }))
            }
            if theirs.strides != ours.strides { throw Difference(stridesMessage(t, ours, theirs, shapes)) }
            if theirs.padding != ours.padding {
                throw Difference(
                    ours.padding == .same
                        ? .checkNoPaddingSame(subject: subject(t), shapes: shapes)
                        : .checkPaddingSameNotValid(subject: subject(t), shapes: shapes)
                )
            }
            if theirs.kernelSize != ours.kernelSize {
                throw Difference(
                    .checkKernelSize(
                        subject: subject(t), found: size(theirs.kernelSize), expected: size(ours.kernelSize),
                        shapes: shapes, counts: nil))
            }
            throw Difference(.checkOutputs(subject: subject(t), shapes: shapes))
        }
    }

    /// A convolution strides differently; says where the learner's stride went and where the tutorial's is.
    private func stridesMessage(_ t: Int, _ ours: Conv2D, _ theirs: Conv2D, _ shapes: Message) -> Message {
        let stride = { (strides: (Int, Int)) in strides == (1, 1) ? nil : "(\(strides.0), \(strides.1))" }
        let strided = tutorial.members.filter {
            ((tutorial.nodes[$0].layer as? Conv2D)?.strides ?? (1, 1)) != (1, 1) && label($0).block == label(t).block
        }
        let misplaced = tutorial.members.filter { member in
            guard member != t, let l = match[member], let conv = tutorial.nodes[member].layer as? Conv2D,
                let learners = learner.nodes[l].layer as? Conv2D
            else { return false }
            return conv.strides == (1, 1) && learners.strides != (1, 1)
        }
        let places = strided.map { place -> Message in
            blockAndBranch(tutorial.nodes[place].name).map {
                $0.branch == "1" ? .checkShortcutBranch1 : .checkCode($0.branch)
            } ?? .checkCode(tutorial.nodes[place].name)
        }
        return .checkStrides(
            subject: subject(t), found: stride(theirs.strides), expected: stride(ours.strides), shapes: shapes,
            misplaced: misplaced.first.map {
                .checkStrideMisplaced(resNet: resNet, what: label($0).what, places: places)
            })
    }

    // MARK: Step 4: parameter counts

    /// The weights each layer owns: a kernel size that `padding='same'` hides from the shapes shows here.
    func compareParameterCounts() throws(Difference) {
        for t in tutorial.members {
            guard let l = match[t] else { continue }
            let expected = tutorial.parameterCount(ofNode: t)
            let found = learner.parameterCount(ofNode: l)
            guard found != expected else { continue }
            let counts = Message.checkCounts(expected: grouped(expected), found: grouped(found))
            if let ours = tutorial.nodes[t].layer as? Conv2D, let theirs = learner.nodes[l].layer as? Conv2D {
                if theirs.kernelSize != ours.kernelSize {
                    throw Difference(
                        .checkKernelSize(
                            subject: subject(t), found: size(theirs.kernelSize), expected: size(ours.kernelSize),
                            shapes: nil, counts: counts))
                }
                if theirs.useBias != ours.useBias {
                    throw Difference(
                        .checkUseBias(subject: subject(t), value: theirs.useBias ? "True" : "False", counts: counts))
                }
            }
            throw Difference(
                .checkParameterCount(subject: subject(t), found: grouped(found), expected: grouped(expected)))
        }
    }

    // MARK: Step 4, continued: settings

    /// The settings that change values but neither shapes nor parameter counts, in the tutorial's order.
    /// Checked before the outputs because ResNet50's softmax over 1000 classes, on random weights, flattens
    /// a difference deep inside to a millionth.
    func compareSettings() throws(Difference) {
        for t in tutorial.members {
            guard let l = match[t] else { continue }
            if let message = settingDifference(tutorial.nodes[t].layer, learner.nodes[l].layer, subject: subject(t)) {
                throw Difference(message)
            }
        }
    }

    private func settingDifference(_ ours: any Layer, _ theirs: any Layer, subject: Message) -> Message? {
        switch (ours, theirs) {
        case (let ours as Conv2D, let theirs as Conv2D) where ours.activation != theirs.activation:
            return ours.activation == .linear
                ? .checkActivationInConv(subject: subject, found: theirs.activation.rawValue)
                : .checkSetting(
                    subject: subject, found: "activation='\(theirs.activation.rawValue)'",
                    expected: "activation='\(ours.activation.rawValue)'")
        case (let ours as Conv2D, let theirs as Conv2D)
        where ours.padding != theirs.padding && ours.kernelSize != (1, 1):
            return .checkSetting(
                subject: subject, found: "padding='\(theirs.padding.rawValue)'",
                expected: "padding='\(ours.padding.rawValue)'")
        case (let ours as Activation, let theirs as Activation) where ours.function != theirs.function:
            return .checkIsInstead(subject: subject, found: code(theirs), expected: code(ours))
        case (let ours as BatchNormalization, let theirs as BatchNormalization) where ours.epsilon != theirs.epsilon:
            return .checkEpsilon(subject: subject, found: "\(theirs.epsilon)", expected: "\(ours.epsilon)")
        case (let ours as Dense, let theirs as Dense) where ours.activation != theirs.activation:
            return .checkSetting(
                subject: subject, found: "activation='\(theirs.activation.rawValue)'",
                expected: "activation='\(ours.activation.rawValue)'")
        case (let ours as ZeroPadding2D, let theirs as ZeroPadding2D)
        where [ours.top, ours.bottom, ours.left, ours.right] != [theirs.top, theirs.bottom, theirs.left, theirs.right]:
            return .checkPads(
                subject: subject, found: "((\(theirs.top), \(theirs.bottom)), (\(theirs.left), \(theirs.right)))",
                expected: "((\(ours.top), \(ours.bottom)), (\(ours.left), \(ours.right)))")
        case (let ours as any Pooling2DLayer, let theirs as any Pooling2DLayer)
        where ours.poolSize != theirs.poolSize || ours.strides != theirs.strides || ours.padding != theirs.padding:
            let settings = { (pool: any Pooling2DLayer) in
                "pool_size=(\(pool.poolSize.0), \(pool.poolSize.1)), strides=(\(pool.strides.0), \(pool.strides.1)), "
                    + "padding='\(pool.padding.rawValue)'"
            }
            return .checkSetting(subject: subject, found: settings(theirs), expected: settings(ours))
        default:
            return nil
        }
    }

    // MARK: Step 5: output values

    /// Runs both networks with the tutorial's seeded random weights (each learner layer gets the weights
    /// of the tutorial layer it was matched to) on one seeded random input; the largest difference, or
    /// the reason the engine cannot run here.
    func compareOutputs() throws(Difference) -> Result<Float, BLASError> {
        do {
            let tutorialModel = try tutorial.model()
            let learnerModel = try learner.model()
            let weights = try ModelWeights.random(for: tutorialModel, seed: BlockCheck.weightsSeed)
            var learnerWeights = ModelWeights()
            for (t, l) in match {
                if let arrays = weights.byLayer[tutorial.nodes[t].name] {
                    learnerWeights.byLayer[learner.nodes[l].name] = arrays
                }
            }
            let input = Tensor.randomNormal(shape: [1] + tutorialModel.inputShape, seed: BlockCheck.inputSeed)
            let expected = try InferenceEngine(model: tutorialModel, weights: weights).predict(input)
            let found = try InferenceEngine(model: learnerModel, weights: learnerWeights).predict(input)
            let difference = zip(expected.data, found.data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
            guard difference.isFinite, difference <= BlockCheck.tolerance else {
                throw Difference(.checkOutputsDiffer(resNet: resNet, by: String(format: "%.2g", difference)))
            }
            return .success(difference)
        } catch let difference as Difference {
            throw difference
        } catch let error as BLASError {
            return .failure(error)
        } catch {
            throw Difference(.checkCode("\(error)"))
        }
    }

    // MARK: When the learner's function stopped

    /// The error the learner's function stopped with, once steps 1–4 found nothing before it.
    func explain(_ error: any Error) -> Message {
        if case .differentGraphs = error as? ShapeError {
            return .checkOutsideTensor(resNet: resNet)
        }
        guard case .addShapesDiffer(_, let shapes) = error as? ShapeError else {
            return .checkStoppedWithError(function: kind.function, error: "\(error)")
        }
        // The first tutorial add the learner did not reach: a conv block's add, whose shortcut is a 1x1 convolution?
        if let add = tutorial.members.first(where: { tutorial.nodes[$0].layer is Add && match[$0] == nil }),
            let shortcutNorm = tutorial.nodes[add].inputs.first(where: {
                blockAndBranch(tutorial.nodes[$0].name)?.branch == "1"
            }),
            let shortcutConv = tutorial.nodes[shortcutNorm].inputs.first, match[shortcutConv] == nil,
            let blockInput = tutorial.nodes[shortcutConv].inputs.first, let learnersInput = match[blockInput]
        {
            let inputShape = learner.nodes[learnersInput].outputShape
            if shapes.contains(inputShape), let mainPath = shapes.first(where: { $0 != inputShape }) {
                let channels = inputShape.dropLast() == mainPath.dropLast()
                return .checkShortcutNeedsConv(
                    owner: .checkOwner(block: resNet ? label(add).block : nil, inBlock: false),
                    input: channels ? "\(inputShape.last ?? 0)" : kerasShape(inputShape),
                    output: channels ? "\(mainPath.last ?? 0)" : kerasShape(mainPath), channels: channels)
            }
        }
        return .checkAddShapesDiffer(shapes.map(kerasShape))
    }

    // MARK: Naming layers as a teacher does

    /// A tutorial layer's block (in ResNet50) and what it is: ("2a", "2b convolution"), (nil, "conv1").
    func label(_ t: Int) -> (block: String?, what: Message) {
        let node = tutorial.nodes[t]
        if let parts = blockAndBranch(node.name) {
            switch node.layer {
            case is Conv2D: return (parts.block, .checkConvolution(branch: parts.branch))
            default: return (parts.block, .checkBatchNormalization(branch: parts.branch))
            }
        }
        switch node.layer {
        case is InputLayer: return (nil, resNet ? .checkCode("Input") : .checkBlockInput)
        case is Add:
            let block = node.inputs.lazy.compactMap { blockAndBranch(self.tutorial.nodes[$0].name)?.block }.first
            return (block, .checkCode("add"))
        case is Activation:
            guard let source = node.inputs.first else { break }
            if tutorial.nodes[source].layer is Add { return (label(source).block, .checkFinalReLU) }
            if let parts = blockAndBranch(tutorial.nodes[source].name) {
                return (parts.block, .checkReLUAfter(parts.branch))
            }
            return (nil, .checkReLUAfter(tutorial.nodes[source].name))
        default: break
        }
        return (nil, .checkCode(node.hasAutomaticName ? layerClass(node) : node.name))
    }

    /// "block 3a's " in ResNet50, "block's " in a block, "" for ResNet50's own layers.
    private func possessive(_ t: Int) -> Message { .checkOwner(block: label(t).block, inBlock: !resNet) }

    /// "your block's 2b convolution", "your block 3a's 2b convolution", "your conv1".
    func subject(_ t: Int) -> Message { .checkYour(owner: possessive(t), what: label(t).what) }

    /// "the add", "block 3a's add", "conv1".
    func the(_ t: Int) -> Message {
        let (block, what) = label(t)
        return .checkThe(block: block, resNet: resNet, what: what)
    }

    /// A tutorial layer by its explicit name, else as `the`.
    private func tutorialPhrase(_ t: Int) -> Message {
        tutorial.nodes[t].hasAutomaticName || tutorial.nodes[t].layer is InputLayer
            ? the(t) : .checkCode(tutorial.nodes[t].name)
    }

    /// A learner layer by the tutorial layer it stands for, or by its code when it stands for none.
    private func learnerPhrase(_ l: Int) -> Message {
        matchedBy[l].map(the) ?? .checkCode(code(learner.nodes[l].layer))
    }
}
