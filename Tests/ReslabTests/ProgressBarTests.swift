import Platform
import Testing

@testable import reslab

@Suite struct ProgressBarTests {
    @Test func progressBarLineShowsBarPercentSizesAndSpeed() {
        #expect(
            ProgressBar.line(received: 47_100_000, total: 97_800_000, perSecond: 12_300_000, width: 10)
                == "[####------]  48% 47.1/97.8 MB 12.3 MB/s")
        #expect(ProgressBar.line(received: 0, total: 100, perSecond: nil, width: 4) == "[----]   0% 0.0/0.0 MB")
        #expect(ProgressBar.line(received: 100, total: 100, perSecond: nil, width: 4) == "[####] 100% 0.0/0.0 MB")
        #expect(ProgressBar.line(received: 5_000_000, total: nil, perSecond: 1_000_000) == "5.0 MB 1.0 MB/s")
    }

    @Test func progressBarCountsImagesAsTheyAre() {
        #expect(
            ProgressBar.line(received: 12, total: 64, perSecond: 8.14, width: 10, unit: .items)
                == "[#---------]  18% 12/64 8.1/s")
    }

    @Test func progressBarIsOffUnlessAskedOrOnATerminal() {
        let bar = ProgressBar(isEnabled: false)
        #expect(!bar.isEnabled)
        bar.update(received: 1, total: 2)  // draws nothing, and must not fail
        bar.finish()
        #expect(ProgressBar().isEnabled == Terminal.standardErrorIsTerminal)
    }
}
