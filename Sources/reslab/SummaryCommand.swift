import ArgumentParser
import ResNetCore

/// `reslab summary`: the Keras table of the network's layers.
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary", abstract: "Print the network's layers as Keras's model.summary() does.")

    @Option(help: "Which ResNet50: tutorial or keras-applications.")
    var variant: ResNet50Variant = .tutorial

    func run() throws {
        print(try variant.build().summary())
    }
}
