import Platform
import ResNetCore

// Diagrams as files: `%path x --svg FILE` / `--dot FILE` (the residual block that made `x`) and
// `%diagram model --svg FILE` / `--dot FILE` (every layer of a model). Like Keras's
// `plot_model(show_shapes=True)`, but each block's shortcut is drawn beside its main path. The blocks
// come from `ResidualBlock`, the same analysis the text drawing of `%path` uses.

/// What to draw into which files.
public struct DiagramRequest: Equatable, Sendable {
    /// One residual block, or a whole model.
    public enum Scope: Equatable, Sendable {
        /// The block that made a tensor (`%path x --svg FILE`).
        case block
        /// Every layer of a model, or of everything that leads to a tensor (`%diagram model --svg FILE`).
        case model
    }

    /// The variable to draw.
    public let name: String
    public let scope: Scope
    /// Where the SVG goes, if asked for.
    public let svg: PathArgument?
    /// Where the Graphviz DOT goes, if asked for.
    public let dot: PathArgument?

    public init(name: String, scope: Scope, svg: PathArgument?, dot: PathArgument?) {
        self.name = name
        self.scope = scope
        self.svg = svg
        self.dot = dot
    }
}

/// A graph of layers laid out in two columns: the main path and, beside it, each block's shortcut.
struct Diagram {
    /// One layer: a box in a column.
    struct Box {
        /// The node's index in the graph's nodes.
        let node: Int
        let name: String
        /// The Keras class, with the kernel and stride of a convolution (`Conv2D 3x3/1`).
        let kind: String
        let shape: String
        let style: Style
        /// 0: the main column; 1: the shortcut column.
        let column: Int
        let row: Int
    }

    /// How a box is coloured.
    enum Style {
        case input, convolution, normalization, activation, add, other

        init(_ layer: any Layer) {
            switch layer {
            case is InputLayer: self = .input
            case is Conv2D: self = .convolution
            case is BatchNormalization: self = .normalization
            case is Activation: self = .activation
            case is Add: self = .add
            default: self = .other
            }
        }

        var fill: String {
            switch self {
            case .input: "#e5e7eb"
            case .convolution: "#dbeafe"
            case .normalization: "#fef9c3"
            case .activation: "#dcfce7"
            case .add: "#fed7aa"
            case .other: "#ede9fe"
            }
        }
    }

    /// An arrow from one box to another (indices into `boxes`).
    struct Edge {
        let from: Int
        let to: Int
        /// Set on a block's identity shortcut (the SVG says it beside the arrow, from its block's title).
        let label: String?
    }

    /// A residual block's boxes, framed together.
    struct Group {
        let title: String
        /// What the shortcut is (`shortcut: identity (the input itself)`).
        let shortcutTitle: String
        let firstRow: Int
        let lastRow: Int
        /// The boxes of the main path, the add and the ReLU after it.
        let boxes: [Int]
        /// The boxes of the shortcut.
        let shortcutBoxes: [Int]
    }

    let title: String
    private(set) var boxes: [Box] = []
    private(set) var edges: [Edge] = []
    private(set) var groups: [Group] = []

