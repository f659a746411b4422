import Testing
@testable import ResNetIO

@Suite struct ResNetIOSmokeTests {
    @Test func moduleLoads() { #expect(Bool(true)) }
}
