import Foundation
import Fuzzing
import Testing

/// The committed corpus (`Corpus/<target>`, the inputs `make fuzz` starts from, and every input
/// that once crashed) and a short seeded mutation run go through each fuzz target on every `swift test`.
struct FuzzCorpusTests {
    @Test(arguments: FuzzTarget.all.map(\.name))
    func everyCorpusInputEndsWithoutACrash(_ name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        let corpus = target.corpus()
        #expect(corpus.count >= 3, "\(target.corpusDirectory) holds \(corpus.count) inputs")
        for input in corpus { target.run(input.bytes) }
    }

    @Test(arguments: FuzzTarget.all.map(\.name))
    func mutatedCorpusInputsEndWithoutACrash(_ name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        var mutator = Mutator(corpus: target.corpus().map(\.bytes), dictionary: target.dictionary, seed: 7)
        for _ in 0..<200 { target.run(mutator.next()) }
    }

    @Test func theSameSeedGivesTheSameInputs() {
        let corpus: [[UInt8]] = [Array("x = Input(shape=(4, 4, 3))".utf8), [0x89, 0x50, 0x4E, 0x47]]
        var first = Mutator(corpus: corpus, dictionary: [Array("(".utf8)], seed: 3)
        var second = Mutator(corpus: corpus, dictionary: [Array("(".utf8)], seed: 3)
        var other = Mutator(corpus: corpus, dictionary: [Array("(".utf8)], seed: 4)
        let inputs = (0..<100).map { _ in first.next() }
        #expect(inputs == (0..<100).map { _ in second.next() })
        #expect(inputs != (0..<100).map { _ in other.next() })
    }

    @Test func mutatedInputsStayWithinTheLengthLimit() {
        var mutator = Mutator(corpus: [[UInt8](repeating: 7, count: 100)], dictionary: [], seed: 1, maxLength: 100)
        #expect((0..<500).allSatisfy { _ in mutator.next().count <= 100 })
    }
}
