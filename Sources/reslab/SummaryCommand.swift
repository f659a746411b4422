import ArgumentParser
import Notebook
import ResNetCore

/// `reslab summary`: the Keras table of the network's layers.
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary", abstract: Message.cliSummaryAbstract.localized)

    @Option(help: ArgumentHelp(Message.cliVariant.localized))
    var variant: ResNet50Variant = .tutorial

    func run() throws {
        print(try variant.build().summary())
    }
}
