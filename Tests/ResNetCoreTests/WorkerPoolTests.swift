import Synchronization
import Testing

@testable import ResNetCore

@Suite struct WorkerPoolTests {
    /// A helper thread that starts only after the pool's first job is published (a pool made just
    /// before a pass, as `classify` makes it when its kernels come from the cache) still takes a part of
    /// that job. It used to wait for the next one: a stream of images never started, and one core ran
    /// them all while the other spun.
    @Test func aHelperThatStartsLateTakesPartInTheFirstJob() {
        var missed = 0
        for _ in 0..<50 {
            let pool = WorkerPool(threadCount: 2)
            let secondPartStarted = Atomic<Bool>(false)
            let clock = ContinuousClock()
            pool.spinning {
                pool.run(2) { part in
                    guard part == 0 else {
                        secondPartStarted.store(true, ordering: .sequentiallyConsistent)
                        return
                    }
                    // The caller takes part 0: part 1 can start only on the helper while this waits.
                    let deadline = clock.now + .milliseconds(500)
                    while !secondPartStarted.load(ordering: .sequentiallyConsistent) && clock.now < deadline {}
                    if !secondPartStarted.load(ordering: .sequentiallyConsistent) { missed += 1 }
                }
            }
        }
        #expect(missed == 0, "the helper missed the first job of \(missed) pools out of 50")
    }
}
