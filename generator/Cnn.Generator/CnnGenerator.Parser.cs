using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Cnn.Generator.Diagnostics;
using Cnn.Generator.Helpers;
using Cnn.Generator.Layers;
using Cnn.Generator.Model;
using Cnn.Generator.Validation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Cnn.Generator;

public sealed partial class CnnGenerator
{
    /// <summary>
    /// The front end: the only stage that touches Roslyn symbols. It reads the attributes in source order,
    /// hands plain data to the validator, and turns the validator's problems into located diagnostics.
    /// It never writes code and never throws on bad input.
    /// </summary>
    internal static class Parser
    {
        private const string AttributeNamespace = "Cnn";

        /// <summary>Parses and validates the model class in <paramref name="context"/>.</summary>
        public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var classSyntax = (TypeDeclarationSyntax)context.TargetNode;
            var symbol = (INamedTypeSymbol)context.TargetSymbol;
            var diagnostics = new List<DiagnosticInfo>();

            // Whether the class can take generated members at all; the network may still be invalid.
            bool classValid = CheckPartial(classSyntax, diagnostics) & CheckDeclaration(symbol, classSyntax, diagnostics);
            bool declarationValid = classValid;
            cancellationToken.ThrowIfCancellationRequested();

            // Attribute data by the syntax that applied it, so the list can be read in source order.
            var byNode = new Dictionary<SyntaxNode, AttributeData>();
            foreach (AttributeData attribute in symbol.GetAttributes())
                if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is { } node)
                    byNode[node] = attribute;

