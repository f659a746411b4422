import Testing

@testable import ResNetCore

@Suite struct BLASTests {
    /// Resolves the entry points from a library that has every one but `missing` (the others are
    /// never called: all are looked up before any is).
    func missingSymbolError(_ missing: String) -> BLASError? {
        let present = UnsafeMutableRawPointer(bitPattern: 0x1000)
        do {
            _ = try BLAS.resolve(library: "libfake.so", choice: .library) { $0 == missing ? nil : present }
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: ["cblas_sgemm", "openblas_set_num_threads", "openblas_get_corename"])
    func missingSymbolErrorNamesTheSymbolThatIsMissing(_ symbol: String) {
        let error = missingSymbolError(symbol)
        #expect(error?.description == "OpenBLAS library libfake.so has no symbol \(symbol)")
    }
}
