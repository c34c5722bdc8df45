using System.Collections.Generic;

namespace Cnn.Generator.Layers;

/// <summary>
/// The registry of layer kinds: the one place that lists them. Each kind lives in one file of this folder, a record
/// deriving from <see cref="Model.LayerSpec"/> that reads, checks, infers, lays out and emits itself.
/// </summary>
internal static class LayerKinds
{
    /// <summary>Every layer kind, by the attribute that declares it.</summary>
    public static readonly IReadOnlyDictionary<string, LayerKind> ByAttribute = Index(
        Conv2DSpec.Kind,
        DepthwiseConv2DSpec.Kind,
        SeparableConv2DSpec.Kind,
        Conv1DSpec.Kind,
        Pool2DSpec.MaxKind,
        Pool2DSpec.AverageKind,
        DenseSpec.Kind,
        BatchNormalizationSpec.Kind,
        FlattenSpec.Kind,
        DropoutSpec.Kind,
        ReLUSpec.Kind,
        ReLUSpec.LeakyKind,
        ActivationSpec.SigmoidKind,
        ActivationSpec.TanhKind,
        ActivationSpec.SoftmaxKind,
        AddSpec.Kind,
        ConcatenateSpec.Kind,

        GlobalPoolSpec.Average2DKind,
        GlobalPoolSpec.Max2DKind,
        GlobalPoolSpec.Average1DKind,
        GlobalPoolSpec.Max1DKind,
        ZeroPadding2DSpec.Kind,
        Pool1DSpec.MaxKind,
        Pool1DSpec.AverageKind);

    private static Dictionary<string, LayerKind> Index(params LayerKind[] kinds)
    {
        var index = new Dictionary<string, LayerKind>(System.StringComparer.Ordinal);
        foreach (LayerKind kind in kinds) index.Add(kind.AttributeName, kind);
        return index;
    }
}