    /// Lays out `nodes[included]` (in graph order) row by row; each of `blocks` whose layers are included
    /// takes its rows together, the main path in the left column and the shortcut beside it.
    init(title: String, nodes: [Node], including included: [Int], blocks: [ResidualBlock]) {
        self.title = title
        let included = included.sorted()
        let isIncluded = Set(included)
        var blockOf = [Int: Int]()
        for (number, block) in blocks.enumerated() {
            for node in block.main + block.shortcut + [block.add] { blockOf[node] = number }
            if let activation = block.activation { blockOf[activation] = number }
        }
        var boxOf = [Int: Int]()
        var row = 0
        func place(_ node: Int, column: Int, row: Int) {
            guard isIncluded.contains(node), boxOf[node] == nil else { return }
            let layer = nodes[node].layer
            boxOf[node] = boxes.count
            boxes.append(
                Box(
                    node: node, name: nodes[node].name, kind: BlockDiagram.describe(layer),
                    shape: kerasShape(nodes[node].outputShape), style: Style(layer), column: column, row: row))
        }
        var placedBlocks = Set<Int>()
        for node in included where boxOf[node] == nil {
            guard let number = blockOf[node], !placedBlocks.contains(number) else {
                place(node, column: 0, row: row)
                row += 1
                continue
            }
            placedBlocks.insert(number)
            let block = blocks[number]
            let first = row
            for (offset, index) in block.main.enumerated() { place(index, column: 0, row: first + offset) }
            for (offset, index) in block.shortcut.enumerated() { place(index, column: 1, row: first + offset) }
            row = first + max(block.main.count, block.shortcut.count)
            place(block.add, column: 0, row: row)
            row += 1
            if let activation = block.activation, isIncluded.contains(activation) {
                place(activation, column: 0, row: row)
                row += 1
            }
            groups.append(
                Group(
                    title: Self.blockTitle(block, in: nodes), shortcutTitle: block.shortcutTitle(in: nodes).localized,
                    firstRow: first, lastRow: row - 1,
                    boxes: (block.main + [block.add] + (block.activation.map { [$0] } ?? [])).compactMap { boxOf[$0] },
                    shortcutBoxes: block.shortcut.compactMap { boxOf[$0] }))
        }
        let identities = Set(
            blocks.filter(\.shortcut.isEmpty).compactMap { block in block.input.map { [$0, block.add] } })
        for box in boxes.indices {
            let node = boxes[box].node
            for input in nodes[node].inputs {
                guard let from = boxOf[input] else { continue }
                let label = identities.contains([input, node]) ? Message.identityArrow.localized : nil
                edges.append(Edge(from: from, to: box, label: label))
            }
        }
    }

    /// The diagram of the residual block `block` of `nodes`: its input, both branches, the add and its ReLU.
    init(title: String, block: ResidualBlock, in nodes: [Node]) {
        let layers = (block.input.map { [$0] } ?? []) + block.main + block.shortcut + [block.add]
        self.init(
            title: title, nodes: nodes, including: layers + (block.activation.map { [$0] } ?? []), blocks: [block])
    }

    /// Every layer of `model`, each residual block with its shortcut beside it.
    init(model: Model) {
        let blocks = model.nodes.indices.compactMap { ResidualBlock(add: $0, in: model.nodes) }
        self.init(
            title: Message.diagramTitle(model.name, layers: model.nodes.count).localized, nodes: model.nodes,
            including: Array(model.nodes.indices), blocks: blocks)
    }

    /// A block's name from its layers' names: `res2a` (the tutorial's `res2a_branch2a`), `conv2_block1`
    /// (keras.applications' `conv2_block1_1_conv`), else the add's name.
    static func blockTitle(_ block: ResidualBlock, in nodes: [Node]) -> String {
        let names = block.main.map { nodes[$0].name }
        if let first = names.first, let range = first.range(of: "_branch") {
            return String(first[..<range.lowerBound])
        }
        if var prefix = names.first {
            for name in names.dropFirst() {
                while !name.hasPrefix(prefix) { prefix.removeLast() }
            }
            while prefix.hasSuffix("_") { prefix.removeLast() }
            if prefix.count >= 3 { return prefix }
        }
        return nodes[block.add].name
    }
}

// MARK: - SVG

extension Diagram {
    /// Sizes in pixels; text is 12px monospace, about 7.2px a column (a CJK character takes two).
    private enum Metric {
        static let column = 7.5
        static let line = 15.0
        static let padding = 8.0
        static let boxHeight = 3 * line + 2 * padding
        static let rowGap = 30.0
        static let groupGap = 30.0
        static let columnGap = 70.0
        static let margin = 16.0
    }

