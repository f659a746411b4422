// The parser of the prompt's Python subset, on its own: the tree each construct gives, and the
// errors (with their columns) for what it refuses.
import Testing

@testable import Notebook

@Suite struct SyntaxTests {
    private func parse(_ source: String) throws -> Statement { try Parser.statement(source) }

    @Test func assignmentOfACallWithPositionalAndKeywordArguments() throws {
        let statement = try parse("x = Conv2D(64, (1, 1), strides=(2, 2), name='conv1')(x)")
        let layer = Expression.call(
            .name("Conv2D"), arguments: [.integer(64), .tuple([.integer(1), .integer(1)])],
            keywords: [
                KeywordArgument(name: "strides", value: .tuple([.integer(2), .integer(2)])),
                KeywordArgument(name: "name", value: .string("conv1")),
            ])
        #expect(statement == .assignment(targets: ["x"], value: .call(layer, arguments: [.name("x")], keywords: [])))
    }

    @Test func tupleUnpackingAssignsSeveralNames() throws {
        #expect(
            try parse("filters1, filters2, filters3 = filters")
                == .assignment(targets: ["filters1", "filters2", "filters3"], value: .name("filters")))
    }

    @Test func multiplicationBindsTighterThanAdditionAndMinusIsUnary() throws {
        #expect(
            try parse("1 + 2 * -3")
                == .expression(.binary("+", .integer(1), .binary("*", .integer(2), .negative(.integer(3))))))
    }

    @Test func attributesCallsAndSubscriptsChainLeftToRight() throws {
        #expect(
            try parse("decode_predictions(preds)[0][1]")
                == .expression(
                    .subscripted(
                        .subscripted(
                            .call(.name("decode_predictions"), arguments: [.name("preds")], keywords: []), .integer(0)),
                        .integer(1))))
        #expect(
            try parse("layers.add([x, shortcut])")
                == .expression(
                    .call(
                        .attribute(.name("layers"), "add"), arguments: [.list([.name("x"), .name("shortcut")])],
                        keywords: [])))
    }

    @Test func stringsConcatenateAndNumbersTakeUnderscores() throws {
        #expect(try parse("'res' 'net'") == .expression(.string("resnet")))
        #expect(try parse("1_000") == .expression(.integer(1000)))
        #expect(try parse("1e-3") == .expression(.float(0.001)))
        #expect(try parse("(1,)") == .expression(.tuple([.integer(1)])))
    }

    @Test func importsAreStatementsOfTheirOwn() throws {
        #expect(try parse("from keras.layers import Input") == .importStatement)
        #expect(try parse("import numpy as np") == .importStatement)
    }

    @Test(arguments: [
        ("x = (1, 2", "syntax error at column 10: expected ')' to close the tuple, found the end of the line"),
        ("f(a=1, 2)", "syntax error at column 8: positional argument after keyword arguments"),
        ("f(a=1, a=2)", "syntax error at column 10: keyword argument 'a' given twice"),
        ("x[1:2]", "syntax error at column 4: slices are not supported"),
        ("{'a': 1}", "syntax error at column 1: dictionaries and sets are not supported"),
        ("2 ** 3", "syntax error at column 3: '**' is not supported"),
        ("'open", "syntax error at column 1: the string is not closed: add '"),
        ("x.1", "syntax error at column 2: unexpected 0.1; one statement per cell"),
        ("f(x) = 1", "syntax error at column 6: only names can be assigned to (x = …, or a, b = …)"),
        ("99999999999999999999", "syntax error at column 1: the number 99999999999999999999 is too large"),
    ])
    func refusedLinesSayWhatAndWhere(_ source: String, _ message: String) {
        do {
            _ = try parse(source)
            Issue.record("\(source) parsed")
        } catch {
            #expect("\(error)" == message)
        }
    }

    @Test func nestingIsBoundedWithAMessage() {
        let deep = String(repeating: "(", count: 100) + "1" + String(repeating: ")", count: 100)
        #expect(throws: SyntaxError.self) { try parse(deep) }
    }

    @Test func continuationIsNeededOnlyAfterAnOpenBracketOrComma() {
        #expect(SourceText.needsMoreInput("x = Conv2D(16, (3, 3),"))
        #expect(SourceText.needsMoreInput("x = layers.add(["))
        #expect(!SourceText.needsMoreInput("x = (1, 2)"))
        #expect(!SourceText.needsMoreInput("s = '(',"))
    }
}
