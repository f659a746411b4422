// Threads that split a convolution between them. During a forward pass they spin, waiting for the
// next piece of work, so a split costs microseconds; between passes they sleep. (Waking a sleeping
// thread for every one of ResNet50's ~150 splits, as a plain dispatch queue does, left over a
// quarter of the splits running on one thread.) A thread that spins yields the core at each turn:
// when another process wants it, the thread whose part is late gets it sooner.

import Platform
import Synchronization

/// A fixed set of helper threads plus the caller, running `parts` pieces of one job at a time.
final class WorkerPool: @unchecked Sendable {
    /// Threads working on a job, the caller included.
    let threadCount: Int

    /// The current job as one word: generation (bits 40…), part count (20…39), next unclaimed part (0…19).
    /// Claiming a part is a compare-and-swap on it, so a helper can never claim a part of a job
    /// other than the one it saw.
    private let state = Atomic<Int>(0)
    private let finishedParts = Atomic<Int>(0)
    private let spinning = Atomic<Bool>(false)
    private let shuttingDown = Atomic<Bool>(false)
    /// Written before the job's `state` is published (release), read after a part is claimed (acquire).
    private var job: ((Int) -> Void)?

    /// The generation of the last job before the current pass, written under `mutex` as a pass
    /// starts: a helper woken for the pass takes every job after it, even one published before it woke.
    private var generationAtStart = 0
    private var mutex = pthread_mutex_t()
    private var wakeUp = pthread_cond_t()
    private var threads: [pthread_t] = []

    init(threadCount: Int) {
        self.threadCount = max(1, threadCount)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&wakeUp, nil)
        for _ in 1..<self.threadCount {
            var thread = pthread_t()
            let context = Unmanaged.passUnretained(self).toOpaque()
            pthread_create(
                &thread, nil,
                { context in
                    Unmanaged<WorkerPool>.fromOpaque(context!).takeUnretainedValue().workerLoop()
                    return nil
                }, context)
            threads.append(thread)
        }
    }

    deinit {
        shuttingDown.store(true, ordering: .sequentiallyConsistent)
        pthread_mutex_lock(&mutex)
        pthread_cond_broadcast(&wakeUp)
        pthread_mutex_unlock(&mutex)
        for thread in threads { pthread_join(thread, nil) }
        pthread_cond_destroy(&wakeUp)
        pthread_mutex_destroy(&mutex)
    }

    /// Keeps the helpers spinning (ready within microseconds) while `body` runs, e.g. a forward pass.
    func spinning<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        generationAtStart = state.load(ordering: .relaxed) >> 40
        spinning.store(true, ordering: .sequentiallyConsistent)
        pthread_cond_broadcast(&wakeUp)
        pthread_mutex_unlock(&mutex)
        defer { spinning.store(false, ordering: .sequentiallyConsistent) }
        return try body()
    }

    /// Runs `body(0)`, …, `body(parts - 1)` on the helpers and the caller; returns when all are done.
    func run(_ parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 || threadCount == 1 || !spinning.load(ordering: .relaxed) {
            for part in 0..<parts { body(part) }
            return
        }
        precondition(parts < 1 << 20)
        withoutActuallyEscaping(body) { body in
            job = body
            finishedParts.store(0, ordering: .relaxed)
            let generation = (state.load(ordering: .relaxed) >> 40) &+ 1
            let published = Self.pack(generation: generation, parts: parts, next: 0)
            state.store(published, ordering: .releasing)
            work(generation: generation)
            while finishedParts.load(ordering: .acquiring) < parts { sched_yield() }
            job = nil
        }
    }

    private static func pack(generation: Int, parts: Int, next: Int) -> Int {
        (generation & 0xFF_FFFF) << 40 | parts << 20 | next
    }

    /// Claims and runs parts of job `generation` until none are left.
    private func work(generation: Int) {
        while true {
            let current = state.load(ordering: .acquiring)
            let (parts, next) = ((current >> 20) & 0xF_FFFF, current & 0xF_FFFF)
            guard current >> 40 == generation & 0xFF_FFFF, next < parts else { return }
            guard
                state.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
                    .exchanged
            else { continue }
            job!(next)
            finishedParts.add(1, ordering: .releasing)
        }
    }

    private func workerLoop() {
        // As after a wake-up: a thread that starts during the pool's first pass (the caller may have
        // published its first job already) takes every job of that pass.
        pthread_mutex_lock(&mutex)
        var seen = generationAtStart
        pthread_mutex_unlock(&mutex)
        while !shuttingDown.load(ordering: .relaxed) {
            if spinning.load(ordering: .relaxed) {
                let current = state.load(ordering: .acquiring) >> 40
                if current != seen {
                    seen = current
                    work(generation: current)
                } else {
                    sched_yield()
                }
            } else {
                pthread_mutex_lock(&mutex)
                while !spinning.load(ordering: .sequentiallyConsistent) && !shuttingDown.load(ordering: .relaxed) {
                    pthread_cond_wait(&wakeUp, &mutex)
                }
                // Not the generation now: the caller may have published the pass's first job already.
                seen = generationAtStart
                pthread_mutex_unlock(&mutex)
            }
        }
    }
}

/// A lock on pthread's mutex, which ThreadSanitizer follows; it cannot see into the atomics of
/// Synchronization's `Mutex`, and so takes what that lock orders for a race.
final class Lock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` holding the lock.
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
