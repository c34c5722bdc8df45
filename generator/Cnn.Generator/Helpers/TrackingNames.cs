namespace Cnn.Generator.Helpers;

/// <summary>Names of the incremental pipeline steps, so tests can check each step's run reason.</summary>
internal static class TrackingNames
{
    /// <summary>Classes with <c>[Model]</c>, parsed and validated into a spec plus diagnostics.</summary>
    public const string ParsedModels = nameof(ParsedModels);

    /// <summary>The valid specs only: what the source output depends on.</summary>
    public const string Specs = nameof(Specs);

    /// <summary>The invalid networks whose classes get stand-in members.</summary>
    public const string Fallbacks = nameof(Fallbacks);

    /// <summary>The diagnostics only: what the diagnostic output depends on.</summary>
    public const string Diagnostics = nameof(Diagnostics);

    /// <summary>The few compilation facts the emitter needs.</summary>
    public const string CompilationData = nameof(CompilationData);

    /// <summary>The headers of the <c>.safetensors</c> AdditionalFiles.</summary>
    public const string WeightFiles = nameof(WeightFiles);

    /// <summary>Each <c>[EmbeddedWeights]</c> checked against its file.</summary>
    public const string EmbeddedWeights = nameof(EmbeddedWeights);
}
