import ResNetCore

/// Seeded mutations of a corpus, for where libFuzzer does not build: the same corpus, dictionary
/// and seed give the same inputs, run after run.
public struct Mutator {
    private var generator: SplitMix64
    private let corpus: [[UInt8]]
    private let dictionary: [[UInt8]]
    /// No input grows past this many bytes.
    public let maxLength: Int

    /// Values that sit on the edges of sizes and counts.
    private static let interesting: [UInt32] = [
        0, 1, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF,
    ]

    public init(corpus: [[UInt8]], dictionary: [[UInt8]], seed: UInt64, maxLength: Int = 1 << 16) {
        self.generator = SplitMix64(seed: seed)
        self.corpus = corpus.isEmpty ? [[]] : corpus
        self.dictionary = dictionary.isEmpty ? [[0]] : dictionary
        self.maxLength = maxLength
    }

    /// The next input: a corpus entry with one to four edits stacked on it.
    public mutating func next() -> [UInt8] {
        var bytes = corpus.randomElement(using: &generator)!
        for _ in 0..<Int.random(in: 1...4, using: &generator) { mutate(&bytes) }
        return Array(bytes.prefix(maxLength))
    }

    private mutating func mutate(_ bytes: inout [UInt8]) {
        let position = Int.random(in: 0...bytes.count, using: &generator)
        let atByte = position < bytes.count
        switch Int.random(in: 0..<9, using: &generator) {
        case 0 where atByte:
            bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &generator)
        case 1 where atByte:
            bytes[position] = UInt8(truncatingIfNeeded: Self.interesting.randomElement(using: &generator)!)
        case 2:
            bytes.insert(UInt8.random(in: 0...255, using: &generator), at: position)
        case 3 where atByte:
            bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...16, using: &generator)))
        case 4:
            bytes.insert(contentsOf: slice(of: bytes), at: position)
        case 5:
            bytes.insert(contentsOf: slice(of: corpus.randomElement(using: &generator)!), at: position)
        case 6 where position + 4 <= bytes.count:
            let value = Self.interesting.randomElement(using: &generator)!
            let ordered = Bool.random(using: &generator) ? value.bigEndian : value.littleEndian
            withUnsafeBytes(of: ordered) { bytes.replaceSubrange(position..<position + 4, with: $0) }
        case 7:
            bytes.insert(contentsOf: dictionary.randomElement(using: &generator)!, at: position)
        default:
            bytes.removeSubrange(position...)
        }
    }

    /// Up to 64 consecutive bytes of `source`, from a random place.
    private mutating func slice(of source: [UInt8]) -> ArraySlice<UInt8> {
        guard !source.isEmpty else { return [] }
        let start = Int.random(in: 0..<source.count, using: &generator)
        return source[start..<min(source.count, start + Int.random(in: 1...64, using: &generator))]
    }
}