    /// A standalone SVG document: no external style sheet, font or image.
    var svg: String {
        typealias M = Metric
        func textWidth(_ text: String) -> Double { Double(displayWidth(text)) * M.column }
        let gutter = max(90, (groups.map { textWidth($0.title) }.max() ?? 0) + 2 * M.padding)
        func columnWidth(_ column: Int) -> Double {
            let widths = boxes.filter { $0.column == column }.map { box in
                [box.name, box.kind, box.shape].map(textWidth).max()! + 2 * M.padding
            }
            return max(150, widths.max() ?? 0)
        }
        let widths = [columnWidth(0), columnWidth(1)]
        let left = [M.margin + gutter, M.margin + gutter + widths[0] + M.columnGap]
        let lane = left[1] + widths[1] / 2
        // The y of each row's top: more room where a block starts or ends, for its frame.
        let rows = (boxes.map(\.row).max() ?? -1) + 1
        var top = [Double]()
        var y = M.margin + 34
        for row in 0..<rows {
            if groups.contains(where: { $0.firstRow == row }) { y += M.groupGap }
            top.append(y)
            y += M.boxHeight + M.rowGap
            if groups.contains(where: { $0.lastRow == row }) { y += M.groupGap / 2 }
        }
        let labelWidth = groups.map { textWidth($0.shortcutTitle) }.max() ?? 0
        let width = max(left[1] + widths[1], lane + 8 + labelWidth, M.margin + textWidth(title) * 1.2) + M.margin
        let height = y - M.rowGap + M.margin

        func frame(_ box: Box) -> (x: Double, y: Double, w: Double, h: Double) {
            (left[box.column], top[box.row], widths[box.column], M.boxHeight)
        }
        var out = [String]()
        out.append(##"<?xml version="1.0" encoding="UTF-8"?>"##)
        out.append(
            ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(n(width))" height="\##(n(height))" "##
                + ##"viewBox="0 0 \##(n(width)) \##(n(height))" font-family="monospace" font-size="12">"##)
        out.append("<title>\(xmlEscaped(title))</title>")
        out.append(
            ##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" "##
                + ##"orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#374151"/></marker></defs>"##)
        out.append(##"<rect width="100%" height="100%" fill="#ffffff"/>"##)
        out.append(
            ##"<text x="\##(n(M.margin))" y="\##(n(M.margin + 16))" font-family="sans-serif" font-size="16" "##
                + ##"font-weight="bold">\##(xmlEscaped(title))</text>"##)
        for (number, group) in groups.enumerated() {
            let y0 = top[group.firstRow] - M.groupGap + 6
            let y1 = top[group.lastRow] + M.boxHeight + M.groupGap / 2 - 4
            let fill = number % 2 == 0 ? "#f8fafc" : "#f1f5f9"
            out.append(
                ##"<rect x="\##(n(M.margin / 2))" y="\##(n(y0))" width="\##(n(width - M.margin))" "##
                    + ##"height="\##(n(y1 - y0))" rx="8" fill="\##(fill)" stroke="#94a3b8" stroke-dasharray="4 3"/>"##)
            out.append(
                ##"<text x="\##(n(M.margin))" y="\##(n(top[group.firstRow] + M.line))" font-weight="bold">"##
                    + ##"\##(xmlEscaped(group.title))</text>"##)
            out.append(
                ##"<text x="\##(n(M.margin))" y="\##(n(top[group.firstRow] + 2 * M.line))" font-size="11" "##
                    + ##"fill="#475569">\##(xmlEscaped(Message.mainPath.localized))</text>"##)
            // What the shortcut is: above its first box, or beside the identity arrow.
            let labelY =
                group.shortcutBoxes.first.map { top[boxes[$0].row] - 8 }
                ?? (top[group.firstRow] + M.boxHeight / 2)
            out.append(
                ##"<text x="\##(n(lane + 8))" y="\##(n(labelY))" font-size="11" fill="#475569">"##
                    + ##"\##(xmlEscaped(group.shortcutTitle))</text>"##)
        }
        for edge in edges {
            let a = frame(boxes[edge.from])
            let b = frame(boxes[edge.to])
            let (from, to) = (boxes[edge.from], boxes[edge.to])
            let (acx, acy, bcx, bcy) = (a.x + a.w / 2, a.y + a.h / 2, b.x + b.w / 2, b.y + b.h / 2)
            var points: [(Double, Double)]
            if from.column == to.column, to.row == from.row + 1 || to.row <= from.row {
                points = [(acx, a.y + a.h), (bcx, b.y)]
            } else if from.column == 0, to.column == 1 {
                points = [(a.x + a.w, acy), (bcx, acy), (bcx, b.y)]
            } else if from.column == 1, to.column == 0 {
                points = [(acx, a.y + a.h), (acx, bcy), (b.x + b.w, bcy)]
            } else {
                // Past the rows between: down a lane to the right (the shortcut column's middle).
                let x = from.column == 0 ? lane : left[1] + widths[1] + M.columnGap / 3
                points = [(a.x + a.w, acy), (x, acy), (x, bcy), (b.x + b.w, bcy)]
            }
            let path = points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
            out.append(
                ##"<polyline points="\##(path)" fill="none" stroke="#374151" stroke-width="1.5" "##
                    + ##"marker-end="url(#arrow)"/>"##)
        }
        for box in boxes {
            let f = frame(box)
            out.append("<g>")
            out.append(
                ##"<rect x="\##(n(f.x))" y="\##(n(f.y))" width="\##(n(f.w))" height="\##(n(f.h))" rx="5" "##
                    + ##"fill="\##(box.style.fill)" stroke="#374151"/>"##)
            for (line, text) in [box.name, box.kind, box.shape].enumerated() {
                let weight = line == 0 ? ##" font-weight="bold""## : ""
                out.append(
                    ##"<text x="\##(n(f.x + M.padding))" y="\##(n(f.y + M.padding + Double(line + 1) * M.line - 3))""##
                        + ##"\##(weight)>\##(xmlEscaped(text))</text>"##)
            }
            out.append("</g>")
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }
}

/// A coordinate with at most one decimal.
private func n(_ value: Double) -> String {
    let tenths = Int((value * 10).rounded())
    return tenths % 10 == 0 ? String(tenths / 10) : String(format1: value)
}

/// `text` safe inside an XML element or attribute: `& < > " '` as entities, and the control characters
/// XML 1.0 cannot hold as U+FFFD.
func xmlEscaped(_ text: String) -> String {
    var result = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        case "'": result += "&apos;"
        case "\t", "\n", "\r": result += " "
        default:
            result.unicodeScalars.append(
                scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value) ? "\u{FFFD}" : scalar)
        }
    }
    return result
}

// MARK: - DOT

extension Diagram {
    /// The same graph in Graphviz DOT: every block in a cluster, its shortcut in a cluster of its own
    /// beside the main path (whose layers share one `group`, so that dot draws them in a straight column).
    var dot: String {
        var out = ["digraph \(dotQuoted(title)) {"]
        out.append(
            "  graph [rankdir=TB, fontname=\"sans-serif\", label=\(dotQuoted(title)), labelloc=t, nodesep=0.5, newrank=true];"
        )
        out.append("  node [shape=box, style=\"rounded,filled\", fontname=\"monospace\", fontsize=10];")
        out.append("  edge [fontname=\"sans-serif\", fontsize=9, color=\"#374151\"];")
        func node(_ box: Int, indent: String) -> String {
            let b = boxes[box]
            let label = [b.name, b.kind, b.shape].map(dotEscaped).joined(separator: "\\n")
            let group = b.column == 0 ? ", group=main" : ""
            return "\(indent)n\(b.node) [label=\"\(label)\", fillcolor=\"\(b.style.fill)\"\(group)];"
        }
        let grouped = Set(groups.flatMap { $0.boxes + $0.shortcutBoxes })
        var emitted = Set<Int>()
        for box in boxes.indices {
            if !grouped.contains(box) {
                out.append(node(box, indent: "  "))
                continue
            }
            guard let number = groups.firstIndex(where: { $0.boxes.contains(box) }), !emitted.contains(number)
            else { continue }
            let group = groups[number]
            emitted.insert(number)
            out.append("  subgraph cluster_block\(number) {")
            out.append("    label=\(dotQuoted(group.title)); style=\"rounded,dashed\"; color=\"#94a3b8\";")
            for member in group.boxes { out.append(node(member, indent: "    ")) }
            if !group.shortcutBoxes.isEmpty {
                out.append("    subgraph cluster_block\(number)_shortcut {")
                out.append("      label=\(dotQuoted(group.shortcutTitle)); style=dotted; color=\"#64748b\";")
                for member in group.shortcutBoxes { out.append(node(member, indent: "      ")) }
                out.append("    }")
            }
            out.append("  }")
        }
        // A shortcut starts level with its main path.
        for group in groups {
            if let main = group.boxes.first, let shortcut = group.shortcutBoxes.first {
                out.append("  { rank=same; n\(boxes[main].node); n\(boxes[shortcut].node); }")
            }
        }
        for edge in edges {
            // The identity arrow pulls no layer out of the main column (weight 0).
            let label = edge.label.map { " [label=\(dotQuoted($0)), style=bold, weight=0]" } ?? ""
            out.append("  n\(boxes[edge.from].node) -> n\(boxes[edge.to].node)\(label);")
        }
        out.append("}")
        return out.joined(separator: "\n") + "\n"
    }
}

/// `text` safe inside a DOT double-quoted string: `\` and `"` escaped, control characters as U+FFFD.
func dotEscaped(_ text: String) -> String {
    var result = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\": result += "\\\\"
        case "\"": result += "\\\""
        default: result.unicodeScalars.append(scalar.value < 0x20 || scalar.value == 0x7F ? "\u{FFFD}" : scalar)
        }
    }
    return result
}

/// `text` as a DOT double-quoted string.
func dotQuoted(_ text: String) -> String { "\"" + dotEscaped(text) + "\"" }

// MARK: - The commands

extension Notebook {
    /// `%path x --svg FILE` and `%diagram model --dot FILE`: draws and writes every file asked for, all of
    /// them or none (each goes to a temporary file first; they are renamed into place once all are written).
    func writeDiagram(_ request: DiagramRequest) throws -> String {
        let value = try interpreter.lookup(request.name)
        let diagram: Diagram
        let what: String
        let layers: Int
        switch request.scope {
        case .block:
            guard case .tensor(let tensor) = value else {
                throw NotebookError.typeMismatch(Message.pathTakesTensor.localized)
            }
            let block = try ResidualBlock(containing: tensor)
            let nodes = tensor.graph.nodes
            what = Message.diagramBlockTitle(request.name, block: Diagram.blockTitle(block, in: nodes)).localized
            diagram = Diagram(title: what, block: block, in: nodes)
            layers = diagram.boxes.count
        case .model:
            let model = try upstreamModel(value)
            diagram = Diagram(model: model)
            what = request.name
            layers = model.nodes.count
        }
        var files = [(file: AtomicFile, format: String)]()
        for (path, format) in [(request.svg, "SVG"), (request.dot, "DOT")] {
            guard let path else { continue }
            let file = try AtomicFile(replacing: resolve(path))
            try file.write((format == "SVG" ? diagram.svg : diagram.dot).utf8)
            files.append((file, format))
        }
        for (file, _) in files { try file.commit() }
        return files.map {
            Message.diagramWritten(format: $0.format, path: $0.file.path, what: what, layers: layers).localized
        }.joined(separator: "\n")
    }
}
