// The colour maps pictures of activations are drawn with: a value from 0 (low) to 1 (high) becomes
// an RGB colour.

/// A colour map: a value in 0…1 to an 8-bit RGB colour.
public enum ColourMap: Sendable {
    /// Dark violet through blue and green to yellow; its lightness grows with the value, so a
    /// feature map reads the same in grey. For feature maps.
    case viridis
    /// Dark blue through cyan, yellow and red to dark red (MATLAB's jet). For class activation maps,
    /// where hot means "here".
    case jet

    /// viridis at ten evenly spaced values (viridisLite's `viridis(10)`); between them, linear.
    private static let viridisStops: [(UInt8, UInt8, UInt8)] = [
        (0x44, 0x01, 0x54), (0x48, 0x28, 0x78), (0x3E, 0x4A, 0x89), (0x31, 0x68, 0x8E), (0x26, 0x82, 0x8E),
        (0x1F, 0x9E, 0x89), (0x35, 0xB7, 0x79), (0x6D, 0xCD, 0x59), (0xB4, 0xDE, 0x2C), (0xFD, 0xE7, 0x25),
    ]

    /// The colour of `value`; values outside 0…1 (and NaN, as 0) take the nearest end's colour.
    public func colour(_ value: Float) -> (r: UInt8, g: UInt8, b: UInt8) {
        let t = value.isNaN ? 0 : min(1, max(0, value))
        switch self {
        case .viridis:
            let stops = Self.viridisStops
            let position = t * Float(stops.count - 1)
            let low = min(Int(position), stops.count - 2)
            let fraction = position - Float(low)
            func mix(_ a: UInt8, _ b: UInt8) -> UInt8 {
                UInt8((Float(a) + (Float(b) - Float(a)) * fraction).rounded())
            }
            let (a, b) = (stops[low], stops[low + 1])
            return (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
        case .jet:
            func ramp(_ centre: Float) -> UInt8 { UInt8((min(1, max(0, 1.5 - abs(4 * t - centre))) * 255).rounded()) }
            return (ramp(3), ramp(2), ramp(1))
        }
    }
}
