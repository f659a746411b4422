import Testing
@testable import ResNetCore

@Suite struct TensorTests {
    @Test func filledTensorHasOneValuePerElement() {
        let t = Tensor(shape: [1, 2, 3, 4], repeating: 1)
        #expect(t.count == 24)
    }
}
