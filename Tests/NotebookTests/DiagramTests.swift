// Diagrams as files (`%path x --svg FILE`, `%diagram model --dot FILE`): what the SVG and the DOT hold, the
// shortcut beside the main path, escaping, and how the commands parse. pytest renders the files with
// rsvg-convert and Graphviz (tests/test_diagrams.py).
import Testing

@testable import Notebook
@testable import ResNetCore

/// The tutorial's stage-2 identity block and stage-3 conv block, each on its own input.
private func tutorialBlock(conv: Bool) throws -> (KerasTensor, ResidualBlock) {
    let graph = LayerGraph()
    let x = try Input(shape: [55, 55, 256], in: graph)
    let y =
        conv
        ? try convBlock(x, kernelSize: 3, filters: [128, 128, 512], stage: 3, block: "a")
        : try identityBlock(x, kernelSize: 3, filters: [64, 64, 256], stage: 2, block: "b")
    return (y, try ResidualBlock(containing: y))
}

/// Every layer `%path` shows for the block: its input, both branches, the add and the ReLU after it.
private func layers(of block: ResidualBlock) -> [Int] {
    [block.input!] + block.main + block.shortcut + [block.add, block.activation!]
}

@Suite struct DiagramTests {
    @Test(arguments: [false, true])
    func everyLayerNameAndShapeOfTheBlockIsInTheSVGAndTheDOT(conv: Bool) throws {
        let (y, block) = try tutorialBlock(conv: conv)
        let nodes = y.graph.nodes
        let diagram = Diagram(title: "y", block: block, in: nodes)
        #expect(diagram.boxes.count == (conv ? 13 : 11))
        for index in layers(of: block) {
            let node = nodes[index]
            for text in [node.name, kerasShape(node.outputShape)] {
                #expect(diagram.svg.contains(">\(text)</text>"), "\(text)")
                #expect(diagram.dot.contains(text), "\(text)")
            }
        }
    }

    @Test func theConvBlocksShortcutStandsBesideTheMainPathAndStartsLevelWithIt() throws {
        let (y, block) = try tutorialBlock(conv: true)
        let diagram = Diagram(title: "y", block: block, in: y.graph.nodes)
        let shortcut = diagram.boxes.filter { $0.column == 1 }
        #expect(shortcut.map(\.name) == ["res3a_branch1", "bn3a_branch1"])
        let firstMain = diagram.boxes.first { $0.name == "res3a_branch2a" }!
        #expect(firstMain.column == 0 && shortcut[0].row == firstMain.row)
        let add = diagram.boxes.first { $0.name == y.graph.nodes[block.add].name }!
        let mainRows = block.main.map { index in diagram.boxes.first { $0.node == index }!.row }
        #expect(add.column == 0 && add.row == mainRows.max()! + 1)
        #expect(diagram.groups.map(\.title) == ["res3a"])
        #expect(diagram.svg.contains("shortcut: 1x1 projection, stride 2"))
        #expect(diagram.dot.contains("subgraph cluster_block0_shortcut {"))
        #expect(diagram.dot.contains("rank=same; n1; n\(block.shortcut[0]);"))
    }

    @Test func theIdentityBlocksShortcutIsOneLabelledArrowFromTheInputToTheAdd() throws {
        let (y, block) = try tutorialBlock(conv: false)
        let diagram = Diagram(title: "y", block: block, in: y.graph.nodes)
        #expect(diagram.boxes.allSatisfy { $0.column == 0 })
        let identity = diagram.edges.filter { $0.label != nil }
        #expect(identity.count == 1)
        #expect(diagram.boxes[identity[0].from].node == block.input && diagram.boxes[identity[0].to].node == block.add)
        #expect(diagram.dot.contains("n\(block.input!) -> n\(block.add) [label=\"identity\""))
        #expect(!diagram.dot.contains("_shortcut"))
        #expect(diagram.svg.contains("shortcut: identity (the input itself)"))
        // Into the add from the lane on the right: a four-point line, not a straight one through the main path.
        #expect(diagram.svg.split(separator: "\n").filter { $0.hasPrefix("<polyline") }.count == diagram.edges.count)
    }

