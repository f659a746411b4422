import Testing

@testable import Notebook
@testable import ResNetCore

/// A notebook holding `m`, a small conv (`c`) → batch norm (`bn_c`) → ReLU model with seeded random weights, whose last
/// forward pass was on a seeded random 6×6×3 image (`r` is its output tensor, `c` its conv's).
private func smallModelNotebook() throws -> (Notebook, ModelHandle, Tensor) {
    let notebook = Notebook()
    let cells = [
        "i = Input(shape=(6, 6, 3))",
        "c = Conv2D(4, (3, 3), padding='same', name='c')(i)",
        "b = BatchNormalization(name='bn_c')(c)",
        "r = Activation('relu')(b)",
        "m = Model(i, r)",
        "%random_weights m 3",
    ].map { notebook.run($0) }
    #expect(cells.allSatisfy { !$0.isError }, "\(cells.map(\.output))")
    guard case .model(let handle)? = notebook.interpreter.variables["m"] else {
        throw ExplainError.noForwardPass
    }
    let input = Tensor.randomNormal(shape: [1, 6, 6, 3], seed: 5)
    notebook.interpreter.library.lastPrediction = (handle, input)
    return (notebook, handle, input)
}

@Suite struct ExplainArgumentTests {
    @Test func aTupleOrThreeNumbersAndJSONAnywhere() throws {
        let expected = Command.explain(layer: "res2a_branch2a", index: [1, 2, 3], json: false)
        for line in [
            "%explain res2a_branch2a (1, 2, 3)", "%explain res2a_branch2a 1 2 3", "%explain res2a_branch2a (1,2,3)",
            "%explain res2a_branch2a [1, 2, 3]", "%explain  res2a_branch2a ( 1 , 2 , 3 )",
        ] {
            #expect(try Command.parse(line) == expected, "\(line)")
        }
        #expect(try Command.parse("%explain x (0, 1, 2) --json") == .explain(layer: "x", index: [0, 1, 2], json: true))
        #expect(try Command.parse("%explain --json fc1000 386") == .explain(layer: "fc1000", index: [386], json: true))
    }

    @Test func malformedArgumentsGiveTheUsageLine() {
        for line in [
            "%explain", "%explain conv1", "%explain conv1 (1, 2", "%explain (1, 2, 3)", "%explain conv1 (a, 2, 3)",
            "%explain conv1 (1, 2) (3)", "%explain conv1 1.5 2 3",
        ] {
            #expect(throws: CommandError.usage("%explain LAYER (H, W, C) [--json]"), "\(line)") {
                try Command.parse(line)
            }
        }
    }
}

@Suite struct ExplainErrorTests {
    @Test func withoutAForwardPassItSaysWhatToRunFirst() {
        let cell = Notebook().run("%explain conv1 (1, 2, 3)")
        #expect(cell.error == Message.needsForwardPass("%explain").localized)
        #expect(cell.output.contains("run model.predict(x) or %classify IMAGE first"))
    }

    @Test func anUnknownLayerSuggestsTheClosestName() throws {
        let (notebook, _, _) = try smallModelNotebook()
        let cell = notebook.run("%explain bnc (0, 0, 0)")
        #expect(
            cell.error
                == "model, the model of the last prediction, has no layer 'bnc' (did you mean 'bn_c'?); %layers model "
                + "lists them")
    }

    @Test func theIndexIsCheckedAgainstTheOutputShape() throws {
        let (notebook, _, _) = try smallModelNotebook()
        #expect(
            notebook.run("%explain c (0, 6, 0)").error
                == "[0, 6, 0] is outside c's output (None, 6, 6, 4): each number counts from 0 and stays below its size"
        )
        #expect(notebook.run("%explain c (-1, 0, 0)").error?.hasPrefix("[-1, 0, 0] is outside c's output") == true)
        #expect(
            notebook.run("%explain c (0, 0)").error == "c's output is (None, 6, 6, 4): give 3 numbers (h, w, c), not 2")
        // numpy's index of the batch, 0, may come first.
        #expect(!notebook.run("%explain c (0, 5, 5, 3)").isError)
        #expect(notebook.run("%explain c (1, 5, 5, 3)").isError)
    }

    @Test func anInputLayerIsNotExplainedButSaysWhatIs() throws {
        let (notebook, _, _) = try smallModelNotebook()
        #expect(notebook.run("%explain i (0, 0, 0)").error?.contains("%explain works out Conv2D") == true)
    }
}

