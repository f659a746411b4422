import Foundation
import Testing

@testable import reslab

/// `bench --compare`'s peers, played by a small Python script that speaks the same protocol.
@Suite struct PeerProcessTests {
    /// A peer that writes `chatter` bytes to stderr before it answers, then times every block as 1 ms.
    func fakePeer(chatter: Int, failing: Bool = false) throws -> String {
        let path = NSTemporaryDirectory() + "/reslab-fake-peer-\(UUID().uuidString).py"
        let script = """
            import json, sys
            sys.stderr.write("w" * \(chatter) + "\\n")
            sys.stderr.flush()
            if \(failing ? "True" : "False"):
                sys.stderr.write("fakepeer is not installed: pip install fakepeer\\n")
                sys.exit(1)
            print(json.dumps({"peer": "fake", "version": "1", "settings": "none"}), flush=True)
            for line in sys.stdin:
                runs = int(line.split()[1])
                print(json.dumps({"ms": [1.0] * runs}), flush=True)
            """
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(.timeLimit(.minutes(1))) func aPeerThatWritesMuchToStderrIsNotStalled() throws {
        // 1 MB: far more than a pipe holds, which once left the peer blocked and reslab waiting.
        let script = try fakePeer(chatter: 1 << 20)
        defer { unlink(script) }
        let peer = try PeerProcess(peer: "fake", weights: "unused.h5", threads: 1, batch: 1, script: script)
        defer { peer.stop() }
        #expect(try peer.time(runs: 3) == [1, 1, 1])
    }

    @Test func aFailingPeerGivesItsLastStderrLine() throws {
        let script = try fakePeer(chatter: 100_000, failing: true)
        defer { unlink(script) }
        let error = #expect(throws: UsageError.self) {
            try PeerProcess(peer: "fake", weights: "unused.h5", threads: 1, batch: 1, script: script)
        }
        #expect(error?.description == "fakepeer is not installed: pip install fakepeer")
    }
}
