using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Cnn.Generator.Diagnostics;
using Cnn.Generator.Helpers;
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

            bool declarationValid = CheckPartial(classSyntax, diagnostics) & CheckDeclaration(symbol, classSyntax, diagnostics);
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
            return new ParseResult(spec, diagnostics.ToEquatableArray()) { EmbeddedWeights = EmbeddedWeightsReader.Read(symbol, spec, cancellationToken) };
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

        /// <summary>The members the emitter declares in the model class (layer methods are <c>Forward_</c>/<c>Backward_</c> + name).</summary>
        private static readonly HashSet<string> s_generatedMembers = new(System.StringComparer.Ordinal)
        {
            "InputSize", "OutputSize", "ParameterCount", "TrainingLoss", "InputShape", "OutputShape", "Summary", "Layers",
            "ParameterTensors", "Parameters", "InitializeParameters", "Forward", "Predict", "AccumulateGradients",
            "AccumulateOutputGradients", "InputGradient", "AccumulateGradientsCore", "Backpropagate", "s_layers",
            "s_parameterTensors", "_parameters",
        };

        private static bool IsGeneratedMemberName(string name) =>
            s_generatedMembers.Contains(name) || name.StartsWith("Forward_", System.StringComparison.Ordinal) || name.StartsWith("Backward_", System.StringComparison.Ordinal);

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

        private static bool IsListItem(string name) => name switch
        {
            "Conv2DAttribute" or "MaxPool2DAttribute" or "AvgPool2DAttribute" or "DenseAttribute" or "FlattenAttribute"
                or "DropoutAttribute" or "ReLUAttribute" or "SigmoidAttribute" or "TanhAttribute" or "SoftmaxAttribute"
                or "ExpectShapeAttribute" or "ExpectParametersAttribute" => true,
            _ => false,
        };

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
            Loss loss = named.TryGetValue("Loss", out TypedConstant l) && AsInt(l) is int li ? (Loss)li : Loss.SparseCategoricalCrossEntropy;
            long budget = named.TryGetValue("StackBudget", out TypedConstant b) && AsInt(b) is int bi ? bi : NetworkValidator.DefaultStackBudget;
            return (dims, loss, budget);
        }

        private static ParsedItem? ReadItem(string attributeName, AttributeData data)
        {
            var args = data.ConstructorArguments;
            var named = Named(data);
            int Arg(int i) => i < args.Length ? AsInt(args[i]) ?? 0 : 0;
            int? NamedInt(string name) => named.TryGetValue(name, out TypedConstant c) ? AsInt(c) : null;
            string Name() => named.TryGetValue("Name", out TypedConstant c) && c.Value is string s ? s : "";
            Activation Act() => (Activation)(NamedInt("Activation") ?? 0);
            Padding Pad() => (Padding)(NamedInt("Padding") ?? 0);
            bool UseBias() => !named.TryGetValue("UseBias", out TypedConstant c) || c.Value is not bool b || b;

            switch (attributeName)
            {
                case "Conv2DAttribute":
                {
                    int kernelHeight = Arg(1), kernelWidth = args.Length > 2 ? Arg(2) : kernelHeight;
                    int stride = NamedInt("Stride") ?? 1;
                    return new LayerItem(new Conv2DSpec(Arg(0), kernelHeight, kernelWidth,
                        NamedInt("StrideHeight") ?? stride, NamedInt("StrideWidth") ?? stride, Pad(), Act(), UseBias()) { Name = Name() });
                }
                case "MaxPool2DAttribute":
                case "AvgPool2DAttribute":
                {
                    int height = Arg(0), width = args.Length > 1 ? Arg(1) : height;
                    int? stride = NamedInt("Stride");
                    return new LayerItem(new Pool2DSpec(attributeName == "MaxPool2DAttribute", height, width,
                        stride ?? height, stride ?? width, Pad()) { Name = Name() });
                }
                case "DenseAttribute":
                    return new LayerItem(new DenseSpec(Arg(0), Act(), UseBias()) { Name = Name() });
                case "FlattenAttribute":
                    return new LayerItem(new FlattenSpec { Name = Name() });
                case "DropoutAttribute":
                    return new LayerItem(new DropoutSpec(args.Length > 0 && args[0].Value is double rate ? rate : double.NaN) { Name = Name() });
                case "ReLUAttribute":
                    return new LayerItem(new ActivationSpec(Activation.ReLU) { Name = Name() });
                case "SigmoidAttribute":
                    return new LayerItem(new ActivationSpec(Activation.Sigmoid) { Name = Name() });
                case "TanhAttribute":
                    return new LayerItem(new ActivationSpec(Activation.Tanh) { Name = Name() });
                case "SoftmaxAttribute":
                    return new LayerItem(new ActivationSpec(Activation.Softmax) { Name = Name() });
                case "ExpectShapeAttribute":
                {
                    // ExpectShape(null) binds to a null array, whose Values cannot be read: it states no shape.
                    if (args.Length > 0 && args[0].Kind == TypedConstantKind.Array && args[0].IsNull)
                        return new ExpectShapeItem(new EquatableArray<int>(System.Array.Empty<int>()), IsNull: true);
                    int[] dims = args.Length > 0 && args[0].Kind == TypedConstantKind.Array
                        ? args[0].Values.Select(v => AsInt(v) ?? -1).ToArray()
                        : args.Select(v => AsInt(v) ?? -1).ToArray();
                    return new ExpectShapeItem(new EquatableArray<int>(dims));
                }
                case "ExpectParametersAttribute":
                    return new ExpectParametersItem(Arg(0));
                default:
                    return null;
            }
        }

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
            for (string? name = argument; name is not null; name = s_argumentAliases.TryGetValue(name, out string? alias) ? alias : null)
            {
                foreach (AttributeArgumentSyntax a in arguments)
                    if (a.NameEquals?.Name.Identifier.ValueText == name || a.NameColon?.Name.Identifier.ValueText == name)
                        return a.GetLocation();
                if (data.AttributeConstructor is { } constructor)
                {
                    int ordinal = constructor.Parameters.IndexOf(constructor.Parameters.FirstOrDefault(p => p.Name == name)!);
                    var positional = arguments.Where(a => a.NameEquals is null && a.NameColon is null).ToList();
                    if (ordinal >= 0 && ordinal < positional.Count)
                        return positional[ordinal].GetLocation();
                }
            }
            return syntax.GetLocation();
        }

        private static TensorShape InputShape(int[] dims) =>
            dims.Length == 3 ? TensorShape.Image(dims[0], dims[1], dims[2]) : TensorShape.Vector(dims[0]);

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
