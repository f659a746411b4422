import Foundation
import ResNetCore
import ResNetIO
import Testing

@testable import reslab

@Suite struct ClassifyJSONTests {
    /// Two images' top-2 from a made-up probability vector, with and without all probabilities.
    func results(allProbabilities: Bool, randomWeights: Bool = false) throws -> [ClassifyResult] {
        var probabilities = [Float](repeating: 0, count: 1000)
        probabilities[386] = 0.5
        probabilities[101] = 0.25
        let top = try ImageNetLabels.bundled().decodePredictions(Tensor(shape: [1, 1000], data: probabilities), top: 2)
        return ["a/elephant \"1\".jpg", "b.png"].map {
            ClassifyResult(
                image: $0, top: top[0], probabilities: allProbabilities ? probabilities : nil,
                randomWeights: randomWeights)
        }
    }

    @Test func topClassesKeepTheREADMEsFieldNames() throws {
        let text = try ClassifyResult.json(results(allProbabilities: false))
        #expect(!text.contains("\n"))
        #expect(
            text.hasPrefix(
                #"[{"image":"a/elephant \"1\".jpg","top":[{"index":386,"label":"African_elephant","prob":0.5,"wnid":"n02504458"},"#
            ))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(parsed.count == 2)
        #expect(parsed[1]["image"] as? String == "b.png")
        #expect(parsed[0]["probs"] == nil)
        #expect(parsed[0]["random_weights"] == nil)
        let top = try #require(parsed[0]["top"] as? [[String: Any]])
        #expect(top.map { $0["index"] as? Int } == [386, 101])
        #expect(Set(top[0].keys) == ["index", "wnid", "label", "prob"])
    }

    @Test func randomWeightsAreMarkedOnEveryResult() throws {
        let random = try results(allProbabilities: false, randomWeights: true)
        let text = try ClassifyResult.json(random)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(parsed.map { $0["random_weights"] as? Bool } == [true, true])
        #expect(try JSONDecoder().decode([ClassifyResult].self, from: Data(text.utf8)) == random)
    }

    @Test func allProbabilitiesRoundTrip() throws {
        let results = try results(allProbabilities: true)
        let text = try ClassifyResult.json(results)
        #expect(try JSONDecoder().decode([ClassifyResult].self, from: Data(text.utf8)) == results)
        #expect(results[0].probs?.count == 1000)
    }
}

@Suite struct ClassifyOptionsTests {
    @Test func theBatchIsOneImagePerCoreUnlessGiven() throws {
        let cores = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        #expect(try ClassifyCommand.parse(["a.jpg"]).batch == min(64, max(1, cores)))
        #expect(try ClassifyCommand.parse(["a.jpg", "--batch", "8"]).batch == 8)
    }
}