    @Test func theWholeResNet50HasEveryLayerAndSixteenBlocksFourOfThemWithAProjection() throws {
        let model = try ResNet50()
        let diagram = Diagram(model: model)
        #expect(diagram.boxes.count == 177)
        #expect(diagram.groups.count == 16)
        #expect(
            diagram.groups.filter { !$0.shortcutBoxes.isEmpty }.map(\.title) == ["res2a", "res3a", "res4a", "res5a"])
        #expect(diagram.groups.map(\.title).last == "res5c")
        #expect(diagram.edges.filter { $0.label != nil }.count == 12)
        #expect(diagram.svg.contains("<title>resnet50: 177 layers</title>"))
        // Rows: 177 layers less the 8 that stand beside the main path.
        #expect(Set(diagram.boxes.map(\.row)).count == 169)
    }

    @Test func keraApplicationsBlocksAreNamedAfterTheirLayers() throws {
        let diagram = Diagram(model: try KerasApplicationsResNet50())
        #expect(diagram.groups.first?.title == "conv2_block1")
        #expect(diagram.groups.count == 16)
    }

    @Test func layerNamesAreEscapedInXMLAndInDOT() throws {
        let graph = LayerGraph()
        let x = try Input(shape: [8, 8, 4], in: graph)
        let name = #"a<b>&"c'\d"#
        let m = try Conv2D(4, kernelSize: (1, 1), name: name)(x)
        let y = try add([m, x], name: "add\u{1}")
        let diagram = Diagram(title: "t&t", block: try ResidualBlock(containing: y), in: graph.nodes)
        #expect(diagram.svg.contains(#"a&lt;b&gt;&amp;&quot;c&apos;\d"#))
        #expect(!diagram.svg.contains(name) && !diagram.svg.contains("\u{1}"))
        #expect(diagram.svg.contains("<title>t&amp;t</title>"))
        #expect(diagram.dot.contains(#"label="a<b>&\"c'\\d\n"#))
        #expect(diagram.dot.contains("add\u{FFFD}") && !diagram.dot.contains("\u{1}"))
    }

    @Test func escapingLeavesOrdinaryTextAlone() {
        #expect(xmlEscaped("res2a_branch2a (None, 55, 55, 64) 主路径") == "res2a_branch2a (None, 55, 55, 64) 主路径")
        #expect(xmlEscaped("<&>\"'") == "&lt;&amp;&gt;&quot;&apos;")
        #expect(dotEscaped(#"say "hi" \n"#) == #"say \"hi\" \\n"#)
        #expect(dotQuoted("a") == "\"a\"")
    }
}

@Suite struct DiagramCommandTests {
    @Test func pathWithAFileIsADiagramOfTheBlockAndWithoutOneTheTextDrawing() throws {
        #expect(try Command.parse("%path x") == .path("x"))
        #expect(
            try Command.parse("%path x --svg block.svg")
                == .diagram(DiagramRequest(name: "x", scope: .block, svg: .word("block.svg"), dot: nil)))
        #expect(
            try Command.parse("%path x --dot 'my block.dot' --svg b.svg")
                == .diagram(DiagramRequest(name: "x", scope: .block, svg: .word("b.svg"), dot: .quoted("my block.dot")))
        )
    }

    @Test func diagramDrawsTheWholeModelAndNeedsAFile() throws {
        #expect(
            try Command.parse("%diagram model --dot m.dot")
                == .diagram(DiagramRequest(name: "model", scope: .model, svg: nil, dot: .word("m.dot"))))
        #expect(throws: CommandError.usage("%diagram model [--svg FILE] [--dot FILE]")) {
            try Command.parse("%diagram model")
        }
        #expect(throws: CommandError.usage("%path x [--svg FILE] [--dot FILE]")) { try Command.parse("%path x --svg") }
    }

    @Test func helpListsDiagramAndThePathOptions() {
        #expect(CommandSpec.helpText.contains("%diagram model [--svg FILE] [--dot FILE]"))
        #expect(CommandSpec.help(for: "%path")?.contains("--svg") == true)
        #expect(Notebook().completions(line: "%path x --s", word: "--s") == ["--svg"])
    }

    @Test func aDiagramOfSomethingThatIsNoBlockSaysSoInOneLine() {
        let notebook = Notebook()
        notebook.run("x = Input(shape=(8, 8, 3))")
        #expect(notebook.run("%path x --svg x.svg").error?.contains("not inside a residual block") == true)
        notebook.run("n = 3")
        #expect(notebook.run("%diagram n --svg n.svg").error == "expected a model or a tensor, got int")
    }
}