            AttributeData model = context.Attributes[0];
            var modelSyntax = model.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
            (int[]? inputDims, Loss loss, long stackBudget) = ReadModel(model);
            bool modelReadable = modelSyntax is null || !HasCompilerError(context.SemanticModel, modelSyntax, cancellationToken);
            if (!modelReadable)
            {
                // The compiler reports the error itself (a wrong argument type may even bind to a truncated value).
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInputShape, modelSyntax!.GetLocation(),
                    "The arguments of [Model] could not be read: fix the compiler error on this attribute"));
                declarationValid = false;
            }

            var items = new List<ParsedItem>();
            int unreadableLayers = 0;
            var itemSyntax = new List<(AttributeSyntax Syntax, AttributeData Data)>();
            foreach (AttributeListSyntax list in classSyntax.AttributeLists)
            {
                foreach (AttributeSyntax attributeSyntax in list.Attributes)
                {
                    if (!byNode.TryGetValue(attributeSyntax, out AttributeData? data) || !IsCnnAttribute(data, out string name))
                        continue;
                    if (!IsListItem(name))
                        continue;
                    if (data.AttributeConstructor is null || data.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error)
                        || data.NamedArguments.Any(a => a.Value.Kind == TypedConstantKind.Error)
                        || HasCompilerError(context.SemanticModel, attributeSyntax, cancellationToken))
                    {
                        // The compiler reports the binding error itself; we say which layer could not be read.
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ArgumentOutOfRange, attributeSyntax.GetLocation(),
                            $"The arguments of [{name.Substring(0, name.Length - "Attribute".Length)}] could not be read: fix the compiler error on this attribute"));
                        declarationValid = false;
                        unreadableLayers++;
                        items.Add(new UnreadableLayerItem());
                        itemSyntax.Add((attributeSyntax, data));
                        continue;
                    }
                    if (ReadItem(name, data) is { } item)
                    {
                        items.Add(item);
                        itemSyntax.Add((attributeSyntax, data));
                    }
                }
            }
            cancellationToken.ThrowIfCancellationRequested();

            declarationValid &= CheckSplitDeclarations(symbol, classSyntax, byNode, diagnostics, cancellationToken);

            // What the compiler could not bind is not guessed at: without a readable [Model] the input shape, the loss
            // and the stack budget are unknown, so nothing that depends on them is checked.
            ValidationResult result = modelReadable
                ? NetworkValidator.Validate(inputDims, loss, stackBudget, items)
                : NetworkValidator.Validate(null, Loss.SparseCategoricalCrossEntropy, NetworkValidator.DefaultStackBudget, items);
            foreach (Problem problem in result.Problems)
            {
                // An unreadable [Model] was reported above; "the input shape is missing" would only repeat it.
                if (!modelReadable && ((problem.ItemIndex < 0 && problem.Id == DiagnosticIds.InvalidInputShape) || problem.Id == DiagnosticIds.LossActivation))
                    continue;
                // Neither is "no layers" news when the layers present could not be read.
                if (unreadableLayers > 0 && problem.Id == DiagnosticIds.NoLayers)
                    continue;
                Location? location = problem.ItemIndex < 0
                    ? (modelSyntax is null ? null : ArgumentLocation(modelSyntax, model, problem.Argument))
                    : ArgumentLocation(itemSyntax[problem.ItemIndex].Syntax, itemSyntax[problem.ItemIndex].Data, problem.Argument);
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ForId(problem.Id), location, problem.Message));
            }

            bool hasError = diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error);
            NetworkSpec? spec = declarationValid && !hasError
                ? new NetworkSpec(ReadHierarchy(symbol), InputShape(inputDims!), loss, result.Layers, result.StackBytes, stackBudget)
                : null;
            EmbeddedWeightsRequest? embedded = EmbeddedWeightsReader.Read(symbol, spec, cancellationToken);
            if (embedded is not null && spec is not null)
            {
                spec = spec with { ReadsEmbeddedWeights = true };
                embedded = embedded with { Spec = spec };
            }
            // An invalid network still gets its public members, as throwing stand-ins, so that the user sees the CNN
            // diagnostics alone rather than one "no member named Forward" error for every use of the model.
            FallbackSpec? fallback = spec is null && classValid
                ? new FallbackSpec(ReadHierarchy(symbol), string.Join(", ", diagnostics.Where(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error)
                    .Select(d => d.Descriptor.Id).Distinct().OrderBy(id => id, System.StringComparer.Ordinal)), loss, embedded is not null, embedded?.CanCreate ?? false)
                : null;
            return new ParseResult(spec, diagnostics.ToEquatableArray()) { EmbeddedWeights = embedded, Fallback = fallback };
        }

        private static bool CheckPartial(TypeDeclarationSyntax classSyntax, List<DiagnosticInfo> diagnostics)
        {
            bool valid = true;
            if (classSyntax.Modifiers.Any(SyntaxKind.StaticKeyword))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, classSyntax.Identifier.GetLocation(),
                    $"'{classSyntax.Identifier.ValueText}' must not be static: a model is an object holding its parameters; remove 'static'"));
                valid = false;
            }
            for (SyntaxNode? node = classSyntax; node is TypeDeclarationSyntax type; node = node.Parent)
            {
                if (!type.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, type.Identifier.GetLocation(),
                        $"'{type.Identifier.ValueText}' must be declared partial: the generator adds the network's members to {(type == classSyntax ? "it" : $"'{classSyntax.Identifier.ValueText}' inside it")}"));
                    valid = false;
                }
            }
            return valid;
        }

        /// <summary>
        /// CNN0001 for declarations the emitter cannot extend: a struct (the generated members need a class),
        /// a file-local class (a partial of it cannot live in the generated file), and a class whose name or
        /// type parameter is the name of a generated member (C# forbids a member named like its class).
        /// </summary>
        private static bool CheckDeclaration(INamedTypeSymbol symbol, TypeDeclarationSyntax classSyntax, List<DiagnosticInfo> diagnostics)
        {
            bool valid = true;
            string name = classSyntax.Identifier.ValueText;
            if (symbol.TypeKind != TypeKind.Class)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, classSyntax.Identifier.GetLocation(),
                    $"'{name}' must be a class: a model is an object holding its parameters; declare it 'partial class' or 'partial record'"));
                valid = false;
            }
            if (symbol.IsFileLocal)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, classSyntax.Identifier.GetLocation(),
                    $"'{name}' must not be file-local: the generator adds its members in another file; remove 'file'"));
                valid = false;
            }
            if (IsGeneratedMemberName(name))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, classSyntax.Identifier.GetLocation(),
                    $"'{name}' cannot name a model class: the generator adds a member '{name}' to it, and a member cannot have the name of its class; rename the class"));
                valid = false;
            }
            if (classSyntax.TypeParameterList is { } typeParameters)
            {
                foreach (TypeParameterSyntax parameter in typeParameters.Parameters)
                {
                    if (!IsGeneratedMemberName(parameter.Identifier.ValueText)) continue;
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, parameter.GetLocation(),
                        $"The type parameter '{parameter.Identifier.ValueText}' of '{name}' has the name of a member the generator adds: rename it"));
                    valid = false;
                }
            }
            return valid;
        }

        /// <summary>The members the emitter declares in the model class (besides those named after layers, see <see cref="s_generatedPrefixes"/>).</summary>
        private static readonly HashSet<string> s_generatedMembers = new(System.StringComparer.Ordinal)
        {
            "InputSize", "OutputSize", "ParameterCount", "TrainingLoss", "InputShape", "OutputShape", "Summary", "Layers",
            "ParameterTensors", "Parameters", "InitializeParameters", "Forward", "Predict", "AccumulateGradients",
            "AccumulateOutputGradients", "InputGradient", "AccumulateGradientsCore", "Backpropagate", "s_layers",
            "s_parameterTensors", "_parameters", "_embeddedParameters", "ParameterValues", "CopyEmbeddedParameters",
        };

        /// <summary>The prefixes of generated members named after layers: methods, and the size and offset constants.</summary>
        private static readonly string[] s_generatedPrefixes = { "Forward_", "Backward_", "Size_", "Offset_" };

        private static bool IsGeneratedMemberName(string name) =>
            s_generatedMembers.Contains(name) || s_generatedPrefixes.Any(prefix => name.StartsWith(prefix, System.StringComparison.Ordinal));

        /// <summary>
        /// Whether the compiler has an error on <paramref name="attribute"/>. A wrong argument type can still bind to
        /// a value (<c>Activation = 3.5</c> reads as 3), so the attribute data alone cannot be trusted then.
        /// </summary>
        private static bool HasCompilerError(SemanticModel semanticModel, AttributeSyntax attribute, CancellationToken cancellationToken)
        {
            if (attribute.SyntaxTree != semanticModel.SyntaxTree) return false;
            foreach (Diagnostic diagnostic in semanticModel.GetDiagnostics(attribute.Span, cancellationToken))
                if (diagnostic.Severity == DiagnosticSeverity.Error) return true;
            return false;
        }

        /// <summary>CNN0010: the order of the layers only exists on one declaration, the one with [Model].</summary>
        private static bool CheckSplitDeclarations(INamedTypeSymbol symbol, TypeDeclarationSyntax modelDeclaration,
            Dictionary<SyntaxNode, AttributeData> byNode, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            bool valid = true;
            foreach (SyntaxReference reference in symbol.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax other || other == modelDeclaration)
                    continue;
                foreach (AttributeSyntax attributeSyntax in other.AttributeLists.SelectMany(l => l.Attributes))
                {
                    if (byNode.TryGetValue(attributeSyntax, out AttributeData? data) && IsCnnAttribute(data, out string name) && IsListItem(name))
                    {
                        string shortName = name.Substring(0, name.Length - "Attribute".Length);
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SplitDeclarations, attributeSyntax.GetLocation(),
                            $"[{shortName}] is on another partial declaration of '{symbol.Name}' than [Model]: move it to the declaration with [Model], where the order of the layers is defined"));
                        valid = false;
                    }
                }
            }
            return valid;
        }

        private static bool IsCnnAttribute(AttributeData data, out string name)
        {
            name = data.AttributeClass?.Name ?? "";
            return data.AttributeClass is { TypeKind: not TypeKind.Error } type
                && type.ContainingNamespace is { } ns && ns.ToDisplayString() == AttributeNamespace
                && type.ContainingType is null;
        }

        /// <summary>Whether the attribute is an item of the model's list: a layer kind or an assertion.</summary>
        private static bool IsListItem(string name) =>
            LayerKinds.ByAttribute.ContainsKey(name) || name is nameof(Attributes.ExpectShapeAttribute) or nameof(Attributes.ExpectParametersAttribute);

        private static (int[]? Dims, Loss Loss, long StackBudget) ReadModel(AttributeData model)
        {
            int[]? dims = null;
            if (model.AttributeConstructor is not null && model.ConstructorArguments.All(a => a.Kind != TypedConstantKind.Error))
            {
                int?[] values = model.ConstructorArguments.Select(AsInt).ToArray();
                if (values.All(v => v.HasValue)) dims = values.Select(v => v!.Value).ToArray();
            }
            // Out-of-range values are passed on as they are: the validator reports them.
            var named = Named(model);
            Loss loss = named.TryGetValue(nameof(Attributes.ModelAttribute.Loss), out TypedConstant l) && AsInt(l) is int li ? (Loss)li : Loss.SparseCategoricalCrossEntropy;
            long budget = named.TryGetValue(nameof(Attributes.ModelAttribute.StackBudget), out TypedConstant b) && AsInt(b) is int bi ? bi : NetworkValidator.DefaultStackBudget;
            return (dims, loss, budget);
        }

        private static ParsedItem? ReadItem(string attributeName, AttributeData data)
        {
            var args = data.ConstructorArguments;
            if (LayerKinds.ByAttribute.TryGetValue(attributeName, out LayerKind? kind))
            {
                var named = new Dictionary<string, object?>(System.StringComparer.Ordinal);
                foreach (KeyValuePair<string, TypedConstant> pair in Named(data)) named[pair.Key] = Value(pair.Value);
                LayerSpec layer = kind.Read(new AttributeArguments(args.Select(Value).ToArray(), named));
                string name = named.TryGetValue(nameof(Attributes.LayerAttribute.Name), out object? n) && n is string s ? s : "";
                string? input = named.TryGetValue(nameof(Attributes.LayerAttribute.Input), out object? i) ? i as string ?? "" : null;
                return new LayerItem(layer with { Name = name, InputArgument = input });
            }
            switch (attributeName)
            {
                case nameof(Attributes.ExpectShapeAttribute):
                {
                    // ExpectShape(null) binds to a null array, whose Values cannot be read: it states no shape.
                    if (args.Length > 0 && args[0].Kind == TypedConstantKind.Array && args[0].IsNull)
                        return new ExpectShapeItem(new EquatableArray<int>(System.Array.Empty<int>()), IsNull: true);
                    int[] dims = args.Length > 0 && args[0].Kind == TypedConstantKind.Array
                        ? args[0].Values.Select(v => AsInt(v) ?? -1).ToArray()
                        : args.Select(v => AsInt(v) ?? -1).ToArray();
                    return new ExpectShapeItem(new EquatableArray<int>(dims));
                }
                case nameof(Attributes.ExpectParametersAttribute):
                    return new ExpectParametersItem(args.Length > 0 ? AsInt(args[0]) ?? 0 : 0);
                default:
                    return null;
            }
        }

        /// <summary>A constant as a plain value for <see cref="AttributeArguments"/>: enums as their int, arrays as object arrays.</summary>
        private static object? Value(TypedConstant constant) => constant.Kind switch
        {
            TypedConstantKind.Error => null,
            TypedConstantKind.Array => constant.IsNull ? null : constant.Values.Select(Value).ToArray(),
            _ => constant.Value,
        };

        private static Dictionary<string, TypedConstant> Named(AttributeData data)
        {
            var named = new Dictionary<string, TypedConstant>();
            foreach (KeyValuePair<string, TypedConstant> pair in data.NamedArguments)
                if (pair.Value.Kind != TypedConstantKind.Error) named[pair.Key] = pair.Value;
            return named;
        }

        private static int? AsInt(TypedConstant constant) =>
            constant.Kind is TypedConstantKind.Primitive or TypedConstantKind.Enum && constant.Value is int value ? value : null;

        /// <summary>Argument names the validator uses that the attribute spells another way.</summary>
        private static readonly Dictionary<string, string> s_argumentAliases = new()
        {
            ["kernelHeight"] = "kernel",
            ["kernelWidth"] = "kernel",
            ["height"] = "size",
            ["width"] = "size",
            ["StrideHeight"] = "Stride",
            ["StrideWidth"] = "Stride",
        };

        /// <summary>The location of the argument to blame, or of the whole attribute.</summary>
        private static Location ArgumentLocation(AttributeSyntax syntax, AttributeData data, string? argument)
        {
            if (argument is null || syntax.ArgumentList is null)
                return syntax.GetLocation();
            SeparatedSyntaxList<AttributeArgumentSyntax> arguments = syntax.ArgumentList.Arguments;
            // "inputs[2]": the third element of a params array, written as the third positional argument from there.
            int element = 0;
            int bracket = argument.IndexOf('[');
            if (bracket > 0 && argument.EndsWith("]", System.StringComparison.Ordinal)
                && int.TryParse(argument.Substring(bracket + 1, argument.Length - bracket - 2), out int parsed))
            {
                element = parsed;
                argument = argument.Substring(0, bracket);
            }
            for (string? name = argument; name is not null; name = s_argumentAliases.TryGetValue(name, out string? alias) ? alias : null)
            {
                foreach (AttributeArgumentSyntax a in arguments)
                    if (a.NameEquals?.Name.Identifier.ValueText == name || a.NameColon?.Name.Identifier.ValueText == name)
                        return a.GetLocation();
                if (data.AttributeConstructor is { } constructor)
                {
                    int ordinal = constructor.Parameters.IndexOf(constructor.Parameters.FirstOrDefault(p => p.Name == name)!);
                    var positional = arguments.Where(a => a.NameEquals is null && a.NameColon is null).ToList();
                    if (ordinal >= 0 && ordinal + element < positional.Count)
                        return positional[ordinal + element].GetLocation();
                }
            }
            return syntax.GetLocation();
        }

        private static TensorShape InputShape(int[] dims) =>
            NetworkValidator.Shape(dims);

        private static HierarchyInfo ReadHierarchy(INamedTypeSymbol symbol)
        {
            var types = new List<TypeDeclarationInfo>();
            for (INamedTypeSymbol? type = symbol; type is not null; type = type.ContainingType)
            {
                string keyword = type.IsRecord
                    ? (type.TypeKind == TypeKind.Struct ? "record struct" : "record")
                    : type.TypeKind switch { TypeKind.Struct => "struct", TypeKind.Interface => "interface", _ => "class" };
                string name = type.TypeParameters.Length == 0
                    ? Identifier(type.Name)
                    : $"{Identifier(type.Name)}<{string.Join(", ", type.TypeParameters.Select(p => Identifier(p.Name)))}>";
                types.Insert(0, new TypeDeclarationInfo(keyword, name, type.Name, type.TypeParameters.Length));
            }
            var segments = new List<string>();
            for (INamespaceSymbol? n = symbol.ContainingNamespace; n is { IsGlobalNamespace: false }; n = n.ContainingNamespace)
                segments.Insert(0, Identifier(n.Name));
            return new HierarchyInfo(string.Join(".", segments), types.ToEquatableArray());
        }

        /// <summary>A name as C# source: a keyword (<c>void</c>, <c>class</c>) needs the <c>@</c> prefix to be an identifier.</summary>
        internal static string Identifier(string name) =>
            SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
    }
}
