import ArgumentParser

/// `--out FILE`: where a command writes the model it fits (atomically: a temporary file, then a
/// rename). Every command that writes a model names its output this way; `--model FILE`, the older
/// spelling of `fit`, `pretrain`, `meta-train`, `select-train` and `auto`, keeps working, hidden
/// from the help. Giving both is an error.
struct ModelOutput: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Where to write the model (.safetensors); written atomically.", valueName: "file"))
    var out: String?

    @Option(name: .customLong("model"), help: ArgumentHelp("The older spelling of --out.", visibility: .hidden))
    var legacyModel: String?

    func validate() throws {
        if out != nil && legacyModel != nil {
            throw ValidationError("give the model's output once: --out FILE (--model FILE is its older spelling), not both")
        }
    }

    /// The output path, if one was given.
    var path: String? { out ?? legacyModel }

    /// The output path of a command that must write a model.
    func required() throws -> String {
        guard let path else { throw ValidationError("Missing expected argument '--out <file>' (where to write the model)") }
        return path
    }
}
