// Reading a weight file and lowering its layers take about as long as each other (some 0.1 s each
// for ResNet50's 102 MB), so the engine does both at once: a thread of its own reads the layers, in
// the order lowering takes them, while the caller's thread folds and packs the ones already read.

import Platform

/// Reads one layer's weights, each array in Keras's order, e.g. from a weight file. Called once for
/// each layer that owns weights, one call at a time, on a thread of the engine's own.
public typealias LayerWeightsReader = @Sendable (_ layer: String, _ specs: [WeightSpec]) throws -> [Tensor]

/// Layers read ahead on a thread of their own, in a fixed order, for a consumer that takes them in that
/// order. At most `budget` bytes wait to be taken (one layer more if a single layer is larger), so the
/// reader never holds much more than the consumer is working on.
final class WeightsReadAhead: @unchecked Sendable {
    /// The layers read, in the order they are read and taken.
    private let order: [(layer: String, specs: [WeightSpec])]
    private let read: LayerWeightsReader
    private let budget: Int
    private let layersRead: Set<String>

    // Guarded by `mutex`.
    private var waiting: [String: [Tensor]] = [:]
    private var waitingBytes = 0
    private var failure: (any Error)?
    private var stopped = false

    private var mutex = pthread_mutex_t()
    private var changed = pthread_cond_t()
    private var thread = pthread_t()

    /// Starts reading the layers of `order`, with `read`.
    init(order: [(layer: String, specs: [WeightSpec])], budget: Int = 16 << 20, read: @escaping LayerWeightsReader) {
        self.order = order
        self.read = read
        self.budget = budget
        self.layersRead = Set(order.map(\.layer))
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&changed, nil)
        let context = Unmanaged.passRetained(self).toOpaque()
        let started = pthread_create(
            &thread, nil,
            { context in
                let readAhead = Unmanaged<WeightsReadAhead>.fromOpaque(context!).takeRetainedValue()
                readAhead.readAll()
                return nil
            }, context)
        if started != 0 {
            // No thread to be had: each layer is read when it is taken instead.
            Unmanaged<WeightsReadAhead>.fromOpaque(context).release()
            thread = pthread_t()
            stopped = true
        }
    }

    deinit {
        pthread_cond_destroy(&changed)
        pthread_mutex_destroy(&mutex)
    }

    /// `layer`'s weights, checked against its specs: waits for the reader to reach it. A layer not in the
    /// order owns no weights: `[]`.
    /// - Throws: the reader's error, on this layer or one before it.
    func take(_ layer: String) throws -> [Tensor] {
        guard layersRead.contains(layer) else { return [] }
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while waiting[layer] == nil && failure == nil && !stopped { pthread_cond_wait(&changed, &mutex) }
        if let tensors = waiting.removeValue(forKey: layer) {
            waitingBytes -= Self.bytes(tensors)
            pthread_cond_broadcast(&changed)
            return tensors
        }
        if let failure { throw failure }
        // No reader thread: read here.
        let specs = order.first { $0.layer == layer }!.specs
        return try Self.checked(read(layer, specs), layer: layer, specs: specs)
    }

    /// Stops the reader (wherever it is) and waits for its thread to end. Call it once, when done.
    func finish() {
        pthread_mutex_lock(&mutex)
        let hadThread = !stopped
        stopped = true
        pthread_cond_broadcast(&changed)
        pthread_mutex_unlock(&mutex)
        if hadThread { pthread_join(thread, nil) }
    }

    /// The reader thread: each layer in order, pausing while `budget` bytes wait, until all are read, one
    /// fails, or `finish` stops it.
    private func readAll() {
        for (layer, specs) in order {
            pthread_mutex_lock(&mutex)
            while waitingBytes > 0 && waitingBytes >= budget && !stopped { pthread_cond_wait(&changed, &mutex) }
            let isStopped = stopped
            pthread_mutex_unlock(&mutex)
            if isStopped { return }

            let result = Result { try Self.checked(read(layer, specs), layer: layer, specs: specs) }
            pthread_mutex_lock(&mutex)
            defer {
                pthread_cond_broadcast(&changed)
                pthread_mutex_unlock(&mutex)
            }
            switch result {
            case .success(let tensors):
                waiting[layer] = tensors
                waitingBytes += Self.bytes(tensors)
            case .failure(let error):
                failure = error
                return
            }
        }
    }

    private static func checked(_ tensors: [Tensor], layer: String, specs: [WeightSpec]) throws -> [Tensor] {
        try ModelWeights.check(tensors, layer: layer, specs: specs)
        return tensors
    }

    private static func bytes(_ tensors: [Tensor]) -> Int { tensors.reduce(0) { $0 + $1.data.count * 4 } }
}