@Suite struct ExplainArithmeticTests {
    /// The chain conv → BN → ReLU at a border element (the 3×3 window half on padding): each step's hand
    /// value is the layer-by-layer output of its layer, the folded batch norm gives the same value, and the
    /// last one is what the fused engine computes.
    @Test func theChainEqualsTheLayerOutputsAndTheFoldedBatchNormTheSameValue() throws {
        let (_, handle, input) = try smallModelNotebook()
        let model = handle.model
        let weights = try handle.rawWeights()
        let relu = model.nodes[model.outputIndex].name
        let explanation = try Explanation.compute(
            layer: relu, index: [0, 5, 2], model: model, weights: weights, input: input)
        #expect(explanation.steps.map(\.layer) == ["c", "bn_c", relu])
        let (conv, bn) = (model.nodeIndex(named: "c")!, model.nodeIndex(named: "bn_c")!)
        let outputs = try model.forwardLayerByLayer(input, weights: weights, keeping: [conv, bn])
        let flat = (0 * 6 + 5) * 4 + 2
        #expect(abs(explanation.steps[0].value - Double(outputs[conv]!.data[flat])) < 1e-5)
        #expect(abs(explanation.steps[1].value - Double(outputs[bn]!.data[flat])) < 1e-5)
        guard case .batchNormalization(_, _, _, _, _, _, _, let folded?, "c", _) = explanation.steps[1],
            case .convolution(_, _, _, _, _, _, _, let padded, let terms, _, _) = explanation.steps[0]
        else {
            Issue.record("no folded batch norm in \(explanation.steps[1])")
            return
        }
        // Row −1 and column 6 of the window are padding: 4 of its 9 positions are inside.
        #expect(padded == 5 && terms.largest.count + terms.otherCount == 4 * 3)
        #expect(abs(folded.value - explanation.steps[1].value) < 1e-5)
        let engine = try handle.inferenceEngine().predict(input)
        #expect(abs(explanation.steps[2].value - Double(engine.data[flat])) < 1e-5)
        #expect(explanation.networkValue == outputs[model.outputIndex]!.data[flat])
    }

    /// A tensor variable names its layer; the text ends with the value the network computed.
    @Test func aTensorVariableNamesItsLayerAndTheTextEndsWithTheNetworksValue() throws {
        let (notebook, handle, input) = try smallModelNotebook()
        let cell = notebook.run("%explain r (2, 3, 1)")
        #expect(!cell.isError, "\(cell.output)")
        let value = try handle.model.forwardLayerByLayer(input, weights: try handle.rawWeights())[
            handle.model.outputIndex]!.data[(2 * 6 + 3) * 4 + 1]
        let name = handle.model.nodes[handle.model.outputIndex].name
        #expect(cell.output.hasPrefix("how \(name)[2, 3, 1] came to be: c → bn_c → \(name)"))
        #expect(
            cell.output.hasSuffix(
                "= \(value == 0 ? "0" : String(format: "%.4g", Double(value))), the value the network computed for "
                    + "\(name)[2, 3, 1]"))
        #expect(cell.output.split(separator: "\n").allSatisfy { $0.count <= 80 })
    }

    @Test func theLargestProductsComeFirstAndTheRestAddUp() {
        let terms = (0..<10).map { ProductTerm(position: [$0], input: Double($0), weight: $0 % 2 == 0 ? 0.5 : -0.5) }
        let dot = DotProduct(terms, shown: 3)
        #expect(dot.largest.map(\.position) == [[9], [8], [7]])
        #expect(dot.otherCount == 7)
        #expect(abs(dot.total - terms.reduce(0) { $0 + $1.product }) < 1e-12)
    }
}
